"""``swgw demo --out DIR`` runs three gateway processes and leaves artifacts that independent tools verify."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lxml import etree

from tests.conftest import require_tool
from tests.official_tools import OFFICIAL_SCHEMAS, official_schema, xmllint_validate, xmlsec1_verify


@pytest.mark.slow
def test_demo_exchanges_documents_that_xmlsec1_verifies_with_only_the_sender_ca(tmp_path: Path) -> None:
    xmlsec1 = require_tool("xmlsec1")
    out = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "gateway.tools.cli", "demo", "--out", str(out)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo passed" in result.stdout
    assert "refused as expected: RECORD_INVALID" in result.stdout
    exchanged = sorted((out / "exchanged").iterdir())
    assert len(exchanged) == 6  # five certificates of origin (two over AS4) and a cargo manifest
    detached = 0
    for folder in exchanged:
        # eFTI documents travel unchanged with a detached signature beside them (document-signature.xml).
        signature = folder / "document-signature.xml"
        detached += signature.exists()
        for name in ("sent.xml", "received.xml"):
            check = xmlsec1_verify(folder / name, folder / "sender-ca.pem", signature if signature.exists() else None)
            assert check.returncode == 0, check.stderr
            root = etree.parse(str(folder / name)).getroot()
            assert root.tag in OFFICIAL_SCHEMAS
            valid = xmllint_validate(folder / name, official_schema(root.tag))
            assert valid.returncode == 0, valid.stderr
        assert (folder / "sent.xml").read_bytes() == (folder / "received.xml").read_bytes()
        assert '"outcome": "ACCEPTED"' in (folder / "receipt.json").read_text()
    assert detached == 1  # the cargo manifest
    # A document signed by one window does not verify against another window's CA.
    folder = exchanged[0]
    others = [p for p in (out / "cn", out / "hk", out / "mo")
              if (p / "keys" / "ca.cert.pem").read_bytes() != (folder / "sender-ca.pem").read_bytes()]
    wrong = subprocess.run([xmlsec1, "--verify", "--trusted-pem", str(others[0] / "keys" / "ca.cert.pem"),
                            str(folder / "sent.xml")], capture_output=True, text=True)
    assert wrong.returncode != 0
