"""``swgw demo --out DIR`` runs three gateway processes and leaves artifacts that independent tools verify."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_tool


@pytest.mark.slow
def test_demo_exchanges_documents_that_xmlsec1_verifies_with_only_the_sender_ca(tmp_path: Path) -> None:
    xmlsec1 = require_tool("xmlsec1")
    out = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "gateway.cli", "demo", "--out", str(out)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo passed" in result.stdout
    assert "refused as expected: RECORD_INVALID" in result.stdout
    exchanged = sorted((out / "exchanged").iterdir())
    assert len(exchanged) == 4  # three certificates of origin and a cargo manifest
    for folder in exchanged:
        for name in ("sent.xml", "received.xml"):
            check = subprocess.run([xmlsec1, "--verify", "--trusted-pem", str(folder / "sender-ca.pem"),
                                    str(folder / name)], capture_output=True, text=True)
            assert check.returncode == 0, check.stderr
        assert (folder / "sent.xml").read_bytes() == (folder / "received.xml").read_bytes()
        assert '"outcome": "ACCEPTED"' in (folder / "receipt.json").read_text()
    # A document signed by one window does not verify against another window's CA.
    folder = exchanged[0]
    others = [p for p in (out / "cn", out / "hk", out / "mo")
              if (p / "keys" / "ca.cert.pem").read_bytes() != (folder / "sender-ca.pem").read_bytes()]
    wrong = subprocess.run([xmlsec1, "--verify", "--trusted-pem", str(others[0] / "keys" / "ca.cert.pem"),
                            str(folder / "sent.xml")], capture_output=True, text=True)
    assert wrong.returncode != 0
