"""The message book's lookups and reports on SQLite or PostgreSQL: messages by business key, payload digest, ids
or idempotency keys (a batch at once), the operator's list with filters, counts for metrics, the backlog, and the
message facts statistics and alerts read. Read-only; mixed into :class:`~.messages.SqlMessageRepository`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from ...core.domain import Direction, DocumentType, MessageStatus
from ...core.ports import Backlog, MessageFact, StoredMessage
from .checks import utc
from .message_statements import full_messages
from .rows import stored_message
from .tables import MessageRow
from .transactions import SqlRepositoryBase

__all__ = ["SqlMessageReports"]

_S = MessageStatus


class SqlMessageReports(SqlRepositoryBase):
    """The lookup and report queries of :class:`~gateway.core.ports.MessageRepository`."""

    def _messages(self, query: Select[Any], parameters: dict[str, Any] | None = None) -> list[StoredMessage]:
        with self._db.read() as connection:
            rows = connection.execute(query, parameters).mappings().all()
        return [stored_message(row) for row in rows]

    def find_many(self, message_ids: Sequence[str]) -> dict[str, StoredMessage]:
        """The stored messages among ``message_ids``, by id: one read for a stream's batch."""
        if not message_ids:
            return {}
        found = self._messages(full_messages().where(MessageRow.message_id.in_(list(message_ids))))
        return {m.message_id: m for m in found}

    def find_by_idempotency_keys(self, domestic_client: str | None, keys: Sequence[str]) -> dict[str, StoredMessage]:
        """The outbound messages that client submitted under any of ``keys``, by key: one read for a batch."""
        if not keys:
            return {}
        found = self._messages(full_messages().where(
            MessageRow.domestic_client == (domestic_client or ""), MessageRow.idempotency_key.in_(list(keys)),
            MessageRow.direction == Direction.OUTBOUND.value))
        return {m.idempotency_key: m for m in found if m.idempotency_key is not None}

    def find_by_business_key(
        self, issuer: str, number: str, version: int | None = None, *, direction: Direction | None = None
    ) -> list[StoredMessage]:
        """Messages with that business key (any version when ``version`` is None), oldest first."""
        query = full_messages().where(MessageRow.bk_issuer == issuer, MessageRow.bk_number == number)
        if version is not None:
            query = query.where(MessageRow.bk_version == version)
        if direction is not None:
            query = query.where(MessageRow.direction == direction.value)
        return self._messages(query.order_by(MessageRow.created_at, MessageRow.message_id))

    def find_by_payload_digest(self, sha256: str, *, direction: Direction, partner: str) -> list[StoredMessage]:
        """Messages one way with one partner whose payload has that hex SHA-256, oldest first."""
        query = full_messages().where(MessageRow.payload_sha256 == sha256.lower(),
                                         MessageRow.direction == direction.value, MessageRow.partner == partner)
        return self._messages(query.order_by(MessageRow.created_at, MessageRow.message_id))

    def list_messages(
        self, *, status: MessageStatus | None = None, partner: str | None = None, limit: int = 100,
        direction: Direction | None = None, document_type: DocumentType | None = None,
        business_key: str | None = None, since: datetime | None = None, until: datetime | None = None,
        offset: int = 0,
    ) -> list[StoredMessage]:
        """Messages, newest first, filtered by every criterion given: ``business_key`` matches a part of the
        issuer or the number, ``since``/``until`` bound the creation time (until excluded); ``offset`` skips that
        many for paging."""
        m = MessageRow
        query = select(m)
        # The enumerations are stored as their string values; str() of a StrEnum is its value.
        for column, value in ((m.status, status), (m.partner, partner), (m.direction, direction),
                              (m.document_type, document_type)):
            if value is not None:
                query = query.where(column == str(value))
        if business_key:
            pattern = "%" + business_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(m.bk_issuer.like(pattern, escape="\\") | m.bk_number.like(pattern, escape="\\"))
        if since is not None:
            query = query.where(m.created_at >= utc(since, "since"))
        if until is not None:
            query = query.where(m.created_at < utc(until, "until"))
        query = query.order_by(m.created_at.desc(), m.message_id.desc()).limit(limit).offset(max(offset, 0))
        # The page is picked from the small rows; only its own messages' bodies are read.
        return self._messages(full_messages(query, lambda c: [c.created_at.desc(), c.message_id.desc()]))

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

    def message_facts(
        self, *, since: datetime | None = None, until: datetime | None = None,
        statuses: Sequence[MessageStatus] = (), updated_since: datetime | None = None,
    ) -> list[MessageFact]:
        """The facts of the messages created in ``[since, until)``, in ``statuses`` and changed at or after
        ``updated_since`` when given, oldest first; only the columns statistics and alerts need, never a payload."""
        m = MessageRow
        query = select(m.message_id, m.direction, m.partner, m.document_type, m.status, m.created_at, m.updated_at,
                       m.attempts, m.last_error_code)
        if since is not None:
            query = query.where(m.created_at >= utc(since))
        if until is not None:
            query = query.where(m.created_at < utc(until))
        if statuses:
            query = query.where(m.status.in_([s.value for s in statuses]))
        if updated_since is not None:
            query = query.where(m.updated_at >= utc(updated_since))
        with self._db.read() as connection:
            rows = connection.execute(query.order_by(m.created_at, m.message_id)).all()
        return [MessageFact(message_id, Direction(direction), partner, DocumentType(document_type),
                            MessageStatus(status), created, updated, attempts, code)
                for message_id, direction, partner, document_type, status, created, updated, attempts, code in rows]
