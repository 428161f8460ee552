"""``swgw demo --out DIR`` runs three gateway processes and leaves artifacts that independent tools verify."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lxml import etree

from tests.conftest import REFERENCE, require_tool
from tests.official_tools import OFFICIAL_SCHEMAS, official_schema, xmllint_validate, xmlsec1_verify


@pytest.mark.slow
def test_demo_exchanges_documents_that_xmlsec1_verifies_with_only_the_sender_ca(tmp_path: Path) -> None:
    xmlsec1 = require_tool("xmlsec1")
    out = tmp_path / "demo"
    # The demo's hub leg reads the hub's WSDL from the same reference material as the tests.
    env = {**os.environ, "SWGW_REFERENCE": str(REFERENCE)}
    # A relative --out, as `make demo` passes it: every file the configurations name must still resolve.
    result = subprocess.run([sys.executable, "-m", "gateway.tools.cli", "demo", "--out", "demo"],
                            capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo passed" in result.stdout
    assert "refused as expected: RECORD_INVALID" in result.stdout
    if (REFERENCE / "sps-ephyto" / "hub-wsdl" / "ephyto.wsdl").is_file():
        _hub_leg(out, result.stdout)
    else:
        assert "SPS certificates through the ePhyto Hub: skipped" in result.stdout
    exchanged = sorted((out / "exchanged").iterdir())
    # Seven certificates of origin (four over AS4: Form E and RCEP both ways) and a cargo manifest.
    assert len(exchanged) == 8
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


def _hub_leg(out: Path, stdout: str) -> None:
    """The SPS leg through the ePhyto Hub simulator, checked with tools that are not ours."""
    import json

    assert stdout.count("sps-certificate (ePhyto) over the IPPC ePhyto Hub") == 2
    assert stdout.count(": Delivered") == 2
    require_tool("xmlsec1")  # xmlsec1_verify below runs it
    openssl = require_tool("openssl")
    exchanged = sorted((out / "ephyto-hub" / "exchanged").iterdir())
    assert len(exchanged) == 2  # CN->VN and VN->CN
    for folder in exchanged:
        # The hub carried the certificate unchanged; the sender's detached signature (which stays with the sender)
        # verifies the received bytes with only the sender's CA.
        assert (folder / "sent.xml").read_bytes() == (folder / "received.xml").read_bytes()
        check = xmlsec1_verify(folder / "received.xml", folder / "sender-ca.pem",
                               folder / "sender-document-signature.xml")
        assert check.returncode == 0, check.stderr
        envelope = json.loads((folder / "hub-envelope.json").read_text())
        assert envelope["HUBTrackingInfo"] == "Delivered" and envelope["CertificateType"] == "851"
        # The stored receipt is the hub's attestation: its TLS certificate, which chains to the hub's CA.
        receipt = json.loads((folder / "receipt.json").read_text())
        signature = receipt["signature"]
        assert signature["format"] == "urn:swgw:relay-tls:1" and receipt["outcome"] == "ACCEPTED"
        leaf = folder / "hub-certificate.der"
        import base64

        leaf.write_bytes(base64.b64decode(signature["jws"].split(",")[0]))
        pem = subprocess.run([openssl, "x509", "-inform", "DER", "-in", str(leaf)], capture_output=True, check=True)
        (folder / "hub-certificate.pem").write_bytes(pem.stdout)
        verified = subprocess.run([openssl, "verify", "-CAfile", str(out / "ephyto-hub" / "hub-ca.pem"),
                                   str(folder / "hub-certificate.pem")], capture_output=True, text=True)
        assert verified.returncode == 0, verified.stdout + verified.stderr
