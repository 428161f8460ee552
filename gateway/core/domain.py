"""The gateway's domain model: identifiers, envelopes, receipts and the message state machine.

Everything here is pure: no I/O, no clock. The protobuf types never appear here; ``transports/codec.py``
translates between the two.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cryptography import x509

from trust import JWS_FORMAT, JsonValue, canonical_json

from .errors import InvalidTransition

__all__ = [
    "Action",
    "Attachment",
    "BusinessKey",
    "DEFAULT_PARTY_SCHEME",
    "Direction",
    "DocumentType",
    "ENVELOPE_JWS_TYPE",
    "Envelope",
    "ErrorInfo",
    "LEGACY_SIGNATURE_FORMAT",
    "MessageStatus",
    "PartyId",
    "RECEIPT_JWS_TYPE",
    "REPLAY_TRANSITIONS",
    "Receipt",
    "ReceiptOutcome",
    "Signature",
    "StoredBlob",
    "VerifiedEnvelope",
    "VerifiedReceipt",
    "check_transition",
    "sha256_hex",
    "signature_from_dict",
    "signature_to_dict",
]

DEFAULT_PARTY_SCHEME = "urn:swgw:party"


class DocumentType(StrEnum):
    """Business documents the gateway carries; values are the mapping catalog's document type names."""

    CERTIFICATE_OF_ORIGIN = "certificate-of-origin"
    CARGO_MANIFEST = "cargo-manifest"
    SPS_CERTIFICATE = "sps-certificate"


class Action(StrEnum):
    """What a document does to its business key."""

    ISSUE = "issue"
    REPLACE = "replace"
    WITHDRAW = "withdraw"


class Direction(StrEnum):
    """Direction of a message as seen from this gateway."""

    OUTBOUND = "outbound"
    INBOUND = "inbound"


class MessageStatus(StrEnum):
    """States of the message life cycle (see ``TRANSITIONS``)."""

    ACCEPTED = "ACCEPTED"
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    RETRY_WAIT = "RETRY_WAIT"
    DELIVERED = "DELIVERED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    RECEIVED = "RECEIVED"
    HANDED_OVER = "HANDED_OVER"


class ReceiptOutcome(StrEnum):
    """Whether the receiver took the message."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


_S = MessageStatus
#: Allowed transitions per direction; ``None`` is the state before the message exists.
TRANSITIONS: Mapping[Direction, Mapping[MessageStatus | None, frozenset[MessageStatus]]] = {
    Direction.OUTBOUND: {
        None: frozenset({_S.ACCEPTED}),
        _S.ACCEPTED: frozenset({_S.QUEUED}),
        _S.QUEUED: frozenset({_S.SENDING}),
        # SENDING -> SENDING is a claim taken over from a replica that died mid-delivery.
        _S.SENDING: frozenset({_S.DELIVERED, _S.REJECTED, _S.RETRY_WAIT, _S.FAILED, _S.SENDING}),
        _S.RETRY_WAIT: frozenset({_S.SENDING, _S.FAILED}),
        # An operator may resend a failed message; it keeps its id.
        _S.FAILED: frozenset({_S.QUEUED}),
        _S.DELIVERED: frozenset(),
        _S.REJECTED: frozenset(),
    },
    Direction.INBOUND: {
        None: frozenset({_S.RECEIVED, _S.REJECTED}),
        _S.RECEIVED: frozenset({_S.HANDED_OVER}),
        _S.HANDED_OVER: frozenset(),
        _S.REJECTED: frozenset(),
    },
}


#: The operator's replay (``swgw messages replay``, after a restore): the only way out of a final state. Outbound
#: goes back to QUEUED with the same id (the partner answers a message it already has with its stored receipt);
#: inbound goes back to RECEIVED, to be handed over again. The pipeline itself never takes these edges.
REPLAY_TRANSITIONS: Mapping[Direction, Mapping[MessageStatus, MessageStatus]] = {
    Direction.OUTBOUND: {_S.DELIVERED: _S.QUEUED, _S.FAILED: _S.QUEUED},
    Direction.INBOUND: {_S.HANDED_OVER: _S.RECEIVED},
}


def check_transition(direction: Direction, current: MessageStatus | None, new: MessageStatus, *,
                     replay: bool = False) -> None:
    """Raise :class:`~gateway.core.errors.InvalidTransition` unless ``current -> new`` is allowed (with ``replay``:
    unless it is the operator's replay edge of :data:`REPLAY_TRANSITIONS`)."""
    if replay:
        if current is None or REPLAY_TRANSITIONS[direction].get(current) is not new:
            raise InvalidTransition(f"{direction} message cannot be replayed from {current} to {new}")
        return
    if new not in TRANSITIONS[direction].get(current, frozenset()):
        raise InvalidTransition(f"{direction} message cannot go from {current} to {new}")


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class PartyId:
    """A participant of the network: a single window or a domestic platform."""

    value: str
    """The identifier, e.g. ``"CN"``."""
    scheme: str = DEFAULT_PARTY_SCHEME
    """The identifier scheme."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class BusinessKey:
    """Identifies a business document across messages (issuer, number, version)."""

    issuer: str
    """The issuing authority's code."""
    number: str
    """The document number given by the issuer."""
    version: int
    """The document version, 1 for the first issue."""

    def __str__(self) -> str:
        return f"{self.issuer}/{self.number}/v{self.version}"


@dataclass(frozen=True)
class Attachment:
    """A further file carried with the document: in the envelope (``content``), or, when large, in the blob store
    (``stored``) and streamed apart from the envelope in chunks."""

    name: str
    """File name, unique within the envelope."""
    media_type: str
    """IANA media type."""
    content: bytes = b""
    """The bytes, when carried in the envelope (empty when ``stored``)."""
    stored: StoredBlob | None = None
    """The content-addressed blob holding the bytes, for a large attachment; None when carried in the envelope."""

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the content (the blob's digest when stored apart)."""
        return self.stored.sha256 if self.stored is not None else sha256_hex(self.content)

    @property
    def size(self) -> int:
        """Size of the content in bytes."""
        return self.stored.size if self.stored is not None else len(self.content)


@dataclass(frozen=True)
class StoredBlob:
    """A file in the content-addressed blob store, known by its digest (computed while it was stored)."""

    sha256: str
    """Hex SHA-256 of the bytes."""
    size: int
    """Their length."""


@dataclass(frozen=True)
class ErrorInfo:
    """A stable error code with its explanation, as carried in receipts and status events."""

    code: str
    """The stable code."""
    message: str
    """Human-readable explanation."""
    field_path: str | None = None
    """The offending field, if any."""

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        out = {"code": self.code, "message": self.message}
        if self.field_path:
            out["field_path"] = self.field_path
        return out


def _ts(value: datetime) -> str:
    # ISO 8601 in UTC with microseconds, so that both sides compute the same canonical header bytes.
    return value.isoformat(timespec="microseconds")


def _signed_ts(value: datetime) -> str:
    # RFC 3339 in UTC with exactly six fractional digits and "Z": one spelling per instant, so that a partner
    # rebuilds the signed bytes from a protobuf Timestamp without knowing how we format dates.
    # isoformat (UTC offset "+00:00") is strftime a third faster; strftime keeps years < 1000, which it leaves unpadded.
    utc = value.astimezone(UTC)
    if utc.year >= 1000:
        return utc.isoformat(timespec="microseconds")[:-6] + "Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _party_fields(party: PartyId) -> dict[str, JsonValue]:
    return {"scheme": party.scheme, "value": party.value}


def _key_fields(key: BusinessKey) -> dict[str, JsonValue]:
    return {"issuer": key.issuer, "number": key.number, "version": key.version}


ENVELOPE_JWS_TYPE = "swgw-envelope+jws"
"""The JWS ``typ`` of envelope signatures."""

RECEIPT_JWS_TYPE = "swgw-receipt+jws"
"""The JWS ``typ`` of receipt signatures."""

LEGACY_SIGNATURE_FORMAT = "swgw-detached/0"
"""The format name given, when read back, to signatures stored before JWS (the old sorted-key JSON scheme).

Such a signature is kept as stored (its JSON form in ``value``) so that stored rows read and write back
unchanged; nothing verifies it any more, and a stored receipt of that format is signed anew when replayed.
"""


@dataclass(frozen=True)
class Signature:
    """An envelope or receipt signature as carried on the wire and stored: its format and its value."""

    value: str
    """For :data:`trust.JWS_FORMAT`, the JWS compact serialization; for the legacy format, its stored JSON."""

    format: str = JWS_FORMAT
    """The signature format and version. Receivers refuse any format but :data:`trust.JWS_FORMAT`."""


@dataclass(frozen=True)
class Envelope:
    """The unit of exchange between single windows.

    The signature covers :meth:`header_fields`, which binds the routing header to the payload digest and the
    attachment digests.
    """

    message_id: str
    """UUID chosen by the sender; the key for duplicate elimination."""
    business_key: BusinessKey
    """The business document carried."""
    sender: PartyId
    """The sending single window."""
    receiver: PartyId
    """The receiving single window."""
    document_type: DocumentType
    """The kind of document."""
    document_format: str
    """URN of the payload format."""
    action: Action
    """Issue, replace or withdraw."""
    created_at: datetime
    """When the sender created the envelope (UTC)."""
    payload: bytes
    """The signed document."""
    payload_sha256: str
    """Hex SHA-256 of ``payload`` as declared by the sender."""
    attachments: tuple[Attachment, ...] = ()
    """Further files."""
    refers_to: BusinessKey | None = None
    """For replace and withdraw: the earlier document."""
    signature: Signature | None = None
    """The sender's signature over :meth:`header_fields`."""

    def header_fields(self) -> dict[str, JsonValue]:
        """The fields the envelope signature covers, as the JSON object signed (README "Envelope and receipt
        signatures"). Enumerations carry their protobuf names; digests are lowercase hex."""
        return {
            "message_id": self.message_id,
            "business_key": _key_fields(self.business_key),
            "sender": _party_fields(self.sender),
            "receiver": _party_fields(self.receiver),
            "document_type": f"DOCUMENT_TYPE_{self.document_type.name}",
            "document_format": self.document_format,
            "action": f"ACTION_{self.action.name}",
            "created_at": _signed_ts(self.created_at),
            "payload_sha256": self.payload_sha256.lower(),
            "attachments": [
                {"name": a.name, "media_type": a.media_type, "sha256": a.sha256} for a in self.attachments
            ],
            "refers_to": _key_fields(self.refers_to) if self.refers_to else None,
        }

    def signed_header(self) -> bytes:
        """The RFC 8785 canonical JSON of :meth:`header_fields`: the JWS payload of the envelope signature."""
        return canonical_json(self.header_fields())


@dataclass(frozen=True)
class Receipt:
    """The receiver's signed answer to an envelope."""

    message_id: str
    """The message receipted."""
    receipt_id: str
    """UUID of this receipt."""
    issuer: PartyId
    """The receiving single window, which signs the receipt."""
    outcome: ReceiptOutcome
    """Accepted or rejected."""
    payload_sha256: str
    """Hex SHA-256 of the payload received."""
    received_at: datetime
    """When the receiver recorded the message."""
    errors: tuple[ErrorInfo, ...] = ()
    """Why the message was rejected."""
    signature: Signature | None = None
    """The issuer's signature over :meth:`header_fields`."""

    def header_fields(self) -> dict[str, JsonValue]:
        """The fields the receipt signature covers, as the JSON object signed (README "Envelope and receipt
        signatures")."""
        return {
            "message_id": self.message_id,
            "receipt_id": self.receipt_id,
            "issuer": _party_fields(self.issuer),
            "outcome": f"RECEIPT_OUTCOME_{self.outcome.name}",
            "payload_sha256": self.payload_sha256.lower(),
            "received_at": _signed_ts(self.received_at),
            "errors": [
                {"code": e.code, "message": e.message, "field_path": e.field_path or ""} for e in self.errors
            ],
        }

    def signed_header(self) -> bytes:
        """The RFC 8785 canonical JSON of :meth:`header_fields`: the JWS payload of the receipt signature."""
        return canonical_json(self.header_fields())

    def to_json(self) -> str:
        """Serialise for storage (the stored receipt is replayed to duplicates byte for byte)."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "receipt_id": self.receipt_id,
            "issuer": [self.issuer.scheme, self.issuer.value],
            "outcome": self.outcome.value,
            "payload_sha256": self.payload_sha256,
            "received_at": _ts(self.received_at),
            "errors": [e.to_dict() for e in self.errors],
        }
        if self.signature is not None:
            data["signature"] = signature_to_dict(self.signature)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Receipt:
        """Inverse of :meth:`to_json`."""
        data = json.loads(text)
        return cls(
            message_id=data["message_id"],
            receipt_id=data["receipt_id"],
            issuer=PartyId(scheme=data["issuer"][0], value=data["issuer"][1]),
            outcome=ReceiptOutcome(data["outcome"]),
            payload_sha256=data["payload_sha256"],
            received_at=datetime.fromisoformat(data["received_at"]),
            errors=tuple(ErrorInfo(**e) for e in data["errors"]),
            signature=signature_from_dict(data["signature"]) if "signature" in data else None,
        )


@dataclass(frozen=True)
class VerifiedEnvelope:
    """An envelope whose signature verified against its sender's trust, with the certificate that signed it.

    Only :func:`gateway.pipeline.signatures.verify_envelope_signature` makes one; the inbound steps after it take
    this type, so none of them can run on an envelope that was not verified.
    """

    envelope: Envelope
    """The envelope as received."""
    signer: x509.Certificate
    """The certificate that signed it, its path validated to the sender's trust."""


@dataclass(frozen=True)
class VerifiedReceipt:
    """A partner's receipt that answers our envelope and whose signature verified, with its signer.

    Only :func:`gateway.pipeline.steps.verify_receipt` makes one; a message becomes DELIVERED (or REJECTED by its
    partner) only with one (:meth:`gateway.core.ports.MessageRepository.transition`).
    """

    receipt: Receipt
    """The receipt as received."""
    signer: x509.Certificate
    """The certificate that signed it, its path validated to the partner's trust."""


def signature_to_dict(signature: Signature) -> dict[str, Any]:
    """JSON-ready form of a signature for storage (the legacy format is written back as it was stored)."""
    if signature.format == LEGACY_SIGNATURE_FORMAT:
        legacy: dict[str, Any] = json.loads(signature.value)
        return legacy
    return {"format": signature.format, "jws": signature.value}


def signature_from_dict(data: Mapping[str, Any]) -> Signature:
    """Inverse of :func:`signature_to_dict`; also reads signatures stored before JWS (``algorithm``, ``value``,
    ``certificates``) as :data:`LEGACY_SIGNATURE_FORMAT`, keeping their stored JSON."""
    if "format" in data:
        return Signature(format=data["format"], value=data["jws"])
    return Signature(format=LEGACY_SIGNATURE_FORMAT, value=json.dumps(dict(data), sort_keys=True))

