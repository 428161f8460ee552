"""Conversions shared by the SQL repository and its in-memory twin (private).

Both implementations call the same helpers for argument checks, CRL parsing and audit hashing, so that they
behave alike in the details the contract tests pin down.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ...core.domain import (
    Action,
    Attachment,
    BusinessKey,
    DocumentType,
    Envelope,
    ErrorInfo,
    MessageStatus,
    PartyId,
    StoredBlob,
    VerifiedReceipt,
    signature_from_dict,
    signature_to_dict,
)
from ...core.errors import InvalidTransition

#: Why an insert was refused; the keys name the database constraints.
DUPLICATE_REASONS = {
    "pk_messages": "message id already stored",
    "uq_messages_idempotency": "idempotency key already used by this client",
    "uq_messages_business_key": "business key already stored for this partner and document type",
}


def utc(value: datetime, name: str = "at") -> datetime:
    """``value`` in UTC; raises ValueError for a naive datetime (the repository never guesses a zone)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


def optional_utc(value: datetime | None, name: str) -> datetime | None:
    """:func:`utc` for optional values."""
    return None if value is None else utc(value, name)


def check_new_status(status: MessageStatus, next_attempt_at: datetime | None, receipt: VerifiedReceipt | None) -> None:
    """Refuse a RETRY_WAIT without its due time (such a message would never be claimed again) and a DELIVERED
    without the partner's verified receipt."""
    if status is MessageStatus.RETRY_WAIT and next_attempt_at is None:
        raise ValueError("a RETRY_WAIT transition needs next_attempt_at")
    if status is MessageStatus.DELIVERED and receipt is None:
        raise InvalidTransition("a message becomes DELIVERED only with the partner's verified receipt")


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
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


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
    return json.dumps(items, separators=(",", ":"))


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


@dataclass(frozen=True)
class ParsedCrl:
    """What the repository keeps of a CRL."""

    issuer_key: str
    """Hex SHA-256 of the issuer name's DER."""
    issuer_name: str
    """RFC 4514 issuer name."""
    this_update: datetime
    """thisUpdate, UTC."""
    der: bytes
    """The CRL in DER."""


def parse_crl(data: bytes) -> ParsedCrl:
    """Issuer and thisUpdate of a DER (or PEM, stored as DER) CRL; raises ValueError when it does not parse."""
    pem = data.lstrip().startswith(b"-----BEGIN")
    crl = x509.load_pem_x509_crl(data) if pem else x509.load_der_x509_crl(data)
    return ParsedCrl(
        issuer_key=hashlib.sha256(crl.issuer.public_bytes()).hexdigest(),
        issuer_name=crl.issuer.rfc4514_string(),
        this_update=crl.last_update_utc,
        der=crl.public_bytes(Encoding.DER) if pem else data,
    )


def canonical_details(details: dict[str, Any]) -> str:
    """The canonical JSON form audit details are stored and hashed in."""
    return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
