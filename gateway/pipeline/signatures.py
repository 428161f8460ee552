"""Pure signature steps: the document signature at the placement the agreement's profile prescribes, and the
JWS envelope and receipt signatures. Shared by the pipeline and ``swgw verify``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Literal

from cryptography import x509
from lxml import etree

import trust
from trust import PartnerTrust, SigningIdentity

from ..core.domain import (
    ENVELOPE_JWS_TYPE,
    LEGACY_SIGNATURE_FORMAT,
    RECEIPT_JWS_TYPE,
    Attachment,
    Envelope,
    Receipt,
    Signature,
    VerifiedEnvelope,
)
from ..core.ledger import INQUIRY_ANSWER_JWS_TYPE, InquiryAnswer
from ..core.errors import DocumentRejected, EnvelopeSignatureInvalid, SignatureFormatUnsupported
from ..core.partners import PartnerProfile
from ..core.timestamping import level_rank
from ..core.relay import RELAY_TLS_FORMAT, relay_chain

__all__ = [
    "SIGNATURE_NAME",
    "TSA_TRUST_NAME",
    "check_signature_level",
    "replayable_receipt",
    "sign_document",
    "sign_envelope",
    "sign_inquiry_answer",
    "sign_receipt",
    "signature_policy",
    "timestamping_trust",
    "verify_access_point_envelope",
    "verify_document",
    "verify_envelope_jws",
    "verify_envelope_signature",
    "verify_inquiry_answer_jws",
    "verify_receipt_jws",
    "verify_relay",
    "verify_relay_signature",
    "verify_relayed_envelope",
]

#: File name of the attachment carrying the detached XML signature of a document whose format has no place for
#: one (profiles with ``"signature": "detached"``: eFTI, ePhyto). Its reference names the payload as
#: ``trust.DETACHED_REFERENCE_URI``; the envelope signature covers its digest like any attachment's.
SIGNATURE_NAME = "document-signature.xml"

#: The name the time-stamping authorities' trust goes by in errors and reports.
TSA_TRUST_NAME = "time-stamping"


def timestamping_trust(anchors: Sequence[x509.Certificate]) -> PartnerTrust | None:
    """The trust time-stamps are checked against: the configured TSA anchors only; None when there are none."""
    return trust.PartnerTrust(partner=TSA_TRUST_NAME, anchors=tuple(anchors)) if anchors else None


def check_signature_level(level: str, profile: PartnerProfile, *, field_path: str) -> None:
    """Refuse a document signature that proves less than the agreement's ``signature_level`` (a level is what
    was verified: a time-stamp by an untrusted TSA counts for nothing)."""
    if level_rank(level) < level_rank(profile.signature_level):
        raise DocumentRejected(
            f"the agreement requires {profile.signature_level} signatures; this one verified as {level}",
            code="SIGNATURE_LEVEL_INSUFFICIENT", partner=profile.name, field_path=field_path,
        )


def sign_document(
    document: bytes, placement: str, identity: SigningIdentity, *, long_term: trust.LongTerm | None = None,
    at: datetime | None = None, parsed: etree._Element | None = None,
) -> tuple[bytes, tuple[Attachment, ...]]:
    """Sign a mapped document the way its profile's ``signature`` placement says: the payload to send and the
    attachments that carry its signature (the detached signature file, or none).

    XML documents carry their own XML-DSig signature (verifiable anywhere, e.g. with xmlsec1): in the UBL
    extension block, or beside the unchanged document when the format has no place for one. UN/EDIFACT has no
    such signature (``none``): the envelope signature, which binds the payload digest, is its signature.
    With ``long_term`` the XML signature is XAdES B-T or B-LT, signed at ``at``. ``parsed`` is the mapping's tree of
    ``document`` (:attr:`mappings.ForwardResult.tree`), signed without parsing ``document`` again and handed over.
    """
    if placement == "none":
        return document, ()
    if placement == trust.SignaturePlacement.DETACHED.value:
        signature = trust.sign_xml_detached(document, identity, long_term=long_term, at=at, parsed=parsed)
        return document, (Attachment(name=SIGNATURE_NAME, media_type="application/xml", content=signature),)
    return trust.sign_xml(document, identity, placement=trust.SignaturePlacement(placement), long_term=long_term,
                          at=at, parsed=parsed), ()


def sign_envelope(envelope: Envelope, identity: SigningIdentity) -> Envelope:
    """``envelope`` with its JWS signature over :meth:`Envelope.header_fields` (any earlier signature replaced)."""
    jws = trust.sign_jws(envelope.header_fields(), identity, typ=ENVELOPE_JWS_TYPE)
    return replace(envelope, signature=Signature(jws))


def verify_envelope_jws(
    envelope: Envelope, *, partner_trust: PartnerTrust, now: datetime, policy: trust.SignaturePolicy
) -> trust.VerifiedJws:
    """Verify the envelope's JWS over its own fields (as received); raises :class:`SignatureFormatUnsupported`
    or a :class:`trust.TrustError`. Shared by the inbound pipeline and ``swgw verify``."""
    return _verify_jws("envelope", envelope.signature, envelope.header_fields(), ENVELOPE_JWS_TYPE,
                       trust_=partner_trust, now=now, policy=policy)


def verify_receipt_jws(
    receipt: Receipt, *, issuer_trust: PartnerTrust, now: datetime, policy: trust.SignaturePolicy
) -> trust.VerifiedJws:
    """Verify the receipt's JWS over its own fields; raises :class:`SignatureFormatUnsupported` or a
    :class:`trust.TrustError`. Shared by the outbound pipeline and ``swgw verify``."""
    return _verify_jws("receipt", receipt.signature, receipt.header_fields(), RECEIPT_JWS_TYPE,
                       trust_=issuer_trust, now=now, policy=policy)


def sign_inquiry_answer(answer: InquiryAnswer, identity: SigningIdentity) -> InquiryAnswer:
    """``answer`` with its JWS signature over :meth:`InquiryAnswer.header_fields`, signed like receipts."""
    return replace(answer, signature=Signature(trust.sign_jws(answer.header_fields(), identity,
                                                              typ=INQUIRY_ANSWER_JWS_TYPE)))


def verify_inquiry_answer_jws(
    answer: InquiryAnswer, *, answerer_trust: PartnerTrust, now: datetime, policy: trust.SignaturePolicy
) -> trust.VerifiedJws:
    """Verify an inquiry answer's JWS over its own fields against the answering partner's trust; raises
    :class:`SignatureFormatUnsupported` or a :class:`trust.TrustError`."""
    return _verify_jws("answer", answer.signature, answer.header_fields(), INQUIRY_ANSWER_JWS_TYPE,
                       trust_=answerer_trust, now=now, policy=policy)


def _verify_jws(
    what: str, signature: Signature | None, fields: Mapping[str, trust.JsonValue], typ: str, *, trust_: PartnerTrust,
    now: datetime, policy: trust.SignaturePolicy,
) -> trust.VerifiedJws:
    if signature is None:
        raise trust.SignatureMissing(f"{what} is not signed", path=f"{what}.signature")
    if signature.format != trust.JWS_FORMAT:
        raise SignatureFormatUnsupported(
            f"{what} signature format {signature.format[:64]!r} is not {trust.JWS_FORMAT!r}",
            partner=trust_.partner, field_path=f"{what}.signature.format",
        )
    return trust.verify_jws(signature.value, fields, typ=typ, trust=trust_, at=now, policy=policy)


def signature_policy(profile: PartnerProfile) -> trust.SignaturePolicy:
    """The secure default policy, with what the agreement decides: the meaning of an unknown revocation status."""
    return _policy(profile.revocation_unknown)


# Every verification asks for its agreement's policy; building one validates every field (a few microseconds).
# Policies are frozen, so the two there can be are built once and shared.
@functools.lru_cache(maxsize=4)
def _policy(revocation_unknown: Literal["reject", "warn"]) -> trust.SignaturePolicy:
    return replace(trust.DEFAULT_POLICY, revocation_unknown=revocation_unknown)


def verify_envelope_signature(
    envelope: Envelope, *, partner_trust: PartnerTrust, now: datetime, profile: PartnerProfile
) -> VerifiedEnvelope:
    """Verify the envelope's JWS signature over its own fields against the partner's trust; raises
    :class:`EnvelopeSignatureInvalid`."""
    if envelope.signature is None:
        raise EnvelopeSignatureInvalid("envelope is not signed", partner=partner_trust.partner,
                                       field_path="envelope.signature")
    try:
        verified = verify_envelope_jws(envelope, partner_trust=partner_trust, now=now, policy=signature_policy(profile))
    except trust.CertificateRevoked as e:
        # The partner is authenticated by its TLS certificate but signs with a revoked key: the refusal is the
        # partner's to read, so it is a document-level one (a signed REJECTED receipt naming the revocation).
        raise DocumentRejected(f"envelope signer revoked: {e.message}", code=e.code, partner=partner_trust.partner,
                               field_path="envelope.signature") from e
    except trust.TrustError as e:
        raise EnvelopeSignatureInvalid(
            f"envelope signature refused: {e.code}: {e.message}", partner=partner_trust.partner,
            field_path="envelope.signature",
        ) from e
    return VerifiedEnvelope(envelope=envelope, signer=verified.signer)


def verify_document(
    envelope: Envelope, placement: str, *, partner_trust: PartnerTrust, now: datetime, policy: trust.SignaturePolicy,
    tsa_trust: PartnerTrust | None = None,
) -> trust.VerifiedXml | None:
    """Verify the document signature at the placement the agreement's profile prescribes (never one the document
    suggests); ``None`` for ``none``, where the envelope signature is the document's. Raises trust errors.
    A XAdES time-stamp by a TSA of ``tsa_trust`` moves the judgement to the time it proves."""
    if placement == "none":
        return None
    if placement != trust.SignaturePlacement.DETACHED.value:
        return trust.verify_xml(envelope.payload, trust=partner_trust, at=now, policy=policy,
                                placement=trust.SignaturePlacement(placement), tsa_trust=tsa_trust)
    carriers = [i for i, a in enumerate(envelope.attachments) if a.name == SIGNATURE_NAME]
    if not carriers:
        raise trust.SignatureMissing(f"the agreement requires a detached signature attachment {SIGNATURE_NAME!r}",
                                     partner=partner_trust.partner, path="envelope.attachments")
    if len(carriers) > 1:
        raise trust.ReferenceInvalid(f"more than one attachment named {SIGNATURE_NAME!r}",
                                     partner=partner_trust.partner, path="envelope.attachments")
    try:
        return trust.verify_xml_detached(envelope.payload, envelope.attachments[carriers[0]].content,
                                         trust=partner_trust, at=now, policy=policy, tsa_trust=tsa_trust)
    except trust.TrustError as e:
        if e.path is not None:
            raise
        raise e.at(f"envelope.attachments[{carriers[0]}]") from e


def sign_receipt(receipt: Receipt, identity: SigningIdentity) -> Receipt:
    """``receipt`` with its JWS signature over :meth:`Receipt.header_fields` (any earlier signature replaced)."""
    return replace(receipt, signature=Signature(trust.sign_jws(receipt.header_fields(), identity,
                                                               typ=RECEIPT_JWS_TYPE)))


def replayable_receipt(receipt: Receipt, identity: SigningIdentity) -> Receipt:
    """A stored receipt as it is answered again to a duplicate: unchanged, byte for byte, unless it was stored
    with the pre-JWS signature format, which no partner verifies any more: then the same fields are signed anew."""
    if receipt.signature is not None and receipt.signature.format == LEGACY_SIGNATURE_FORMAT:
        return sign_receipt(receipt, identity)
    return receipt


def verify_relay(
    chain: Sequence[x509.Certificate], *, partner_trust: PartnerTrust, now: datetime, policy: trust.SignaturePolicy
) -> x509.Certificate:
    """Validate a relay's TLS server chain (leaf first) to the partner's trust, the relay's CA; returns the leaf.

    A relay (the ePhyto Hub) authenticates the exporting NPPO by its client certificate and vouches for what it
    relays over its own TLS connection: where the agreement names a relay transport, that connection's certificate
    takes the place of the partner's signature. Raises :class:`trust.TrustError`.
    """
    if not chain:
        raise trust.SignatureMissing("no relay certificate", partner=partner_trust.partner)
    return trust.validate_chain(chain[0], chain[1:], trust=partner_trust, at=now, purpose="tls-server",
                                policy=policy)[0]


def verify_access_point_envelope(
    envelope: Envelope, signer: x509.Certificate, *, partner_trust: PartnerTrust, now: datetime,
    profile: PartnerProfile,
) -> VerifiedEnvelope:
    """An envelope an AS4 access point that does not run swgw sent: the certificate of its WS-Security signature
    (over eb:Messaging, the Body and every payload, verified by :func:`trust.verify_soap`) takes the place of the
    sender's envelope signature, validated to the partner's trust under the agreement's signature policy; raises
    :class:`EnvelopeSignatureInvalid`."""
    try:
        trust.validate_path(signer, [], trust=partner_trust, at=now, purpose="signing",
                            policy=signature_policy(profile))
    except trust.TrustError as e:
        raise EnvelopeSignatureInvalid(f"access point signer refused: {e.code}: {e.message}",
                                       partner=partner_trust.partner, field_path="envelope.signature") from e
    return VerifiedEnvelope(envelope=envelope, signer=signer)


def verify_relay_signature(
    signature: Signature | None, *, partner_trust: PartnerTrust, now: datetime, policy: trust.SignaturePolicy
) -> x509.Certificate:
    """:func:`verify_relay` on a :data:`RELAY_TLS_FORMAT` signature; raises :class:`SignatureFormatUnsupported`
    for another format and :class:`trust.TrustError` for a chain that does not validate."""
    if signature is None or signature.format != RELAY_TLS_FORMAT:
        found = "none" if signature is None else repr(signature.format[:64])
        raise SignatureFormatUnsupported(f"the agreement names a relay; receipt attestation {found} is not "
                                         f"{RELAY_TLS_FORMAT!r}", partner=partner_trust.partner,
                                         field_path="receipt.signature.format")
    try:
        chain = [trust.load_der_certificate(der) for der in relay_chain(signature)]
    except ValueError as e:
        raise trust.SignatureInvalid(f"relay attestation is not a certificate chain: {e}",
                                     partner=partner_trust.partner) from e
    return verify_relay(chain, partner_trust=partner_trust, now=now, policy=policy)


def verify_relayed_envelope(
    envelope: Envelope, chain: Sequence[x509.Certificate], *, partner_trust: PartnerTrust, now: datetime,
    profile: PartnerProfile,
) -> VerifiedEnvelope:
    """An envelope a relay handed over, verified by the relay's TLS server chain (:func:`verify_relay`) in place of
    a sender's signature; raises :class:`EnvelopeSignatureInvalid`."""
    try:
        relay = verify_relay(chain, partner_trust=partner_trust, now=now, policy=signature_policy(profile))
    except trust.TrustError as e:
        raise EnvelopeSignatureInvalid(f"relay certificate refused: {e.code}: {e.message}",
                                       partner=partner_trust.partner, field_path="envelope.signature") from e
    return VerifiedEnvelope(envelope=envelope, signer=relay)
