"""The message book on SQLite or PostgreSQL.

Every method that changes state is one short transaction. Rows are locked before they are checked
(``SELECT ... FOR UPDATE``; ``SKIP LOCKED`` for claims on PostgreSQL, BEGIN IMMEDIATE on SQLite), so two replicas
never move the same message, and status events are numbered in commit order (see ``_db.EVENTS_LOCK``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ..domain import BusinessKey, Direction, DocumentType, Envelope, ErrorInfo, MessageStatus, Receipt, check_transition
from ..errors import DuplicateConflict, InvalidTransition, MessageNotFound
from ..ports import StatusEvent, StoredMessage
from ._db import EVENTS_LOCK, duplicate_reason
from ._records import DUPLICATE_REASONS, check_new_status, error_or_none, optional_utc, utc
from ._rows import event_row, new_row, set_error, stored_message
from .audit import SqlAuditRepository
from .tables import MessageRow, StatusEventRow
from .trust_repository import SqlTrustRepository

__all__ = ["SqlMessageRepository"]

_S = MessageStatus

_EVENT_COLUMNS = (
    StatusEventRow,
    MessageRow.direction,
    MessageRow.partner,
    MessageRow.bk_issuer,
    MessageRow.bk_number,
    MessageRow.bk_version,
)


class SqlMessageRepository(SqlTrustRepository, SqlAuditRepository):
    """:class:`~gateway.ports.MessageRepository`, ``TrustRepository`` and ``AuditRepository`` on one engine.

    Create the engine with :func:`~gateway.persistence.session.create_engine_for` and run
    :func:`~gateway.persistence.session.migrate` first. The instance holds no state besides the engine and may
    be shared by threads.
    """

    # -- writes ---------------------------------------------------------------------------------------------

    def add_outbound(
        self,
        envelope: Envelope,
        *,
        at: datetime,
        record_json: str,
        report_json: str,
        idempotency_key: str | None,
        domestic_client: str | None,
    ) -> StoredMessage:
        """Store a new outbound message as ACCEPTED then QUEUED (two events); raises DuplicateConflict."""
        at = utc(at)
        check_transition(Direction.OUTBOUND, None, _S.ACCEPTED)
        check_transition(Direction.OUTBOUND, _S.ACCEPTED, _S.QUEUED)
        row = new_row(envelope, Direction.OUTBOUND, _S.ACCEPTED, at)
        row.record_json, row.report_json = record_json, report_json
        row.idempotency_key, row.domestic_client = idempotency_key, domestic_client or ""
        accepted = event_row(row, None, at)
        row.status = _S.QUEUED.value
        queued = event_row(row, _S.ACCEPTED, at)
        self._insert(row, [accepted, queued])
        return stored_message(row)

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
        row = new_row(envelope, Direction.INBOUND, status, at)
        row.receipt_json = receipt.to_json()
        row.record_json, row.report_json = record_json, report_json
        row.signer_subject, row.signer_fingerprint = signer_subject, signer_fingerprint
        row.domestic_client = domestic_client or ""
        if error is not None:
            set_error(row, error)
        self._insert(row, [event_row(row, None, at, error)])
        return stored_message(row)

    def _insert(self, row: MessageRow, events: list[StatusEventRow]) -> None:
        try:
            with self._db.write() as session:
                session.add(row)
                session.flush()
                self._add_events(session, events)
        except IntegrityError as e:
            reason = duplicate_reason(e)
            if reason is None:
                raise
            raise DuplicateConflict(f"{DUPLICATE_REASONS[reason]}: {row.message_id}", partner=row.partner) from e

    def _add_events(self, session: Session, events: list[StatusEventRow]) -> None:
        # Everything else this transaction writes is flushed already: the lock is held only for the event
        # inserts and the commit.
        self._db.serialize(session, EVENTS_LOCK)
        session.add_all(events)
        session.flush()

    def transition(
        self,
        message_id: str,
        new_status: MessageStatus,
        *,
        at: datetime,
        expected: MessageStatus | None = None,
        next_attempt_at: datetime | None = None,
        error: ErrorInfo | None = None,
        receipt: Receipt | None = None,
    ) -> StoredMessage:
        """Move a message to ``new_status`` with its event; raises MessageNotFound or InvalidTransition.

        Entering QUEUED (an operator's resend) starts the attempt count afresh; entering SENDING counts an
        attempt. The claim is cleared; ``next_attempt_at`` is stored as given (None unless RETRY_WAIT).
        """
        at = utc(at)
        next_attempt_at = optional_utc(next_attempt_at, "next_attempt_at")
        check_new_status(new_status, next_attempt_at)
        with self._db.write() as session:
            row = session.scalars(
                select(MessageRow).where(MessageRow.message_id == message_id).with_for_update()
            ).one_or_none()
            if row is None:
                raise MessageNotFound(f"no message {message_id}")
            current = MessageStatus(row.status)
            if expected is not None and current != expected:
                raise InvalidTransition(f"message {message_id} is {current}, not {expected}", partner=row.partner)
            check_transition(Direction(row.direction), current, new_status)
            row.status = new_status.value
            row.updated_at = at
            row.next_attempt_at = next_attempt_at
            row.claimed_by = row.claim_expires_at = None
            if new_status is _S.QUEUED:
                row.attempts = 0
            elif new_status is _S.SENDING:
                row.attempts += 1
            if error is not None:
                set_error(row, error)
            if receipt is not None:
                row.receipt_json = receipt.to_json()
            session.flush()
            self._add_events(session, [event_row(row, current, at, error)])
            return stored_message(row)

    def claim_due(self, *, now: datetime, limit: int, claimer: str, claim_timeout: timedelta) -> list[StoredMessage]:
        """Claim due outbound messages (QUEUED, RETRY_WAIT due, SENDING with an expired or no claim), oldest first."""
        now = utc(now, "now")
        if limit <= 0:
            return []
        due = or_(
            MessageRow.status == _S.QUEUED.value,
            and_(MessageRow.status == _S.RETRY_WAIT.value, MessageRow.next_attempt_at <= now),
            and_(
                MessageRow.status == _S.SENDING.value,
                or_(MessageRow.claim_expires_at.is_(None), MessageRow.claim_expires_at <= now),
            ),
        )
        query = (
            select(MessageRow)
            .where(MessageRow.direction == Direction.OUTBOUND.value, due)
            .order_by(MessageRow.created_at, MessageRow.message_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self._db.write() as session:
            rows = session.scalars(query).all()
            events = []
            for row in rows:
                current = MessageStatus(row.status)
                check_transition(Direction.OUTBOUND, current, _S.SENDING)
                row.status = _S.SENDING.value
                row.attempts += 1
                row.updated_at = now
                row.next_attempt_at = None
                row.claimed_by = claimer
                row.claim_expires_at = now + claim_timeout
                events.append(event_row(row, current, now))
            if not rows:
                return []
            session.flush()
            self._add_events(session, events)
            return [stored_message(row) for row in rows]

    # -- reads ----------------------------------------------------------------------------------------------

    def find(self, message_id: str) -> StoredMessage | None:
        """The message, or None."""
        with self._db.read() as session:
            row = session.get(MessageRow, message_id)
            return stored_message(row) if row is not None else None

    def get(self, message_id: str) -> StoredMessage:
        """The message; raises MessageNotFound."""
        message = self.find(message_id)
        if message is None:
            raise MessageNotFound(f"no message {message_id}")
        return message

    def _messages(self, query: Select[MessageRow]) -> list[StoredMessage]:
        with self._db.read() as session:
            return [stored_message(row) for row in session.scalars(query)]

    def find_by_idempotency_key(self, domestic_client: str | None, key: str) -> StoredMessage | None:
        """The outbound message submitted with that key by that client."""
        found = self._messages(
            select(MessageRow).where(
                MessageRow.domestic_client == (domestic_client or ""),
                MessageRow.idempotency_key == key,
                MessageRow.direction == Direction.OUTBOUND.value,
            )
        )
        return found[0] if found else None

    def find_by_business_key(
        self, issuer: str, number: str, version: int | None = None, *, direction: Direction | None = None
    ) -> list[StoredMessage]:
        """Messages with that business key (any version when ``version`` is None), oldest first."""
        query = select(MessageRow).where(MessageRow.bk_issuer == issuer, MessageRow.bk_number == number)
        if version is not None:
            query = query.where(MessageRow.bk_version == version)
        if direction is not None:
            query = query.where(MessageRow.direction == direction.value)
        return self._messages(query.order_by(MessageRow.created_at, MessageRow.message_id))

    def next_due_at(self) -> datetime | None:
        """The earliest next_attempt_at among RETRY_WAIT messages."""
        with self._db.read() as session:
            return session.scalar(
                select(func.min(MessageRow.next_attempt_at)).where(MessageRow.status == _S.RETRY_WAIT.value)
            )

    def events_after(self, sequence: int, *, limit: int = 500) -> list[StatusEvent]:
        """Status events with a greater sequence number, in order."""
        query = (
            select(*_EVENT_COLUMNS)
            .join(MessageRow, MessageRow.message_id == StatusEventRow.message_id)
            .where(StatusEventRow.sequence > sequence)
            .order_by(StatusEventRow.sequence)
            .limit(limit)
        )
        return self._events(query)

    def history(self, message_id: str) -> list[StatusEvent]:
        """Every event of one message, in order."""
        query = (
            select(*_EVENT_COLUMNS)
            .join(MessageRow, MessageRow.message_id == StatusEventRow.message_id)
            .where(StatusEventRow.message_id == message_id)
            .order_by(StatusEventRow.sequence)
        )
        return self._events(query)

    def _events(self, query: Select[StatusEventRow, str, str, str, str, int]) -> list[StatusEvent]:
        with self._db.read() as session:
            return [
                StatusEvent(
                    sequence=event.sequence,
                    message_id=event.message_id,
                    direction=Direction(direction),
                    partner=partner,
                    business_key=BusinessKey(issuer, number, version),
                    status=MessageStatus(event.to_status),
                    previous_status=MessageStatus(event.from_status) if event.from_status else None,
                    at=event.at,
                    attempt=event.attempt,
                    error=error_or_none(event.error_code, event.error_message, event.error_path),
                    next_attempt_at=event.next_attempt_at,
                )
                for event, direction, partner, issuer, number, version in session.execute(query)
            ]

    def pending_handover(
        self, *, domestic_client: str | None, document_types: Sequence[DocumentType] = (), limit: int = 100
    ) -> list[StoredMessage]:
        """Inbound RECEIVED messages for the client (None: every client), oldest first, one per business key.

        Of the RECEIVED versions of one (issuer, number) only the lowest version is offered, so a replacement
        never overtakes its original.
        """
        m, older = MessageRow, aliased(MessageRow)

        def pending(row: type[MessageRow]) -> list[ColumnElement[bool]]:
            conditions: list[ColumnElement[bool]] = [row.direction == Direction.INBOUND.value, row.status == _S.RECEIVED.value]
            if domestic_client is not None:
                conditions.append(row.domestic_client == domestic_client)
            if document_types:
                conditions.append(row.document_type.in_([t.value for t in document_types]))
            return conditions

        overtaken = exists().where(
            *pending(older),
            older.bk_issuer == m.bk_issuer,
            older.bk_number == m.bk_number,
            tuple_(older.bk_version, older.created_at, older.message_id) < tuple_(m.bk_version, m.created_at, m.message_id),
        )
        query = (
            select(m)
            .where(*pending(m), ~overtaken)
            .order_by(m.created_at, m.message_id)
            .limit(limit)
        )
        return self._messages(query)

    def list_messages(
        self, *, status: MessageStatus | None = None, partner: str | None = None, limit: int = 100
    ) -> list[StoredMessage]:
        """Messages, newest first, optionally filtered."""
        query = select(MessageRow)
        if status is not None:
            query = query.where(MessageRow.status == status.value)
        if partner is not None:
            query = query.where(MessageRow.partner == partner)
        return self._messages(query.order_by(MessageRow.created_at.desc(), MessageRow.message_id.desc()).limit(limit))

    def counts_by_status(self) -> dict[tuple[str, str, str, str], int]:
        """Message counts by (direction, partner, document type, status)."""
        columns = (MessageRow.direction, MessageRow.partner, MessageRow.document_type, MessageRow.status)
        with self._db.read() as session:
            rows = session.execute(select(*columns, func.count()).group_by(*columns))
            return {(d, p, t, s): n for d, p, t, s, n in rows}
