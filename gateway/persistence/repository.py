"""The message book on SQLite or PostgreSQL.

Every method that changes state is one short transaction. Rows are locked before they are checked
(``SELECT ... FOR UPDATE``; ``SKIP LOCKED`` for claims on PostgreSQL, BEGIN IMMEDIATE on SQLite), so two replicas
never move the same message. Status events are written unnumbered and numbered in commit order by the readers
(:meth:`SqlMessageRepository.events_after`), so writers never wait for one another on a global lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..domain import Direction, DocumentType, Envelope, ErrorInfo, MessageStatus, Receipt, check_transition
from ..errors import DuplicateConflict, InvalidTransition, MessageNotFound
from ..ports import Backlog, StatusEvent, StoredMessage
from ._db import EVENTS_LOCK, duplicate_reason
from ._records import DUPLICATE_REASONS, check_new_status, optional_utc, utc
from ._rows import error_values, event_values, message_values, status_event, stored_message
from .audit import SqlAuditRepository
from .tables import MessageRow, StatusEventRow
from .trust_repository import SqlTrustRepository

__all__ = ["SqlMessageRepository"]

_S = MessageStatus
_NUMBERING_BATCH = 10_000

_EVENT_COLUMNS = (
    StatusEventRow.sequence,
    StatusEventRow.message_id,
    StatusEventRow.from_status,
    StatusEventRow.to_status,
    StatusEventRow.at,
    StatusEventRow.attempt,
    StatusEventRow.error_code,
    StatusEventRow.error_message,
    StatusEventRow.error_path,
    StatusEventRow.next_attempt_at,
    MessageRow.direction,
    MessageRow.partner,
    MessageRow.bk_issuer,
    MessageRow.bk_number,
    MessageRow.bk_version,
)


def _add_events(connection: Connection, events: list[dict[str, Any]]) -> None:
    connection.execute(insert(StatusEventRow), events)


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
        row = message_values(envelope, Direction.OUTBOUND, _S.ACCEPTED, at)
        row.update(record_json=record_json, report_json=report_json)
        row.update(idempotency_key=idempotency_key, domestic_client=domestic_client or "")
        accepted = event_values(row, None, at)
        row["status"] = _S.QUEUED.value
        self._insert(row, [accepted, event_values(row, _S.ACCEPTED, at)])
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
        row = message_values(envelope, Direction.INBOUND, status, at)
        row.update(receipt_json=receipt.to_json(), record_json=record_json, report_json=report_json)
        row.update(signer_subject=signer_subject, signer_fingerprint=signer_fingerprint)
        row["domestic_client"] = domestic_client or ""
        if error is not None:
            row.update(error_values(error))
        self._insert(row, [event_values(row, None, at, error)])
        return stored_message(row)

    def _insert(self, row: dict[str, Any], events: list[dict[str, Any]]) -> None:
        try:
            with self._db.write() as connection:
                connection.execute(insert(MessageRow), row)
                _add_events(connection, events)
        except IntegrityError as e:
            reason = duplicate_reason(e)
            if reason is None:
                raise
            message = f"{DUPLICATE_REASONS[reason]}: {row['message_id']}"
            raise DuplicateConflict(message, partner=row["partner"]) from e

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
        claimer: str | None = None,
    ) -> StoredMessage:
        """Move a message to ``new_status`` with its event; raises MessageNotFound or InvalidTransition.

        Entering QUEUED (an operator's resend) starts the attempt count afresh; entering SENDING counts an
        attempt. The claim is cleared; ``next_attempt_at`` is stored as given (None unless RETRY_WAIT).
        """
        at = utc(at)
        next_attempt_at = optional_utc(next_attempt_at, "next_attempt_at")
        check_new_status(new_status, next_attempt_at)
        with self._db.write() as connection:
            row = (
                connection.execute(select(MessageRow).where(MessageRow.message_id == message_id).with_for_update())
                .mappings()
                .one_or_none()
            )
            if row is None:
                raise MessageNotFound(f"no message {message_id}")
            current = MessageStatus(row["status"])
            if expected is not None and current != expected:
                raise InvalidTransition(f"message {message_id} is {current}, not {expected}", partner=row["partner"])
            if claimer is not None and row["claimed_by"] != claimer:
                # A replica whose claim expired must not overwrite the outcome of the one that took it over (a
                # late FAILED would otherwise stand over a delivery under way or done).
                raise InvalidTransition(f"message {message_id} is claimed by {row['claimed_by']}, not {claimer}",
                                        partner=row["partner"])
            check_transition(Direction(row["direction"]), current, new_status)
            attempts = row["attempts"]
            if new_status is _S.QUEUED:
                attempts = 0
            elif new_status is _S.SENDING:
                attempts += 1
            changes: dict[str, Any] = {
                "status": new_status.value,
                "updated_at": at,
                "next_attempt_at": next_attempt_at,
                "attempts": attempts,
                "claimed_by": None,
                "claim_expires_at": None,
            }
            if error is not None:
                changes.update(error_values(error))
            if receipt is not None:
                changes["receipt_json"] = receipt.to_json()
            connection.execute(update(MessageRow).where(MessageRow.message_id == message_id).values(changes))
            changed = {**row, **changes}
            _add_events(connection, [event_values(changed, current, at, error)])
        return stored_message(changed)

    def claim_due(self, *, now: datetime, limit: int, claimer: str, claim_timeout: timedelta) -> list[StoredMessage]:
        """Claim due outbound messages (QUEUED, RETRY_WAIT due, SENDING with an expired or no claim), in the order
        they became due: a long retry backlog must not starve messages queued since."""
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
            .order_by(
                func.coalesce(MessageRow.next_attempt_at, MessageRow.claim_expires_at, MessageRow.updated_at),
                MessageRow.created_at,
                MessageRow.message_id,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        changes: dict[str, Any] = {
            "status": _S.SENDING.value,
            "updated_at": now,
            "next_attempt_at": None,
            "claimed_by": claimer,
            "claim_expires_at": now + claim_timeout,
        }
        with self._db.write() as connection:
            rows = connection.execute(query).mappings().all()
            if not rows:
                return []
            for row in rows:
                check_transition(Direction.OUTBOUND, MessageStatus(row["status"]), _S.SENDING)
            connection.execute(
                update(MessageRow)
                .where(MessageRow.message_id.in_([row["message_id"] for row in rows]))
                .values(attempts=MessageRow.attempts + 1, **changes)
            )
            claimed = [{**row, **changes, "attempts": row["attempts"] + 1} for row in rows]
            _add_events(
                connection,
                [event_values(c, MessageStatus(row["status"]), now) for row, c in zip(rows, claimed, strict=True)],
            )
        return [stored_message(c) for c in claimed]

    def _number_events(self) -> None:
        """Give sequence numbers, in insertion order, to the committed events that have none yet.

        One numbering transaction runs at a time (EVENTS_LOCK; on SQLite the write lock). It sees every event
        committed before it took the lock, and numbers them after everything numbered before: the numbers
        become visible in increasing order, without gaps, whatever order writers committed in.
        """
        unnumbered = select(StatusEventRow.id).where(StatusEventRow.sequence.is_(None)).limit(1)
        with self._db.read() as connection:
            if connection.scalar(unnumbered) is None:
                return
        # Oldest first and in bounded batches, so that each transaction stays short even after a long time
        # without readers.
        batch = (
            select(StatusEventRow.id)
            .where(StatusEventRow.sequence.is_(None))
            .order_by(StatusEventRow.id)
            .limit(_NUMBERING_BATCH)
            .subquery()
        )
        ranked = select(batch.c.id, func.row_number().over(order_by=batch.c.id).label("rank")).subquery()
        numbered = _NUMBERING_BATCH
        while numbered == _NUMBERING_BATCH:
            with self._db.write() as connection:
                self._db.serialize(connection, EVENTS_LOCK)
                last = connection.scalar(select(func.coalesce(func.max(StatusEventRow.sequence), 0)))
                numbered = connection.execute(
                    update(StatusEventRow).where(StatusEventRow.id == ranked.c.id).values(sequence=ranked.c.rank + last)
                ).rowcount

    # -- reads ----------------------------------------------------------------------------------------------

    def find(self, message_id: str) -> StoredMessage | None:
        """The message, or None."""
        found = self._messages(select(MessageRow).where(MessageRow.message_id == message_id))
        return found[0] if found else None

    def get(self, message_id: str) -> StoredMessage:
        """The message; raises MessageNotFound."""
        message = self.find(message_id)
        if message is None:
            raise MessageNotFound(f"no message {message_id}")
        return message

    def _messages(self, query: Select[MessageRow]) -> list[StoredMessage]:
        with self._db.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [stored_message(row) for row in rows]

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
        with self._db.read() as connection:
            return connection.scalar(
                select(func.min(MessageRow.next_attempt_at)).where(MessageRow.status == _S.RETRY_WAIT.value)
            )

    def events_after(
        self, sequence: int, *, limit: int = 500, domestic_client: str | None = None
    ) -> list[StatusEvent]:
        """Status events with a greater sequence number, in order (numbering the newly committed ones first);
        only those of one domestic client's messages when ``domestic_client`` is given."""
        self._number_events()
        query = (
            select(*_EVENT_COLUMNS)
            .join(MessageRow, MessageRow.message_id == StatusEventRow.message_id)
            .where(StatusEventRow.sequence > sequence)
        )
        if domestic_client is not None:
            query = query.where(MessageRow.domestic_client == domestic_client)
        return self._events(query.order_by(StatusEventRow.sequence).limit(limit))

    def history(self, message_id: str) -> list[StatusEvent]:
        """Every event of one message, in order."""
        self._number_events()
        return self._events(
            select(*_EVENT_COLUMNS)
            .join(MessageRow, MessageRow.message_id == StatusEventRow.message_id)
            .where(StatusEventRow.message_id == message_id, StatusEventRow.sequence.is_not(None))
            .order_by(StatusEventRow.id)
        )

    def _events(self, query: Select[*tuple[Any, ...]]) -> list[StatusEvent]:
        with self._db.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [status_event(row) for row in rows]

    def pending_handover(
        self, *, domestic_client: str | None, document_types: Sequence[DocumentType] = (), limit: int = 100
    ) -> list[StoredMessage]:
        """Inbound RECEIVED messages for the client (None: every client), oldest first, one per business key.

        Of the RECEIVED versions of one (issuer, number) only the lowest version is offered, so a replacement
        never overtakes its original; and a replace or withdraw that refers to another document waits until that
        document has been handed over (it may arrive later than its replacement).
        """
        m, older, referred = MessageRow, aliased(MessageRow), aliased(MessageRow)

        def pending(row: type[MessageRow]) -> list[ColumnElement[bool]]:
            conditions = [row.direction == Direction.INBOUND.value, row.status == _S.RECEIVED.value]
            if domestic_client is not None:
                conditions.append(row.domestic_client == domestic_client)
            if document_types:
                conditions.append(row.document_type.in_([t.value for t in document_types]))
            return conditions

        overtaken = exists().where(
            *pending(older),
            older.bk_issuer == m.bk_issuer,
            older.bk_number == m.bk_number,
            tuple_(older.bk_version, older.created_at, older.message_id)
            < tuple_(m.bk_version, m.created_at, m.message_id),
        )
        original_handed_over = exists().where(
            referred.direction == Direction.INBOUND.value,
            referred.status == _S.HANDED_OVER.value,
            referred.bk_issuer == m.refers_issuer,
            referred.bk_number == m.refers_number,
            referred.bk_version == m.refers_version,
        )
        waits = and_(m.refers_number.is_not(None), ~original_handed_over)
        return self._messages(
            select(m).where(*pending(m), ~overtaken, ~waits).order_by(m.created_at, m.message_id).limit(limit)
        )

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
        with self._db.read() as connection:
            rows = connection.execute(select(*columns, func.count()).group_by(*columns))
            return {(d, p, t, s): n for d, p, t, s, n in rows}

    def backlog(self) -> list[Backlog]:
        """Per partner: undelivered outbound messages, their oldest creation time and the most attempts."""
        m = MessageRow
        query = (
            select(m.partner, func.count(), func.min(m.created_at), func.max(m.attempts))
            .where(
                m.direction == Direction.OUTBOUND.value,
                m.status.in_([_S.QUEUED.value, _S.RETRY_WAIT.value, _S.SENDING.value]),
            )
            .group_by(m.partner)
            .order_by(m.partner)
        )
        with self._db.read() as connection:
            return [
                Backlog(partner, count, oldest, attempts)
                for partner, count, oldest, attempts in connection.execute(query)
            ]
