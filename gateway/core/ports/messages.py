"""Ports of the message life: the message book (the delivery hand-off is in ``delivery.py``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from ..domain import (
    Action,
    BusinessKey,
    Direction,
    DocumentType,
    Envelope,
    ErrorInfo,
    MessageStatus,
    Receipt,
    VerifiedReceipt,
)
from ..errors import DuplicateConflict, InvalidTransition, MessageNotFound

if TYPE_CHECKING:
    from .delivery import OutboundClaim

__all__ = [
    "Backlog",
    "MessageFact",
    "MessageRepository",
    "NewInbound",
    "NewOutbound",
    "StatusEvent",
    "StoredMessage",
    "Transition",
    "TransitionObserver",
]


@dataclass(frozen=True)
class StoredMessage:
    """A message as the repository holds it."""

    message_id: str
    """The envelope's message id."""
    direction: Direction
    """Outbound or inbound."""
    partner: str
    """The partner single window (receiver when outbound, sender when inbound)."""
    status: MessageStatus
    """Current state."""
    envelope: Envelope
    """The complete envelope, payload and signature included (as sent or as received)."""
    created_at: datetime
    """When the message was first stored."""
    updated_at: datetime
    """When its state last changed."""
    attempts: int = 0
    """Delivery attempts made (outbound)."""
    next_attempt_at: datetime | None = None
    """When the next attempt is due (RETRY_WAIT)."""
    record_json: str | None = None
    """The domestic catalog record: as submitted (outbound) or as mapped (inbound)."""
    report_json: str | None = None
    """The mapping report, JSON."""
    receipt: Receipt | None = None
    """Outbound: the partner's verified receipt. Inbound: the receipt we signed and returned."""
    last_error: ErrorInfo | None = None
    """The last error, if any."""
    idempotency_key: str | None = None
    """Outbound: the submitter's idempotency key."""
    domestic_client: str | None = None
    """Outbound: who submitted. Inbound: which domestic client it is routed to."""
    signer_subject: str | None = None
    """Inbound: subject of the document signer's certificate."""
    signer_fingerprint: str | None = None
    """Inbound: SHA-256 fingerprint of that certificate."""

    @property
    def business_key(self) -> BusinessKey:
        """The envelope's business key."""
        return self.envelope.business_key

    @property
    def document_type(self) -> DocumentType:
        """The envelope's document type."""
        return self.envelope.document_type

    @property
    def action(self) -> Action:
        """The envelope's action."""
        return self.envelope.action


@dataclass(frozen=True)
class StatusEvent:
    """One recorded transition; ``sequence`` increases across the whole gateway."""

    sequence: int
    """Cursor for WatchStatus."""
    message_id: str
    """The message."""
    direction: Direction
    """Its direction."""
    partner: str
    """Its partner."""
    business_key: BusinessKey
    """Its business key."""
    status: MessageStatus
    """The state entered."""
    previous_status: MessageStatus | None
    """The state left; None for the first."""
    at: datetime
    """When."""
    attempt: int = 0
    """Delivery attempt number (outbound)."""
    error: ErrorInfo | None = None
    """The error that caused the transition."""
    next_attempt_at: datetime | None = None
    """For RETRY_WAIT: the next attempt."""


#: Told of every state a message enters through the pipeline or the dispatcher: ``(message, status, at)``, where
#: ``message`` is the message as it was before (for a new message: as stored). Metrics hook in here; it must not
#: raise and must be quick, since it runs on the request or delivery thread.
TransitionObserver = Callable[[StoredMessage, MessageStatus, datetime], None]


@dataclass(frozen=True)
class Backlog:
    """Outbound messages to one partner that are not delivered yet (QUEUED, RETRY_WAIT or SENDING)."""

    partner: str
    """The partner."""
    messages: int
    """How many."""
    oldest_created_at: datetime
    """When the oldest of them was stored."""
    max_attempts: int
    """The most delivery attempts any of them has had (retry depth)."""


@dataclass(frozen=True)
class MessageFact:
    """The columns of one message that statistics and alerts read: no envelope, payload or receipt."""

    message_id: str
    """The message id."""
    direction: Direction
    """Outbound or inbound."""
    partner: str
    """The partner single window."""
    document_type: DocumentType
    """The document type."""
    status: MessageStatus
    """Current state."""
    created_at: datetime
    """When the message was stored (for outbound: when Submit accepted it)."""
    updated_at: datetime
    """When it entered its current state (for a DELIVERED message: when its receipt was recorded)."""
    attempts: int
    """Delivery attempts made (outbound)."""
    error_code: str | None
    """The code of its last error, if any."""


@dataclass(frozen=True)
class NewOutbound:
    """An outbound message to store in a group commit (the arguments of ``add_outbound`` without a claim)."""

    envelope: Envelope
    """The signed envelope."""
    record_json: str
    """The record as submitted."""
    report_json: str
    """The mapping report, JSON."""
    idempotency_key: str | None
    """The submitter's idempotency key."""
    domestic_client: str | None
    """Who submitted."""


@dataclass(frozen=True)
class NewInbound:
    """An inbound message to store in a group commit (the arguments of ``add_inbound``)."""

    envelope: Envelope
    """The envelope as received."""
    status: MessageStatus
    """RECEIVED or REJECTED."""
    receipt: Receipt
    """The receipt we return."""
    record_json: str | None
    """The mapped record (RECEIVED)."""
    report_json: str | None
    """The reverse mapping's report (RECEIVED)."""
    signer_subject: str | None
    """The document signer's subject (RECEIVED)."""
    signer_fingerprint: str | None
    """Its certificate's SHA-256 fingerprint (RECEIVED)."""
    error: ErrorInfo | None
    """Why it was refused (REJECTED)."""
    domestic_client: str | None
    """The domestic client it is routed to."""


@dataclass(frozen=True)
class Transition:
    """One change of ``MessageRepository.transition``, for a group commit of several (``transition_batch``)."""

    message_id: str
    """The message."""
    new_status: MessageStatus
    """The state to enter."""
    expected: MessageStatus | None = None
    """The state it must be in."""
    next_attempt_at: datetime | None = None
    """For RETRY_WAIT."""
    error: ErrorInfo | None = None
    """The error causing it."""
    receipt: VerifiedReceipt | None = None
    """The verified receipt ending a delivery."""
    claimer: str | None = None
    """The claim it must be under."""
    message: StoredMessage | None = None
    """The message as the caller holds it (a delivery worker: the one it claimed), if it does. Its body (envelope,
    record, report) never changes, so the repository may answer with it brought up to date instead of reading and
    decoding the body again; it must be the message ``message_id`` names (ValueError otherwise)."""


class MessageRepository(Protocol):
    """Persistent message book. Every method that changes state is one transaction.

    Implementations: ``persistence.messages.SqlMessageRepository`` (SQLite, PostgreSQL) and
    ``persistence.memory.MemoryMessageRepository`` (the twin). Both pass ``tests/contract``.
    """

    def add_outbound(
        self,
        envelope: Envelope,
        *,
        at: datetime,
        record_json: str,
        report_json: str,
        idempotency_key: str | None,
        domestic_client: str | None,
        claim: OutboundClaim | None = None,
    ) -> StoredMessage:
        """Store a new outbound message as ACCEPTED, then QUEUED, each with its event (and SENDING under
        ``claim``, counting attempt 1, when a claim is given).

        Raises DuplicateConflict when the message id, the (domestic_client, idempotency key) or the
        (direction, partner, document type, business key) already exists.
        """
        ...

    def add_inbound(
        self,
        envelope: Envelope,
        *,
        at: datetime,
        status: MessageStatus,
        receipt: Receipt,
        record_json: str | None,
        report_json: str | None,
        signer_subject: str | None,
        signer_fingerprint: str | None,
        error: ErrorInfo | None,
        domestic_client: str | None,
    ) -> StoredMessage:
        """Store an inbound message (RECEIVED or REJECTED) with the receipt we return, in one transaction.

        Raises DuplicateConflict when the message id exists, or when a RECEIVED message with the same
        (direction, partner, document type, business key) exists.
        """
        ...

    def add_batch(
        self, items: Sequence[NewOutbound | NewInbound], *, at: datetime
    ) -> list[StoredMessage | DuplicateConflict]:
        """Store several new messages in one transaction (group commit), each as ``add_outbound`` (unclaimed) or
        ``add_inbound`` would, in order.

        An item that breaks a uniqueness rule is left out, and its DuplicateConflict stands in its place in the
        result; the others commit together. Nothing is stored when the transaction fails as a whole.
        """
        ...

    def find(self, message_id: str) -> StoredMessage | None:
        """The message, or None."""
        ...

    def get(self, message_id: str) -> StoredMessage:
        """The message; raises MessageNotFound."""
        ...

    def find_by_idempotency_key(self, domestic_client: str | None, key: str) -> StoredMessage | None:
        """The outbound message submitted with that key by that client."""
        ...

    def find_many(self, message_ids: Sequence[str]) -> dict[str, StoredMessage]:
        """The stored messages among ``message_ids``, by id: one read for a stream's batch."""
        ...

    def find_by_idempotency_keys(self, domestic_client: str | None, keys: Sequence[str]) -> dict[str, StoredMessage]:
        """The outbound messages that client submitted under any of ``keys``, by key: one read for a batch."""
        ...

    def find_by_business_key(
        self, issuer: str, number: str, version: int | None = None, *, direction: Direction | None = None
    ) -> list[StoredMessage]:
        """Messages with that business key (any version when ``version`` is None), oldest first."""
        ...

    def find_by_payload_digest(self, sha256: str, *, direction: Direction, partner: str) -> list[StoredMessage]:
        """Messages one way with one partner whose payload has that hex SHA-256 (verification inquiries),
        oldest first."""
        ...

    def transition(
        self,
        message_id: str,
        new_status: MessageStatus,
        *,
        at: datetime,
        expected: MessageStatus | None = None,
        next_attempt_at: datetime | None = None,
        error: ErrorInfo | None = None,
        receipt: VerifiedReceipt | None = None,
        claimer: str | None = None,
        replay: bool = False,
    ) -> StoredMessage:
        """Move a message to ``new_status`` and record the event, in one transaction.

        ``receipt`` is the partner's verified answer that ends a delivery; DELIVERED is refused without one
        (InvalidTransition), so a receipt that was not verified cannot make a message DELIVERED.

        Raises InvalidTransition when the state machine forbids it or when ``expected`` is given and the stored
        state differs (another replica got there first), or when ``claimer`` is given and does not hold the claim
        (its claim expired and was taken over: the new claimant's outcome stands). Clears the claim when leaving
        SENDING. ``replay`` allows only the operator's replay edges (``REPLAY_TRANSITIONS``) instead.
        """
        ...

    def transition_batch(
        self, changes: Sequence[Transition], *, at: datetime
    ) -> list[StoredMessage | InvalidTransition | MessageNotFound]:
        """Apply several transitions, each as ``transition`` would, in one transaction (group commit); a change
        the state machine, the expected state or the claim refuses is answered with its error in its place and
        changes nothing, the others commit together."""
        ...

    def record_and_claim(
        self, changes: Sequence[Transition], *, at: datetime, limit: int, claimer: str, claim_timeout: timedelta
    ) -> tuple[list[StoredMessage | InvalidTransition | MessageNotFound], list[StoredMessage]]:
        """``transition_batch(changes)`` then ``claim_due(now=at)`` in one transaction: a delivery worker commits
        its outcome and takes its next message at once."""
        ...

    def claim_due(self, *, now: datetime, limit: int, claimer: str, claim_timeout: timedelta) -> list[StoredMessage]:
        """Claim outbound messages due for delivery and mark them SENDING (attempts + 1), in one transaction.

        Due: QUEUED; RETRY_WAIT with next_attempt_at <= now; SENDING whose claim expired (a replica died).
        On PostgreSQL the rows are locked with FOR UPDATE SKIP LOCKED, so replicas never claim the same message.
        """
        ...

    def bring_forward(self, partner: str, *, at: datetime, error_codes: Collection[str]) -> int:
        """Make the partner's outbound RETRY_WAIT messages whose last attempt failed with one of ``error_codes`` due at
        ``at`` (those due later); return how many. No state changes, so no status event."""
        ...

    def events_after(
        self, sequence: int, *, limit: int = 500, domestic_client: str | None = None
    ) -> list[StatusEvent]:
        """Status events with a greater sequence number, gap-free in commit order; only those of one domestic
        client's messages when ``domestic_client`` is given."""
        ...

    def history(self, message_id: str) -> list[StatusEvent]:
        """Every event of one message, in order."""
        ...

    def pending_handover(
        self, *, domestic_client: str | None, document_types: Sequence[DocumentType] = (), limit: int = 100
    ) -> list[StoredMessage]:
        """Inbound RECEIVED messages for that client, oldest first.

        Per business key (issuer, number) only the oldest version not yet handed over is returned, so a
        replacement never overtakes its original.
        """
        ...

    def list_messages(
        self, *, status: MessageStatus | None = None, partner: str | None = None, limit: int = 100,
        direction: Direction | None = None, document_type: DocumentType | None = None,
        business_key: str | None = None, since: datetime | None = None, until: datetime | None = None,
        offset: int = 0,
    ) -> list[StoredMessage]:
        """Messages, newest first, filtered by every criterion given: ``business_key`` matches a part of the
        issuer or the number, ``since``/``until`` bound the creation time (until excluded); ``offset`` skips that
        many for paging."""
        ...

    def counts_by_status(self) -> dict[tuple[str, str, str, str], int]:
        """Message counts by (direction, partner, document type, status), for metrics."""
        ...

    def backlog(self) -> list[Backlog]:
        """Per partner with undelivered outbound messages: their count, oldest and deepest retry, for metrics."""
        ...

    def message_facts(
        self, *, since: datetime | None = None, until: datetime | None = None,
        statuses: Sequence[MessageStatus] = (), updated_since: datetime | None = None,
    ) -> list[MessageFact]:
        """The facts of the messages created in ``[since, until)`` (either bound open when None), when
        ``statuses`` is given in one of those states, and when ``updated_since`` is given whose state changed at
        or after it; oldest first. Reads no payloads (statistics, alerts)."""
        ...
