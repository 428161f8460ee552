"""The only module that knows both the protobuf types and the domain types."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from collections.abc import Mapping
from typing import Any, cast

from google.protobuf.timestamp_pb2 import Timestamp

from .._generated.swgw.v1 import domestic_exchange_pb2 as dpb
from .._generated.swgw.v1 import envelope_pb2 as pb
from .._generated.swgw.v1 import operator_pb2 as opb
from ..core.domain import (
    DEFAULT_PARTY_SCHEME,
    Action,
    Attachment,
    BusinessKey,
    Direction,
    DocumentType,
    Envelope,
    ErrorInfo,
    MessageStatus,
    PartyId,
    Receipt,
    ReceiptOutcome,
    Signature,
)
from ..core.errors import EnvelopeInvalid, GatewayError, PayloadDigestMismatch
from ..core.ports import AuditEntry, StatusEvent, StoredMessage, StoredTrustedCertificate
from ._attachments import attachment_from_proto, attachment_to_proto as _attachment, stored_attachment
from ._fields import key_fields, party_fields, time_fields

__all__ = [
    "action_from_proto",
    "attachment_from_proto",
    "audit_entry_to_proto",
    "business_key_from_proto",
    "business_key_to_proto",
    "document_type_from_proto",
    "document_type_to_proto",
    "envelope_fields",
    "envelope_from_proto",
    "envelope_to_proto",
    "error_detail",
    "event_fields",
    "event_to_proto",
    "inbound_document_to_proto",
    "receipt_from_proto",
    "receipt_to_proto",
    "report_to_proto",
    "status_to_proto",
    "summary_to_proto",
    "trusted_certificate_to_proto",
]

_DOCUMENT_TYPES = {
    DocumentType.CERTIFICATE_OF_ORIGIN: pb.DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN,
    DocumentType.CARGO_MANIFEST: pb.DOCUMENT_TYPE_CARGO_MANIFEST,
    DocumentType.SPS_CERTIFICATE: pb.DOCUMENT_TYPE_SPS_CERTIFICATE,
}
_ACTIONS = {Action.ISSUE: pb.ACTION_ISSUE, Action.REPLACE: pb.ACTION_REPLACE, Action.WITHDRAW: pb.ACTION_WITHDRAW}
_OUTCOMES = {ReceiptOutcome.ACCEPTED: pb.RECEIPT_OUTCOME_ACCEPTED, ReceiptOutcome.REJECTED: pb.RECEIPT_OUTCOME_REJECTED}
_DIRECTIONS = {Direction.OUTBOUND: pb.DIRECTION_OUTBOUND, Direction.INBOUND: pb.DIRECTION_INBOUND}
_STATUSES: dict[MessageStatus, pb.MessageStatus] = {
    s: cast(pb.MessageStatus, pb.MessageStatus.Value(f"MESSAGE_STATUS_{s.value}")) for s in MessageStatus
}
_SEVERITIES = {"INFO": pb.SEVERITY_INFO, "WARNING": pb.SEVERITY_WARNING, "ERROR": pb.SEVERITY_ERROR}


def _reverse(table: Mapping[Any, Any]) -> dict[int, Any]:
    return {v: k for k, v in table.items()}


_DOCUMENT_TYPES_BACK = _reverse(_DOCUMENT_TYPES)
_ACTIONS_BACK = _reverse(_ACTIONS)
_OUTCOMES_BACK = _reverse(_OUTCOMES)
_STATUSES_BACK = _reverse(_STATUSES)


def timestamp(value: datetime) -> Timestamp:
    """A protobuf Timestamp for an aware datetime."""
    return Timestamp(**time_fields(value))


def from_timestamp(ts: Timestamp, field: str = "timestamp") -> datetime:
    """An aware UTC datetime for a protobuf Timestamp; one outside datetime's range is ENVELOPE_INVALID at ``field``."""
    try:
        value: datetime = ts.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as e:  # protobuf checks its own range and raises ValueError (found by fuzzing)
        raise EnvelopeInvalid(f"not a valid time: {e}", field_path=field) from None
    return value


def document_type_to_proto(value: DocumentType) -> int:
    """Enum value for the wire."""
    return _DOCUMENT_TYPES[value]


def document_type_from_proto(value: int, field: str = "document_type") -> DocumentType:
    """Domain document type; raises EnvelopeInvalid for UNSPECIFIED or unknown values."""
    try:
        document_type: DocumentType = _DOCUMENT_TYPES_BACK[value]
        return document_type
    except KeyError:
        raise EnvelopeInvalid("document type is missing or unknown", field_path=field) from None


def action_from_proto(value: int, field: str = "action") -> Action:
    """Domain action; UNSPECIFIED means issue."""
    if value == pb.ACTION_UNSPECIFIED:
        return Action.ISSUE
    try:
        action: Action = _ACTIONS_BACK[value]
        return action
    except KeyError:
        raise EnvelopeInvalid("unknown action", field_path=field) from None


def status_to_proto(value: MessageStatus | None) -> pb.MessageStatus:
    """Enum value for the wire."""
    return _STATUSES[value] if value is not None else pb.MESSAGE_STATUS_UNSPECIFIED


def status_from_proto(value: int) -> MessageStatus | None:
    """Domain status, None for UNSPECIFIED."""
    return _STATUSES_BACK.get(value)


def _party_from(value: pb.PartyId, field: str) -> PartyId:
    if not value.value:
        raise EnvelopeInvalid("party id is missing", field_path=field)
    return PartyId(value=value.value, scheme=value.scheme or DEFAULT_PARTY_SCHEME)


def business_key_to_proto(value: BusinessKey) -> pb.BusinessKey:
    """Wire form of a business key."""
    return pb.BusinessKey(issuer=value.issuer, number=value.number, version=value.version)


def business_key_from_proto(value: pb.BusinessKey, field: str) -> BusinessKey:
    """Domain business key; issuer and number are required."""
    if not value.issuer or not value.number:
        raise EnvelopeInvalid("business key needs issuer and number", field_path=field)
    return BusinessKey(issuer=value.issuer, number=value.number, version=value.version)


def _signature(value: Signature) -> pb.Signature:
    return pb.Signature(format=value.format, jws=value.value)


def _signature_from(value: pb.Signature) -> Signature | None:
    # The format is checked where the signature is verified (SIGNATURE_FORMAT_UNSUPPORTED), not here: decoding
    # keeps what the partner sent.
    if not value.format and not value.jws:
        return None
    return Signature(format=value.format, value=value.jws)


def envelope_to_proto(envelope: Envelope) -> pb.Envelope:
    """Wire form of an envelope."""
    return pb.Envelope(**envelope_fields(envelope))


def envelope_fields(envelope: Envelope) -> dict[str, Any]:
    """Wire form of an envelope as the mapping an Envelope field takes (``DeliverRequest(envelope=...)``, see _fields)."""
    return dict(
        message_id=envelope.message_id,
        business_key=key_fields(envelope.business_key),
        sender=party_fields(envelope.sender),
        receiver=party_fields(envelope.receiver),
        document_type=_DOCUMENT_TYPES[envelope.document_type],
        document_format=envelope.document_format,
        action=_ACTIONS[envelope.action],
        created_at=time_fields(envelope.created_at),
        payload=envelope.payload,
        payload_sha256=bytes.fromhex(envelope.payload_sha256),
        attachments=[_attachment(a) for a in envelope.attachments],
        refers_to=None if envelope.refers_to is None else key_fields(envelope.refers_to),
        signature=None if envelope.signature is None else {"format": envelope.signature.format,
                                                           "jws": envelope.signature.value},
    )


def envelope_from_proto(message: pb.Envelope) -> Envelope:
    """Domain envelope; raises EnvelopeInvalid naming the first missing or malformed field."""
    if not message.message_id or len(message.message_id) > 64:
        raise EnvelopeInvalid("message_id is missing or too long", field_path="envelope.message_id")
    if not message.HasField("created_at"):
        raise EnvelopeInvalid("created_at is missing", field_path="envelope.created_at")
    if len(message.payload_sha256) != 32:
        raise EnvelopeInvalid("payload_sha256 must be 32 bytes", field_path="envelope.payload_sha256")
    attachments = []
    for i, a in enumerate(message.attachments):
        stored = stored_attachment(a, f"envelope.attachments[{i}]")
        if stored is not None:
            attachments.append(stored)
            continue
        attachment = Attachment(name=a.name, media_type=a.media_type, content=a.content)
        if attachment.sha256 != a.sha256.hex():
            raise PayloadDigestMismatch("attachment does not match its sha256",
                                        field_path=f"envelope.attachments[{i}].sha256")
        attachments.append(attachment)
    return Envelope(
        message_id=message.message_id,
        business_key=business_key_from_proto(message.business_key, "envelope.business_key"),
        sender=_party_from(message.sender, "envelope.sender"),
        receiver=_party_from(message.receiver, "envelope.receiver"),
        document_type=document_type_from_proto(message.document_type, "envelope.document_type"),
        document_format=message.document_format,
        action=action_from_proto(message.action, "envelope.action"),
        created_at=from_timestamp(message.created_at, "envelope.created_at"),
        payload=message.payload,
        payload_sha256=message.payload_sha256.hex(),
        attachments=tuple(attachments),
        refers_to=business_key_from_proto(message.refers_to, "envelope.refers_to")
        if message.HasField("refers_to") else None,
        signature=_signature_from(message.signature),
    )


def _error_info(value: ErrorInfo) -> pb.ErrorDetail:
    return pb.ErrorDetail(code=value.code, message=value.message, field_path=value.field_path or "")


def receipt_to_proto(receipt: Receipt) -> pb.Receipt:
    """Wire form of a receipt."""
    message = pb.Receipt(
        message_id=receipt.message_id,
        receipt_id=receipt.receipt_id,
        issuer=party_fields(receipt.issuer),
        outcome=_OUTCOMES[receipt.outcome],
        payload_sha256=bytes.fromhex(receipt.payload_sha256),
        received_at=timestamp(receipt.received_at),
        errors=[_error_info(e) for e in receipt.errors],
    )
    if receipt.signature is not None:
        message.signature.CopyFrom(_signature(receipt.signature))
    return message


def receipt_from_proto(message: pb.Receipt) -> Receipt:
    """Domain receipt (not yet verified)."""
    try:
        outcome = _OUTCOMES_BACK[message.outcome]
    except KeyError:
        raise EnvelopeInvalid("receipt outcome is missing", field_path="receipt.outcome") from None
    return Receipt(
        message_id=message.message_id,
        receipt_id=message.receipt_id,
        issuer=_party_from(message.issuer, "receipt.issuer"),
        outcome=outcome,
        payload_sha256=message.payload_sha256.hex(),
        received_at=from_timestamp(message.received_at, "receipt.received_at"),
        errors=tuple(ErrorInfo(code=e.code, message=e.message, field_path=e.field_path or None) for e in message.errors),
        signature=_signature_from(message.signature),
    )


def report_to_proto(report: dict[str, Any] | None, *, max_findings: int | None = None) -> pb.ValidationReport:
    """Wire form of a JSON-ready validation or mapping report.

    With ``max_findings`` (a copy bounded for gRPC trailers), only the first findings are kept, their texts cut to
    :data:`MAX_TEXT_BYTES`, and no dropped or defaulted paths; ``findings_total`` still counts every finding.
    """
    if not report:
        return pb.ValidationReport(ok=True)
    every = report.get("findings", [])
    kept = every if max_findings is None else every[:max_findings]
    limit = _clipped if max_findings is not None else str
    findings = [
        pb.Finding(
            severity=_SEVERITIES.get(str(f.get("severity")), pb.SEVERITY_UNSPECIFIED),
            code=str(f.get("code", "")),
            path=limit(str(f.get("path", ""))),
            message=limit(str(f.get("message", ""))),
            element_id=str(f.get("element_id") or ""),
        )
        for f in kept
    ]
    ok = report.get("ok")
    if ok is None:
        ok = not any(f.get("severity") == "ERROR" for f in every)
    bounded = max_findings is not None
    return pb.ValidationReport(
        ok=bool(ok),
        findings=findings,
        dropped=[] if bounded else [str(d) for d in report.get("dropped", [])],
        defaulted=[] if bounded else [str(d) for d in report.get("defaulted", [])],
        codelist_versions={str(k): str(v) for k, v in report.get("codelist_versions", {}).items()},
        findings_total=len(every),
    )


MAX_TEXT_BYTES = 100
"""The longest message, or path of a finding, in UTF-8 bytes, an ErrorDetail bounded for trailers carries."""
MAX_PATH_BYTES = 256
"""The longest ``field_path`` of an ErrorDetail bounded for trailers (the path of the error itself matters most;
records nest at most 64 levels)."""


def _clipped(text: str, limit: int = MAX_TEXT_BYTES) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    # Cut on a character boundary, leaving room for the ellipsis (3 bytes).
    return raw[: limit - 3].decode("utf-8", "ignore") + "…"


def error_detail(error: GatewayError, *, max_findings: int | None = None) -> pb.ErrorDetail:
    """The ErrorDetail carried in google.rpc.Status details (with ``max_findings``, bounded for trailers: the
    first findings of its report, texts cut to :data:`MAX_TEXT_BYTES` and the path to :data:`MAX_PATH_BYTES`)."""
    bounded = max_findings is not None
    detail = pb.ErrorDetail(
        code=error.code, message=_clipped(error.message) if bounded else error.message,
        field_path=_clipped(error.field_path or "", MAX_PATH_BYTES) if bounded else error.field_path or "",
        partner=error.partner or "",
    )
    if error.report is not None:
        detail.report.CopyFrom(report_to_proto(error.report.to_dict(), max_findings=max_findings))
    return detail


def event_to_proto(event: StatusEvent) -> pb.StatusEvent:
    """Wire form of a status event."""
    return pb.StatusEvent(**event_fields(event))


def event_fields(event: StatusEvent) -> dict[str, Any]:
    """Wire form of a status event as the mapping a StatusEvent field takes (WatchStatus's responses, see _fields)."""
    return dict(
        sequence=event.sequence,
        message_id=event.message_id,
        business_key=key_fields(event.business_key),
        direction=_DIRECTIONS[event.direction],
        status=status_to_proto(event.status),
        previous_status=status_to_proto(event.previous_status),
        at=time_fields(event.at),
        partner={"scheme": DEFAULT_PARTY_SCHEME, "value": event.partner},
        attempt=event.attempt,
        error=None if event.error is None else _error_info(event.error),
        next_attempt_at=None if event.next_attempt_at is None else time_fields(event.next_attempt_at),
    )


def summary_to_proto(message: StoredMessage, history: list[StatusEvent] | None = None, *, transport: str = ""
                     ) -> pb.MessageSummary:
    """Wire form of a stored message and, optionally, its history and the transport its partner is reached by."""
    envelope = message.envelope
    summary = pb.MessageSummary(
        message_id=message.message_id,
        direction=_DIRECTIONS[message.direction],
        partner=pb.PartyId(scheme=DEFAULT_PARTY_SCHEME, value=message.partner),
        document_type=_DOCUMENT_TYPES[envelope.document_type],
        document_format=envelope.document_format,
        business_key=business_key_to_proto(envelope.business_key),
        action=_ACTIONS[envelope.action],
        status=status_to_proto(message.status),
        created_at=timestamp(message.created_at),
        updated_at=timestamp(message.updated_at),
        attempts=message.attempts,
        payload_sha256=bytes.fromhex(envelope.payload_sha256),
        history=[event_to_proto(e) for e in history or []], transport=transport,
    )
    if message.next_attempt_at is not None:
        summary.next_attempt_at.CopyFrom(timestamp(message.next_attempt_at))
    if message.last_error is not None:
        summary.last_error.CopyFrom(_error_info(message.last_error))
    return summary


def inbound_document_to_proto(message: StoredMessage) -> dpb.InboundDocument:
    """The form in which an inbound document is handed to the domestic hub."""
    envelope = message.envelope
    document = dpb.InboundDocument(
        message_id=message.message_id,
        sender=party_fields(envelope.sender),
        document_type=_DOCUMENT_TYPES[envelope.document_type],
        action=_ACTIONS[envelope.action],
        business_key=business_key_to_proto(envelope.business_key),
        record_json=(message.record_json or "").encode(),
        signed_document=envelope.payload,
        document_format=envelope.document_format,
        report=report_to_proto(json.loads(message.report_json) if message.report_json else None),
        signer_subject=message.signer_subject or "",
        signer_fingerprint=message.signer_fingerprint or "",
        received_at=timestamp(message.created_at),
        attachments=[_attachment(a) for a in envelope.attachments],
    )
    if envelope.refers_to is not None:
        document.refers_to.CopyFrom(business_key_to_proto(envelope.refers_to))
    return document


_TRUST_STATES = {
    "pending": opb.TRUST_CERTIFICATE_STATE_PENDING,
    "active": opb.TRUST_CERTIFICATE_STATE_ACTIVE,
    "retiring": opb.TRUST_CERTIFICATE_STATE_RETIRING,
    "revoked": opb.TRUST_CERTIFICATE_STATE_REVOKED,
}
_TRUST_ROLES = {
    "anchor": opb.TRUST_CERTIFICATE_ROLE_ANCHOR,
    "intermediate": opb.TRUST_CERTIFICATE_ROLE_INTERMEDIATE,
    "pinned": opb.TRUST_CERTIFICATE_ROLE_PINNED,
}
TRUST_STATES_BACK = _reverse(_TRUST_STATES)
TRUST_ROLES_BACK = _reverse(_TRUST_ROLES)


def trusted_certificate_to_proto(record: StoredTrustedCertificate) -> opb.TrustCertificate:
    """Wire form of a stored trust certificate."""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(record.certificate_der)
    message = opb.TrustCertificate(
        partner=record.partner,
        fingerprint=record.fingerprint,
        role=_TRUST_ROLES[record.role],
        state=_TRUST_STATES[record.state],
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=timestamp(cert.not_valid_before_utc),
        not_after=timestamp(cert.not_valid_after_utc),
        revocation_reason=record.revocation_reason or "",
        certificate_der=record.certificate_der,
    )
    if record.valid_from_use is not None:
        message.valid_from_use.CopyFrom(timestamp(record.valid_from_use))
    if record.revoked_at is not None:
        message.revoked_at.CopyFrom(timestamp(record.revoked_at))
    return message


def audit_entry_to_proto(entry: AuditEntry) -> opb.AuditEntry:
    """Wire form of an audit log entry."""
    return opb.AuditEntry(
        sequence=entry.sequence,
        at=timestamp(entry.at),
        actor=entry.actor,
        action=entry.action,
        details_json=json.dumps(entry.details, sort_keys=True, ensure_ascii=False),
        previous_hash=entry.previous_hash,
        entry_hash=entry.entry_hash,
        actor_kind=entry.actor_kind or "",
    )
