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


_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<d:Declaration xmlns:d="urn:swgw:test"><d:Id>X-2</d:Id><d:Goods qty="1">silk</d:Goods><ds:Signature
 xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod
 Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="{method}"/><ds:Reference
 URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform
 Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod
 Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue
 /><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature></d:Declaration>
"""


@pytest.mark.parametrize(
    ("signer", "method"),
    [
        ("signer_ec", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"),
        ("signer_rsa", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"),
    ],
)
def test_we_verify_what_xmlsec1_signs(pki: Pki, tmp_path: Path, signer: str, method: str) -> None:
    """xmlsec1 signs a template in our profile with a key + chain from the test PKI; verify_xml accepts it."""
    from trust import verify_xml

    xmlsec1 = require_tool("xmlsec1")
    issued = getattr(pki, signer)
    (tmp_path / "template.xml").write_text(_TEMPLATE.format(method=method), "utf-8")
    (tmp_path / "key.pem").write_bytes(issued.key_pem())
    (tmp_path / "cert.pem").write_bytes(issued.cert_pem())
    (tmp_path / "chain.pem").write_bytes(pki.intermediate.cert_pem())
    keys = ",".join(str(tmp_path / n) for n in ("key.pem", "cert.pem", "chain.pem"))
    result = subprocess.run(
        [xmlsec1, "--sign", "--privkey-pem", keys, "--output", str(tmp_path / "signed.xml"), str(tmp_path / "template.xml")],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    verified = verify_xml((tmp_path / "signed.xml").read_bytes(), trust=pki.trust(), at=AT)
    assert verified.signer == issued.certificate
    assert b"silk" in verified.signed_xml and b"SignatureValue" not in verified.signed_xml
