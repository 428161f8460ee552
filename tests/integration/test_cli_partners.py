"""`swgw partners add`: the README's next step after `swgw init`, without editing the configuration by hand."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

import trust
from gateway.tools.cli import load_settings, main
from trust import devpki


def _add(config: Path, ca: Path, *extra: str) -> list[str]:
    return ["partners", "add", "HK", "--config", str(config), "--endpoint", "hk.gateway.test:7443", "--ca", str(ca),
            "--document", "certificate-of-origin=coo-ubl24-cepa-hk", *extra]


def test_partners_add_extends_an_initialised_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path), "--party", "CN"]) == 0
    config = tmp_path / "cn" / "swgw.toml"
    before = config.read_text()
    capsys.readouterr()
    now = datetime.now(UTC)
    ca = devpki.create_ca("HK Partner Add CA", at=now)
    ca_file = tmp_path / "hk-ca.pem"
    ca_file.write_bytes(ca.cert_pem())

    assert main(_add(config, ca_file)) == 0
    out = capsys.readouterr().out
    assert trust.fingerprint(ca.certificate)[:2].upper() in out and "added partner HK" in out
    # The file is extended, not re-serialized: everything init wrote is still there, byte for byte.
    text = config.read_text()
    assert text.startswith(before.rstrip("\n"))
    table = tomllib.loads(text)["partners"][0]
    assert (table["party"], table["tls_server_name"], table["trust_anchors"]) == (
        "HK", "hk.gateway.test", ["trust/hk-ca.pem"])
    assert (config.parent / "trust" / "hk-ca.pem").read_bytes() == ca.cert_pem()
    settings = load_settings(config)
    assert [p.name for p in settings.partners] == ["HK"]

    assert main(["partners", "--config", str(config), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"party": "HK", "transport": "swgw-grpc", "endpoint": "hk.gateway.test:7443",
         "documents": {"certificate-of-origin": "coo-ubl24-cepa-hk"}}]
    assert main(["trust", "audit", "--config", str(config), "--json"]) == 0
    actions = [(e["action"], e["actor_kind"]) for e in json.loads(capsys.readouterr().out)]
    assert ("trust.add", "os-user") in actions

    # A second time is refused with the agreement import's code, and nothing changes.
    assert main(_add(config, ca_file)) == 1
    assert "AGREEMENT_PARTNER_CONFIGURED" in capsys.readouterr().err
    assert config.read_text() == text


def test_partners_add_refuses_a_leaf_and_a_profile_of_another_type(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path), "--party", "CN"]) == 0
    config = tmp_path / "cn" / "swgw.toml"
    before = config.read_text()
    now = datetime.now(UTC)
    leaf = devpki.issue_certificate(devpki.create_ca("HK CA", at=now), "hk signer", at=now, usage="signing")
    leaf_file = tmp_path / "leaf.pem"
    leaf_file.write_bytes(leaf.cert_pem())
    with pytest.raises(SystemExit, match="TRUST_ANCHOR_NOT_CA"):
        main(_add(config, leaf_file))
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(devpki.create_ca("HK CA 2", at=now).cert_pem())
    with pytest.raises(SystemExit, match="the profile maps certificate-of-origin"):
        main(["partners", "add", "HK", "--config", str(config), "--endpoint", "h:1", "--ca", str(ca_file),
              "--document", "cargo-manifest=coo-ubl24-cepa-hk"])
    assert config.read_text() == before
    assert not (config.parent / "trust" / "hk-ca.pem").exists()
    # A CA file of that name with other certificates is not overwritten.
    (config.parent / "trust").mkdir()
    (config.parent / "trust" / "hk-ca.pem").write_bytes(devpki.create_ca("Someone else", at=now).cert_pem())
    capsys.readouterr()
    assert main(_add(config, ca_file)) == 1
    assert "AGREEMENT_PARTNER_CONFIGURED" in capsys.readouterr().err and config.read_text() == before
