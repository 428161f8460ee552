"""Conversions between message and event rows (column mappings) and domain objects; private to the SQL side."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ...core.domain import BusinessKey, Direction, Envelope, ErrorInfo, MessageStatus, Receipt
from ...core.ports import StatusEvent, StoredMessage
from ._records import attachments_to_json, envelope_from_json, envelope_to_json, error_or_none


def stored_message(
    row: Mapping[Any, Any], envelope: Envelope | None = None, receipt: Receipt | None = None
) -> StoredMessage:
    """The domain view of a ``messages`` row; ``envelope`` and ``receipt``, when the caller holds the objects the
    row was just written from, save decoding their JSON again."""
    if receipt is None and row["receipt_json"]:
        receipt = Receipt.from_json(row["receipt_json"])
    return StoredMessage(
        message_id=row["message_id"],
        direction=Direction(row["direction"]),
        partner=row["partner"],
        status=MessageStatus(row["status"]),
        envelope=envelope or envelope_from_json(row["envelope_json"], row["payload"], row["attachments_json"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        record_json=row["record_json"],
        report_json=row["report_json"],
        receipt=receipt,
        last_error=error_or_none(row["last_error_code"], row["last_error_message"], row["last_error_path"]),
        idempotency_key=row["idempotency_key"],
        domestic_client=row["domestic_client"] or None,
        signer_subject=row["signer_subject"],
        signer_fingerprint=row["signer_fingerprint"],
    )


def message_values(envelope: Envelope, direction: Direction, status: MessageStatus, at: datetime) -> dict[str, Any]:
    """Every column of a new ``messages`` row; the partner is the receiver (outbound) or the sender (inbound)."""
    key, refers = envelope.business_key, envelope.refers_to
    return {
        "message_id": envelope.message_id,
        "direction": direction.value,
        "partner": (envelope.receiver if direction is Direction.OUTBOUND else envelope.sender).value,
        "document_type": envelope.document_type.value,
        "document_format": envelope.document_format,
        "action": envelope.action.value,
        "bk_issuer": key.issuer,
        "bk_number": key.number,
        "bk_version": key.version,
        "refers_issuer": refers.issuer if refers else None,
        "refers_number": refers.number if refers else None,
        "refers_version": refers.version if refers else None,
        "status": status.value,
        "created_at": at,
        "updated_at": at,
        "attempts": 0,
        "next_attempt_at": None,
        "claimed_by": None,
        "claim_expires_at": None,
        "idempotency_key": None,
        "domestic_client": "",
        "envelope_json": envelope_to_json(envelope),
        "payload": envelope.payload,
        "payload_sha256": envelope.payload_sha256,
        "attachments_json": attachments_to_json(envelope.attachments),
        "record_json": None,
        "report_json": None,
        "receipt_json": None,
        "last_error_code": None,
        "last_error_message": None,
        "last_error_path": None,
        "signer_subject": None,
        "signer_fingerprint": None,
    }


def error_values(error: ErrorInfo) -> dict[str, Any]:
    """The ``last_error_*`` columns for ``error``."""
    return {
        "last_error_code": error.code,
        "last_error_message": error.message,
        "last_error_path": error.field_path,
    }


def event_values(
    message: Mapping[Any, Any], previous: MessageStatus | None, at: datetime, error: ErrorInfo | None = None
) -> dict[str, Any]:
    """A ``status_events`` row for ``message`` (its columns after the change) entering its status."""
    return {
        "message_id": message["message_id"],
        "from_status": previous.value if previous else None,
        "to_status": message["status"],
        "at": at,
        "attempt": message["attempts"],
        "error_code": error.code if error else None,
        "error_message": error.message if error else None,
        "error_path": error.field_path if error else None,
        "next_attempt_at": message["next_attempt_at"],
    }


def status_event(row: Mapping[Any, Any]) -> StatusEvent:
    """The domain view of a numbered ``status_events`` row joined with its message's key columns."""
    return StatusEvent(
        sequence=row["sequence"],
        message_id=row["message_id"],
        direction=Direction(row["direction"]),
        partner=row["partner"],
        business_key=BusinessKey(row["bk_issuer"], row["bk_number"], row["bk_version"]),
        status=MessageStatus(row["to_status"]),
        previous_status=MessageStatus(row["from_status"]) if row["from_status"] else None,
        at=row["at"],
        attempt=row["attempt"],
        error=error_or_none(row["error_code"], row["error_message"], row["error_path"]),
        next_attempt_at=row["next_attempt_at"],
    )
