"""AS4 wire format: User Messages built from the P-Mode, WS-Security made and checked by xmlsec (and by the
xmlsec1 command line, which knows nothing of swgw), receipts with non-repudiation information, and the mapping of
ebMS errors to delivery outcomes."""

from __future__ import annotations

import base64
import copy
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from trust import PartnerTrust, SigningIdentity, devpki

from gateway.adapters.partners.as4.client import _refusal
import trust
from trust import sign_soap, verify_soap
from gateway.core.domain import Action, Attachment, BusinessKey, DocumentType, Envelope, PartyId, Receipt, \
    ReceiptOutcome, sha256_hex
from gateway.core.partners import As4Settings, PartnerProfile
from gateway.transports.as4.ebms import As4Error, build_user_message, envelope_from_user_message, \
    read_user_message
from gateway.transports.as4.errors import EBMS_ERRORS, ebms_code_for
from gateway.transports.as4.namespaces import DS, EB, SOAP, SWGW, q
from gateway.transports.as4.payloads import resolve_parts
from gateway.transports.as4.signals import ErrorSignal, ReceiptSignal, build_error, build_receipt, read_signal

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
COO = DocumentType.CERTIFICATE_OF_ORIGIN
PMODE = As4Settings(endpoint_url="https://vn.example/as4", our_party_id="CN", partner_party_id="VN",
                    actions={COO: "urn:swgw:action:certificate-of-origin"}, agreement_ref="urn:agreement:cn-vn")


@pytest.fixture(scope="module")
def pki() -> tuple[SigningIdentity, PartnerTrust, devpki.IssuedCertificate]:
    ca = devpki.create_ca("CN Test CA", at=NOW - timedelta(days=1), organization="CN")
    leaf = devpki.issue_certificate(ca, "CN AS4 signer", at=NOW - timedelta(days=1), usage="signing", key="rsa")
    identity = SigningIdentity(private_key=leaf.private_key, certificate=leaf.certificate)  # type: ignore[arg-type]
    return identity, PartnerTrust(partner="CN", anchors=(ca.certificate,)), leaf


def _envelope(**changes: object) -> Envelope:
    payload = b"<CertificateOfOrigin>signed</CertificateOfOrigin>"
    fields: dict[str, object] = dict(
        message_id="6f1d3c2e-5b7a-4b7e-9c1a-0d2e3f4a5b6c", business_key=BusinessKey("CN-GACC", "E1", 1),
        sender=PartyId("CN"), receiver=PartyId("VN"), document_type=COO, document_format="urn:format",
        action=Action.ISSUE, created_at=NOW, payload=payload, payload_sha256=sha256_hex(payload),
        attachments=(Attachment("certificate.pdf", "application/pdf", b"%PDF-1.7 ..."),),
    )
    fields.update(changes)
    return Envelope(**fields)  # type: ignore[arg-type]


def _signed(identity: SigningIdentity) -> tuple[etree._Element, tuple[object, ...]]:
    root = build_user_message(_envelope(), PMODE, at=NOW)
    references = sign_soap(root, identity, id_prefix="id-test")
    return etree.fromstring(etree.tostring(root)), references


def test_user_message_carries_the_pmode_and_the_envelope() -> None:
    root = build_user_message(_envelope(), PMODE, at=NOW)
    ns = {"eb": EB}
    user = root.find(f"{q(SOAP, 'Header')}/{q(EB, 'Messaging')}/{q(EB, 'UserMessage')}")
    assert user is not None and user.get("mpc") == PMODE.mpc
    assert user.findtext("eb:MessageInfo/eb:MessageId", namespaces=ns) == _envelope().message_id
    assert user.findtext("eb:MessageInfo/eb:Timestamp", namespaces=ns) == "2026-03-02T09:30:00.000Z"
    assert user.findtext("eb:PartyInfo/eb:From/eb:PartyId", namespaces=ns) == "CN"
    assert user.find("eb:PartyInfo/eb:From/eb:PartyId", namespaces=ns).get("type") == PMODE.party_id_type  # type: ignore[union-attr]
    assert user.findtext("eb:PartyInfo/eb:To/eb:Role", namespaces=ns) == PMODE.responder_role
    assert user.findtext("eb:CollaborationInfo/eb:Action", namespaces=ns) == "urn:swgw:action:certificate-of-origin"
    assert user.findtext("eb:CollaborationInfo/eb:AgreementRef", namespaces=ns) == "urn:agreement:cn-vn"
    message = read_user_message(user.getparent(), root.find(q(SOAP, "Body")))  # type: ignore[arg-type]
    assert message.properties["originalSender"] == "CN" and message.properties["finalRecipient"] == "VN"
    back = envelope_from_user_message(message, COO)
    assert back == _envelope()


def test_payloads_outside_the_body_or_missing_are_external_payload_errors() -> None:
    root = build_user_message(_envelope(), PMODE, at=NOW)
    messaging = root.find(f"{q(SOAP, 'Header')}/{q(EB, 'Messaging')}")
    body = root.find(q(SOAP, "Body"))
    assert messaging is not None and body is not None
    info = messaging.find(f".//{q(EB, 'PartInfo')}")
    assert info is not None and info.get("href") is None  # the payload is the SOAP Body
    info.set("href", "cid:payload@example")  # a MIME part, where this P-Mode carries payloads in the Body
    with pytest.raises(As4Error) as caught:
        resolve_parts(read_user_message(messaging, body), PMODE, body, {}, max_bytes=1 << 20)
    assert caught.value.ebms_code == "EBMS:0011"
    del info.attrib["href"]
    body.remove(body.find(q(SWGW, "Part")))  # type: ignore[arg-type]
    with pytest.raises(As4Error) as caught:
        envelope_from_user_message(read_user_message(messaging, body), COO)
    assert caught.value.ebms_code == "EBMS:0011"


def test_signature_covers_messaging_and_body_and_verifies(pki: tuple[SigningIdentity, PartnerTrust, object]) -> None:
    identity, partner_trust, _ = pki
    root, references = _signed(identity)
    verified = verify_soap(root, partner_trust=partner_trust, at=NOW)
    assert verified.signer == identity.certificate
    assert verified.references == references
    assert {r.uri for r in verified.references} == {"#id-test-messaging", "#id-test-body"}
    method = root.find(f".//{q(DS, 'SignatureMethod')}")
    assert method is not None and method.get("Algorithm") == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def test_xmlsec1_verifies_the_bytes_we_send(pki: tuple[SigningIdentity, PartnerTrust, devpki.IssuedCertificate],
                                            tmp_path: Path) -> None:
    xmlsec1 = shutil.which("xmlsec1")
    if xmlsec1 is None:
        pytest.skip("xmlsec1 is not installed")
    identity, _, leaf = pki
    root = build_user_message(_envelope(), PMODE, at=NOW)
    sign_soap(root, identity, id_prefix="id-test")
    (tmp_path / "message.xml").write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    (tmp_path / "signer.pem").write_bytes(leaf.cert_pem())
    command = [xmlsec1, "--verify", "--pubkey-cert-pem", str(tmp_path / "signer.pem"),
               "--id-attr:Id", f"{EB}:Messaging", "--id-attr:Id", f"{SOAP}:Body", str(tmp_path / "message.xml")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # The same tool refuses the message once a byte of the payload changed.
    tampered = (tmp_path / "message.xml").read_bytes().replace(b"<swgw:Part", b"<swgw:Part data-x=\"1\"", 1)
    (tmp_path / "tampered.xml").write_bytes(tampered)
    command[-1] = str(tmp_path / "tampered.xml")
    assert subprocess.run(command, capture_output=True, text=True).returncode != 0


def test_a_changed_payload_is_refused(pki: tuple[SigningIdentity, PartnerTrust, object]) -> None:
    identity, partner_trust, _ = pki
    root, _ = _signed(identity)
    part = root.find(f"{q(SOAP, 'Body')}/{q(SWGW, 'Part')}")
    part.text = base64.b64encode(b"<CertificateOfOrigin>forged</CertificateOfOrigin>").decode()  # type: ignore[union-attr]
    with pytest.raises(trust.SignatureInvalid, match="does not verify"):
        verify_soap(root, partner_trust=partner_trust, at=NOW)


def test_a_wrapped_duplicate_id_is_refused(pki: tuple[SigningIdentity, PartnerTrust, object]) -> None:
    identity, partner_trust, _ = pki
    root, _ = _signed(identity)
    # Signature wrapping: the signed Body moved into the header, a forged one put in its place with the same id.
    body = root.find(q(SOAP, "Body"))
    header = root.find(q(SOAP, "Header"))
    header.append(copy.deepcopy(body))  # type: ignore[union-attr, arg-type]
    with pytest.raises(trust.ReferenceInvalid, match="names 2 elements"):
        verify_soap(root, partner_trust=partner_trust, at=NOW)


def test_a_signer_outside_the_partners_trust_is_refused(pki: tuple[SigningIdentity, PartnerTrust, object]) -> None:
    identity, _, _ = pki
    root, _ = _signed(identity)
    other = devpki.create_ca("Other CA", at=NOW - timedelta(days=1), organization="X")
    with pytest.raises(trust.CertificateUntrusted):
        verify_soap(root, partner_trust=PartnerTrust(partner="CN", anchors=(other.certificate,)), at=NOW)


def test_sha1_signatures_are_refused(pki: tuple[SigningIdentity, PartnerTrust, object]) -> None:
    identity, partner_trust, _ = pki
    root, _ = _signed(identity)
    method = root.find(f".//{q(DS, 'SignatureMethod')}")
    method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")  # type: ignore[union-attr]
    with pytest.raises(trust.AlgorithmForbidden):
        verify_soap(root, partner_trust=partner_trust, at=NOW)


def test_receipt_repeats_the_verified_references(pki: tuple[SigningIdentity, PartnerTrust, object]) -> None:
    identity, partner_trust, _ = pki
    root, references = _signed(identity)
    verified = verify_soap(root, partner_trust=partner_trust, at=NOW)
    receipt = Receipt(message_id=_envelope().message_id, receipt_id="r-1", issuer=PartyId("VN"),
                      outcome=ReceiptOutcome.ACCEPTED, payload_sha256=_envelope().payload_sha256, received_at=NOW)
    answer = build_receipt(verified, _envelope().message_id, receipt, message_id="s-1@swgw", at=NOW)
    sign_soap(answer, identity, id_prefix="id-receipt")
    again = verify_soap(etree.fromstring(etree.tostring(answer)), partner_trust=partner_trust, at=NOW)
    signal = read_signal(again.messaging)
    assert isinstance(signal, ReceiptSignal)
    assert signal.ref_to_message_id == _envelope().message_id
    assert set(signal.references) == set(references)
    assert signal.receipt == receipt
    assert answer.find(".//{http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0}NonRepudiationInformation") \
        is not None


def test_error_signal_reads_back() -> None:
    root = build_error("EBMS:0010", message_id="e-1@swgw", ref_to="m-1", at=NOW, description="eb:Action unknown",
                       detail="DOCUMENT_TYPE_NOT_AGREED")
    error = root.find(f".//{q(EB, 'Error')}")
    assert error is not None
    assert (error.get("shortDescription"), error.get("category"), error.get("severity")) == (
        "ProcessingModeMismatch", "Processing", "failure")
    signal = read_signal(root.find(f"{q(SOAP, 'Header')}/{q(EB, 'Messaging')}"))  # type: ignore[arg-type]
    assert signal == ErrorSignal("m-1", "EBMS:0010", "eb:Action unknown", "DOCUMENT_TYPE_NOT_AGREED")


@pytest.mark.parametrize(("gateway_code", "ebms"), [
    ("PARTNER_UNAUTHENTICATED", "EBMS:0101"), ("CERTIFICATE_UNTRUSTED", "EBMS:0101"),
    ("SIGNATURE_ALGORITHM_FORBIDDEN", "EBMS:0103"), ("DOCUMENT_TYPE_NOT_AGREED", "EBMS:0010"),
    ("ENVELOPE_INVALID", "EBMS:0009"), ("DUPLICATE_CONFLICT", "EBMS:0003"), ("RECORD_INVALID", "EBMS:0004"),
])
def test_gateway_codes_map_to_ebms_errors(gateway_code: str, ebms: str) -> None:
    assert ebms_code_for(gateway_code) == ebms
    assert ebms in EBMS_ERRORS


_PARTNER = PartnerProfile(party=PartyId("VN"), endpoint="", tls_server_name="", mapping_profiles={},
                          transport="as4", as4=PMODE)


@pytest.mark.parametrize(("ebms", "detail", "code", "retryable"), [
    # A swgw receiver names its code: retried exactly when gRPC would retry it.
    ("EBMS:0004", "MESSAGE_STALE", "MESSAGE_STALE", False),
    # A fault of the receiver's own (no code): try again.
    ("EBMS:0004", None, "AS4_EBMS_0004", True),
    ("EBMS:0010", "DOCUMENT_TYPE_NOT_AGREED", "DOCUMENT_TYPE_NOT_AGREED", False),
    ("EBMS:0103", "PAYLOAD_TOO_LARGE", "PAYLOAD_TOO_LARGE", False),
    # A foreign access point gives only the ebMS code: the specification's meaning decides.
    ("EBMS:0101", None, "AS4_EBMS_0101", False),
    ("EBMS:0301", None, "AS4_EBMS_0301", True),
    ("EBMS:0202", "Domibus: backend not reachable", "AS4_EBMS_0202", True),
    ("EBMS:9999", None, "AS4_EBMS_9999", True),
])
def test_ebms_errors_map_to_delivery_outcomes(ebms: str, detail: str | None, code: str, retryable: bool) -> None:
    failure = _refusal(_PARTNER, ErrorSignal("m-1", ebms, "refused", detail))
    assert (failure.code, failure.retryable) == (code, retryable)


def test_encrypted_body_decrypts_and_then_verifies(pki: tuple[SigningIdentity, PartnerTrust, object]) -> None:
    identity, partner_trust, _ = pki
    root, references = _signed(identity)
    plaintext = etree.tostring(root.find(q(SOAP, "Body")), method="c14n")  # type: ignore[arg-type]
    trust.encrypt_body(root, identity.certificate)
    body = root.find(q(SOAP, "Body"))
    assert body is not None and body.find(q(SWGW, "Part")) is None  # nothing readable is left
    method = root.find(".//{http://www.w3.org/2001/04/xmlenc#}EncryptedData/"
                       "{http://www.w3.org/2001/04/xmlenc#}EncryptionMethod")
    assert method is not None and method.get("Algorithm") == "http://www.w3.org/2009/xmlenc11#aes128-gcm"
    received = etree.fromstring(etree.tostring(root))
    assert trust.decrypt_body(received, identity) is True
    assert etree.tostring(received.find(q(SOAP, "Body")), method="c14n") == plaintext  # type: ignore[arg-type]
    assert verify_soap(received, partner_trust=partner_trust, at=NOW).references == references


def test_what_we_encrypt_decrypts_with_plain_oaep_and_aes_gcm(
        pki: tuple[SigningIdentity, PartnerTrust, devpki.IssuedCertificate]) -> None:
    # Checked without libxmlsec1 (Debian's xmlsec1 1.2 predates XML Encryption 1.1's RSA-OAEP): pyca/cryptography's
    # OAEP (SHA-256, MGF1-SHA-256) unwraps the session key and AES-GCM (12-byte IV first, tag last) the Body.
    identity, _, leaf = pki
    root, _ = _signed(identity)
    trust.encrypt_body(root, identity.certificate)
    xenc = "{http://www.w3.org/2001/04/xmlenc#}"
    wrapped = root.findtext(f".//{xenc}EncryptedKey/{xenc}CipherData/{xenc}CipherValue") or ""
    session = leaf.private_key.decrypt(  # type: ignore[union-attr]
        base64.b64decode(wrapped), padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                                                label=None))
    data = base64.b64decode(root.findtext(f"{q(SOAP, 'Body')}/{xenc}EncryptedData/{xenc}CipherData/"
                                          f"{xenc}CipherValue") or "")
    content = AESGCM(session).decrypt(data[:12], data[12:], None)
    parts = etree.fromstring(b"<wrap>" + content + b"</wrap>").findall(q(SWGW, "Part"))
    assert [(p.get("id"), base64.b64decode(p.text or "")) for p in parts] == [
        ("payload", _envelope().payload), ("attachment-0", _envelope().attachments[0].content)]


def test_a_changed_ciphertext_or_a_weaker_key_transport_is_refused(
        pki: tuple[SigningIdentity, PartnerTrust, object]) -> None:
    identity, _, _ = pki
    root, _ = _signed(identity)
    trust.encrypt_body(root, identity.certificate)
    values = root.findall(".//{http://www.w3.org/2001/04/xmlenc#}CipherValue")
    forged = copy.deepcopy(root)
    last = forged.findall(".//{http://www.w3.org/2001/04/xmlenc#}CipherValue")[-1]
    raw = bytearray(base64.b64decode(last.text or ""))
    raw[-1] ^= 1  # GCM authenticates: one flipped bit fails decryption
    last.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(trust.DecryptionFailed):
        trust.decrypt_body(forged, identity)
    weaker = copy.deepcopy(root)
    mgf = weaker.find(".//{http://www.w3.org/2009/xmlenc11#}MGF")
    mgf.getparent().remove(mgf)  # type: ignore[union-attr]  # MGF1 would default to SHA-1
    with pytest.raises(trust.AlgorithmForbidden):
        trust.decrypt_body(weaker, identity)
    assert len(values) == 2


def test_encryption_needs_an_rsa_recipient() -> None:
    ca = devpki.create_ca("EC CA", at=NOW - timedelta(days=1), organization="X")
    ec_leaf = devpki.issue_certificate(ca, "EC", at=NOW - timedelta(days=1), usage="signing")
    with pytest.raises(trust.AlgorithmForbidden):
        trust.encrypt_body(build_user_message(_envelope(), PMODE, at=NOW), ec_leaf.certificate)
