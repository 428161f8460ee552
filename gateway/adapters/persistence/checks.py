"""Argument checks and stored forms shared by the SQL repositories and their in-memory twins.

Both implementations call the same helpers for argument checks (aware datetimes, the conditions of a new status),
the duplicate reasons, CRL parsing and the canonical form of audit details, so that they behave alike in the
details the contract tests pin down.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ...core.domain import MessageStatus, VerifiedReceipt
from ...core.errors import InvalidTransition

__all__ = ["DUPLICATE_REASONS", "ParsedCrl", "canonical_details", "check_new_status", "optional_utc", "parse_crl", "utc"]

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
