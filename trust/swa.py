"""SOAP with Attachments (OASIS WS-Security SwA Profile 1.1) for AS4: payloads as MIME parts, signed by ``cid:``
references and optionally encrypted. Pure: bytes in, bytes out.

Only what no maintained library implements is written here: the input of the Attachment-Content-Signature-Transform
(the part's octets, canonicalised per its media type, SwA 1.1 section 5.4.2) and the reference carrying its SHA-256
digest, and the packaging of an encrypted part (the ciphertext travels in the MIME part, named by a
``xenc:CipherReference`` with the Attachment-Ciphertext-Transform). The rest is libraries': C14N is libxml2's (lxml),
the SignedInfo signature libxmlsec1's (signing) and signxml's (verification, which resolves ``cid:`` URIs through a
resolver and digests what it returns), key transport (RSA-OAEP, SHA-256) and AES-GCM pyca/cryptography's.

The eDelivery AS4 profile signs before it encrypts and compresses before it signs: a part's digest is over the
(compressed) plaintext, and what travels is ``nonce || ciphertext || tag`` (XML Encryption 1.1 AES-GCM).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Mapping

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from trust.errors import AlgorithmForbidden, DecryptionFailed, ReferenceInvalid, SignatureInvalid
from trust.keys import SigningIdentity
from trust.xmlparse import parse_xml

__all__ = [
    "CIPHERTEXT_TRANSFORM",
    "CONTENT_ONLY",
    "CONTENT_SIGNATURE_TRANSFORM",
    "Part",
    "add_part_references",
    "decrypt_parts",
    "encrypt_parts",
    "signature_input",
    "verify_with_parts",
]

_SWA = "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1"
CONTENT_SIGNATURE_TRANSFORM = f"{_SWA}#Attachment-Content-Signature-Transform"
"""The transform of a ``ds:Reference`` to a MIME part's content (headers unsigned), as the AS4 profile uses."""
CIPHERTEXT_TRANSFORM = f"{_SWA}#Attachment-Ciphertext-Transform"
"""The transform of a ``xenc:CipherReference`` to the MIME part that holds the ciphertext."""
CONTENT_ONLY = f"{_SWA}#Attachment-Content-Only"
"""The ``xenc:EncryptedData/@Type`` of an encrypted part's content."""

_DS = "http://www.w3.org/2000/09/xmldsig#"
_SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
_XENC = "http://www.w3.org/2001/04/xmlenc#"
_XENC11 = "http://www.w3.org/2009/xmlenc11#"
_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
_WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
_WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_X509_TOKEN = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
_BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
_RSA_OAEP = f"{_XENC11}rsa-oaep"
_MGF1_SHA256 = f"{_XENC11}mgf1sha256"
_AES_GCM = {f"{_XENC11}aes128-gcm": 16, f"{_XENC11}aes256-gcm": 32}
_ENCRYPTED_KEY_TOKEN = "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKey"
_XML_TYPES = re.compile(r"^(text/xml|application/xml|(application|image)/[^;]*\+xml)\s*(;|$)", re.IGNORECASE)

Part = tuple[str, bytes]
"""A MIME part: its Content-Type and its content octets (transfer encoding undone)."""


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def signature_input(part: Part) -> bytes:
    """The output of the Attachment-Content-Signature-Transform for ``part``: what its reference digests.

    SwA 1.1 (5.4.2) canonicalises by media type: XML content with exclusive C14N without comments, other text with
    CRLF line ends, everything else (a gzip-compressed AS4 payload) as its octets.
    """
    media_type, content = part
    if _XML_TYPES.match(media_type.strip()):
        # The hardened parser: an attachment is as untrusted as the envelope.
        return etree.tostring(parse_xml(content), method="c14n", exclusive=True, with_comments=False)
    if media_type.strip().lower().startswith("text/"):
        return re.sub(rb"\r?\n|\r", b"\r\n", content)
    return content


def _cid(uri: str) -> str:
    return uri[len("cid:"):] if uri.startswith("cid:") else ""


def add_part_references(signed_info: etree._Element, parts: Mapping[str, Part]) -> None:
    """Append one SHA-256 ``ds:Reference`` per part (``cid:`` + Content-ID) to ``signed_info``; the caller then
    signs SignedInfo (its digests of XML elements and the signature value are libxmlsec1's)."""
    for content_id, part in parts.items():
        reference = etree.SubElement(signed_info, _q(_DS, "Reference"), URI=f"cid:{content_id}")
        transforms = etree.SubElement(reference, _q(_DS, "Transforms"))
        etree.SubElement(transforms, _q(_DS, "Transform"), Algorithm=CONTENT_SIGNATURE_TRANSFORM)
        etree.SubElement(reference, _q(_DS, "DigestMethod"), Algorithm=_SHA256)
        digest = hashlib.sha256(signature_input(part)).digest()
        etree.SubElement(reference, _q(_DS, "DigestValue")).text = base64.b64encode(digest).decode("ascii")


def verify_with_parts(root: etree._Element, signer: x509.Certificate, parts: Mapping[str, Part],
                      *, references: int) -> None:
    """Verify the one signature of ``root`` (structure and algorithms already checked by the caller) with
    ``signer``, its ``cid:`` references resolved to ``parts``: signxml canonicalises and digests the XML
    references and checks the signature value; the parts' digests are over :func:`signature_input`."""

    def resolve(uri: str) -> bytes | None:
        part = parts.get(_cid(uri))
        return signature_input(part) if part is not None else None

    config = SignatureConfiguration(
        # Exactly the signature the caller checked, the one in the SOAP header's wsse:Security: signxml would
        # otherwise verify the first ds:Signature anywhere, which a sender could place elsewhere in the header.
        location=f"./{{{_SOAP12}}}Header/{{{_WSSE}}}Security/",
        expect_references=references,
        signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.ECDSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
    )
    try:
        XMLVerifier().verify(root, x509_cert=signer.public_bytes(Encoding.PEM).decode("ascii"),
                             uri_resolver=resolve, expect_config=config, id_attribute="Id")
    except (InvalidSignature, InvalidInput) as e:
        raise SignatureInvalid(f"WS-Security signature over the message and its parts does not verify: {e}") from e


def encrypt_parts(security: etree._Element, before: etree._Element, recipient: x509.Certificate,
                  parts: Mapping[str, Part], *, id_prefix: str) -> dict[str, bytes]:
    """Encrypt ``parts`` for ``recipient`` (RSA): one AES-128-GCM session key transported with RSA-OAEP (SHA-256,
    MGF1-SHA-256) in a ``xenc:EncryptedKey``, one ``xenc:EncryptedData`` per part naming it by ``cid:``, inserted
    into ``security`` before ``before`` (the signature: the receiver decrypts first). Returns each part's new
    content, ``nonce || ciphertext || tag``."""
    public_key = recipient.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise AlgorithmForbidden("payload encryption needs the recipient's RSA certificate (RSA-OAEP key transport)")
    session_key = AESGCM.generate_key(bit_length=128)
    wrapped = public_key.encrypt(session_key, _oaep())
    index = list(security).index(before)
    token = etree.Element(_q(_WSSE, "BinarySecurityToken"), EncodingType=_BASE64, ValueType=_X509_TOKEN)
    token.set(_q(_WSU, "Id"), f"{id_prefix}-enc-token")
    token.text = base64.b64encode(recipient.public_bytes(Encoding.DER)).decode("ascii")
    key = etree.Element(_q(_XENC, "EncryptedKey"), Id=f"{id_prefix}-key", nsmap={"xenc": _XENC})
    method = etree.SubElement(key, _q(_XENC, "EncryptionMethod"), Algorithm=_RSA_OAEP)
    etree.SubElement(method, _q(_DS, "DigestMethod"), Algorithm=_SHA256)
    etree.SubElement(method, _q(_XENC11, "MGF"), Algorithm=_MGF1_SHA256)
    token_reference = etree.SubElement(etree.SubElement(key, _q(_DS, "KeyInfo")), _q(_WSSE, "SecurityTokenReference"))
    etree.SubElement(token_reference, _q(_WSSE, "Reference"), URI=f"#{id_prefix}-enc-token", ValueType=_X509_TOKEN)
    etree.SubElement(etree.SubElement(key, _q(_XENC, "CipherData")), _q(_XENC, "CipherValue")).text = \
        base64.b64encode(wrapped).decode("ascii")
    references = etree.SubElement(key, _q(_XENC, "ReferenceList"))
    out: dict[str, bytes] = {}
    elements = [token, key]
    for n, (content_id, (media_type, content)) in enumerate(parts.items()):
        data_id = f"{id_prefix}-data-{n}"
        etree.SubElement(references, _q(_XENC, "DataReference"), URI=f"#{data_id}")
        data = etree.Element(_q(_XENC, "EncryptedData"), Id=data_id, Type=CONTENT_ONLY, MimeType=media_type,
                             nsmap={"xenc": _XENC})
        etree.SubElement(data, _q(_XENC, "EncryptionMethod"), Algorithm=f"{_XENC11}aes128-gcm")
        str_ = etree.SubElement(etree.SubElement(data, _q(_DS, "KeyInfo")), _q(_WSSE, "SecurityTokenReference"))
        str_.set(_q(_WSSE11, "TokenType"), _ENCRYPTED_KEY_TOKEN)
        etree.SubElement(str_, _q(_WSSE, "Reference"), URI=f"#{id_prefix}-key")
        cipher = etree.SubElement(etree.SubElement(data, _q(_XENC, "CipherData")), _q(_XENC, "CipherReference"),
                                  URI=f"cid:{content_id}")
        etree.SubElement(etree.SubElement(cipher, _q(_XENC, "Transforms")), _q(_DS, "Transform"),
                         Algorithm=CIPHERTEXT_TRANSFORM)
        nonce = secrets.token_bytes(12)
        out[content_id] = nonce + AESGCM(session_key).encrypt(nonce, content, None)
        elements.append(data)
    for offset, element in enumerate(elements):
        security.insert(index + offset, element)
    return out


def _oaep() -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def decrypt_parts(security: etree._Element, identity: SigningIdentity, parts: Mapping[str, Part]) -> dict[str, Part]:
    """Every part ``security`` encrypts (by ``cid:``) decrypted with ``identity``'s RSA key, typed by its
    ``xenc:EncryptedData/@MimeType`` (the type it was signed under; on the wire it is octets); {} when ``security``
    holds no ``xenc:EncryptedKey``. Only RSA-OAEP with SHA-256 and MGF1-SHA-256 and AES-GCM are accepted (else
    SIGNATURE_ALGORITHM_FORBIDDEN); a key or part that does not decrypt is DECRYPTION_FAILED."""
    keys = security.findall(_q(_XENC, "EncryptedKey"))
    if not keys:
        return {}
    if len(keys) != 1:
        raise DecryptionFailed(f"{len(keys)} xenc:EncryptedKey elements in wsse:Security (one expected)")
    key = keys[0]
    method = key.find(_q(_XENC, "EncryptionMethod"))
    # No SHA-1 anywhere: OAEP's digest and mask generation both default to SHA-1 when not named.
    if method is None or method.get("Algorithm") != _RSA_OAEP \
            or [d.get("Algorithm") for d in method.iter(_q(_DS, "DigestMethod"))] != [_SHA256] \
            or [m.get("Algorithm") for m in method.iter(_q(_XENC11, "MGF"))] != [_MGF1_SHA256]:
        raise AlgorithmForbidden("key transport refused: RSA-OAEP with SHA-256 and MGF1-SHA-256 is required")
    if not isinstance(identity.private_key, rsa.RSAPrivateKey):
        raise DecryptionFailed("this gateway's key for the partner is not RSA: it cannot decrypt RSA-OAEP")
    try:
        wrapped = base64.b64decode(key.findtext(f"{_q(_XENC, 'CipherData')}/{_q(_XENC, 'CipherValue')}") or "",
                                   validate=True)
        session_key = identity.private_key.decrypt(wrapped, _oaep())
    except ValueError as e:
        raise DecryptionFailed(f"the session key does not decrypt: {e}") from e
    out: dict[str, Part] = {}
    for reference in key.iterfind(f"{_q(_XENC, 'ReferenceList')}/{_q(_XENC, 'DataReference')}"):
        uri = reference.get("URI", "")
        found = [d for d in security.iter(_q(_XENC, "EncryptedData")) if uri.startswith("#") and d.get("Id") == uri[1:]]
        if len(found) != 1:
            raise DecryptionFailed(f"xenc:DataReference {uri!r} names {len(found)} xenc:EncryptedData elements")
        data = found[0]
        algorithm = data.find(_q(_XENC, "EncryptionMethod"))
        size = _AES_GCM.get(algorithm.get("Algorithm", "") if algorithm is not None else "")
        cipher = data.find(f"{_q(_XENC, 'CipherData')}/{_q(_XENC, 'CipherReference')}")
        transforms = [t.get("Algorithm") for t in data.iter(_q(_DS, "Transform"))]
        if size is None:
            raise AlgorithmForbidden("part encryption refused: AES-GCM is required")
        content_id = _cid(cipher.get("URI", "")) if cipher is not None else ""
        if data.get("Type") != CONTENT_ONLY or transforms != [CIPHERTEXT_TRANSFORM] or content_id not in parts:
            raise ReferenceInvalid(f"xenc:EncryptedData {uri!r} does not name a MIME part of the message by cid: "
                                   "with the Attachment-Ciphertext-Transform")
        if len(session_key) != size or content_id in out:
            raise DecryptionFailed(f"part {content_id!r}: wrong key size or encrypted twice")
        blob = parts[content_id][1]
        try:
            plain = AESGCM(session_key).decrypt(blob[:12], blob[12:], None)
        except (InvalidTag, ValueError) as e:
            raise DecryptionFailed(f"part {content_id!r} does not decrypt") from e
        out[content_id] = (data.get("MimeType") or parts[content_id][0], plain)
    return out
