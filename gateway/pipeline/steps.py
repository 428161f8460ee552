"""Pure pipeline steps: validate, map, sign, verify, build receipts (the signatures themselves: ``signatures``).

No step touches a port: time, ids, trust material and signing identities come in as arguments, and the results
are values the runner persists. Foreign errors (mappings, trust) are wrapped here into gateway errors that keep
their stable codes.
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

import mappings
import trust
from trust import PartnerTrust, SigningIdentity

from ..core.domain import (
    Action,
    Attachment,
    BusinessKey,
    DocumentType,
    Envelope,
    ErrorInfo,
    PartyId,
    Receipt,
    ReceiptOutcome,
    VerifiedEnvelope,
    VerifiedReceipt,
    sha256_hex,
)
from ..core.errors import (
    DocumentRejected,
    EnvelopeInvalid,
    FormatNotAgreed,
    GatewayError,
    MessageStale,
    PayloadDigestMismatch,
    PayloadTooLarge,
    ReceiptInvalid,
    SenderMismatch,
    SignatureFormatUnsupported,
    as_gateway_error,
)
from ..core.partners import PartnerProfile
from ..core.ports import DocumentRenderer
from .signatures import (
    SIGNATURE_NAME,
    check_signature_level,
    sign_document,
    sign_envelope,
    sign_receipt,
    signature_policy,
    verify_document,
    verify_receipt_jws,
    verify_relay_signature,
)

#: File name of the PAdES-signed PDF rendering attached to certificates of origin.
PDF_NAME = "certificate-of-origin.pdf"


__all__ = [
    "InboundDocument",
    "OutboundDocument",
    "PDF_NAME",
    "SubmitCommand",
    "agreed_format",
    "check_inbound_envelope",
    "check_large_attachments",
    "error_info",
    "is_pdf",
    "make_receipt",
    "map_inbound",
    "parse_record",
    "prepare_outbound",
    "rejection",
    "verify_receipt",
]


@dataclass(frozen=True)
class SubmitCommand:
    """A domestic request to send one document to a partner."""

    receiver: str
    """The partner single window."""
    document_type: DocumentType
    """The document type."""
    action: Action
    """Issue, replace or withdraw."""
    record_json: bytes
    """The catalog record, UTF-8 JSON."""
    idempotency_key: str | None = None
    """Repeated requests with the same key return the first result."""
    refers_to: BusinessKey | None = None
    """For replace and withdraw: the earlier document."""
    attachments: tuple[Attachment, ...] = ()
    """Further files to carry."""
    domestic_client: str | None = None
    """The authenticated domestic client, if any."""


@dataclass(frozen=True)
class OutboundDocument:
    """The result of preparing an outbound document: a signed envelope and what to store with it."""

    envelope: Envelope
    """The signed envelope."""
    record_json: str
    """The record as submitted (normalised JSON)."""
    report: mappings.MappingReport
    """The mapping report."""


@dataclass(frozen=True)
class InboundDocument:
    """A verified and mapped inbound document."""

    record: dict[str, Any]
    """The document mapped to the domestic catalog."""
    report: mappings.MappingReport
    """The reverse mapping's report."""
    signer_subject: str
    """Subject of the document signer's certificate."""
    signer_fingerprint: str
    """SHA-256 fingerprint of that certificate."""
    warnings: tuple[str, ...] = ()
    """Verification warnings accepted under the agreement (e.g. revocation status unknown)."""


@contextmanager
def rejection() -> Iterator[None]:
    """Raise mapping and trust errors as :class:`DocumentRejected` (:func:`as_gateway_error`), keeping code, path
    and report."""
    try:
        yield
    except (mappings.MappingError, trust.TrustError) as e:
        rejected = as_gateway_error(e)
        if rejected is None:  # pragma: no cover - both are translated
            raise
        raise rejected from e


def parse_record(record_json: bytes) -> dict[str, Any]:
    """Parse a catalog record with :func:`mappings.parse_record` (the one record parser); its RECORD_MALFORMED,
    with the JSON path of the offending value, becomes :class:`DocumentRejected`."""
    with rejection():
        return mappings.parse_record(record_json)


def _business_key(document_type: DocumentType, record: Mapping[str, Any]) -> BusinessKey:
    with rejection():
        issuer, number, version = mappings.business_key(document_type.value, record)
    return BusinessKey(issuer=issuer, number=number, version=version)


def prepare_outbound(
    command: SubmitCommand,
    *,
    sender: PartyId,
    profile: PartnerProfile,
    identity: SigningIdentity,
    message_id: str,
    created_at: datetime,
    render_pdf: DocumentRenderer,
    long_term: trust.LongTerm | None = None,
) -> OutboundDocument:
    """Validate, map and sign a submitted record, and wrap it in a signed envelope; ``render_pdf`` draws the readable
    PDF the agreement may ask to attach. With ``long_term`` document signatures are long-term (XAdES, PAdES)."""
    if command.action is not Action.ISSUE and command.refers_to is None:
        raise EnvelopeInvalid(f"{command.action.value} needs refers_to", field_path="refers_to")
    record = parse_record(command.record_json)
    mapping_profile = profile.profile_for_record(command.document_type, record, field_path="document_type")
    for index, attachment in enumerate(command.attachments):
        if attachment.name == SIGNATURE_NAME:
            raise EnvelopeInvalid(f"attachment name {SIGNATURE_NAME!r} is reserved for the document signature",
                                  field_path=f"attachments[{index}].name")
    with rejection():
        # An EDIFACT interchange's UNB (parties, character set, syntax version) is the agreement's.
        mapped = mappings.map_forward(record, mapping_profile, at=created_at, interchange=profile.interchange(sender))
        # The mapping's tree of its document is signed as it is, not serialised and parsed again (same bytes).
        signed, signature_files = sign_document(mapped.document, mappings.get_profile(mapping_profile).signature,
                                                identity, long_term=long_term, at=created_at, parsed=mapped.tree)
    payload_sha256 = sha256_hex(signed)
    attachments = (*command.attachments, *signature_files)
    if profile.attach_pdf and command.document_type is DocumentType.CERTIFICATE_OF_ORIGIN:
        # The readable rendering travels with the XML, PAdES-signed by the same identity.
        with rejection():
            pdf = trust.sign_pdf(render_pdf(record, created_at=created_at), identity, at=created_at,
                                 long_term=long_term)
        attachments = (*attachments, Attachment(name=PDF_NAME, media_type="application/pdf", content=pdf))
    unsigned = Envelope(
        message_id=message_id,
        business_key=_business_key(command.document_type, record),
        sender=sender,
        receiver=profile.party,
        document_type=command.document_type,
        document_format=mapped.format,
        action=command.action,
        created_at=created_at,
        payload=signed,
        payload_sha256=payload_sha256,
        attachments=attachments,
        refers_to=command.refers_to,
    )
    envelope = sign_envelope(unsigned, identity)
    return OutboundDocument(
        envelope=envelope,
        record_json=json.dumps(record, ensure_ascii=False, sort_keys=True),
        report=mapped.report,
    )


def check_inbound_envelope(
    envelope: Envelope, *, peer: str, me: PartyId, profile: PartnerProfile, now: datetime
) -> None:
    """Checks that need no cryptography: routing, agreement, size, digests, freshness."""
    if envelope.sender.value != peer:
        raise SenderMismatch(
            f"envelope sender {envelope.sender.value!r} is not the authenticated partner {peer!r}",
            partner=peer,
            field_path="envelope.sender",
        )
    if envelope.receiver.value != me.value:
        raise SenderMismatch(
            f"envelope receiver {envelope.receiver.value!r} is not this gateway", partner=peer,
            field_path="envelope.receiver",
        )
    with rejection():
        agreed = profile.profile_for_format(envelope.document_type, envelope.document_format,
                                            field_path="envelope.document_type")
    if agreed is None:
        # The declared format must not choose the checks: a UBL document declared as EDIFACT would otherwise
        # skip the XML signature. Only the format the agreement names for this document type is accepted.
        formats = [_format_of(p) for p in profile.profiles_for(envelope.document_type)]
        raise FormatNotAgreed(
            f"the agreement with {profile.name} covers {envelope.document_type.value} as "
            f"{' or '.join(repr(f) for f in formats)}, not {envelope.document_format!r}", partner=peer,
            field_path="envelope.document_format",
        )
    if envelope.action is not Action.ISSUE and envelope.refers_to is None:
        raise EnvelopeInvalid(f"{envelope.action.value} needs refers_to", partner=peer, field_path="envelope.refers_to")
    size = len(envelope.payload) + sum(len(a.content) for a in envelope.attachments)
    if size > profile.max_payload_bytes:
        raise PayloadTooLarge(
            f"payload of {size} bytes exceeds the agreed {profile.max_payload_bytes}", partner=peer,
            field_path="envelope.payload",
        )
    check_large_attachments(envelope.attachments, profile, field_path="envelope.attachments")
    # Constant-time comparison is not needed for a public digest, but it is no slower and avoids debate.
    if not hmac.compare_digest(sha256_hex(envelope.payload), envelope.payload_sha256.lower()):
        raise PayloadDigestMismatch("payload does not match payload_sha256", partner=peer,
                                    field_path="envelope.payload_sha256")
    if envelope.created_at > now + trust.DEFAULT_POLICY.max_clock_skew:
        raise MessageStale("envelope created in the future", partner=peer, field_path="envelope.created_at")
    if now - envelope.created_at > profile.max_message_age:
        raise MessageStale("envelope older than the agreement allows", partner=peer,
                           field_path="envelope.created_at")


def relayed_business_key(envelope: Envelope, *, profile: PartnerProfile, now: datetime) -> BusinessKey:
    """The business key of a relayed document, read from the document (a relay's envelope names none of ours)."""
    with rejection():
        record = mappings.map_reverse(envelope.payload, profile.mapping_profile(envelope.document_type), at=now,
                                      interchange=profile.interchange(envelope.receiver)).record
    return _business_key(envelope.document_type, record)


def _format_of(profile_id: str) -> str:
    """The format URN a mapping profile writes."""
    with rejection():
        return mappings.get_profile(profile_id).format


def check_large_attachments(attachments: tuple[Attachment, ...], profile: PartnerProfile, *, field_path: str) -> None:
    """Large attachments (stored apart) must be agreed and within ``max_attachment_bytes``; raises
    PayloadTooLarge naming the attachment."""
    for index, attachment in enumerate(attachments):
        if attachment.stored is not None and attachment.size > profile.max_attachment_bytes:
            raise PayloadTooLarge(
                f"attachment {attachment.name!r} of {attachment.size} bytes exceeds the agreed "
                f"{profile.max_attachment_bytes} for large attachments", partner=profile.name,
                field_path=f"{field_path}[{index}]",
            )


def agreed_format(profile: PartnerProfile, document_type: DocumentType, *, field_path: str | None = None) -> str:
    """The format URN the agreement names for ``document_type``; raises when the type is not agreed."""
    with rejection():
        return mappings.get_profile(profile.mapping_profile(document_type, field_path=field_path)).format


def is_pdf(attachment: Attachment) -> bool:
    """Whether an attachment is a PDF, by its declared media type or by its content.

    The content decides too, so that a partner cannot skip the PDF signature check by labelling a PDF as
    something else: PDF readers accept the header anywhere in the first 1024 bytes, and so does this test.
    """
    return attachment.media_type == "application/pdf" or b"%PDF-" in attachment.content[:1024]


def map_inbound(
    verified_envelope: VerifiedEnvelope, *, profile: PartnerProfile, partner_trust: PartnerTrust, now: datetime,
    tsa_trust: PartnerTrust | None = None,
) -> InboundDocument:
    """Verify the document signature, then map only the verified bytes to a domestic record.

    A format without a document signature of its own (UN/EDIFACT) is signed by the envelope signature, already
    verified. An EDIFACT interchange must use a syntax identifier (character set) the agreement accepts.
    Time-stamps by a TSA of ``tsa_trust`` move the judgement of a signer to the time they prove; the agreement's
    ``signature_level`` is required of the XML signature and of every PDF signature.
    """
    envelope = verified_envelope.envelope
    # check_inbound_envelope admitted only a format one of the agreed profiles writes.
    mapping_profile = profile.profile_for_format(envelope.document_type, envelope.document_format) \
        or profile.mapping_profile(envelope.document_type)
    policy = signature_policy(profile)
    warnings: list[str] = []
    with rejection():
        # Which signature checks run follows the agreement's profile, never the envelope's declaration.
        # Through a relay (the ePhyto Hub) only the document travels: the relay's attestation, verified as the
        # envelope's signer, binds its digest as the envelope signature does for a format without its own.
        placement = "none" if profile.transport == "ephyto-hub" else mappings.get_profile(mapping_profile).signature
        verified = verify_document(envelope, placement, partner_trust=partner_trust, now=now, policy=policy,
                                   tsa_trust=tsa_trust)
        if verified is not None:
            check_signature_level(verified.level, profile, field_path="envelope.payload")
            warnings.extend(verified.warnings)
            # The tree signxml built of the very bytes it verified (parsed once); the bytes where it has none.
            signer, document = verified.signer, (
                verified.signed_xml if verified.signed_root is None else verified.signed_root)
        else:
            # Authenticated by the envelope signature, which binds the payload digest.
            signer, document = verified_envelope.signer, envelope.payload
        # The partner sends, so it is the interchange's sender; only the accepted character sets matter here.
        interchange = profile.interchange(envelope.receiver)
        reversed_ = mappings.map_reverse(document, mapping_profile, at=now, interchange=interchange)
        for index, attachment in enumerate(envelope.attachments):
            # A large attachment is never a PDF here: the runner refuses those before (see Pipeline).
            if attachment.stored is None and is_pdf(attachment):
                try:
                    pdf = trust.verify_pdf(attachment.content, trust=partner_trust, at=now, policy=policy,
                                           tsa_trust=tsa_trust)
                except trust.TrustError as e:
                    raise e.at(f"envelope.attachments[{index}]") from e
                check_signature_level(pdf.level, profile, field_path=f"envelope.attachments[{index}]")
                warnings.extend(pdf.warnings)
    key = _business_key(envelope.document_type, reversed_.record)
    if key != envelope.business_key:
        raise DocumentRejected(
            f"document business key {key} differs from envelope business key {envelope.business_key}",
            code="BUSINESS_KEY_MISMATCH", field_path="envelope.business_key", partner=profile.name,
        )
    return InboundDocument(
        record=reversed_.record,
        report=reversed_.report,
        signer_subject=_subject(signer),
        # trust memoizes fingerprints per certificate (the same few partner certificates sign every document).
        signer_fingerprint=trust.fingerprint(signer),
        warnings=tuple(warnings),
    )


# The same few partner certificates sign every document (certificates hash and compare by their DER bytes).
@functools.lru_cache(maxsize=256)
def _subject(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()


def error_info(error: GatewayError) -> ErrorInfo:
    """The receipt and status-event form of a gateway error."""
    return ErrorInfo(code=error.code, message=error.message, field_path=error.field_path)


def make_receipt(
    envelope: Envelope,
    *,
    issuer: PartyId,
    receipt_id: str,
    at: datetime,
    identity: SigningIdentity,
    errors: tuple[ErrorInfo, ...] = (),
) -> Receipt:
    """A signed receipt for ``envelope``: ACCEPTED without errors, REJECTED with them."""
    receipt = Receipt(
        message_id=envelope.message_id,
        receipt_id=receipt_id,
        issuer=issuer,
        outcome=ReceiptOutcome.REJECTED if errors else ReceiptOutcome.ACCEPTED,
        payload_sha256=sha256_hex(envelope.payload),
        received_at=at,
        errors=errors,
    )
    return sign_receipt(receipt, identity)


def verify_receipt(
    receipt: Receipt, *, envelope: Envelope, partner_trust: PartnerTrust, now: datetime, profile: PartnerProfile
) -> VerifiedReceipt:
    """Check that a partner's receipt answers ``envelope`` and is signed by that partner; raises
    :class:`ReceiptInvalid`."""
    partner = partner_trust.partner
    if receipt.message_id != envelope.message_id:
        raise ReceiptInvalid("receipt answers another message", partner=partner, field_path="receipt.message_id")
    if receipt.issuer.value != envelope.receiver.value:
        raise ReceiptInvalid("receipt issued by another party", partner=partner, field_path="receipt.issuer")
    if receipt.payload_sha256 != envelope.payload_sha256:
        raise ReceiptInvalid("receipt names another payload digest", partner=partner,
                             field_path="receipt.payload_sha256")
    if profile.transport == "ephyto-hub":
        # Which check runs follows the agreement: through a relay, the relay's authenticated channel attests.
        try:
            signer = verify_relay_signature(receipt.signature, partner_trust=partner_trust, now=now,
                                            policy=signature_policy(profile))
        except SignatureFormatUnsupported as e:
            raise ReceiptInvalid(f"receipt refused: {e.code}: {e.message}", partner=partner,
                                 field_path=e.field_path) from e
        except trust.TrustError as e:
            raise ReceiptInvalid(f"relay certificate refused: {e.code}: {e.message}", partner=partner,
                                 field_path="receipt.signature") from e
        return VerifiedReceipt(receipt=receipt, signer=signer)
    if receipt.signature is None:
        raise ReceiptInvalid("receipt is not signed", partner=partner, field_path="receipt.signature")
    try:
        # The transport first: trust's WS-Security (xmlsec) is imported only by a gateway with an AS4 partner.
        if profile.transport == "as4" and receipt.signature.format == trust.NRR_RECEIPT_FORMAT:
            # An AS4 access point that does not run swgw: its signed ebMS receipt is the receipt. Which formats are
            # accepted follows the agreement's transport, never the receipt's own claim.
            signer = trust.verify_nrr_receipt(receipt.signature.value.encode("utf-8"), message_id=receipt.message_id,
                                              partner_trust=partner_trust, at=now,
                                              policy=signature_policy(profile)).signer
            return VerifiedReceipt(receipt=receipt, signer=signer)
        verified = verify_receipt_jws(receipt, issuer_trust=partner_trust, now=now, policy=signature_policy(profile))
    except SignatureFormatUnsupported as e:
        raise ReceiptInvalid(f"receipt signature refused: {e.code}: {e.message}", partner=partner,
                             field_path=e.field_path) from e
    except trust.TrustError as e:
        raise ReceiptInvalid(f"receipt signature refused: {e.code}: {e.message}", partner=partner,
                             field_path="receipt.signature") from e
    return VerifiedReceipt(receipt=receipt, signer=verified.signer)
