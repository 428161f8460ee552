"""``swgw profiles``: the shipped mapping profiles, as a table for people and as JSON for scripts."""

from __future__ import annotations

import json

import pytest

import mappings
from gateway.tools.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_profiles_json_lists_every_shipped_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "profiles", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [p["id"] for p in listed] == [p.id for p in mappings.list_profiles()]
    hk = next(p for p in listed if p["id"] == "coo-ubl24-cepa-hk")
    assert (hk["document_type"], hk["agreement"], hk["signature"]) == ("certificate-of-origin", "CEPA-HK",
                                                                        "ubl-extension")
    assert hk["format"].endswith("urn:swgw:ubl:coo:cepa-hk:1::2.4")


def test_profiles_table_has_a_line_per_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "profiles")
    assert code == 0
    header, *lines = out.splitlines()
    assert header.split()[:2] == ["PROFILE", "DOCUMENT"]
    assert [line.split()[:3] for line in lines] == [[p.id, p.document_type, p.agreement]
                                                    for p in mappings.list_profiles()]
    # The columns line up: each format starts where the header's FORMAT does.
    column = header.index("FORMAT")
    assert all(line[column:].startswith(p.format) for line, p in zip(lines, mappings.list_profiles(), strict=True))


def test_profiles_of_one_document_type(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "profiles", "--json", "--type", "cargo-manifest")
    assert code == 0
    assert sorted(p["id"] for p in json.loads(out)) == ["manifest-cuscar-d96b", "manifest-efti-consignment"]
