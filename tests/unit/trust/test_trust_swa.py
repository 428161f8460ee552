"""SOAP with Attachments (trust.swa): the Attachment-Content-Signature-Transform input, cid: references signed with
the SOAP part and verified by signxml, and encrypted MIME parts. The independent check of the same bytes is the
``as4`` package's (tests/interop/test_as4_interop.py): it verifies what we sign and we verify what it signs."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

import trust
from trust import PartnerTrust, SigningIdentity, devpki, sign_soap, verify_soap
from trust.swa import CONTENT_SIGNATURE_TRANSFORM, Part, decrypt_parts, encrypt_parts, signature_input

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SOAP = "http://www.w3.org/2003/05/soap-envelope"
EB = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
DS = "http://www.w3.org/2000/09/xmldsig#"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
XENC = "http://www.w3.org/2001/04/xmlenc#"
PARTS: dict[str, Part] = {
    "payload@m1": ("application/octet-stream", gzip.compress(b"<Document>1</Document>", mtime=0)),
    "attachment-0@m1": ("application/xml", b"<a   b='1'  ><!-- note --><c/></a>"),
}


@pytest.fixture(scope="module")
def keys() -> tuple[SigningIdentity, PartnerTrust]:
    ca = devpki.create_ca("AP Test CA", at=NOW - timedelta(days=1), organization="AP")
    leaf = devpki.issue_certificate(ca, "AP signer", at=NOW - timedelta(days=1), usage="signing", key="rsa")
    identity = SigningIdentity(private_key=leaf.private_key, certificate=leaf.certificate)  # type: ignore[arg-type]
    return identity, PartnerTrust(partner="AP", anchors=(ca.certificate,))


def _envelope() -> etree._Element:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"env": SOAP})
    header = etree.SubElement(root, f"{{{SOAP}}}Header")
    messaging = etree.SubElement(header, f"{{{EB}}}Messaging", nsmap={"eb": EB})
    etree.SubElement(messaging, f"{{{EB}}}UserMessage")
    etree.SubElement(root, f"{{{SOAP}}}Body")
    return root


def _signed(identity: SigningIdentity, parts: dict[str, Part] = PARTS) -> etree._Element:
    root = _envelope()
    sign_soap(root, identity, id_prefix="t", parts=parts)
    return etree.fromstring(etree.tostring(root))


def test_the_transform_input_follows_the_media_type() -> None:
    # XML: exclusive C14N without comments; text: CRLF line ends; anything else (gzip): the octets.
    assert signature_input(("application/xml", b"<a   b='1'  ><!-- c --><c/></a>")) == b'<a b="1"><c></c></a>'
    assert signature_input(("application/ubl+xml; charset=UTF-8", b"<a/>")) == b"<a></a>"
    assert signature_input(("text/plain", b"one\ntwo\r\nthree\r")) == b"one\r\ntwo\r\nthree\r\n"
    octets = gzip.compress(b"<a/>\n")
    assert signature_input(("application/octet-stream", octets)) == octets
    with pytest.raises(trust.XmlHostile):
        signature_input(("text/xml", b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>"))


def test_parts_are_signed_by_cid_and_verify(keys: tuple[SigningIdentity, PartnerTrust]) -> None:
    identity, partner = keys
    root = _signed(identity)
    references = root.findall(f".//{{{DS}}}SignedInfo/{{{DS}}}Reference")
    assert [r.get("URI") for r in references] == ["#t-messaging", "#t-body", "cid:payload@m1", "cid:attachment-0@m1"]
    part_reference = references[2]
    assert [t.get("Algorithm") for t in part_reference.iter(f"{{{DS}}}Transform")] == [CONTENT_SIGNATURE_TRANSFORM]
    # The digest is SHA-256 over the transform's output, computed here with nothing of trust.swa's.
    digest = hashes.Hash(hashes.SHA256())
    digest.update(PARTS["payload@m1"][1])
    assert part_reference.findtext(f"{{{DS}}}DigestValue") == base64.b64encode(digest.finalize()).decode()
    verified = verify_soap(root, partner_trust=partner, at=NOW, parts=PARTS)
    assert verified.signer == identity.certificate and len(verified.references) == 4


def test_a_changed_or_unsigned_part_is_refused(keys: tuple[SigningIdentity, PartnerTrust]) -> None:
    identity, partner = keys
    root = _signed(identity)
    changed = {**PARTS, "payload@m1": ("application/octet-stream", gzip.compress(b"<Document>2</Document>"))}
    with pytest.raises(trust.SignatureInvalid):
        verify_soap(root, partner_trust=partner, at=NOW, parts=changed)
    extra = {**PARTS, "smuggled@m1": ("application/octet-stream", b"not signed")}
    with pytest.raises(trust.ReferenceInvalid, match="does not cover the MIME parts"):
        verify_soap(root, partner_trust=partner, at=NOW, parts=extra)
    # A signature naming a part the message does not carry is an external reference.
    with pytest.raises(trust.ReferenceInvalid, match="external"):
        verify_soap(root, partner_trust=partner, at=NOW, parts={"payload@m1": PARTS["payload@m1"]})


def test_a_part_reference_must_use_the_swa_transform(keys: tuple[SigningIdentity, PartnerTrust]) -> None:
    identity, partner = keys
    root = _signed(identity)
    transform = root.find(f".//{{{DS}}}Reference[@URI='cid:payload@m1']//{{{DS}}}Transform")
    assert transform is not None
    transform.set("Algorithm", "http://www.w3.org/2001/10/xml-exc-c14n#")
    with pytest.raises(trust.ReferenceInvalid, match="transforms"):
        verify_soap(root, partner_trust=partner, at=NOW, parts=PARTS)


def test_encrypted_parts_decrypt_to_what_was_signed(keys: tuple[SigningIdentity, PartnerTrust]) -> None:
    identity, partner = keys
    root = _envelope()
    sign_soap(root, identity, id_prefix="t", parts=PARTS)
    security = root.find(f".//{{{WSSE}}}Security")
    assert security is not None
    signature = security.find(f"{{{DS}}}Signature")
    assert signature is not None
    sent = encrypt_parts(security, signature, identity.certificate, PARTS, id_prefix="t")
    assert all(sent[cid] != PARTS[cid][1] for cid in PARTS)
    # The receiver decrypts first: key and data come before the signature in wsse:Security.
    tags = [etree.QName(e).localname for e in security]
    assert tags.index("EncryptedKey") < tags.index("Signature")
    received = etree.fromstring(etree.tostring(root))
    wire = {cid: ("application/octet-stream", sent[cid]) for cid in PARTS}
    security = received.find(f".//{{{WSSE}}}Security")
    assert security is not None
    plain = decrypt_parts(security, identity, wire)
    # Content and the type it was signed under (application/xml: canonicalised), as before encryption.
    assert plain == PARTS
    verify_soap(received, partner_trust=partner, at=NOW, parts=plain)
    # The same with nothing of trust.swa: RSA-OAEP (SHA-256) and AES-GCM of pyca/cryptography.
    wrapped = security.findtext(f"{{{XENC}}}EncryptedKey/{{{XENC}}}CipherData/{{{XENC}}}CipherValue")
    key = identity.private_key.decrypt(  # type: ignore[union-attr]
        base64.b64decode(wrapped or ""), padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                                                      label=None))
    blob = sent["payload@m1"]
    assert AESGCM(key).decrypt(blob[:12], blob[12:], None) == PARTS["payload@m1"][1]


def test_weak_or_broken_encryption_is_refused(keys: tuple[SigningIdentity, PartnerTrust]) -> None:
    identity, _ = keys

    def encrypted() -> tuple[etree._Element, dict[str, Part]]:
        root = _envelope()
        sign_soap(root, identity, id_prefix="t", parts=PARTS)
        security = root.find(f".//{{{WSSE}}}Security")
        assert security is not None
        signature = security.find(f"{{{DS}}}Signature")
        assert signature is not None
        sent = encrypt_parts(security, signature, identity.certificate, PARTS, id_prefix="t")
        return security, {cid: ("application/octet-stream", sent[cid]) for cid in PARTS}

    security, wire = encrypted()
    broken = {**wire, "payload@m1": ("application/octet-stream", wire["payload@m1"][1][:-1] + b"\0")}
    with pytest.raises(trust.DecryptionFailed):
        decrypt_parts(security, identity, broken)
    with pytest.raises(trust.ReferenceInvalid):
        decrypt_parts(security, identity, {"payload@m1": wire["payload@m1"]})  # names a part that is not there
    # OAEP without its MGF named defaults to MGF1-SHA-1: refused.
    mgf = security.find(f".//{{{XENC}}}EncryptedKey//{{http://www.w3.org/2009/xmlenc11#}}MGF")
    assert mgf is not None
    mgf.getparent().remove(mgf)  # type: ignore[union-attr]
    with pytest.raises(trust.AlgorithmForbidden):
        decrypt_parts(security, identity, wire)
    security, wire = encrypted()
    method = security.find(f"{{{XENC}}}EncryptedData/{{{XENC}}}EncryptionMethod")
    assert method is not None
    method.set("Algorithm", "http://www.w3.org/2001/04/xmlenc#aes128-cbc")
    with pytest.raises(trust.AlgorithmForbidden):
        decrypt_parts(security, identity, wire)
