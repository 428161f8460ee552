"""Prebuilt statements of the message book's hot paths (private to the SQL repository).

Building a SQLAlchemy Core statement costs about 90 µs of Python per call (argument coercion and the cache key),
more than executing it on SQLite. A statement built once, with its values as bound parameters, has its cache key
memoised and its compiled form cached by the engine, so each execution pays only for binding and the driver.
Statements whose shape depends on optional filters are built once per shape (``functools.cache``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Select, and_, bindparam, exists, func, insert, or_, select, tuple_, update
from sqlalchemy.orm import aliased

from ...core.domain import Direction, MessageStatus
from .tables import MessageBodyRow, MessageRow, StatusEventRow

__all__ = [
    "ADVISORY_LOCK",
    "BODY_COLUMNS",
    "CHANGED_COLUMNS",
    "CLAIM",
    "CLAIMABLE",
    "EVENTS_HAVE_UNNUMBERED",
    "HISTORY",
    "INSERT_BODY",
    "INSERT_EVENTS",
    "INSERT_EVENTS_NUMBERED",
    "INSERT_MESSAGE",
    "LAST_SEQUENCE",
    "MESSAGE_BY_ID",
    "MESSAGE_BY_IDEMPOTENCY_KEY",
    "MESSAGE_BY_ID_FOR_UPDATE",
    "MESSAGE_ROW_FOR_UPDATE",
    "NUMBER_EVENTS",
    "UPDATE_MESSAGE",
    "events_after",
    "full_messages",
    "pending_handover",
]

_S = MessageStatus
M, B, E = MessageRow, MessageBodyRow, StatusEventRow
_OUTBOUND, _INBOUND = Direction.OUTBOUND.value, Direction.INBOUND.value

#: Events numbered per transaction by the reader-side numbering (PostgreSQL).
NUMBERING_BATCH = 10_000

#: The ``message_bodies`` columns besides the key: written once with the message, never updated.
BODY_COLUMNS = ("envelope_json", "payload", "attachments_json", "record_json", "report_json")
_BODY = tuple(getattr(B, column) for column in BODY_COLUMNS)


def full_messages(picked: Select[Any] | None = None, order: Callable[[Any], list[Any]] | None = None) -> Select[Any]:
    """SELECT of whole messages: the ``messages`` columns and the body's.

    Without arguments, a join to filter further (lookups by key: few rows, no sort). With ``picked``, a sorted and
    limited SELECT of ``messages`` rows, the bodies are joined to the rows it picked only, in the order ``order``
    gives over its columns: joined first, every candidate's body would be read and copied through the sort. A
    lock (FOR UPDATE) stays on ``picked``: on PostgreSQL only the small row is locked (the body never changes).
    """
    if picked is None:
        return select(M, *_BODY).join(B, B.message_id == M.message_id)
    rows = picked.subquery("picked")
    query = select(rows, *_BODY).join(B, B.message_id == rows.c.message_id)
    return query.order_by(*order(rows.c)) if order is not None else query


MESSAGE_BY_ID = full_messages().where(M.message_id == bindparam("message_id"))
MESSAGE_BY_ID_FOR_UPDATE = MESSAGE_BY_ID.with_for_update(of=M)  # not the body, which never changes
#: The small row alone, for a transition whose caller holds the body (``Transition.message``).
MESSAGE_ROW_FOR_UPDATE = select(M).where(M.message_id == bindparam("message_id")).with_for_update()
MESSAGE_BY_IDEMPOTENCY_KEY = full_messages().where(
    M.domestic_client == bindparam("domestic_client"),
    M.idempotency_key == bindparam("key"),
    M.direction == _OUTBOUND,
)
INSERT_MESSAGE = insert(M)
INSERT_BODY = insert(B)
INSERT_EVENTS = insert(E)
#: SQLite: each row numbered after everything committed or inserted before it, in the same statement (rows of one
#: executemany are inserted one after the other, so each sees the previous one).
INSERT_EVENTS_NUMBERED = insert(E).values(sequence=select(func.coalesce(func.max(E.sequence), 0) + 1).scalar_subquery())

#: The columns a transition may change; UPDATE_MESSAGE always sets all of them (unchanged ones to their current
#: values), so that one statement serves every transition.
CHANGED_COLUMNS = (
    "status", "updated_at", "next_attempt_at", "attempts", "claimed_by", "claim_expires_at",
    "last_error_code", "last_error_message", "last_error_path", "receipt_json",
)
# Parameter names differ from column names: SQLAlchemy reserves a column's name for its own SET parameter.
UPDATE_MESSAGE = (
    update(M)
    .where(M.message_id == bindparam("b_message_id"))
    .values({column: bindparam(f"v_{column}") for column in CHANGED_COLUMNS})
)

_now: Any = bindparam("now")
_DUE = or_(
    M.status == _S.QUEUED.value,
    and_(M.status == _S.RETRY_WAIT.value, M.next_attempt_at <= _now),
    and_(M.status == _S.SENDING.value, or_(M.claim_expires_at.is_(None), M.claim_expires_at <= _now)),
)


def _due_order(c: Any) -> list[Any]:
    """The claim order over ``c``'s columns: when each became due, then age."""
    return [func.coalesce(c.next_attempt_at, c.claim_expires_at, c.updated_at), c.created_at, c.message_id]


#: Due outbound messages, in the order they became due, locked (skipping rows another replica holds).
CLAIMABLE = full_messages(
    select(M).where(M.direction == _OUTBOUND, _DUE).order_by(*_due_order(M)).limit(bindparam("limit"))
    .with_for_update(skip_locked=True),
    _due_order,
)
#: Run once per claimed message (an executemany): a fixed statement, unlike an IN list of varying length.
CLAIM = (
    update(M)
    .where(M.message_id == bindparam("b_message_id"))
    .values(
        attempts=M.attempts + 1,
        status=_S.SENDING.value,
        updated_at=bindparam("v_now"),
        next_attempt_at=None,
        claimed_by=bindparam("v_claimer"),
        claim_expires_at=bindparam("v_expires"),
    )
)

#: PostgreSQL: queue behind other transactions holding ``:key`` until this one ends.
ADVISORY_LOCK = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))
LAST_SEQUENCE = select(func.coalesce(func.max(E.sequence), 0))
EVENTS_HAVE_UNNUMBERED = select(E.id).where(E.sequence.is_(None)).limit(1)
_batch = select(E.id).where(E.sequence.is_(None)).order_by(E.id).limit(NUMBERING_BATCH).subquery()
_ranked = select(_batch.c.id, func.row_number().over(order_by=_batch.c.id).label("rank")).subquery()
#: Numbers the oldest unnumbered events after ``last``.
NUMBER_EVENTS = update(E).where(E.id == _ranked.c.id).values(sequence=_ranked.c.rank + bindparam("last"))

_EVENT_COLUMNS = (
    E.sequence, E.message_id, E.from_status, E.to_status, E.at, E.attempt, E.error_code, E.error_message,
    E.error_path, E.next_attempt_at, M.direction, M.partner, M.bk_issuer, M.bk_number, M.bk_version,
)
_EVENTS = select(*_EVENT_COLUMNS).join(M, M.message_id == E.message_id)
HISTORY = _EVENTS.where(E.message_id == bindparam("message_id"), E.sequence.is_not(None)).order_by(E.id)


@cache
def events_after(for_client: bool) -> Select[*tuple[Any, ...]]:
    """Events after ``:sequence``, at most ``:limit``; of ``:client``'s messages when ``for_client``."""
    query = _EVENTS.where(E.sequence > bindparam("sequence"))
    if for_client:
        query = query.where(M.domestic_client == bindparam("client"))
    return query.order_by(E.sequence).limit(bindparam("limit"))


@cache
def pending_handover(for_client: bool, for_types: bool) -> Select[Any]:
    """RECEIVED inbound messages ready for handover (see ``SqlMessageRepository.pending_handover``); filtered by
    ``:client`` and by the expanding ``:types`` when asked; at most ``:limit``."""
    m, older, referred = M, aliased(M), aliased(M)

    def pending(row: Any) -> list[Any]:
        conditions = [row.direction == _INBOUND, row.status == _S.RECEIVED.value]
        if for_client:
            conditions.append(row.domestic_client == bindparam("client"))
        if for_types:
            conditions.append(row.document_type.in_(bindparam("types", expanding=True)))
        return conditions

    overtaken = exists().where(
        *pending(older),
        older.bk_issuer == m.bk_issuer,
        older.bk_number == m.bk_number,
        tuple_(older.bk_version, older.created_at, older.message_id) < tuple_(m.bk_version, m.created_at, m.message_id),
    )
    original_handed_over = exists().where(
        referred.direction == _INBOUND,
        referred.status == _S.HANDED_OVER.value,
        referred.bk_issuer == m.refers_issuer,
        referred.bk_number == m.refers_number,
        referred.bk_version == m.refers_version,
    )
    waits = and_(m.refers_number.is_not(None), ~original_handed_over)
    picked = select(m).where(*pending(m), ~overtaken, ~waits).order_by(m.created_at, m.message_id)
    return full_messages(picked.limit(bindparam("limit")), lambda c: [c.created_at, c.message_id])
