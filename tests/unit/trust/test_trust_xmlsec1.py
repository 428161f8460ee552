"""Interoperability with xmlsec1 (libxmlsec1/OpenSSL), given only the partner's root certificate."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from trust_testkit import AT, Pki, require_tool

from trust import sign_xml

DOC = b'<Declaration xmlns="urn:swgw:test"><Id>X-1</Id><Goods qty="3">tea</Goods></Declaration>'


def _xmlsec1_verify(xmlsec1: str, tmp_path: Path, signed: bytes, ca_pem: bytes) -> subprocess.CompletedProcess[str]:
    (tmp_path / "signed.xml").write_bytes(signed)
    (tmp_path / "ca.pem").write_bytes(ca_pem)
    return subprocess.run(
        [
            xmlsec1,
            "--verify",
            "--enabled-key-data",
            "x509",
            "--trusted-pem",
            str(tmp_path / "ca.pem"),
            "--verification-gmt-time",
            AT.strftime("%Y-%m-%d %H:%M:%S"),
            str(tmp_path / "signed.xml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize("signer", ["signer_ec", "signer_rsa", "signer_direct"])
def test_xmlsec1_verifies_our_signature_with_only_the_root(pki: Pki, tmp_path: Path, signer: str) -> None:
    xmlsec1 = require_tool("xmlsec1")
    signed = sign_xml(DOC, pki.identity(getattr(pki, signer)))
    result = _xmlsec1_verify(xmlsec1, tmp_path, signed, pki.root.cert_pem())
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr


def test_xmlsec1_rejects_tampered_signature(pki: Pki, tmp_path: Path) -> None:
    xmlsec1 = require_tool("xmlsec1")
    signed = sign_xml(DOC, pki.identity()).replace(b">tea<", b">coffee<")
    result = _xmlsec1_verify(xmlsec1, tmp_path, signed, pki.root.cert_pem())
    assert result.returncode != 0


def test_xmlsec1_rejects_other_root(pki: Pki, tmp_path: Path) -> None:
    xmlsec1 = require_tool("xmlsec1")
    signed = sign_xml(DOC, pki.identity())
    result = _xmlsec1_verify(xmlsec1, tmp_path, signed, pki.other_root.cert_pem())
    assert result.returncode != 0
