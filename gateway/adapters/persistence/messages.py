"""The message book on SQLite or PostgreSQL.

Every method that changes state is one short transaction. Rows are locked before they are checked
(``SELECT ... FOR UPDATE``; ``SKIP LOCKED`` for claims on PostgreSQL, BEGIN IMMEDIATE on SQLite), so two replicas
never move the same message. On PostgreSQL status events are written unnumbered and numbered in commit order by
the readers (:meth:`SqlMessageRepository.events_after`), so writers never wait for one another on a global lock;
SQLite has one writer at a time anyway, so there each writer numbers its own events. The hot statements are
prebuilt (``message_statements.py``) and run at driver level (``driver.py``); the rest go through ``Connection.execute``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, update
from sqlalchemy.exc import IntegrityError

from ...core.domain import (
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
from ...core.ports import (
    NewInbound,
    NewOutbound,
    OutboundClaim,
    StatusEvent,
    StoredMessage,
    Transition,
)
from . import message_statements as q
from .transactions import EVENTS_LOCK, duplicate_reason
from .driver import Cursor
from .checks import DUPLICATE_REASONS, check_new_status, optional_utc, utc
from .rows import error_values, event_values, message_values, status_event, stored_message
from .tables import MessageRow
from .accounts import SqlAccountRepository
from .message_reports import SqlMessageReports
from .retention import SqlRetentionRepository
from .trust import SqlTrustRepository

__all__ = ["SqlMessageRepository"]

_S = MessageStatus


def _duplicate(error: IntegrityError, row: dict[str, Any]) -> DuplicateConflict:
    """The DuplicateConflict a uniqueness violation stands for; any other integrity error is raised as is."""
    reason = duplicate_reason(error)
    if reason is None:
        raise error
    return DuplicateConflict(f"{DUPLICATE_REASONS[reason]}: {row['message_id']}", partner=row["partner"])


def _outbound_row(item: NewOutbound, at: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The row of a new outbound message (QUEUED) and its ACCEPTED and QUEUED events."""
    check_transition(Direction.OUTBOUND, None, _S.ACCEPTED)
    check_transition(Direction.OUTBOUND, _S.ACCEPTED, _S.QUEUED)
    row = message_values(item.envelope, Direction.OUTBOUND, _S.ACCEPTED, at)
    row.update(record_json=item.record_json, report_json=item.report_json)
    row.update(idempotency_key=item.idempotency_key, domestic_client=item.domestic_client or "")
    events = [event_values(row, None, at)]
    row["status"] = _S.QUEUED.value
    events.append(event_values(row, _S.ACCEPTED, at))
    return row, events


def _inbound_row(item: NewInbound, at: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The row of a new inbound message (RECEIVED or REJECTED, with our receipt) and its event."""
    check_transition(Direction.INBOUND, None, item.status)
    row = message_values(item.envelope, Direction.INBOUND, item.status, at)
    row.update(receipt_json=item.receipt.to_json(), record_json=item.record_json, report_json=item.report_json)
    row.update(signer_subject=item.signer_subject, signer_fingerprint=item.signer_fingerprint)
    row["domestic_client"] = item.domestic_client or ""
    if item.error is not None:
        row.update(error_values(item.error))
    return row, [event_values(row, None, at, item.error)]


_BODY_COLUMNS = frozenset(q.BODY_COLUMNS)


def _insert_message(cursor: Cursor, row: dict[str, Any]) -> None:
    """Insert a new message: its small row, then its body (write-once, in ``message_bodies``)."""
    cursor.insert(q.INSERT_MESSAGE, {k: v for k, v in row.items() if k not in _BODY_COLUMNS})
    cursor.insert(q.INSERT_BODY, {"message_id": row["message_id"], **{c: row[c] for c in q.BODY_COLUMNS}})


def _row_values(row: dict[str, Any]) -> dict[str, Any]:
    """UPDATE_MESSAGE's parameters for a message row after its change."""
    values = {f"v_{column}": row[column] for column in q.CHANGED_COLUMNS}
    values["b_message_id"] = row["message_id"]
    return values


class SqlMessageRepository(SqlMessageReports, SqlTrustRepository, SqlRetentionRepository, SqlAccountRepository):
    """:class:`~gateway.core.ports.MessageRepository`, ``TrustRepository``, ``AuditRepository``,
    ``RetentionRepository`` and ``AccountRepository`` on one engine.

    Create the engine with :func:`~gateway.adapters.persistence.session.create_engine_for` and run
    :func:`~gateway.adapters.persistence.session.migrate` first. The instance holds no state besides the engine (and
    whether old unnumbered events were numbered) and may be shared by threads.
    """

    _legacy_numbered = False

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
        claim: OutboundClaim | None = None,
    ) -> StoredMessage:
        """Store a new outbound message as ACCEPTED then QUEUED (two events), and SENDING under ``claim`` when
        given (a third event); raises DuplicateConflict."""
        at = utc(at)
        row, events = _outbound_row(NewOutbound(envelope, record_json, report_json, idempotency_key, domestic_client),
                                    at)
        if claim is not None:
            check_transition(Direction.OUTBOUND, _S.QUEUED, _S.SENDING)
            row.update(status=_S.SENDING.value, attempts=1, claimed_by=claim.claimer,
                       claim_expires_at=utc(claim.expires_at, "claim.expires_at"))
            events.append(event_values(row, _S.QUEUED, at))
        self._insert(row, events)
        return stored_message(row, envelope)

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
        item = NewInbound(envelope, status, receipt, record_json, report_json, signer_subject, signer_fingerprint,
                          error, domestic_client)
        row, events = _inbound_row(item, at)
        self._insert(row, events)
        return stored_message(row, envelope, receipt)

    def add_batch(
        self, items: Sequence[NewOutbound | NewInbound], *, at: datetime
    ) -> list[StoredMessage | DuplicateConflict]:
        """Store new messages in one transaction, each under a savepoint: an item that breaks a uniqueness rule
        is rolled back alone and answered with its DuplicateConflict; the rest share the commit."""
        at = utc(at)
        results: list[StoredMessage | DuplicateConflict] = []
        dbapi_integrity = self._db.driver.integrity_error
        with self._db.driver.write() as cursor:
            for item in items:
                row, events = _outbound_row(item, at) if isinstance(item, NewOutbound) else _inbound_row(item, at)
                cursor.execute_sql("SAVEPOINT swgw_item")
                try:
                    _insert_message(cursor, row)
                    self._add_events(cursor, events)
                except dbapi_integrity as e:
                    cursor.execute_sql("ROLLBACK TO SAVEPOINT swgw_item")
                    results.append(_duplicate(IntegrityError(None, None, e), row))
                    continue
                cursor.execute_sql("RELEASE SAVEPOINT swgw_item")
                receipt = item.receipt if isinstance(item, NewInbound) else None
                results.append(stored_message(row, item.envelope, receipt))
        return results

    def _insert(self, row: dict[str, Any], events: list[dict[str, Any]]) -> None:
        try:
            with self._db.driver.write() as cursor:
                _insert_message(cursor, row)
                self._add_events(cursor, events)
        except IntegrityError as e:
            raise _duplicate(e, row) from e

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
        """Move a message to ``new_status`` with its event; raises MessageNotFound or InvalidTransition.

        Entering QUEUED (an operator's resend) starts the attempt count afresh; entering SENDING counts an
        attempt. The claim is cleared; ``next_attempt_at`` is stored as given (None unless RETRY_WAIT).
        """
        change = Transition(message_id, new_status, expected, next_attempt_at, error, receipt, claimer)
        with self._db.driver.write() as cursor:
            return self._transition(cursor, change, utc(at), replay=replay)

    def transition_batch(
        self, changes: Sequence[Transition], *, at: datetime
    ) -> list[StoredMessage | InvalidTransition | MessageNotFound]:
        """Apply the changes in one transaction; a refused one is answered with its error (before it wrote
        anything) and the others commit together."""
        at = utc(at)
        with self._db.driver.write() as cursor:
            return self._transitions(cursor, changes, at)

    def record_and_claim(
        self, changes: Sequence[Transition], *, at: datetime, limit: int, claimer: str, claim_timeout: timedelta
    ) -> tuple[list[StoredMessage | InvalidTransition | MessageNotFound], list[StoredMessage]]:
        """:meth:`transition_batch`, then :meth:`claim_due` at ``at``, in one transaction."""
        at = utc(at)
        with self._db.driver.write() as cursor:
            results = self._transitions(cursor, changes, at)
            return results, self._claim(cursor, at, limit, claimer, claim_timeout)

    def _transitions(
        self, cursor: Cursor, changes: Sequence[Transition], at: datetime
    ) -> list[StoredMessage | InvalidTransition | MessageNotFound]:
        results: list[StoredMessage | InvalidTransition | MessageNotFound] = []
        for change in changes:
            try:
                results.append(self._transition(cursor, change, at))
            except (InvalidTransition, MessageNotFound) as e:
                results.append(e)
        return results

    def _transition(self, cursor: Cursor, change: Transition, at: datetime, *, replay: bool = False) -> StoredMessage:
        """One transition inside a write transaction; raises before writing when it is refused."""
        message_id, new_status, expected = change.message_id, change.new_status, change.expected
        next_attempt_at, error, receipt, claimer = (change.next_attempt_at, change.error, change.receipt,
                                                    change.claimer)
        next_attempt_at = optional_utc(next_attempt_at, "next_attempt_at")
        check_new_status(new_status, next_attempt_at, receipt)
        held = change.message
        if held is not None and held.message_id != message_id:
            raise ValueError(f"Transition.message is {held.message_id}, not {message_id}")
        # A caller holding the message (a delivery worker) has its body, which never changes: only the small row is
        # read, and the body neither copied out of the database nor decoded again.
        found = cursor.rows(q.MESSAGE_BY_ID_FOR_UPDATE if held is None else q.MESSAGE_ROW_FOR_UPDATE,
                            {"message_id": message_id})
        row = found[0] if found else None
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
        check_transition(Direction(row["direction"]), current, new_status, replay=replay)
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
            changes["receipt_json"] = receipt.receipt.to_json()
        changed = {**row, **changes}
        cursor.execute(q.UPDATE_MESSAGE, _row_values(changed))
        self._add_events(cursor, [event_values(changed, current, at, error)])
        if held is not None:
            changed.update(record_json=held.record_json, report_json=held.report_json)
        return stored_message(changed, envelope=held.envelope if held is not None else None,
                              receipt=receipt.receipt if receipt is not None else None)

    def claim_due(self, *, now: datetime, limit: int, claimer: str, claim_timeout: timedelta) -> list[StoredMessage]:
        """Claim due outbound messages (QUEUED, RETRY_WAIT due, SENDING with an expired or no claim), in the order
        they became due: a long retry backlog must not starve messages queued since."""
        now = utc(now, "now")
        if limit <= 0:
            return []
        with self._db.driver.write() as cursor:
            return self._claim(cursor, now, limit, claimer, claim_timeout)

    def _claim(self, cursor: Cursor, now: datetime, limit: int, claimer: str,
               claim_timeout: timedelta) -> list[StoredMessage]:
        if limit <= 0:
            return []
        expires = now + claim_timeout
        changes: dict[str, Any] = {
            "status": _S.SENDING.value,
            "updated_at": now,
            "next_attempt_at": None,
            "claimed_by": claimer,
            "claim_expires_at": expires,
        }
        rows = cursor.rows(q.CLAIMABLE, {"now": now, "limit": limit})
        if not rows:
            return []
        for row in rows:
            check_transition(Direction.OUTBOUND, MessageStatus(row["status"]), _S.SENDING)
        cursor.execute_many(q.CLAIM, [
            {"b_message_id": row["message_id"], "v_now": now, "v_claimer": claimer, "v_expires": expires}
            for row in rows
        ])
        claimed = [{**row, **changes, "attempts": row["attempts"] + 1} for row in rows]
        self._add_events(
            cursor,
            [event_values(c, MessageStatus(row["status"]), now) for row, c in zip(rows, claimed, strict=True)],
        )
        return [stored_message(c) for c in claimed]

    def bring_forward(self, partner: str, *, at: datetime, error_codes: Collection[str]) -> int:
        """Make the partner's outbound RETRY_WAIT messages that last failed with one of ``error_codes`` due at ``at``."""
        at = utc(at)
        statement = (update(MessageRow)
                     .where(MessageRow.direction == Direction.OUTBOUND.value, MessageRow.partner == partner,
                            MessageRow.status == _S.RETRY_WAIT.value, MessageRow.last_error_code.in_(sorted(error_codes)),
                            MessageRow.next_attempt_at > at)
                     .values(next_attempt_at=at))
        with self._db.write() as connection:
            return connection.execute(statement).rowcount

    def _add_events(self, cursor: Cursor, events: list[dict[str, Any]]) -> None:
        if self._db.is_postgresql:
            # Concurrent writers: numbered later by the readers, in commit order (see _number_events).
            cursor.execute_many(q.INSERT_EVENTS, events)
        else:
            # SQLite has one writer at a time (BEGIN IMMEDIATE), so numbering now is numbering in commit order,
            # and readers need not take the write lock to number.
            cursor.execute_many(q.INSERT_EVENTS_NUMBERED, events)

    def _number_events(self) -> None:
        """Give sequence numbers, in insertion order, to the committed events that have none yet.

        One numbering transaction runs at a time (EVENTS_LOCK; on SQLite the write lock). It sees every event
        committed before it took the lock, and numbers them after everything numbered before: the numbers
        become visible in increasing order, without gaps, whatever order writers committed in. On SQLite writers
        number their own events; only rows written by an older version can be left, so it runs once.
        """
        if not self._db.is_postgresql:
            if self._legacy_numbered:
                return
            self._legacy_numbered = True
        with self._db.driver.read() as cursor:
            if cursor.scalar(q.EVENTS_HAVE_UNNUMBERED, {}) is None:
                return
        # Oldest first and in bounded batches, so that each transaction stays short even after a long time
        # without readers.
        numbered = q.NUMBERING_BATCH
        while numbered == q.NUMBERING_BATCH:
            with self._db.driver.write() as cursor:
                if self._db.is_postgresql:  # on SQLite the write transaction already excludes other writers
                    cursor.execute(q.ADVISORY_LOCK, {"key": EVENTS_LOCK})
                last = cursor.scalar(q.LAST_SEQUENCE, {})
                numbered = cursor.execute(q.NUMBER_EVENTS, {"last": last})

    # -- reads ----------------------------------------------------------------------------------------------

    def find(self, message_id: str) -> StoredMessage | None:
        """The message, or None."""
        found = self._lean_messages(q.MESSAGE_BY_ID, {"message_id": message_id})
        return found[0] if found else None

    def get(self, message_id: str) -> StoredMessage:
        """The message; raises MessageNotFound."""
        message = self.find(message_id)
        if message is None:
            raise MessageNotFound(f"no message {message_id}")
        return message

    def _lean_messages(self, query: Select[Any], parameters: dict[str, Any]) -> list[StoredMessage]:
        """:meth:`_messages` for a prebuilt statement, at driver level."""
        with self._db.driver.read() as cursor:
            rows = cursor.rows(query, parameters)
        return [stored_message(row) for row in rows]

    def find_by_idempotency_key(self, domestic_client: str | None, key: str) -> StoredMessage | None:
        """The outbound message submitted with that key by that client."""
        found = self._lean_messages(q.MESSAGE_BY_IDEMPOTENCY_KEY, {"domestic_client": domestic_client or "", "key": key})
        return found[0] if found else None

    def events_after(
        self, sequence: int, *, limit: int = 500, domestic_client: str | None = None
    ) -> list[StatusEvent]:
        """Status events with a greater sequence number, in order (numbering the newly committed ones first);
        only those of one domestic client's messages when ``domestic_client`` is given."""
        self._number_events()
        parameters: dict[str, Any] = {"sequence": sequence, "limit": limit}
        if domestic_client is not None:
            parameters["client"] = domestic_client
        return self._events(q.events_after(domestic_client is not None), parameters)

    def history(self, message_id: str) -> list[StatusEvent]:
        """Every event of one message, in order."""
        self._number_events()
        return self._events(q.HISTORY, {"message_id": message_id})

    def _events(self, query: Select[*tuple[Any, ...]], parameters: dict[str, Any]) -> list[StatusEvent]:
        with self._db.driver.read() as cursor:
            rows = cursor.rows(query, parameters)
        return [status_event(row) for row in rows]

    def pending_handover(
        self, *, domestic_client: str | None, document_types: Sequence[DocumentType] = (), limit: int = 100
    ) -> list[StoredMessage]:
        """Inbound RECEIVED messages for the client (None: every client), oldest first, one per business key.

        Of the RECEIVED versions of one (issuer, number) only the lowest version is offered, so a replacement
        never overtakes its original; and a replace or withdraw that refers to another document waits until that
        document has been handed over (it may arrive later than its replacement).
        """
        parameters: dict[str, Any] = {"limit": limit}
        if domestic_client is not None:
            parameters["client"] = domestic_client
        query = q.pending_handover(domestic_client is not None, bool(document_types))
        if document_types:
            # An expanding IN list: SQLAlchemy renders it per call.
            parameters["types"] = [t.value for t in document_types]
            return self._messages(query, parameters)
        return self._lean_messages(query, parameters)
