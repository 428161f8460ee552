"""The report queries of the in-memory twin (the operator's list, counts, backlog, message facts), on the twin's
own dictionary and lock; mixed into :class:`~.memory.MemoryMessageRepository`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ...core.domain import Direction, DocumentType, MessageStatus
from ...core.ports import Backlog, MessageFact, StoredMessage

__all__ = ["MemoryMessageReports"]

_S = MessageStatus
_UNDELIVERED = (_S.QUEUED, _S.RETRY_WAIT, _S.SENDING)


class MemoryMessageReports:
    """Read-only queries over the twin's messages."""

    _lock: threading.RLock
    _messages: dict[str, StoredMessage]

    if TYPE_CHECKING:  # provided by the twin it is mixed into
        def _select(self, keep: Callable[[StoredMessage], bool], *, newest_first: bool = False
                    ) -> list[StoredMessage]:
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
        def chosen(m: StoredMessage) -> bool:
            key = m.business_key
            return (status in (None, m.status) and partner in (None, m.partner) and direction in (None, m.direction)
                    and document_type in (None, m.document_type)
                    and (not business_key or business_key in key.issuer or business_key in key.number)
                    and (since is None or m.created_at >= since) and (until is None or m.created_at < until))

        found = self._select(chosen, newest_first=True)
        return found[max(offset, 0): max(offset, 0) + max(limit, 0)]

    def counts_by_status(self) -> dict[tuple[str, str, str, str], int]:
        """Message counts by (direction, partner, document type, status)."""
        counts: dict[tuple[str, str, str, str], int] = {}
        with self._lock:
            for m in self._messages.values():
                key = (m.direction.value, m.partner, m.document_type.value, m.status.value)
                counts[key] = counts.get(key, 0) + 1
        return counts

    def backlog(self) -> list[Backlog]:
        """Per partner: undelivered outbound messages, their oldest creation time and the most attempts."""
        by_partner: dict[str, Backlog] = {}
        with self._lock:
            for m in self._messages.values():
                if m.direction is not Direction.OUTBOUND or m.status not in _UNDELIVERED:
                    continue
                seen = by_partner.get(m.partner)
                by_partner[m.partner] = Backlog(m.partner, 1, m.created_at, m.attempts) if seen is None else Backlog(
                    m.partner, seen.messages + 1, min(seen.oldest_created_at, m.created_at),
                    max(seen.max_attempts, m.attempts),
                )
        return [by_partner[p] for p in sorted(by_partner)]

    def message_facts(
        self, *, since: datetime | None = None, until: datetime | None = None,
        statuses: Sequence[MessageStatus] = (), updated_since: datetime | None = None,
    ) -> list[MessageFact]:
        """The facts of the messages created in ``[since, until)``, in ``statuses`` and changed at or after
        ``updated_since`` when given, oldest first."""
        chosen = set(statuses)
        found = self._select(lambda m: (since is None or m.created_at >= since)
                             and (until is None or m.created_at < until) and (not chosen or m.status in chosen)
                             and (updated_since is None or m.updated_at >= updated_since))
        return [MessageFact(m.message_id, m.direction, m.partner, m.document_type, m.status, m.created_at,
                            m.updated_at, m.attempts, m.last_error.code if m.last_error else None) for m in found]
