"""Hardened parsing, driven by tests/vectors/xmldsig/hostile/cases.toml."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from trust_testkit import VECTORS, require_reference

from trust import TrustError, parse_xml

CASES: list[dict[str, Any]] = tomllib.loads((VECTORS / "xmldsig" / "hostile" / "cases.toml").read_text("utf-8"))[
    "case"
]


def _input(case: dict[str, Any]) -> bytes:
    if "reference" in case:
        return require_reference(*case["reference"].split("/")).read_bytes()
    text: str = case["xml"] * case.get("repeat", 1)
    return text.encode(case.get("encoding", "utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_parse_vector(case: dict[str, Any]) -> None:
    data = _input(case)
    if case["outcome"] == "valid":
        assert parse_xml(data) is not None
        return
    with pytest.raises(TrustError) as caught:
        parse_xml(data)
    assert caught.value.code == case["error"], caught.value.message


def test_size_limit_is_configurable() -> None:
    with pytest.raises(TrustError) as caught:
        parse_xml(b"<a>" + b"x" * 100 + b"</a>", max_bytes=50)
    assert caught.value.code == "XML_HOSTILE"


def test_parse_takes_bytes_only() -> None:
    with pytest.raises(TypeError):
        parse_xml("<a/>")  # type: ignore[arg-type]
