"""The certificate ledger and the verification inquiry: pure, derived from the message book.

A certificate (a business document: issuer and number) lives through versions, each carried by one message: the
first issues it, later ones replace it or withdraw it. The ledger of one certificate lists those messages on
this gateway, sent and received, with who and when and what became of each. The *current* version is the
highest version that was accepted (outbound: the partner's ACCEPTED receipt, i.e. DELIVERED; inbound: we
accepted it, RECEIVED or HANDED_OVER); a message still on its way, or refused, never changes the state.

A verification inquiry is a partner asking the issuing gateway what became of a certificate it received, by
number or by the SHA-256 digest of the document it holds. The answer is built here from the ledger of what this
gateway delivered to that partner only, and signed by the pipeline as a JWS (``INQUIRY_ANSWER_JWS_TYPE``) over
:meth:`InquiryAnswer.header_fields`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from cryptography import x509

from trust import JsonValue, canonical_json

from .domain import Action, BusinessKey, Direction, DocumentType, MessageStatus, PartyId, Signature
from .errors import GatewayError
from .ports.messages import StoredMessage

__all__ = [
    "AnsweredVersion",
    "ArchivedEntry",
    "CertificateInquiry",
    "CertificateLedger",
    "CertificateStatus",
    "INQUIRY_ANSWER_JWS_TYPE",
    "InquiryAnswer",
    "InquiryAnswerInvalid",
    "InquiryInvalid",
    "LedgerEntry",
    "VerifiedInquiryAnswer",
    "answer_inquiry",
    "archived_entry",
    "build_ledger",
]

INQUIRY_ANSWER_JWS_TYPE = "swgw-inquiry-answer+jws"
"""The JWS ``typ`` of signed inquiry answers."""

_ACCEPTED = {
    Direction.OUTBOUND: frozenset({MessageStatus.DELIVERED}),
    Direction.INBOUND: frozenset({MessageStatus.RECEIVED, MessageStatus.HANDED_OVER}),
}


class InquiryInvalid(GatewayError):
    """An inquiry names neither a certificate number nor a well-formed SHA-256 digest."""

    code = "INQUIRY_INVALID"


class InquiryAnswerInvalid(GatewayError):
    """A partner's answer to our inquiry is not signed by the partner, or does not answer the question asked."""

    code = "INQUIRY_ANSWER_INVALID"


class CertificateStatus(StrEnum):
    """What became of a certificate, as an inquiry answers it."""

    VALID = "VALID"
    """The version asked about (or, by number alone, the certificate) is the current one and not withdrawn."""
    REPLACED = "REPLACED"
    """A later version was accepted; ``current`` names it."""
    WITHDRAWN = "WITHDRAWN"
    """The latest accepted version withdraws the certificate (every version of it)."""
    UNKNOWN = "UNKNOWN"
    """Nothing matching was delivered to the asker (also the answer about another partner's certificates)."""


@dataclass(frozen=True)
class LedgerEntry:
    """One version of a certificate as one message carried it."""

    version: int
    """The business key's version."""
    action: Action
    """Issue, replace or withdraw."""
    direction: Direction
    """Sent (outbound) or received (inbound)."""
    partner: str
    """The partner it went to or came from."""
    message_id: str
    """The message that carried it."""
    status: MessageStatus
    """Where that message stands."""
    accepted: bool
    """Whether this version took effect: the partner accepted it (outbound) or we did (inbound)."""
    payload_sha256: str
    """Hex SHA-256 of the document carried."""
    refers_to: BusinessKey | None
    """The version it replaces or withdraws."""
    by: str
    """Who: outbound, the domestic client that submitted it (``domestic`` for the anonymous hub); inbound, the
    partner and the subject of the certificate that signed the document."""
    at: datetime
    """When it was submitted (outbound) or received (inbound)."""
    accepted_at: datetime | None
    """When it took effect: the partner's receipt time (outbound) or our reception (inbound)."""
    receipt_id: str | None
    """The receipt that answered it."""
    archived_to: str | None = None
    """When retention purged the message: where its archive is (the ledger keeps the entry)."""


@dataclass(frozen=True)
class ArchivedEntry:
    """A ledger entry whose message retention archived and purged, as the message book keeps it."""

    issuer: str
    """The certificate's issuer."""
    number: str
    """The certificate's number."""
    document_type: DocumentType
    """The document type."""
    entry: LedgerEntry
    """The entry as it was when the message was purged."""

    def to_json(self) -> str:
        """Storage form."""
        e = self.entry
        return json.dumps({
            "issuer": self.issuer, "number": self.number, "document_type": self.document_type.value,
            "version": e.version, "action": e.action.value, "direction": e.direction.value, "partner": e.partner,
            "message_id": e.message_id, "status": e.status.value, "accepted": e.accepted,
            "payload_sha256": e.payload_sha256, "by": e.by, "at": e.at.isoformat(),
            "accepted_at": e.accepted_at.isoformat() if e.accepted_at else None, "receipt_id": e.receipt_id,
            "refers_to": [e.refers_to.issuer, e.refers_to.number, e.refers_to.version] if e.refers_to else None,
            "archived_to": e.archived_to,
        }, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ArchivedEntry:
        """Inverse of :meth:`to_json`."""
        d = json.loads(text)
        refers = d["refers_to"]
        return cls(issuer=d["issuer"], number=d["number"], document_type=DocumentType(d["document_type"]),
                   entry=LedgerEntry(
                       version=d["version"], action=Action(d["action"]), direction=Direction(d["direction"]),
                       partner=d["partner"], message_id=d["message_id"], status=MessageStatus(d["status"]),
                       accepted=d["accepted"], payload_sha256=d["payload_sha256"],
                       refers_to=BusinessKey(refers[0], refers[1], refers[2]) if refers else None, by=d["by"],
                       at=datetime.fromisoformat(d["at"]),
                       accepted_at=datetime.fromisoformat(d["accepted_at"]) if d["accepted_at"] else None,
                       receipt_id=d["receipt_id"], archived_to=d["archived_to"]))


@dataclass(frozen=True)
class CertificateLedger:
    """The life of one certificate on this gateway: every message that carried a version of it."""

    issuer: str
    """The issuing authority's code."""
    number: str
    """The certificate number."""
    entries: tuple[LedgerEntry, ...]
    """Oldest version first (then by time)."""

    def key(self, entry: LedgerEntry) -> BusinessKey:
        """The business key of one entry."""
        return BusinessKey(self.issuer, self.number, entry.version)

    @property
    def current(self) -> LedgerEntry | None:
        """The accepted entry with the highest version (the latest accepted, when several partners got it)."""
        accepted = [e for e in self.entries if e.accepted]
        return max(accepted, key=lambda e: (e.version, e.accepted_at or e.at)) if accepted else None

    @property
    def status(self) -> CertificateStatus:
        """VALID or WITHDRAWN by the current version; UNKNOWN when no version was accepted."""
        return self.status_of(None)

    def status_of(self, version: int | None) -> CertificateStatus:
        """The status of one version (or of the certificate, for None)."""
        current = self.current
        if current is None or (version is not None and not any(
                e.version == version and e.accepted for e in self.entries)):
            return CertificateStatus.UNKNOWN
        if current.action is Action.WITHDRAW:
            return CertificateStatus.WITHDRAWN
        if version is not None and version < current.version:
            return CertificateStatus.REPLACED
        return CertificateStatus.VALID

    def restricted(self, *, direction: Direction, partner: str) -> CertificateLedger:
        """Only what went one way with one partner."""
        return replace(self, entries=tuple(e for e in self.entries
                                           if e.direction is direction and e.partner == partner))


def _entry(message: StoredMessage) -> LedgerEntry:
    accepted = message.status in _ACCEPTED[message.direction]
    receipt = message.receipt
    if message.direction is Direction.OUTBOUND:
        by = message.domestic_client or "domestic"
        accepted_at = receipt.received_at if accepted and receipt is not None else None
    else:
        by = message.partner + (f" ({message.signer_subject})" if message.signer_subject else "")
        accepted_at = message.created_at if accepted else None
    return LedgerEntry(
        version=message.business_key.version, action=message.action, direction=message.direction,
        partner=message.partner, message_id=message.message_id, status=message.status, accepted=accepted,
        payload_sha256=message.envelope.payload_sha256.lower(), refers_to=message.envelope.refers_to, by=by,
        at=message.created_at, accepted_at=accepted_at, receipt_id=receipt.receipt_id if receipt else None,
    )


def archived_entry(message: StoredMessage, archived_to: str) -> ArchivedEntry:
    """The entry retention keeps for a message it archived to ``archived_to`` and purges."""
    key = message.business_key
    return ArchivedEntry(issuer=key.issuer, number=key.number, document_type=message.document_type,
                         entry=replace(_entry(message), archived_to=archived_to))


def build_ledger(issuer: str, number: str, messages: Iterable[StoredMessage],
                 archived: Iterable[ArchivedEntry] = ()) -> CertificateLedger:
    """The ledger of one certificate from the messages carrying it and the entries of purged ones (others are
    ignored)."""
    entries = [_entry(m) for m in messages if (m.business_key.issuer, m.business_key.number) == (issuer, number)]
    kept = {e.message_id for e in entries}
    entries += [a.entry for a in archived if (a.issuer, a.number) == (issuer, number)
                and a.entry.message_id not in kept]
    entries.sort(key=lambda e: (e.version, e.at, e.message_id))
    return CertificateLedger(issuer=issuer, number=number, entries=tuple(entries))


@dataclass(frozen=True)
class CertificateInquiry:
    """A partner's question: what became of this certificate?"""

    inquiry_id: str
    """Chosen by the asker (a UUID); echoed in the signed answer, so an answer cannot be replayed to another
    question."""
    business_key: BusinessKey | None = None
    """By number: issuer and number; version 0 asks about the certificate, another version about that version."""
    document_sha256: str | None = None
    """By document: lowercase hex SHA-256 of the document as delivered (the signed payload)."""

    def __post_init__(self) -> None:
        if not self.inquiry_id or len(self.inquiry_id) > 128:
            raise InquiryInvalid("inquiry_id must be 1 to 128 characters", field_path="inquiry_id")
        if (self.business_key is None) == (self.document_sha256 is None):
            raise InquiryInvalid("give either a business key or a document digest", field_path="subject")
        if self.business_key is not None and not (self.business_key.issuer and self.business_key.number):
            raise InquiryInvalid("the business key needs issuer and number", field_path="business_key")
        digest = self.document_sha256
        if digest is not None and (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest)):
            raise InquiryInvalid("document_sha256 must be 32 bytes (64 lowercase hex digits)",
                                 field_path="document_sha256")

    def query_fields(self) -> dict[str, JsonValue]:
        """The question as the signed answer repeats it."""
        key = self.business_key
        return {
            "business_key": {"issuer": key.issuer, "number": key.number, "version": key.version} if key else None,
            "document_sha256": self.document_sha256 or "",
        }


@dataclass(frozen=True)
class AnsweredVersion:
    """One accepted version in an answer's history."""

    version: int
    """The version."""
    action: Action
    """What it did."""
    payload_sha256: str
    """Hex SHA-256 of the document as delivered."""
    accepted_at: datetime
    """When the asker's receipt accepted it."""


@dataclass(frozen=True)
class InquiryAnswer:
    """The issuing gateway's signed answer to a :class:`CertificateInquiry`."""

    inquiry_id: str
    """The question's id."""
    answerer: PartyId
    """The gateway that answers (and signs)."""
    asker: PartyId
    """The partner that asked (authenticated by its TLS certificate)."""
    inquiry: CertificateInquiry
    """The question, repeated."""
    status: CertificateStatus
    """The answer."""
    certificate: BusinessKey | None
    """The version the question matched (by digest, or the version asked for), or the current one by number."""
    current: BusinessKey | None
    """The latest accepted version."""
    history: tuple[AnsweredVersion, ...]
    """Every version delivered to the asker and accepted, oldest first."""
    answered_at: datetime
    """When the answer was made."""
    signature: Signature | None = None
    """The answerer's JWS over :meth:`header_fields`."""

    def header_fields(self) -> dict[str, JsonValue]:
        """The fields the answer's signature covers (partner guide, "Verification inquiries")."""
        def key(value: BusinessKey | None) -> JsonValue:
            return {"issuer": value.issuer, "number": value.number, "version": value.version} if value else None

        return {
            "inquiry_id": self.inquiry_id,
            "answerer": {"scheme": self.answerer.scheme, "value": self.answerer.value},
            "asker": {"scheme": self.asker.scheme, "value": self.asker.value},
            "query": self.inquiry.query_fields(),
            "status": f"CERTIFICATE_STATUS_{self.status.value}",
            "certificate": key(self.certificate),
            "current": key(self.current),
            "history": [
                {"version": v.version, "action": f"ACTION_{v.action.name}", "payload_sha256": v.payload_sha256,
                 "accepted_at": _signed_ts(v.accepted_at)}
                for v in self.history
            ],
            "answered_at": _signed_ts(self.answered_at),
        }

    def signed_header(self) -> bytes:
        """RFC 8785 canonical JSON of :meth:`header_fields`: the JWS payload."""
        return canonical_json(self.header_fields())


@dataclass(frozen=True)
class VerifiedInquiryAnswer:
    """A partner's answer whose signature verified against the partner's trust and that answers our question.

    Only :meth:`gateway.pipeline.inquiries.CertificateLedgers.ask` makes one.
    """

    answer: InquiryAnswer
    """The answer as received."""
    signer: x509.Certificate
    """The certificate that signed it, its path validated to the partner's trust."""


def _signed_ts(value: datetime) -> str:
    # The envelope's spelling of a time: UTC, six fractional digits, "Z".
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def answer_inquiry(
    inquiry: CertificateInquiry, *, answerer: PartyId, asker: PartyId, ledger: CertificateLedger | None,
    version: int | None, at: datetime,
) -> InquiryAnswer:
    """The unsigned answer from ``ledger``, the certificate asked about (``None``: nothing matched).

    The caller restricts the ledger to what went to the asker (:meth:`CertificateLedger.restricted`), and gives
    the version the question names (by digest: the version of the matching document; by number: the key's
    version, ``None`` for 0). Only accepted versions count; anything else is UNKNOWN, with nothing more said.
    """
    unknown = InquiryAnswer(inquiry_id=inquiry.inquiry_id, answerer=answerer, asker=asker, inquiry=inquiry,
                            status=CertificateStatus.UNKNOWN, certificate=None, current=None, history=(),
                            answered_at=at)
    if ledger is None or any(e.direction is not Direction.OUTBOUND or e.partner != asker.value
                             for e in ledger.entries):
        return unknown
    status = ledger.status_of(version)
    current = ledger.current
    if status is CertificateStatus.UNKNOWN or current is None:
        return unknown
    history = tuple(AnsweredVersion(version=e.version, action=e.action, payload_sha256=e.payload_sha256,
                                    accepted_at=e.accepted_at or e.at) for e in ledger.entries if e.accepted)
    return replace(unknown, status=status, certificate=BusinessKey(ledger.issuer, ledger.number,
                                                                   version or current.version),
                   current=ledger.key(current), history=history)
