"""The in-memory twin of the SQL repository: same contract, same semantics, no database.

Used by unit tests and the demo. One lock guards the messages (trust and audit have theirs), so every method is
atomic, as the SQL implementation's transactions are. ``tests/contract`` runs the same suite against both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ...core.domain import (
    BusinessKey,
    Direction,
    DocumentType,
    Envelope,
    ErrorInfo,
    MessageStatus,
    Receipt,
    VerifiedReceipt,
    check_transition,
)
from ...core.errors import DuplicateConflict, InvalidTransition, MessageNotFound
from ...core.ledger import ArchivedEntry
from ...core.ports import (
    NewInbound,
    NewOutbound,
    OutboundClaim,
    StatusEvent,
    StoredMessage,
    Transition,
)
from .accounts import MemoryAccountRepository
from .checks import DUPLICATE_REASONS, check_new_status, optional_utc, utc
from .memory_reports import MemoryMessageReports
from .memory_retention import MemoryRetention, business_key_of as _business_key
from .memory_trust import MemoryAuditRepository, MemoryTrustRepository

__all__ = ["MemoryMessageRepository"]

_S = MessageStatus


@dataclass(frozen=True)
class _Claim:
    claimed_by: str
    expires_at: datetime


def _order(message: StoredMessage) -> tuple[datetime, str]:
    return message.created_at, message.message_id


class MemoryMessageRepository(MemoryMessageReports, MemoryRetention, MemoryTrustRepository, MemoryAuditRepository,
                              MemoryAccountRepository):
    """:class:`~gateway.core.ports.MessageRepository`, ``TrustRepository``, ``AuditRepository``,
    ``RetentionRepository`` and ``AccountRepository`` in memory."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()
        self._messages: dict[str, StoredMessage] = {}
        self._claims: dict[str, _Claim] = {}
        self._idempotency: set[tuple[str, str]] = set()
        self._business_keys: set[tuple[Direction, str, DocumentType, BusinessKey]] = set()
        self._events: list[StatusEvent] = []
        self._archived: dict[str, ArchivedEntry] = {}

    # -- messages: writes -----------------------------------------------------------------------------------

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
        """Store a new outbound message as ACCEPTED then QUEUED (two events), and SENDING under ``claim`` when
        given (a third event); raises DuplicateConflict."""
        at = utc(at)
        check_transition(Direction.OUTBOUND, None, _S.ACCEPTED)
        check_transition(Direction.OUTBOUND, _S.ACCEPTED, _S.QUEUED)
        if claim is not None:
            check_transition(Direction.OUTBOUND, _S.QUEUED, _S.SENDING)
        message = StoredMessage(
            message_id=envelope.message_id,
            direction=Direction.OUTBOUND,
            partner=envelope.receiver.value,
            status=_S.QUEUED,
            envelope=envelope,
            created_at=at,
            updated_at=at,
            record_json=record_json,
            report_json=report_json,
            idempotency_key=idempotency_key,
            domestic_client=domestic_client or None,
        )
        with self._lock:
            self._store_new(message)
            self._record(message, None, at, status=_S.ACCEPTED)
            self._record(message, _S.ACCEPTED, at)
            if claim is not None:
                message = replace(message, status=_S.SENDING, attempts=1)
                self._messages[message.message_id] = message
                self._claims[message.message_id] = _Claim(claim.claimer, utc(claim.expires_at, "claim.expires_at"))
                self._record(message, _S.QUEUED, at)
        return message

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
        """Store an inbound message (RECEIVED or REJECTED) with our receipt; raises DuplicateConflict."""
        at = utc(at)
        check_transition(Direction.INBOUND, None, status)
        message = StoredMessage(
            message_id=envelope.message_id,
            direction=Direction.INBOUND,
            partner=envelope.sender.value,
            status=status,
            envelope=envelope,
            created_at=at,
            updated_at=at,
            record_json=record_json,
            report_json=report_json,
            receipt=receipt,
            last_error=error,
            domestic_client=domestic_client or None,
            signer_subject=signer_subject,
            signer_fingerprint=signer_fingerprint,
        )
        with self._lock:
            self._store_new(message)
            self._record(message, None, at, error=error)
        return message

    def add_batch(
        self, items: Sequence[NewOutbound | NewInbound], *, at: datetime
    ) -> list[StoredMessage | DuplicateConflict]:
        """Store new messages together (under the lock, as one commit); a duplicate is answered with its
        DuplicateConflict and the others are stored."""
        results: list[StoredMessage | DuplicateConflict] = []
        with self._lock:
            for item in items:
                try:
                    if isinstance(item, NewOutbound):
                        results.append(self.add_outbound(
                            item.envelope, at=at, record_json=item.record_json, report_json=item.report_json,
                            idempotency_key=item.idempotency_key, domestic_client=item.domestic_client))
                    else:
                        results.append(self.add_inbound(
                            item.envelope, at=at, status=item.status, receipt=item.receipt,
                            record_json=item.record_json, report_json=item.report_json,
                            signer_subject=item.signer_subject, signer_fingerprint=item.signer_fingerprint,
                            error=item.error, domestic_client=item.domestic_client))
                except DuplicateConflict as e:
                    results.append(e)
        return results

    def _store_new(self, new: StoredMessage) -> None:
        # The same three rules as the SQL primary key and unique indexes; rejected messages hold no business key.
        def conflict(reason: str) -> DuplicateConflict:
            return DuplicateConflict(f"{DUPLICATE_REASONS[reason]}: {new.message_id}", partner=new.partner)

        idempotency = (new.domestic_client or "", new.idempotency_key) if new.idempotency_key is not None else None
        if new.message_id in self._messages:
            raise conflict("pk_messages")
        if idempotency is not None and idempotency in self._idempotency:
            raise conflict("uq_messages_idempotency")
        if new.status is not _S.REJECTED and _business_key(new) in self._business_keys:
            raise conflict("uq_messages_business_key")
        self._messages[new.message_id] = new
        if idempotency is not None:
            self._idempotency.add(idempotency)
        if new.status is not _S.REJECTED:
            self._business_keys.add(_business_key(new))

    def _record(
        self,
        message: StoredMessage,
        previous: MessageStatus | None,
        at: datetime,
        *,
        status: MessageStatus | None = None,
        error: ErrorInfo | None = None,
    ) -> None:
        self._events.append(
            StatusEvent(
                sequence=len(self._events) + 1,
                message_id=message.message_id,
                direction=message.direction,
                partner=message.partner,
                business_key=message.business_key,
                status=status or message.status,
                previous_status=previous,
                at=at,
                attempt=message.attempts,
                error=error,
                next_attempt_at=message.next_attempt_at,
            )
        )

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
        """Move a message to ``new_status`` with its event; raises MessageNotFound or InvalidTransition."""
        at = utc(at)
        next_attempt_at = optional_utc(next_attempt_at, "next_attempt_at")
        check_new_status(new_status, next_attempt_at, receipt)
        with self._lock:
            message = self.get(message_id)
            current = message.status
            if expected is not None and current != expected:
                raise InvalidTransition(f"message {message_id} is {current}, not {expected}", partner=message.partner)
            holder = self._claims.get(message_id)
            if claimer is not None and (holder is None or holder.claimed_by != claimer):
                raise InvalidTransition(f"message {message_id} is not claimed by {claimer}", partner=message.partner)
            check_transition(message.direction, current, new_status, replay=replay)
            attempts = message.attempts
            if new_status is _S.QUEUED:
                attempts = 0
            elif new_status is _S.SENDING:
                attempts += 1
            message = replace(
                message,
                status=new_status,
                updated_at=at,
                next_attempt_at=next_attempt_at,
                attempts=attempts,
                last_error=error if error is not None else message.last_error,
                receipt=receipt.receipt if receipt is not None else message.receipt,
            )
            self._messages[message_id] = message
            self._claims.pop(message_id, None)
            if new_status is _S.REJECTED:
                self._business_keys.discard(_business_key(message))
            self._record(message, current, at, error=error)
            return message

    def transition_batch(
        self, changes: Sequence[Transition], *, at: datetime
    ) -> list[StoredMessage | InvalidTransition | MessageNotFound]:
        """Apply the changes together (under the lock); a refused one is answered with its error."""
        results: list[StoredMessage | InvalidTransition | MessageNotFound] = []
        for c in changes:
            if c.message is not None and c.message.message_id != c.message_id:  # as the SQL one, before any change
                raise ValueError(f"Transition.message is {c.message.message_id}, not {c.message_id}")
        with self._lock:
            for c in changes:
                try:
                    results.append(self.transition(c.message_id, c.new_status, at=at, expected=c.expected,
                                                   next_attempt_at=c.next_attempt_at, error=c.error,
                                                   receipt=c.receipt, claimer=c.claimer))
                except (InvalidTransition, MessageNotFound) as e:
                    results.append(e)
        return results

    def record_and_claim(
        self, changes: Sequence[Transition], *, at: datetime, limit: int, claimer: str, claim_timeout: timedelta
    ) -> tuple[list[StoredMessage | InvalidTransition | MessageNotFound], list[StoredMessage]]:
        """:meth:`transition_batch`, then :meth:`claim_due` at ``at``, together (under the lock)."""
        with self._lock:
            results = self.transition_batch(changes, at=at)
            return results, self.claim_due(now=at, limit=limit, claimer=claimer, claim_timeout=claim_timeout)

    def claim_due(self, *, now: datetime, limit: int, claimer: str, claim_timeout: timedelta) -> list[StoredMessage]:
        """Claim due outbound messages (QUEUED, RETRY_WAIT due, SENDING with an expired or no claim), oldest first."""
        now = utc(now, "now")
        with self._lock:
            due = sorted((m for m in self._messages.values() if self._is_due(m, now)),
                         key=self._due_order)[: max(limit, 0)]
            claimed = []
            for message in due:
                current = message.status
                check_transition(Direction.OUTBOUND, current, _S.SENDING)
                message = replace(
                    message, status=_S.SENDING, attempts=message.attempts + 1, updated_at=now, next_attempt_at=None
                )
                self._messages[message.message_id] = message
                self._claims[message.message_id] = _Claim(claimer, now + claim_timeout)
                self._record(message, current, now)
                claimed.append(message)
            return claimed

    def bring_forward(self, partner: str, *, at: datetime, error_codes: Collection[str]) -> int:
        """Make the partner's outbound RETRY_WAIT messages that last failed with one of ``error_codes`` due at ``at``."""
        at = utc(at, "at")
        with self._lock:
            due = [m for m in self._messages.values()
                   if m.direction is Direction.OUTBOUND and m.partner == partner and m.status is _S.RETRY_WAIT
                   and m.last_error is not None and m.last_error.code in error_codes
                   and m.next_attempt_at is not None and m.next_attempt_at > at]
            for message in due:
                self._messages[message.message_id] = replace(message, next_attempt_at=at)
            return len(due)

    def _due_order(self, message: StoredMessage) -> tuple[datetime, datetime, str]:
        # The time the message became due: its retry time, its claim's expiry, or when it was queued; so a long
        # retry backlog cannot starve messages queued since (same order as the SQL repository).
        claim = self._claims.get(message.message_id)
        became_due = message.next_attempt_at or (claim.expires_at if claim is not None else None) \
            or message.updated_at
        return became_due, message.created_at, message.message_id

    def _is_due(self, message: StoredMessage, now: datetime) -> bool:
        if message.direction is not Direction.OUTBOUND:
            return False
        if message.status is _S.QUEUED:
            return True
        if message.status is _S.RETRY_WAIT:
            return message.next_attempt_at is not None and message.next_attempt_at <= now
        if message.status is _S.SENDING:
            claim = self._claims.get(message.message_id)
            return claim is None or claim.expires_at <= now
        return False

    # -- messages: reads ------------------------------------------------------------------------------------

    def find(self, message_id: str) -> StoredMessage | None:
        """The message, or None."""
        with self._lock:
            return self._messages.get(message_id)

    def get(self, message_id: str) -> StoredMessage:
        """The message; raises MessageNotFound."""
        message = self.find(message_id)
        if message is None:
            raise MessageNotFound(f"no message {message_id}")
        return message

    def _select(self, keep: Callable[[StoredMessage], bool], *, newest_first: bool = False) -> list[StoredMessage]:
        with self._lock:
            return sorted(filter(keep, self._messages.values()), key=_order, reverse=newest_first)

    def find_by_idempotency_key(self, domestic_client: str | None, key: str) -> StoredMessage | None:
        """The outbound message submitted with that key by that client."""
        found = self._select(
            lambda m: m.direction is Direction.OUTBOUND
            and m.idempotency_key == key
            and (m.domestic_client or "") == (domestic_client or "")
        )
        return found[0] if found else None

    def find_many(self, message_ids: Sequence[str]) -> dict[str, StoredMessage]:
        """The stored messages among ``message_ids``, by id: one read for a stream's batch."""
        with self._lock:
            return {i: self._messages[i] for i in message_ids if i in self._messages}

    def find_by_idempotency_keys(self, domestic_client: str | None, keys: Sequence[str]) -> dict[str, StoredMessage]:
        """The outbound messages that client submitted under any of ``keys``, by key: one read for a batch."""
        wanted = set(keys)
        found = self._select(
            lambda m: m.direction is Direction.OUTBOUND
            and m.idempotency_key in wanted
            and (m.domestic_client or "") == (domestic_client or "")
        )
        return {m.idempotency_key: m for m in found if m.idempotency_key is not None}

    def find_by_business_key(
        self, issuer: str, number: str, version: int | None = None, *, direction: Direction | None = None
    ) -> list[StoredMessage]:
        """Messages with that business key (any version when ``version`` is None), oldest first."""
        return self._select(
            lambda m: (m.business_key.issuer, m.business_key.number) == (issuer, number)
            and version in (None, m.business_key.version)
            and direction in (None, m.direction)
        )

    def find_by_payload_digest(self, sha256: str, *, direction: Direction, partner: str) -> list[StoredMessage]:
        """Messages one way with one partner whose payload has that hex SHA-256, oldest first."""
        return self._select(lambda m: m.direction is direction and m.partner == partner
                            and m.envelope.payload_sha256.lower() == sha256.lower())

    def events_after(
        self, sequence: int, *, limit: int = 500, domestic_client: str | None = None
    ) -> list[StatusEvent]:
        """Status events with a greater sequence number, in order (of one domestic client's messages if given)."""
        with self._lock:
            # Events of purged messages are gone, as in SQL; the list keeps its positions (= sequence numbers).
            events = [e for e in self._events[max(sequence, 0):] if e.message_id not in self._archived]
            if domestic_client is not None:
                events = [e for e in events if self._messages[e.message_id].domestic_client == domestic_client]
            return events[: max(limit, 0)]

    def history(self, message_id: str) -> list[StatusEvent]:
        """Every event of one message, in order."""
        with self._lock:
            return [e for e in self._events if e.message_id == message_id and message_id not in self._archived]

    def pending_handover(
        self, *, domestic_client: str | None, document_types: Sequence[DocumentType] = (), limit: int = 100
    ) -> list[StoredMessage]:
        """Inbound RECEIVED messages for the client (None: every client), oldest first, one per business key;
        a replace or withdraw waits until the document it refers to has been handed over."""
        with self._lock:
            handed_over = {m.business_key for m in self._messages.values()
                           if m.direction is Direction.INBOUND and m.status is _S.HANDED_OVER}
        pending = self._select(
            lambda m: m.direction is Direction.INBOUND
            and m.status is _S.RECEIVED
            and domestic_client in (None, m.domestic_client)
            and (not document_types or m.document_type in document_types)
            and (m.envelope.refers_to is None or m.envelope.refers_to in handed_over)
        )
        first: dict[tuple[str, str], StoredMessage] = {}
        for m in pending:
            key = (m.business_key.issuer, m.business_key.number)
            if key not in first or (m.business_key.version, *_order(m)) < (
                first[key].business_key.version,
                *_order(first[key]),
            ):
                first[key] = m
        return sorted(first.values(), key=_order)[: max(limit, 0)]
