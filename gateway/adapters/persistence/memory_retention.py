"""The retention part of the in-memory twin (:class:`~gateway.core.ports.RetentionRepository`): purge candidates,
the purge itself and the ledger entries kept for purged messages, on the twin's own dictionaries and lock."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...core.domain import BusinessKey, Direction, DocumentType, MessageStatus
from ...core.ledger import ArchivedEntry
from ...core.ports import Actor, AuditEntry, StoredMessage
from ...core.retention import FINAL_STATES

__all__ = ["MemoryRetention", "business_key_of"]


def business_key_of(message: StoredMessage) -> tuple[Direction, str, DocumentType, BusinessKey]:
    """What makes a message's business key unique: direction, partner, document type and the key."""
    return message.direction, message.partner, message.document_type, message.business_key


class MemoryRetention:
    """Mixed into :class:`~.memory.MemoryMessageRepository`, whose state it works on."""

    _lock: threading.RLock
    _messages: dict[str, StoredMessage]
    _idempotency: set[tuple[str, str]]
    _business_keys: set[tuple[Direction, str, DocumentType, BusinessKey]]
    _archived: dict[str, ArchivedEntry]

    if TYPE_CHECKING:  # provided by the audit twin it is mixed with
        def append_audit(self, *, actor: Actor, action: str, details: dict[str, Any], at: datetime) -> AuditEntry:
            ...

    def purge_candidates(
        self, document_type: DocumentType, *, before: datetime, after_id: str = "", limit: int = 100
    ) -> list[StoredMessage]:
        """Final-state messages of that type last changed before ``before``, by message id after ``after_id``."""
        with self._lock:
            due = sorted((m for m in self._messages.values() if m.document_type is document_type
                          and m.status in FINAL_STATES and m.updated_at < before and m.message_id > after_id),
                         key=lambda m: m.message_id)
            return due[:limit]

    def purge(
        self, archived: Sequence[ArchivedEntry], *, actor: Actor, details: dict[str, Any], at: datetime
    ) -> tuple[list[str], AuditEntry | None]:
        """Delete the archived messages still in a final state, keep their entries, audit it (atomically)."""
        with self._lock:
            purged = [a.entry.message_id for a in archived
                      if (m := self._messages.get(a.entry.message_id)) is not None and m.status in FINAL_STATES]
            if not purged:
                return [], None
            for entry in archived:
                if entry.entry.message_id in purged:
                    message = self._messages.pop(entry.entry.message_id)
                    if message.status is not MessageStatus.REJECTED:  # a rejected message held no business key
                        self._business_keys.discard(business_key_of(message))
                    if message.idempotency_key is not None:
                        self._idempotency.discard((message.domestic_client or "", message.idempotency_key))
                    self._archived[entry.entry.message_id] = entry
            return purged, self.append_audit(actor=actor, action="retention.purge",
                                             details={**details, "messages": purged}, at=at)

    def archived_entries(self, issuer: str, number: str) -> list[ArchivedEntry]:
        """The kept entries of one certificate's purged messages."""
        with self._lock:
            return sorted((a for a in self._archived.values() if (a.issuer, a.number) == (issuer, number)),
                          key=lambda a: a.entry.message_id)

    def archived_by_digest(self, sha256: str, *, direction: Direction, partner: str) -> list[ArchivedEntry]:
        """The kept entries of purged messages one way with one partner whose payload had that digest."""
        with self._lock:
            return sorted((a for a in self._archived.values() if a.entry.payload_sha256 == sha256.lower()
                           and a.entry.direction is direction and a.entry.partner == partner),
                          key=lambda a: a.entry.message_id)
