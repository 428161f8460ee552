"""The append-only, hash-chained audit log in SQL.

What each entry's hash covers and how a run of entries is checked (gaps, links, the actor's kind, entries written
before the kind was recorded) is :mod:`gateway.core.audit`; this module stores entries and reads them back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from ...core.audit import audit_entry_hash
from ...core.ports import Actor, AuditEntry
from .transactions import AUDIT_LOCK, SqlRepositoryBase
from .checks import canonical_details, utc
from .tables import AuditRow

__all__ = ["SqlAuditRepository"]


def _entry(row: Mapping[Any, Any]) -> AuditEntry:
    return AuditEntry(
        sequence=row["sequence"],
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        details=json.loads(row["details_json"]),
        previous_hash=row["previous_hash"],
        entry_hash=row["entry_hash"],
        actor_kind=row["actor_kind"],
    )


class SqlAuditRepository(SqlRepositoryBase):
    """:class:`~gateway.core.ports.AuditRepository` on SQLite or PostgreSQL."""

    def append_audit(self, *, actor: Actor, action: str, details: dict[str, Any], at: datetime) -> AuditEntry:
        """Append an entry after the current last one, in one transaction serialized with other appends."""
        with self._db.write() as connection:
            return self._append_audit_in(connection, actor=actor, action=action, details=details, at=at)

    def _append_audit_in(self, connection: Connection, *, actor: Actor, action: str, details: dict[str, Any],
                         at: datetime) -> AuditEntry:
        """Append an entry within the caller's write transaction (so that a change and its audit commit together)."""
        at = utc(at)
        details_json = canonical_details(details)
        stored_details: dict[str, Any] = json.loads(details_json)
        self._db.serialize(connection, AUDIT_LOCK)
        last = connection.execute(
            select(AuditRow.sequence, AuditRow.entry_hash).order_by(AuditRow.sequence.desc()).limit(1)
        ).first()
        sequence = last.sequence + 1 if last is not None else 1
        previous = last.entry_hash if last is not None else ""
        row = {
            "sequence": sequence,
            "at": at,
            "actor": actor.name,
            "actor_kind": actor.kind.value,
            "action": action,
            "details_json": details_json,
            "previous_hash": previous,
            "entry_hash": audit_entry_hash(
                previous, sequence, at, actor.name, action, stored_details, actor.kind.value
            ),
        }
        connection.execute(insert(AuditRow), row)
        return _entry(row)

    def list_audit(self, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Entries with a sequence greater than ``after``, oldest first."""
        query = select(AuditRow).where(AuditRow.sequence > after).order_by(AuditRow.sequence).limit(limit)
        with self._db.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [_entry(row) for row in rows]
