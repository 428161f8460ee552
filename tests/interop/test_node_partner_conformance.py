"""The Node partner window (tests/interop/partner) against the partner guide's test vectors and the conformance kit.

The vectors (``tests/vectors/partner``) go through the window's own envelope and receipt checks; the kit
(``swgw conformance``) tests it as a receiver (the kit delivers good and bad envelopes) and as a sender (the kit's
test window plays an UNAVAILABLE first attempt and a lost answer), with the Node window as SG and the kit as ZZ.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.tools.devsetup import free_port, server_name, write_window
from tests.interop.node_window import (
    PROFILE, REPO, WINDOW, node_tools, start_window, stop_window, swgw_command, unsigned_document, window_config,
)

VECTORS = REPO / "tests" / "vectors" / "partner"
PARTNER = Path(__file__).parent / "partner"


def test_node_window_reaches_every_vectors_outcome(tmp_path: Path) -> None:
    """Each case's outcome, field path and refusing check, as cases.toml states them."""
    node = node_tools()
    if not (VECTORS / "cases.toml").is_file():
        pytest.skip(f"the partner test vectors are not in this checkout ({VECTORS})")
    cases = tomllib.loads((VECTORS / "cases.toml").read_text())
    cases_json = tmp_path / "cases.json"
    cases_json.write_text(json.dumps(cases))
    run = subprocess.run([node, str(PARTNER / "vectors.mjs"), str(VECTORS), str(cases_json)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    results = {r["name"]: r for r in map(json.loads, run.stdout.splitlines())}
    assert set(results) == {case["name"] for case in cases["case"]}
    differing = []
    for case in cases["case"]:
        got = results[case["name"]]
        expected = (case["outcome"], case.get("field_path", ""), case.get("cause", ""))
        reached = (got["outcome"], got["field_path"] if "field_path" in case else "",
                   got["cause"] if "cause" in case else "")
        if reached != expected:
            differing.append(f"{case['name']}: expected {expected}, reached {reached}")
    assert not differing, "\n".join(differing)


def _failed(report: Path) -> list[str]:
    checks = json.loads(report.read_text())["checks"]
    return [f"{c['id']}: {c['evidence']}" for c in checks if c["status"] == "fail"]


def test_node_window_passes_the_conformance_kit_in_both_roles(tmp_path: Path) -> None:
    node = node_tools()
    spec = importlib.util.find_spec("gateway.tools.conformance")
    if spec is None or not str(spec.origin).startswith(str(REPO)):
        pytest.skip("the conformance kit (gateway.conformance, swgw conformance) is not in this checkout")
    from gateway.tools.conformance.identity import load_or_create  # noqa: PLC0415 - present only with the kit

    kit, _ = load_or_create(tmp_path / "kit", at=datetime.now(UTC))
    sg_folder, _ = write_window(tmp_path / "node", "SG", at=datetime.now(UTC), partner_port=0, domestic_port=0)
    sg_ca = str(sg_folder / "keys" / "ca.cert.pem")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    port, kit_port = free_port(), free_port()
    # What the kit's README asks of a partner: trust the kit's CA, agree with party ZZ on the profile.
    config = window_config(sg_folder, port=port, name="kit-window", partner={
        "party": "ZZ", "ca": [str(kit.ca_path)], "endpoint": f"127.0.0.1:{kit_port}",
        "tls_server_name": "conformance.kit.test",
    })

    # The kit delivers to the Node window: valid, invalid, tampered, replayed, stale, oversized envelopes.
    window = start_window(node, config, port)
    try:
        sender = subprocess.run(swgw_command(
            "conformance", "sender", "--endpoint", f"127.0.0.1:{port}", "--server-name", server_name("SG"),
            "--party", "SG", "--partner-ca", sg_ca, "--kit-dir", str(kit.folder), "--profile", PROFILE,
            "--out", str(tmp_path / "sender")), capture_output=True, text=True, env=env, timeout=300, check=False)
    finally:
        stop_window(window)
    assert (tmp_path / "sender.json").is_file(), sender.stdout + sender.stderr
    assert not _failed(tmp_path / "sender.json"), sender.stdout
    assert sender.returncode == 0, sender.stdout + sender.stderr

    # The Node window delivers to the kit's test window, which plays an UNAVAILABLE first attempt and a lost answer.
    with subprocess.Popen(swgw_command(
            "conformance", "receiver", "--listen", f"127.0.0.1:{kit_port}", "--party", "SG", "--partner-ca", sg_ca,
            "--kit-dir", str(kit.folder), "--profile", PROFILE, "--expect", "3", "--duration", "120",
            "--out", str(tmp_path / "receiver")), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=env) as receiver:
        assert receiver.stdout is not None
        while "listening" not in (line := receiver.stdout.readline()):
            assert line, "the kit's test window did not start"
        for number in ("SG26000101", "SG26000102", "SG26000103"):
            result = subprocess.run(
                [node, str(WINDOW), "deliver", "--config", str(config), "--partner", "ZZ", "--document",
                 str(unsigned_document(sg_folder, number)), "--attempts", "6"],
                capture_output=True, text=True, timeout=120, check=False)
            assert result.returncode == 0, result.stderr + result.stdout
            assert json.loads(result.stdout)["outcome"] == "RECEIPT_OUTCOME_ACCEPTED", result.stdout
        output = receiver.stdout.read()
        assert receiver.wait(timeout=150) == 0, output
    assert not _failed(tmp_path / "receiver.json"), output
