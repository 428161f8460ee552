"""Rows and domain objects: message and event rows (column mappings) from and to envelopes, stored messages and
status events, including the JSON columns (envelope header, attachments)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ...core.domain import (
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
    StoredBlob,
    signature_from_dict,
    signature_to_dict,
)
from ...core.ports import StatusEvent, StoredMessage

__all__ = ["attachments_to_json", "envelope_from_json", "envelope_to_json", "error_or_none", "error_values", "event_values", "message_values", "status_event", "stored_message"]

# Enumerations by stored value: a dict lookup costs a fraction of ``Enum(value)``, which matters on rows read by the
# thousand (status events for WatchStatus). An unknown value still raises ValueError, through the Enum call.
_DIRECTIONS = {d.value: d for d in Direction}
_STATUSES = {s.value: s for s in MessageStatus}


def _direction(value: str) -> Direction:
    return _DIRECTIONS.get(value) or Direction(value)


def _status(value: str) -> MessageStatus:
    return _STATUSES.get(value) or MessageStatus(value)


# json.dumps with any option builds a new encoder per call, a sixth of envelope_to_json; these are the encoders it
# would build (same output), made once: an encoder keeps no state between calls, so threads may share them.
_SORTED_COMPACT = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def envelope_to_json(envelope: Envelope) -> str:
    """Every envelope field except payload and attachment contents, as JSON."""
    refers = envelope.refers_to
    data: dict[str, Any] = {
        "message_id": envelope.message_id,
        "business_key": [envelope.business_key.issuer, envelope.business_key.number, envelope.business_key.version],
        "sender": [envelope.sender.scheme, envelope.sender.value],
        "receiver": [envelope.receiver.scheme, envelope.receiver.value],
        "document_type": envelope.document_type.value,
        "document_format": envelope.document_format,
        "action": envelope.action.value,
        # isoformat keeps the offset and the microseconds: the signed header is rebuilt byte for byte.
        "created_at": envelope.created_at.isoformat(),
        "payload_sha256": envelope.payload_sha256,
        "refers_to": [refers.issuer, refers.number, refers.version] if refers else None,
        "signature": signature_to_dict(envelope.signature) if envelope.signature else None,
    }
    return _SORTED_COMPACT.encode(data)


def attachments_to_json(attachments: tuple[Attachment, ...]) -> str | None:
    """Attachments with base64 contents as JSON; None when there are none (the common case)."""
    if not attachments:
        return None
    # A large attachment is kept in the blob store: the row holds its reference only.
    items = [
        {"name": a.name, "media_type": a.media_type, "sha256": a.stored.sha256, "size": a.stored.size}
        if a.stored is not None else
        {"name": a.name, "media_type": a.media_type, "content": base64.b64encode(a.content).decode()}
        for a in attachments
    ]
    return _COMPACT.encode(items)


def envelope_from_json(header_json: str, payload: bytes, attachments_json: str | None) -> Envelope:
    """Inverse of :func:`envelope_to_json` plus :func:`attachments_to_json`."""
    data = json.loads(header_json)
    refers = data["refers_to"]
    attachments = tuple(
        Attachment(name=a["name"], media_type=a["media_type"], stored=StoredBlob(a["sha256"], a["size"]))
        if "sha256" in a else
        Attachment(name=a["name"], media_type=a["media_type"], content=base64.b64decode(a["content"]))
        for a in (json.loads(attachments_json) if attachments_json else ())
    )
    return Envelope(
        message_id=data["message_id"],
        business_key=BusinessKey(*data["business_key"]),
        sender=PartyId(scheme=data["sender"][0], value=data["sender"][1]),
        receiver=PartyId(scheme=data["receiver"][0], value=data["receiver"][1]),
        document_type=DocumentType(data["document_type"]),
        document_format=data["document_format"],
        action=Action(data["action"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        payload=payload,
        payload_sha256=data["payload_sha256"],
        attachments=attachments,
        refers_to=BusinessKey(*refers) if refers else None,
        signature=signature_from_dict(data["signature"]) if data["signature"] else None,
    )


def error_or_none(code: str | None, message: str | None, field_path: str | None) -> ErrorInfo | None:
    """An ErrorInfo from stored columns, or None when no code is stored."""
    if code is None:
        return None
    return ErrorInfo(code=code, message=message or "", field_path=field_path)


def stored_message(
    row: Mapping[Any, Any], envelope: Envelope | None = None, receipt: Receipt | None = None
) -> StoredMessage:
    """The domain view of a ``messages`` row; ``envelope`` and ``receipt``, when the caller holds the objects the
    row was just written from, save decoding their JSON again."""
    if receipt is None and row["receipt_json"]:
        receipt = Receipt.from_json(row["receipt_json"])
    return StoredMessage(
        message_id=row["message_id"],
        direction=_direction(row["direction"]),
        partner=row["partner"],
        status=_status(row["status"]),
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
    previous = row["from_status"]
    return StatusEvent(
        sequence=row["sequence"],
        message_id=row["message_id"],
        direction=_direction(row["direction"]),
        partner=row["partner"],
        business_key=BusinessKey(row["bk_issuer"], row["bk_number"], row["bk_version"]),
        status=_status(row["to_status"]),
        previous_status=_status(previous) if previous else None,
        at=row["at"],
        attempt=row["attempt"],
        error=error_or_none(row["error_code"], row["error_message"], row["error_path"]),
        next_attempt_at=row["next_attempt_at"],
    )
