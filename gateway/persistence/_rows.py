"""Conversions between message rows and domain objects (private to the SQL repository)."""

from __future__ import annotations

from datetime import datetime

from ..domain import Direction, Envelope, ErrorInfo, MessageStatus, Receipt
from ..ports import StoredMessage
from ._records import attachments_to_json, envelope_from_json, envelope_to_json, error_or_none
from .tables import MessageRow, StatusEventRow


def stored_message(row: MessageRow) -> StoredMessage:
    """The domain view of a message row."""
    return StoredMessage(
        message_id=row.message_id,
        direction=Direction(row.direction),
        partner=row.partner,
        status=MessageStatus(row.status),
        envelope=envelope_from_json(row.envelope_json, row.payload, row.attachments_json),
        created_at=row.created_at,
        updated_at=row.updated_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        record_json=row.record_json,
        report_json=row.report_json,
        receipt=Receipt.from_json(row.receipt_json) if row.receipt_json else None,
        last_error=error_or_none(row.last_error_code, row.last_error_message, row.last_error_path),
        idempotency_key=row.idempotency_key,
        domestic_client=row.domestic_client or None,
        signer_subject=row.signer_subject,
        signer_fingerprint=row.signer_fingerprint,
    )


def new_row(envelope: Envelope, direction: Direction, status: MessageStatus, at: datetime) -> MessageRow:
    """A new message row for ``envelope``; the partner is the receiver (outbound) or the sender (inbound)."""
    key, refers = envelope.business_key, envelope.refers_to
    return MessageRow(
        message_id=envelope.message_id,
        direction=direction.value,
        partner=(envelope.receiver if direction is Direction.OUTBOUND else envelope.sender).value,
        document_type=envelope.document_type.value,
        document_format=envelope.document_format,
        action=envelope.action.value,
        bk_issuer=key.issuer,
        bk_number=key.number,
        bk_version=key.version,
        refers_issuer=refers.issuer if refers else None,
        refers_number=refers.number if refers else None,
        refers_version=refers.version if refers else None,
        status=status.value,
        created_at=at,
        updated_at=at,
        attempts=0,
        envelope_json=envelope_to_json(envelope),
        payload=envelope.payload,
        payload_sha256=envelope.payload_sha256,
        attachments_json=attachments_to_json(envelope.attachments),
    )


def set_error(row: MessageRow, error: ErrorInfo) -> None:
    """Record ``error`` as the message's last error."""
    row.last_error_code, row.last_error_message, row.last_error_path = error.code, error.message, error.field_path


def event_row(
    row: MessageRow,
    previous: MessageStatus | None,
    at: datetime,
    error: ErrorInfo | None = None,
) -> StatusEventRow:
    """The event of ``row`` entering its current status from ``previous``."""
    return StatusEventRow(
        message_id=row.message_id,
        from_status=previous.value if previous else None,
        to_status=row.status,
        at=at,
        attempt=row.attempts,
        error_code=error.code if error else None,
        error_message=error.message if error else None,
        error_path=error.field_path if error else None,
        next_attempt_at=row.next_attempt_at,
    )
