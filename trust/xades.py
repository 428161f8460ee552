"""XAdES baseline signatures over signxml: B-T (a signature time-stamp) and B-LT (plus the validation data).

:func:`xades_signer` makes signxml's ``XAdESSigner`` with the signing time the caller gives (signxml would read the
clock). :func:`add_unsigned_properties` then adds, after the signature value exists, the unsigned properties that
make the baseline level:

* ``SignatureTimeStamp`` (B-T): an RFC 3161 token over the exclusive canonical form of ``ds:SignatureValue``;
* ``CertificateValues`` and ``RevocationValues/CRLValues`` (B-LT): the certificates and CRLs a verifier needs
  years later, when neither the signer's CA nor the TSA may publish them any more.

B-LTA (archive time-stamps) is not produced for XML.

:func:`inspect_qualifying` checks the shape a XAdES signature must have before any cryptography, in the spirit of
:mod:`trust.xmldsig`'s profile: one ``ds:Object`` holding only ``xades:QualifyingProperties`` that targets this
signature; besides the document reference exactly two more, one to its ``SignedProperties`` (typed as such) and
one to the signature's own ``KeyInfo``, each resolving to exactly that element. :func:`long_term_data` reads the
unsigned properties back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.xades.xades import XAdESSigner

from trust.errors import ReferenceInvalid, TimestampInvalid
from trust.partner import PartnerTrust
from trust.policy import C14N_ALGORITHMS, SignaturePolicy
from trust.timestamp import LongTerm, VerifiedTimestamp, check_timestamp, embedded_crls, signature_timestamp

__all__ = ["JudgedTime", "QualifyingData", "add_unsigned_properties", "inspect_qualifying", "judge_time",
           "long_term_data", "xades_signer"]

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
_NS = {"ds": DS, "xades": XADES}
_EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value
# XAdES (EN 319 132-1, 5.3) defaults the time-stamp's canonicalization to inclusive C14N 1.0 when none is named.
_DEFAULT_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


class _TimedXAdESSigner(XAdESSigner):
    """XAdESSigner whose SigningTime is the caller's time: trust/ never reads the clock."""

    def __init__(self, *, signing_time: datetime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._signing_time = signing_time

    def add_signing_time(self, signed_signature_properties: Any, sig_root: Any, signing_settings: Any) -> None:
        element = etree.SubElement(signed_signature_properties, f"{{{XADES}}}SigningTime")
        element.text = self._signing_time.isoformat(timespec="seconds")


def xades_signer(method: SignatureMethod, construction: SignatureConstructionMethod, at: datetime) -> XAdESSigner:
    """signxml's XAdES signer (SigningCertificateV2 with SHA-256, SigningTime ``at``, inclusive C14N 1.0)."""
    return _TimedXAdESSigner(
        signing_time=at,
        method=construction,
        signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
        # signxml digests the SignedProperties and KeyInfo references with this algorithm but writes them without
        # a Transform, and a reference without one is canonicalized with inclusive C14N 1.0 by every verifier
        # (signxml's own and xmlsec1 included): any other choice here yields signatures that do not verify.
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )


def _sub(parent: etree._Element, namespace: str, tag: str, text: str | None = None, **attributes: str
         ) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}", attrib=attributes or None)
    if text is not None:
        element.text = text
    return element


def add_unsigned_properties(signature: etree._Element | None, long_term: LongTerm) -> None:
    """Add the signature time-stamp (and for B-LT the validation data) to a XAdES ``signature`` just signed."""
    qualifying = signature.find("ds:Object/xades:QualifyingProperties", _NS) if signature is not None else None
    value = signature.find("ds:SignatureValue", _NS) if signature is not None else None
    if signature is None or qualifying is None or value is None:
        raise ReferenceInvalid("not a XAdES signature: no QualifyingProperties or SignatureValue")
    token = signature_timestamp(long_term.timestamper, etree.tostring(value, method="c14n", exclusive=True))
    properties = _sub(_sub(qualifying, XADES, "UnsignedProperties"), XADES, "UnsignedSignatureProperties")
    stamp = _sub(properties, XADES, "SignatureTimeStamp", Id=f"{signature.get('Id')}-SignatureTimeStamp")
    _sub(stamp, DS, "CanonicalizationMethod", Algorithm=_EXC_C14N)
    _sub(stamp, XADES, "EncapsulatedTimeStamp", base64.b64encode(token).decode())
    if long_term.level == "B-T":
        return
    values = _sub(properties, XADES, "CertificateValues")
    for certificate in long_term.validation_certificates:
        der = certificate.public_bytes(serialization.Encoding.DER)
        _sub(values, XADES, "EncapsulatedX509Certificate", base64.b64encode(der).decode())
    crls = _sub(_sub(properties, XADES, "RevocationValues"), XADES, "CRLValues")
    for crl in long_term.crls:
        _sub(crls, XADES, "EncapsulatedCRLValue", base64.b64encode(crl).decode())


@dataclass(frozen=True)
class QualifyingData:
    """What the unsigned properties of a XAdES signature carry (not verified yet)."""

    timestamp: bytes | None
    """The signature time-stamp token (DER), if any."""

    timestamped: bytes
    """The canonical ``ds:SignatureValue`` the token must cover."""

    certificates: tuple[x509.Certificate, ...]
    """CertificateValues (B-LT)."""

    crls: tuple[bytes, ...]
    """CRLValues (B-LT), DER."""


def _one(parent: etree._Element, path: str, what: str) -> etree._Element:
    found = parent.findall(path, _NS)
    if len(found) != 1:
        raise ReferenceInvalid(f"expected exactly one {what}, found {len(found)}")
    return found[0]


def _resolves_to(root: etree._Element, uri: str | None, element: etree._Element, what: str) -> None:
    if not uri or not uri.startswith("#") or uri == "#":
        raise ReferenceInvalid(f"the {what} reference must be a same-document fragment, not {uri!r}")
    # signxml resolves a fragment by any attribute named Id or ID; exactly this element may carry the value.
    hits = root.getroottree().xpath("//*[@*[local-name() = 'Id' or local-name() = 'ID'] = $v]", v=uri[1:])
    if not isinstance(hits, list) or len(hits) != 1 or hits[0] is not element:
        raise ReferenceInvalid(f"the {what} reference {uri!r} does not name exactly this signature's {what}")


def inspect_qualifying(signature: etree._Element, references: list[etree._Element]) -> None:
    """Check the XAdES shape of ``signature`` whose SignedInfo holds ``references`` (document reference first).

    Raises :class:`~trust.errors.ReferenceInvalid` for anything else signed or any reference that could resolve
    elsewhere (signature wrapping).
    """
    obj = _one(signature, "ds:Object", "ds:Object")
    if len(obj) != 1:
        raise ReferenceInvalid("the ds:Object must hold only xades:QualifyingProperties")
    qualifying = _one(obj, "xades:QualifyingProperties", "xades:QualifyingProperties")
    if not signature.get("Id") or qualifying.get("Target") != f"#{signature.get('Id')}":
        raise ReferenceInvalid("QualifyingProperties does not target this signature")
    signed = _one(qualifying, "xades:SignedProperties", "xades:SignedProperties")
    key_info = _one(signature, "ds:KeyInfo", "ds:KeyInfo")
    if len(references) != 3:
        raise ReferenceInvalid(f"a XAdES signature has exactly three references, found {len(references)}")
    typed = [r for r in references[1:] if r.get("Type") == SIGNED_PROPERTIES_TYPE]
    others = [r for r in references[1:] if r.get("Type") is None]
    if len(typed) != 1 or len(others) != 1:
        raise ReferenceInvalid("expected one SignedProperties reference and one KeyInfo reference")
    _resolves_to(signature, typed[0].get("URI"), signed, "SignedProperties")
    _resolves_to(signature, others[0].get("URI"), key_info, "KeyInfo")
    for reference in references[1:]:
        for transform in reference.findall("ds:Transforms/ds:Transform", _NS):
            if transform.get("Algorithm") not in C14N_ALGORITHMS:
                raise ReferenceInvalid("a XAdES property reference may only be canonicalized")


def _decode(element: etree._Element, what: str) -> bytes:
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except binascii.Error as e:
        raise TimestampInvalid(f"unreadable {what}") from e


def long_term_data(signature: etree._Element) -> QualifyingData:
    """The unsigned properties of a XAdES ``signature`` already inspected; raises
    :class:`~trust.errors.TimestampInvalid` for more than one time-stamp or unreadable values."""
    properties = signature.find("ds:Object/xades:QualifyingProperties/xades:UnsignedProperties/"
                                "xades:UnsignedSignatureProperties", _NS)
    value = _one(signature, "ds:SignatureValue", "ds:SignatureValue")
    stamps = properties.findall("xades:SignatureTimeStamp", _NS) if properties is not None else []
    if len(stamps) > 1:
        raise TimestampInvalid("more than one signature time-stamp is not supported")
    token, c14n = None, _DEFAULT_C14N
    if stamps:
        method = stamps[0].find("ds:CanonicalizationMethod", _NS)
        c14n = method.get("Algorithm", "") if method is not None else _DEFAULT_C14N
        if c14n not in C14N_ALGORITHMS:
            raise TimestampInvalid(f"time-stamp canonicalization {c14n} is not allowed")
        token = _decode(_one(stamps[0], "xades:EncapsulatedTimeStamp", "EncapsulatedTimeStamp"), "time-stamp")
    exclusive = "exc-c14n" in c14n
    timestamped = etree.tostring(value, method="c14n", exclusive=exclusive, with_comments=c14n.endswith("Comments"))
    certificates: list[x509.Certificate] = []
    crls: list[bytes] = []
    if properties is not None:
        for element in properties.findall("xades:CertificateValues/xades:EncapsulatedX509Certificate", _NS):
            try:
                certificates.append(x509.load_der_x509_certificate(_decode(element, "certificate value")))
            except ValueError as e:
                raise TimestampInvalid("unreadable EncapsulatedX509Certificate") from e
        crls = [_decode(e, "CRL value") for e in
                properties.findall("xades:RevocationValues/xades:CRLValues/xades:EncapsulatedCRLValue", _NS)]
    return QualifyingData(token, timestamped, tuple(certificates), tuple(crls))


@dataclass(frozen=True)
class JudgedTime:
    """When a signature is judged, and on what material (see :func:`judge_time`)."""

    at: datetime
    """The time the signer's certificate is judged at: the time-stamp's, else the verification time."""

    timestamp: VerifiedTimestamp | None
    """The verified signature time-stamp, if any."""

    level: str
    """``B-B``, ``B-T`` or ``B-LT``: what was verified, not what the signature claims."""

    trust: PartnerTrust
    """The partner's trust, with the embedded CRLs that verify against its CAs added."""

    certificates: tuple[x509.Certificate, ...]
    """Embedded certificates, offered to path building as untrusted intermediates."""

    warnings: tuple[str, ...]
    """Why a time-stamp present was not used."""


def judge_time(signature: etree._Element, *, trust: PartnerTrust, tsa_trust: PartnerTrust | None, at: datetime,
               policy: SignaturePolicy) -> JudgedTime:
    """Verify the signature time-stamp of a XAdES ``signature`` (shape already inspected) against ``tsa_trust``
    and say at which time, and with which embedded validation data, its signer is to be judged.

    A time-stamp no TSA of ``tsa_trust`` made proves nothing: the signature is judged at ``at`` like a baseline
    one and a warning says so. A broken one is refused (:func:`trust.timestamp.check_timestamp`).
    """
    data = long_term_data(signature)
    if data.timestamp is None:
        return JudgedTime(at, None, "B-B", trust, data.certificates, ())
    timestamp, warning = check_timestamp(data.timestamp, lambda a: hashlib.new(a, data.timestamped).digest(),
                                         tsa_trust=tsa_trust, at=at, policy=policy,
                                         extra_certificates=data.certificates)
    if timestamp is None:
        return JudgedTime(at, None, "B-B", trust, data.certificates, (warning,) if warning else ())
    crls = embedded_crls(data.crls, trust, data.certificates)
    level = "B-LT" if data.certificates and data.crls else "B-T"
    return JudgedTime(timestamp.time, timestamp, level, replace(trust, crls=(*trust.crls, *crls)) if crls else trust,
                      data.certificates, ())

