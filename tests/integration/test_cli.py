"""The ``swgw`` command for people trying swgw and for scripts."""

from __future__ import annotations

import json
import os
import pwd
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import mappings
from gateway.tools.cli import main
from tests.integration.network import Network, example, running_network, wait_for
from trust import devpki


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Network:
    with running_network(tmp_path_factory.mktemp("net"), ("CN", "HK")) as net:
        yield net  # type: ignore[misc]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _example(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(example(name), ensure_ascii=False))
    return path


def test_init_writes_a_configuration_that_parses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "init", str(tmp_path), "--party", "SG", "--json")
    assert code == 0
    config = tmp_path / "sg" / "swgw.toml"
    data = tomllib.loads(config.read_text())
    assert data["gateway"]["party"] == "SG"
    wrote = json.loads(out)
    assert (wrote["configuration"], wrote["partner_address"], wrote["domestic_address"]) == (
        str(config), data["partner_listener"]["address"], data["domestic_listener"]["address"])
    assert "signing.key.pem" in wrote["key_files"] and wrote["domestic_tls"] is None
    # The keyring `swgw keys rotate` writes into is configured and exists.
    assert data["signing"]["keyring"] == "keys/keyring" and (tmp_path / "sg" / "keys" / "keyring").is_dir()
    assert (tmp_path / "sg" / "keys" / "signing.key.pem").stat().st_mode & 0o077 == 0
    code, out, _ = _run(capsys, "partners", "--config", str(config), "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = _run(capsys, "partners", "--config", str(config))
    assert code == 0 and out == "no partners\n"


def test_validate_reports_element_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "validate", str(_example(tmp_path, "coo-cn-hk")), "--type", "certificate-of-origin",
                        "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = _run(capsys, "validate", str(_example(tmp_path, "coo-cn-hk")), "--type", "certificate-of-origin")
    assert code == 0 and out.startswith("valid: ")
    code, out, _ = _run(capsys, "validate", str(_example(tmp_path, "coo-invalid")), "--type",
                        "certificate-of-origin")
    assert code == 1 and out.startswith("INVALID: ") and "SEVERITY" in out
    code, out, _ = _run(capsys, "validate", str(_example(tmp_path, "coo-invalid")), "--type",
                        "certificate-of-origin", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert any(f["path"].startswith("$.") and f["severity"] == "ERROR" for f in report["findings"])


def test_map_forward_and_reverse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "map", str(_example(tmp_path, "coo-cn-hk")), "--type", "certificate-of-origin",
                        "--profile", "coo-ubl24-cepa-hk")
    assert code == 0 and "CertificateOfOrigin" in out
    document = tmp_path / "coo.xml"
    document.write_text(out)
    code, out, _ = _run(capsys, "map", str(document), "--type", "certificate-of-origin", "--profile",
                        "coo-ubl24-cepa-hk", "--reverse")
    assert code == 0
    assert json.loads(out)["certificate"]["number"] == example("coo-cn-hk")["certificate"]["number"]


def test_map_edifact_needs_the_interchange_parties(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = str(_example(tmp_path, "manifest-cn-mo"))
    with pytest.raises(SystemExit) as info:
        main(["map", record, "--type", "cargo-manifest", "--profile", "manifest-cuscar-d96b"])
    assert "--sender and --recipient" in str(info.value)
    code, out, _ = _run(capsys, "map", record, "--type", "cargo-manifest", "--profile", "manifest-cuscar-d96b",
                        "--sender", "CN", "--recipient", "MO", "--syntax", "UNOC", "--syntax-version", "3")
    assert code == 0 and out.startswith("UNA:+.? 'UNB+UNOC:3+CN+MO+250612:0130+")
    document = tmp_path / "cuscar.edi"
    document.write_text(out, encoding="latin-1")
    code, out, _ = _run(capsys, "map", str(document), "--type", "cargo-manifest", "--profile",
                        "manifest-cuscar-d96b", "--reverse")
    assert code == 0 and json.loads(out)["manifest"]["means_id"] == "IMO9876543"


def test_submit_status_and_operator_commands(network: Network, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    gateway = f"127.0.0.1:{network.apps['CN'].domestic_port}"
    code, out, _ = _run(capsys, "submit", str(_example(tmp_path, "coo-cn-hk")), "--partner", "HK", "--type",
                        "certificate-of-origin", "--gateway", gateway, "--json")
    assert code == 0
    submitted = json.loads(out)
    message_id = submitted["message_id"]
    # QUEUED, or SENDING when a delivery worker was free and took it at once.
    assert submitted["status"] in ("QUEUED", "SENDING") and len(submitted["payload_sha256"]) == 64

    def delivered() -> bool:
        _, status_out, _ = _run(capsys, "status", message_id, "--gateway", gateway, "--json")
        return bool(json.loads(status_out)["status"] == "DELIVERED")

    wait_for(delivered)
    config = str(network.files["CN"].config)
    # One naming online and offline: the gateway's answer and the database's row agree key for key.
    _, status_out, _ = _run(capsys, "status", message_id, "--gateway", gateway, "--json")
    online = json.loads(status_out)
    code, out, _ = _run(capsys, "messages", "show", message_id, "--config", config, "--json")
    offline = json.loads(out)
    assert [h["status"] for h in offline["history"]][-1] == "DELIVERED"
    assert {k: online[k] for k in ("message_id", "direction", "partner", "document_type", "business_key", "status",
                                   "attempts", "payload_sha256", "last_error")} == \
        {k: offline[k] for k in ("message_id", "direction", "partner", "document_type", "business_key", "status",
                                 "attempts", "payload_sha256", "last_error")}
    assert [h["status"] for h in online["history"]] == [h["status"] for h in offline["history"]]
    # For people: aligned fields and a history table, no protobuf names or base64.
    _, status_out, _ = _run(capsys, "status", message_id, "--gateway", gateway)
    assert "status           DELIVERED" in status_out and "MESSAGE_STATUS" not in status_out
    assert online["payload_sha256"] in status_out and "messageId" not in status_out
    code, out, _ = _run(capsys, "messages", "list", "--config", config, "--status", "DELIVERED", "--json")
    assert code == 0 and message_id in {m["message_id"] for m in json.loads(out)}
    code, out, _ = _run(capsys, "messages", "list", "--config", config, "--status", "DELIVERED")
    assert out.startswith("MESSAGE ID") and message_id in out
    code, out, _ = _run(capsys, "trust", "list", "--config", config, "--json")
    rows = json.loads(out)
    assert [r["partner"] for r in rows] == ["HK"] and rows[0]["state"] == "active"
    code, out, _ = _run(capsys, "trust", "audit", "--verify", "--config", config, "--json")
    assert code == 0 and json.loads(out)["ok"] is True and json.loads(out)["problem"] is None
    code, out, _ = _run(capsys, "trust", "audit", "--verify", "--config", config)
    assert code == 0 and out.startswith("audit chain intact: ")


def test_submit_error_is_printed_with_its_code(network: Network, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    gateway = f"127.0.0.1:{network.apps['CN'].domestic_port}"
    code, _, err = _run(capsys, "submit", str(_example(tmp_path, "coo-invalid")), "--partner", "HK", "--type",
                        "certificate-of-origin", "--gateway", gateway)
    assert code == 1 and "RECORD_INVALID" in err


def test_offline_actions_are_audited_as_the_os_account_not_the_environment(
        network: Network, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("USER", "LOGNAME", "SUDO_USER"):
        monkeypatch.setenv(variable, "mallory")
    monkeypatch.setenv("SUDO_UID", "4242")
    ca = devpki.create_ca("HK CLI Audit Test CA", at=datetime.now(UTC))
    pem = tmp_path / "ca.pem"
    pem.write_bytes(ca.cert_pem())
    config = str(network.files["CN"].config)
    # Pending for a year, so that the other tests of this module see the same trust in force.
    code, out, _ = _run(capsys, "trust", "add", "HK", str(pem), "--config", config, "--json", "--valid-from",
                        (datetime.now(UTC) + timedelta(days=365)).isoformat())
    assert code == 0
    fingerprint = json.loads(out)["fingerprint"]
    code, out, _ = _run(capsys, "trust", "audit", "--config", config, "--json")
    entries = [e for e in json.loads(out) if e["details"].get("fingerprint") == fingerprint]
    uid = os.getuid()
    account = pwd.getpwuid(uid).pw_name
    assert [e["action"] for e in entries] == ["trust.add"]
    assert entries[0]["actor"].startswith(f"{account} (uid={uid}")
    assert "mallory" not in entries[0]["actor"] and "4242" not in entries[0]["actor"]
    assert entries[0]["actor_kind"] == "os-user"


def _bad_record(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A record file the parser must refuse, and the JSON path it must name."""
    path = tmp_path / f"{kind}.json"
    if kind == "surrogate":
        record = mappings.load_example("coo-cn-hk")
        record["goods_items"][0]["description"] = "A\ud800B"
        path.write_text(json.dumps(record))  # ASCII, with the escape \ud800
        return path, "$.goods_items[0].description"
    if kind == "deep":
        path.write_text('{"a": ' * 1_000 + "1" + "}" * 1_000)
        return path, "$" + ".a" * mappings.MAX_RECORD_DEPTH
    path.write_bytes(b'{"certificate": {"number": "\xff"}}')
    return path, "$"


@pytest.mark.parametrize("kind", ["surrogate", "deep", "not-utf8"])
def test_validate_and_map_refuse_malformed_records_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path, where = _bad_record(tmp_path, kind)
    code, out, err = _run(capsys, "validate", str(path), "--type", "certificate-of-origin", "--json")
    finding = json.loads(out)["findings"][0]
    assert code == 1 and (finding["code"], finding["path"]) == ("RECORD_MALFORMED", where)
    assert "Traceback" not in err
    code, out, err = _run(capsys, "map", str(path), "--type", "certificate-of-origin", "--profile",
                          "coo-ubl24-cepa-hk")
    body = json.loads(err)
    assert code == 1 and out == "" and (body["code"], body["path"]) == ("RECORD_MALFORMED", where)


def test_map_reverse_refuses_garbage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "garbage.xml"
    path.write_bytes(b"\xff\xfe<not xml")
    code, _, err = _run(capsys, "map", str(path), "--type", "certificate-of-origin", "--profile",
                        "coo-ubl24-cepa-hk", "--reverse")
    assert code == 1 and json.loads(err)["code"] in ("XML_MALFORMED", "DOCUMENT_MALFORMED")


@pytest.mark.parametrize("command", ["validate", "map", "submit"])
def test_unreadable_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    extra = {"map": ["--profile", "coo-ubl24-cepa-hk"], "validate": [],
             "submit": ["--partner", "HK", "--gateway", "127.0.0.1:9"]}[command]
    with pytest.raises(SystemExit) as caught:
        main([command, str(tmp_path / "missing.json"), "--type", "certificate-of-origin", *extra])
    assert str(caught.value.code).startswith(f"swgw: cannot read {tmp_path / 'missing.json'}")


def test_an_unreadable_tls_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "status", "some-id", "--gateway", "127.0.0.1:9", "--tls-ca",
                        str(tmp_path / "missing-ca.pem"))
    assert code == 1 and err == f"swgw: cannot read {tmp_path / 'missing-ca.pem'}: No such file or directory\n"


@pytest.mark.parametrize("argv", [
    ["--partner", "H\udcffK"],
    ["--partner=H\udcffK"],
    ["--partner", "HK", "--idempotency-key", "k\udcff"],
    ["--partner", "HK", "--refers-to", "CN\udcff/1/1"],
])
def test_submit_refuses_arguments_that_are_not_text(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    argv: list[str]) -> None:
    # Undecodable command-line bytes arrive as lone surrogates; no request can carry them. Refused before any
    # connection is made (the gateway address leads nowhere).
    code, _, err = _run(capsys, "submit", str(_example(tmp_path, "coo-cn-hk")), "--type", "certificate-of-origin",
                        "--gateway", "127.0.0.1:9", *argv)
    assert code == 2 and err.startswith("swgw: REQUEST_MALFORMED:")
    expected = [a.split("=")[0] for a in argv if a.startswith("--")][-1]
    assert err.rstrip().endswith(f"at {expected}")


def test_submit_with_a_hundred_findings_prints_the_code(network: Network, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # ~15 kB of error details once exceeded the client's metadata limit: RESOURCE_EXHAUSTED with no code, and a
    # ValueError traceback from error_from_status.
    record = mappings.load_example("coo-cn-hk")
    record["goods_items"] = [{**record["goods_items"][0], "sequence": i + 1, "quantity_unit": "ZZ9"}
                             for i in range(100)]
    path = tmp_path / "hundred.json"
    path.write_text(json.dumps(record))
    gateway = f"127.0.0.1:{network.apps['CN'].domestic_port}"
    code, _, err = _run(capsys, "submit", str(path), "--partner", "HK", "--type", "certificate-of-origin",
                        "--gateway", gateway)
    assert code == 1 and err.startswith("swgw: RECORD_INVALID: ") and len(err.splitlines()) == 1
    assert "findings; the first 10 are in the error details; Validate returns the full report" in err


def test_an_unreachable_gateway_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = _run(capsys, "status", "some-id", "--gateway", f"127.0.0.1:{port}")
    assert code == 1 and err.startswith("swgw: UNAVAILABLE: ") and len(err.splitlines()) == 1


def test_init_prints_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "init", str(tmp_path), "--party", "SG", "--domestic-tls")
    assert code == 0
    config = tmp_path / "sg" / "swgw.toml"
    data = tomllib.loads(config.read_text())
    # "  partner port    127.0.0.1:..." lines: the label, two spaces or more, the value.
    lines = {line.strip().split("  ")[0]: line for line in out.splitlines()[1:] if line.startswith("  ") and
             not line.startswith("  swgw")}
    assert lines["configuration"].split()[-1] == str(config)
    assert lines["party"].split()[-1] == "SG"
    assert data["partner_listener"]["address"] in lines["partner port"]
    assert data["domestic_listener"]["address"] in lines["domestic port"]
    assert str(tmp_path / "sg" / "clients" / "hub.cert.pem") in lines["domestic TLS"]
    assert all(name in lines["keys"] for name in ("ca.cert.pem", "signing.key.pem", "tls.cert.pem"))
    assert f"swgw serve --config {config}" in out


def test_init_refuses_an_existing_window_before_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "init", str(tmp_path), "--party", "SG")[0] == 0
    ca = (tmp_path / "sg" / "keys" / "ca.cert.pem").read_bytes()
    code, _, err = _run(capsys, "init", str(tmp_path), "--party", "SG")
    assert code == 2 and "--force" in err
    # The configuration's CA is still the one its partners trust: nothing was replaced.
    assert (tmp_path / "sg" / "keys" / "ca.cert.pem").read_bytes() == ca
    assert _run(capsys, "init", str(tmp_path), "--party", "SG", "--force")[0] == 0
    assert (tmp_path / "sg" / "keys" / "ca.cert.pem").read_bytes() != ca
