"""WS-Security for AS4 (ebMS 3.0) messages: an X.509 token signature over eb:Messaging and the SOAP Body, made and
checked by xmlsec (python-xmlsec, the libxmlsec1 bindings), never by hand. Pure: time is an argument. MIME parts
(SOAP with Attachments) are signed too, by ``cid:`` references: see :mod:`trust.swa` for what that adds.

The signature follows the eDelivery AS4 profile where it touches the SOAP part: exclusive C14N, SHA-256 digests,
RSA-SHA256 (or ECDSA-SHA256 for an EC key), the signer's certificate as a wsse:BinarySecurityToken referenced from
KeyInfo by a wsse:SecurityTokenReference. Verification returns only what was verified (:class:`VerifiedSoap`):
the signer, its references, and the signed elements found by the ids the signature names, so that a signature
wrapped around other elements cannot vouch for the ones read.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import xmlsec
from xmlsec import constants
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from lxml import etree

from trust.chain import validate_path
from trust.errors import (
    AlgorithmForbidden,
    DecryptionFailed,
    ReferenceInvalid,
    SignatureInvalid,
    SignatureMissing,
    XmlMalformed,
)
from trust.keys import SigningIdentity
from trust.partner import PartnerTrust
from trust.policy import DEFAULT_POLICY, SignaturePolicy
from trust.swa import CONTENT_SIGNATURE_TRANSFORM, Part, add_part_references, verify_with_parts
from trust.xmlparse import parse_xml

__all__ = [
    "DS",
    "EB",
    "NRR_RECEIPT_FORMAT",
    "SOAP",
    "SignedReference",
    "VerifiedSoap",
    "WSSE",
    "WSU",
    "decrypt_body",
    "encrypt_body",
    "sign_soap",
    "verify_nrr_receipt",
    "verify_soap",
]

SOAP = "http://www.w3.org/2003/05/soap-envelope"
"""SOAP 1.2."""
EB = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
"""ebMS 3.0 core."""
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
"""WS-Security 1.0 extensions."""
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
"""WS-Security utility (wsu:Id)."""
DS = "http://www.w3.org/2000/09/xmldsig#"
"""XML-DSig."""
_EBBP = "http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0"
_XENC = "http://www.w3.org/2001/04/xmlenc#"
#: The eDelivery AS4 key transport: RSA-OAEP (XML Encryption 1.1) with SHA-256 and MGF1-SHA-256.
_RSA_OAEP = "http://www.w3.org/2009/xmlenc11#rsa-oaep"
_OAEP_DIGEST = "http://www.w3.org/2001/04/xmlenc#sha256"
_OAEP_MGF = "http://www.w3.org/2009/xmlenc11#mgf1sha256"
_DATA_ALGORITHMS = {"http://www.w3.org/2009/xmlenc11#aes128-gcm", "http://www.w3.org/2009/xmlenc11#aes256-gcm"}

NRR_RECEIPT_FORMAT = "ebms3-nrr-receipt/1"
"""The signature format of a receipt that is an AS4 access point's signed ebMS Receipt signal (the whole SOAP
envelope as received), for partners that do not run swgw and so sign no swgw receipt of their own."""


def q(namespace: str, name: str) -> str:
    """The Clark notation ``{namespace}name`` lxml uses."""
    return f"{{{namespace}}}{name}"

_X509_TOKEN = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
_BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
_SIGNATURE_METHODS = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
}
_DIGEST_METHODS = {"http://www.w3.org/2001/04/xmlenc#sha256"}
_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


@dataclass(frozen=True)
class SignedReference:
    """One ds:Reference of a verified (or made) signature: what non-repudiation of receipt repeats."""

    uri: str
    """The reference URI, ``#id``."""
    digest_value: str
    """Its base64 SHA-256 digest value."""


@dataclass(frozen=True)
class VerifiedSoap:
    """A SOAP envelope whose WS-Security signature verified, covering eb:Messaging and the Body."""

    root: etree._Element
    """The parsed envelope."""
    signer: x509.Certificate
    """The certificate that signed it, validated against the partner's trust."""
    references: tuple[SignedReference, ...]
    """The signature's references, in order."""
    messaging: etree._Element
    """The eb:Messaging element the signature covers."""
    body: etree._Element
    """The SOAP Body the signature covers."""


def _ensure_id(element: etree._Element, value: str) -> str:
    existing = element.get(q(WSU, "Id"))
    if existing:
        return existing
    element.set(q(WSU, "Id"), value)
    return value


def sign_soap(root: etree._Element, identity: SigningIdentity, *, id_prefix: str,
              parts: Mapping[str, Part] | None = None) -> tuple[SignedReference, ...]:
    """Sign ``root`` (a SOAP envelope with eb:Messaging) in place with ``identity``; returns the references.

    ``parts`` (by Content-ID) are the message's MIME parts (SOAP with Attachments): each gets a ``cid:`` reference
    (:mod:`trust.swa`), and SignedInfo is signed again by libxmlsec1 once they are in it."""
    header = root.find(q(SOAP, "Header"))
    body = root.find(q(SOAP, "Body"))
    messaging = header.find(q(EB, "Messaging")) if header is not None else None
    if header is None or body is None or messaging is None:
        raise XmlMalformed("no SOAP Header, Body or eb:Messaging to sign")
    ids = [_ensure_id(messaging, f"{id_prefix}-messaging"), _ensure_id(body, f"{id_prefix}-body")]
    security = etree.SubElement(header, q(WSSE, "Security"), nsmap={"wsse": WSSE, "wsu": WSU})
    security.set(q(SOAP, "mustUnderstand"), "true")
    token_id = f"{id_prefix}-token"
    token = etree.SubElement(security, q(WSSE, "BinarySecurityToken"), EncodingType=_BASE64, ValueType=_X509_TOKEN)
    token.set(q(WSU, "Id"), token_id)
    token.text = base64.b64encode(identity.certificate.public_bytes(Encoding.DER)).decode("ascii")
    method = constants.TransformEcdsaSha256 if isinstance(identity.private_key, ec.EllipticCurvePrivateKey) \
        else constants.TransformRsaSha256
    signature = xmlsec.template.create(root, constants.TransformExclC14N, method, ns="ds")
    security.append(signature)
    for element_id in ids:
        reference = xmlsec.template.add_reference(signature, constants.TransformSha256, uri=f"#{element_id}")
        xmlsec.template.add_transform(reference, constants.TransformExclC14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    str_ = etree.SubElement(key_info, q(WSSE, "SecurityTokenReference"))
    etree.SubElement(str_, q(WSSE, "Reference"), URI=f"#{token_id}", ValueType=_X509_TOKEN)
    context = xmlsec.SignatureContext()
    for element in (messaging, body):
        context.register_id(element, "Id", WSU)
    pem = identity.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    context.key = xmlsec.Key.from_memory(pem, constants.KeyDataFormatPem)
    try:
        context.sign(signature)
        if parts:
            # libxmlsec1 knows no SwA transform: it digests the XML references above, the parts' references are
            # added after, and the SignedInfo that names them all is signed again, canonicalised as declared.
            signed_info = signature.find(q(DS, "SignedInfo"))
            value = signature.find(q(DS, "SignatureValue"))
            assert signed_info is not None and value is not None  # the template has both
            add_part_references(signed_info, parts)
            c14n = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
            again = xmlsec.SignatureContext()
            again.key = context.key
            value.text = base64.b64encode(again.sign_binary(c14n, method)).decode("ascii")
    except xmlsec.Error as e:  # pragma: no cover - our own key and template
        raise SignatureInvalid(f"signing failed: {e}") from e
    return _references(signature)


def _references(signature: etree._Element) -> tuple[SignedReference, ...]:
    out = []
    for reference in signature.iterfind(f"{q(DS, 'SignedInfo')}/{q(DS, 'Reference')}"):
        out.append(SignedReference(uri=reference.get("URI", ""),
                                   digest_value=(reference.findtext(q(DS, "DigestValue")) or "").strip()))
    return tuple(out)


def _by_id(root: etree._Element, value: str) -> etree._Element:
    found = [e for e in root.iter() if isinstance(e.tag, str) and e.get(q(WSU, "Id")) == value]
    if len(found) != 1:
        # Two elements with one id is the signature-wrapping attack: refuse rather than guess which one was signed.
        raise ReferenceInvalid(f"id {value!r} names {len(found)} elements")
    return found[0]


def verify_soap(root: etree._Element, *, partner_trust: PartnerTrust, at: datetime,
                policy: SignaturePolicy = DEFAULT_POLICY, parts: Mapping[str, Part] | None = None) -> VerifiedSoap:
    """Verify the WS-Security signature of ``root`` against ``partner_trust`` at ``at``; raises
    :class:`~trust.errors.TrustError`: SIGNATURE_MISSING, SIGNATURE_INVALID, SIGNATURE_ALGORITHM_FORBIDDEN,
    SIGNATURE_REFERENCE_INVALID (coverage, wrapping) or the signer's refusal (CERTIFICATE_UNTRUSTED, ...).

    ``parts`` are the message's MIME parts by Content-ID (decrypted, still compressed): every one must be covered
    by a ``cid:`` reference with the Attachment-Content-Signature-Transform, and no reference may name another."""
    header = root.find(q(SOAP, "Header"))
    body = root.find(q(SOAP, "Body"))
    messaging = header.find(q(EB, "Messaging")) if header is not None else None
    security = header.find(q(WSSE, "Security")) if header is not None else None
    if body is None or messaging is None or security is None:
        raise SignatureMissing("no wsse:Security, eb:Messaging or Body")
    signatures = security.findall(q(DS, "Signature"))
    if len(signatures) != 1:
        raise SignatureMissing(f"{len(signatures)} ds:Signature elements in wsse:Security (one expected)")
    signature = signatures[0]
    signed_info = signature.find(q(DS, "SignedInfo"))
    if signed_info is None:
        raise SignatureInvalid("ds:Signature without SignedInfo")
    method = signed_info.find(q(DS, "SignatureMethod"))
    c14n = signed_info.find(q(DS, "CanonicalizationMethod"))
    if method is None or method.get("Algorithm") not in _SIGNATURE_METHODS or c14n is None \
            or c14n.get("Algorithm") != _EXC_C14N:
        raise AlgorithmForbidden("signature algorithm refused (RSA-SHA256 or ECDSA-SHA256 with exclusive C14N)")
    references = _references(signature)
    parts = parts or {}
    for reference in signed_info.iterfind(q(DS, "Reference")):
        digest = reference.find(q(DS, "DigestMethod"))
        if digest is None or digest.get("Algorithm") not in _DIGEST_METHODS:
            raise AlgorithmForbidden("digest algorithm refused (SHA-256)")
        transforms = [t.get("Algorithm") for t in reference.iterfind(f"{q(DS, 'Transforms')}/{q(DS, 'Transform')}")]
        # The transform follows from what is referenced, never from the sender's choice: an element by its id
        # (exclusive C14N), a MIME part of this message by its Content-ID (SwA content transform).
        expected = [CONTENT_SIGNATURE_TRANSFORM] if reference.get("URI", "").startswith("cid:") else [_EXC_C14N]
        if transforms != expected:
            raise ReferenceInvalid(f"reference {reference.get('URI')} uses transforms {transforms}; {expected} "
                                   "is accepted")
    uris = {r.uri for r in references}
    messaging_id, body_id = messaging.get(q(WSU, "Id")), body.get(q(WSU, "Id"))
    if not messaging_id or not body_id or {f"#{messaging_id}", f"#{body_id}"} - uris:
        raise ReferenceInvalid("the signature does not cover eb:Messaging and the SOAP Body")
    part_uris = {f"cid:{content_id}" for content_id in parts}
    if len(uris) != len(references) or any(not u.startswith("#") and u not in part_uris for u in uris):
        raise ReferenceInvalid("the signature has repeated or external references")
    if part_uris - uris:
        raise ReferenceInvalid(f"the signature does not cover the MIME parts {sorted(part_uris - uris)}")
    elements = [_by_id(root, uri[1:]) for uri in sorted(uris) if uri.startswith("#")]
    signer = _token(security, signature)
    # A signer the partner's trust refuses raises that refusal (CERTIFICATE_UNTRUSTED, _EXPIRED, _REVOKED).
    validate_path(signer, [], trust=partner_trust, at=at, purpose="signing", policy=policy)
    if part_uris:
        verify_with_parts(root, signer, parts, references=len(references))
        return VerifiedSoap(root=root, signer=signer, references=references, messaging=messaging, body=body)
    context = xmlsec.SignatureContext()
    for element in elements:
        context.register_id(element, "Id", WSU)
    context.key = xmlsec.Key.from_memory(signer.public_bytes(Encoding.PEM), constants.KeyDataFormatCertPem)
    try:
        context.verify(signature)
    except xmlsec.Error as e:
        raise SignatureInvalid(f"WS-Security signature does not verify: {e}") from e
    return VerifiedSoap(root=root, signer=signer, references=references, messaging=messaging, body=body)


def _token(security: etree._Element, signature: etree._Element) -> x509.Certificate:
    reference = signature.find(f"{q(DS, 'KeyInfo')}/{q(WSSE, 'SecurityTokenReference')}/{q(WSSE, 'Reference')}")
    uri = reference.get("URI", "") if reference is not None else ""
    tokens = [t for t in security.iterfind(q(WSSE, "BinarySecurityToken"))
              if uri.startswith("#") and t.get(q(WSU, "Id")) == uri[1:]]
    if len(tokens) != 1 or tokens[0].get("ValueType") != _X509_TOKEN:
        raise SignatureInvalid("KeyInfo does not reference one X.509 BinarySecurityToken in wsse:Security")
    try:
        return x509.load_der_x509_certificate(base64.b64decode(tokens[0].text or "", validate=True))
    except ValueError as e:
        raise SignatureInvalid(f"BinarySecurityToken is not an X.509 certificate: {e}") from e


def verify_nrr_receipt(data: bytes, *, message_id: str, partner_trust: PartnerTrust, at: datetime,
                       policy: SignaturePolicy = DEFAULT_POLICY) -> VerifiedSoap:
    """Verify a stored ebMS Receipt signal (:data:`NRR_RECEIPT_FORMAT`): its WS-Security signature against
    ``partner_trust``, and that it is a receipt with non-repudiation information for ``message_id``."""
    root = parse_xml(data)
    verified = verify_soap(root, partner_trust=partner_trust, at=at, policy=policy)
    signal = verified.messaging.find(q(EB, "SignalMessage"))
    ref_to = signal.findtext(f"{q(EB, 'MessageInfo')}/{q(EB, 'RefToMessageId')}") if signal is not None else None
    receipt = signal.find(q(EB, "Receipt")) if signal is not None else None
    if receipt is None or (ref_to or "").strip() != message_id:
        raise ReferenceInvalid(f"not an ebMS receipt for {message_id}")
    if receipt.find(f"{q(_EBBP, 'NonRepudiationInformation')}/{q(_EBBP, 'MessagePartNRInformation')}") is None:
        raise ReferenceInvalid("the receipt has no non-repudiation information")
    return verified


def encrypt_body(root: etree._Element, recipient: x509.Certificate) -> None:
    """Encrypt the content of the SOAP Body of ``root`` in place for ``recipient`` (an RSA certificate):
    AES-128-GCM under a fresh session key, the key transported with RSA-OAEP (SHA-256, MGF1-SHA-256), as the
    eDelivery AS4 profile does. Sign first: the signature's Body digest is over the plaintext."""
    body = root.find(q(SOAP, "Body"))
    if body is None:
        raise XmlMalformed("no SOAP Body to encrypt")
    if not isinstance(recipient.public_key(), rsa.RSAPublicKey):
        raise AlgorithmForbidden("payload encryption needs the recipient's RSA certificate (RSA-OAEP key transport)")
    data = xmlsec.template.encrypted_data_create(root, constants.TransformAes128Gcm, type=constants.TypeEncContent,
                                                 ns="xenc")
    xmlsec.template.encrypted_data_ensure_cipher_value(data)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(data, ns="ds")
    key = xmlsec.template.add_encrypted_key(key_info, constants.TransformRsaOaep)
    xmlsec.template.encrypted_data_ensure_cipher_value(key)
    method = key.find(q(_XENC, "EncryptionMethod"))
    assert method is not None  # the template has one
    # libxmlsec1 implements XML Encryption 1.1 RSA-OAEP; python-xmlsec names only the 1.0 URI (SHA-1 MGF), so the
    # template gets the 1.1 algorithm with its SHA-256 digest and MGF spelled out.
    method.set("Algorithm", _RSA_OAEP)
    etree.SubElement(method, q(DS, "DigestMethod"), Algorithm=_OAEP_DIGEST)
    etree.SubElement(method, "{http://www.w3.org/2009/xmlenc11#}MGF", Algorithm=_OAEP_MGF)
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(recipient.public_bytes(Encoding.PEM), constants.KeyDataFormatCertPem))
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(constants.KeyDataAes, 128, constants.KeyDataTypeSession)
    try:
        context.encrypt_xml(data, body)
    except xmlsec.Error as e:  # pragma: no cover - our own template and a checked key
        raise DecryptionFailed(f"encryption failed: {e}") from e


def decrypt_body(root: etree._Element, identity: SigningIdentity) -> bool:
    """Decrypt an encrypted SOAP Body of ``root`` in place with ``identity``'s RSA key; returns whether it was
    encrypted. Only AES-GCM content keys transported with RSA-OAEP (SHA-256) are accepted."""
    body = root.find(q(SOAP, "Body"))
    data = body.find(q(_XENC, "EncryptedData")) if body is not None else None
    if body is None or data is None:
        return False
    if len(body) != 1:
        raise DecryptionFailed("the SOAP Body holds more than its encrypted content")
    method = data.find(q(_XENC, "EncryptionMethod"))
    content = method.get("Algorithm") if method is not None else None
    key_methods = data.findall(f".//{q(_XENC, 'EncryptedKey')}/{q(_XENC, 'EncryptionMethod')}")
    # No SHA-1 anywhere, OAEP's digest and mask generation included (both default to SHA-1 when not named).
    key_ok = len(key_methods) == 1 and key_methods[0].get("Algorithm") == _RSA_OAEP and \
        [d.get("Algorithm") for d in key_methods[0].iter(q(DS, "DigestMethod"))] == [_OAEP_DIGEST] and \
        [m.get("Algorithm") for m in key_methods[0].iter("{http://www.w3.org/2009/xmlenc11#}MGF")] == [_OAEP_MGF]
    if content not in _DATA_ALGORITHMS or not key_ok:
        raise AlgorithmForbidden("encryption refused: AES-GCM content under RSA-OAEP with SHA-256 and MGF1-SHA-256 "
                                 "is required")
    if not isinstance(identity.private_key, rsa.RSAPrivateKey):
        raise DecryptionFailed("this gateway's key for the partner is not RSA: it cannot decrypt RSA-OAEP")
    manager = xmlsec.KeysManager()
    pem = identity.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    manager.add_key(xmlsec.Key.from_memory(pem, constants.KeyDataFormatPem))
    try:
        xmlsec.EncryptionContext(manager).decrypt(data)
    except xmlsec.Error as e:
        raise DecryptionFailed(f"the message body does not decrypt: {e}") from e
    return True
