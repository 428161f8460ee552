"""Retention in SQL: the messages due, their purge with the ledger entries kept for them, and those entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select

from ...core.domain import Direction, DocumentType
from ...core.ledger import ArchivedEntry
from ...core.ports import Actor, AuditEntry, StoredMessage
from ...core.retention import FINAL_STATES
from .checks import utc
from .rows import stored_message
from .audit import SqlAuditRepository
from .message_statements import full_messages
from .tables import LedgerArchiveRow, MessageBodyRow, MessageRow, StatusEventRow

__all__ = ["SqlRetentionRepository"]

_FINAL = sorted(s.value for s in FINAL_STATES)


class SqlRetentionRepository(SqlAuditRepository):
    """:class:`~gateway.core.ports.RetentionRepository` on SQLite or PostgreSQL (part of the message book)."""

    def purge_candidates(
        self, document_type: DocumentType, *, before: datetime, after_id: str = "", limit: int = 100
    ) -> list[StoredMessage]:
        """Final-state messages of that type last changed before ``before``, by message id after ``after_id``."""
        query = (full_messages()
                 .where(MessageRow.document_type == document_type.value, MessageRow.status.in_(_FINAL),
                        MessageRow.updated_at < utc(before), MessageRow.message_id > after_id)
                 .order_by(MessageRow.message_id).limit(limit))
        with self._db.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [stored_message(row) for row in rows]

    def purge(
        self, archived: Sequence[ArchivedEntry], *, actor: Actor, details: dict[str, Any], at: datetime
    ) -> tuple[list[str], AuditEntry | None]:
        """Delete the archived messages still in a final state (events and bodies first), keep their entries, audit
        it; one transaction."""
        ids = [a.entry.message_id for a in archived]
        if not ids:
            return [], None
        with self._db.write() as connection:
            # Lock the rows and re-check their state: a message replayed since it was read is not purged.
            still_final = set(connection.execute(
                select(MessageRow.message_id).where(MessageRow.message_id.in_(ids), MessageRow.status.in_(_FINAL))
                .with_for_update()).scalars())
            purged = [i for i in ids if i in still_final]
            if not purged:
                return [], None
            connection.execute(insert(LedgerArchiveRow), [
                {"message_id": a.entry.message_id, "bk_issuer": a.issuer, "bk_number": a.number,
                 "direction": a.entry.direction.value, "partner": a.entry.partner,
                 "payload_sha256": a.entry.payload_sha256, "purged_at": utc(at), "entry_json": a.to_json()}
                for a in archived if a.entry.message_id in still_final])
            connection.execute(delete(StatusEventRow).where(StatusEventRow.message_id.in_(purged)))
            connection.execute(delete(MessageBodyRow).where(MessageBodyRow.message_id.in_(purged)))
            connection.execute(delete(MessageRow).where(MessageRow.message_id.in_(purged)))
            entry = self._append_audit_in(connection, actor=actor, action="retention.purge",
                                          details={**details, "messages": purged}, at=at)
        return purged, entry

    def archived_entries(self, issuer: str, number: str) -> list[ArchivedEntry]:
        """The kept entries of one certificate's purged messages."""
        return self._archived(select(LedgerArchiveRow.entry_json).where(
            LedgerArchiveRow.bk_issuer == issuer, LedgerArchiveRow.bk_number == number))

    def archived_by_digest(self, sha256: str, *, direction: Direction, partner: str) -> list[ArchivedEntry]:
        """The kept entries of purged messages one way with one partner whose payload had that digest."""
        return self._archived(select(LedgerArchiveRow.entry_json).where(
            LedgerArchiveRow.payload_sha256 == sha256.lower(), LedgerArchiveRow.direction == direction.value,
            LedgerArchiveRow.partner == partner))

    def _archived(self, query: Any) -> list[ArchivedEntry]:
        with self._db.read() as connection:
            texts = connection.execute(query.order_by(LedgerArchiveRow.message_id)).scalars().all()
        return [ArchivedEntry.from_json(t) for t in texts]
