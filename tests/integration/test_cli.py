"""The ``swgw`` command for people trying swgw and for scripts."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

import mappings
from gateway.cli import main
from tests.integration.network import Network, running_network, wait_for


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
    path.write_text(json.dumps(mappings.load_example(name), ensure_ascii=False))
    return path


def test_init_writes_a_configuration_that_parses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "init", str(tmp_path), "--party", "SG")
    assert code == 0
    config = tmp_path / "sg" / "swgw.toml"
    data = tomllib.loads(config.read_text())
    assert data["gateway"]["party"] == "SG"
    assert (tmp_path / "sg" / "keys" / "signing.key.pem").stat().st_mode & 0o077 == 0
    code, out, _ = _run(capsys, "partners", "--config", str(config))
    assert code == 0 and json.loads(out) == []


def test_validate_reports_element_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "validate", str(_example(tmp_path, "coo-cn-hk")), "--type", "certificate-of-origin")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = _run(capsys, "validate", str(_example(tmp_path, "coo-invalid")), "--type",
                        "certificate-of-origin")
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
    assert json.loads(out)["certificate"]["number"] == mappings.load_example("coo-cn-hk")["certificate"]["number"]


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
                        "certificate-of-origin", "--gateway", gateway)
    assert code == 0
    message_id = json.loads(out)["messageId"]

    def delivered() -> bool:
        _, status_out, _ = _run(capsys, "status", message_id, "--gateway", gateway)
        return json.loads(status_out)["status"] == "MESSAGE_STATUS_DELIVERED"

    wait_for(delivered)
    config = str(network.files["CN"].config)
    code, out, _ = _run(capsys, "messages", "list", "--config", config, "--status", "DELIVERED")
    assert code == 0 and message_id in {m["message_id"] for m in json.loads(out)}
    code, out, _ = _run(capsys, "messages", "show", message_id, "--config", config)
    assert [h["status"] for h in json.loads(out)["history"]][-1] == "DELIVERED"
    code, out, _ = _run(capsys, "trust", "list", "--config", config)
    rows = json.loads(out)
    assert [r["partner"] for r in rows] == ["HK"] and rows[0]["state"] == "active"
    code, out, _ = _run(capsys, "trust", "audit", "--verify", "--config", config)
    assert code == 0 and json.loads(out)["ok"] is True


def test_submit_error_is_printed_with_its_code(network: Network, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    gateway = f"127.0.0.1:{network.apps['CN'].domestic_port}"
    code, _, err = _run(capsys, "submit", str(_example(tmp_path, "coo-invalid")), "--partner", "HK", "--type",
                        "certificate-of-origin", "--gateway", gateway)
    assert code == 1 and "RECORD_INVALID" in err
