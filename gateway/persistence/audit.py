"""The append-only, hash-chained audit log: hashing, chain verification and the SQL repository.

Each entry's hash covers the previous entry's hash and its own canonical content, and sequence numbers have no
gaps. Changing an entry breaks its hash; deleting or inserting one breaks the sequence and the link of the next.
Removing entries from the end leaves a valid shorter chain, which only a head hash kept elsewhere (an exported
report, a metric) reveals: pass it as ``head_hash``.

The hash covers the actor's kind (operator certificate, OS user, configuration) as well as its name. Entries written
before the kind was recorded have none (NULL) and keep the content they were hashed with, so an existing chain
still verifies; giving such an entry a kind, or removing a recorded one, changes its hash like any other alteration.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from ..ports import Actor, AuditEntry
from ._db import AUDIT_LOCK, SqlRepositoryBase
from ._records import canonical_details, utc
from .tables import AuditRow

__all__ = ["SqlAuditRepository", "audit_entry_hash", "verify_audit_chain"]


def audit_entry_hash(
    previous_hash: str,
    sequence: int,
    at: datetime,
    actor: str,
    action: str,
    details: dict[str, Any],
    actor_kind: str | None = None,
) -> str:
    """Hex SHA-256 over ``previous_hash`` and the canonical JSON of (sequence, at, actor, action, details), with
    ``actor_kind`` appended when the entry records one (entries older than the kind have none)."""
    fields: list[Any] = [sequence, utc(at).isoformat(timespec="microseconds"), actor, action, details]
    if actor_kind is not None:
        # A sixth element: its JSON can never equal a legacy five-element content, so adding or dropping the kind
        # is detected as an alteration.
        fields.append(actor_kind)
    content = json.dumps(
        fields,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((previous_hash + content).encode("utf-8")).hexdigest()


def verify_audit_chain(
    entries: Sequence[AuditEntry],
    *,
    previous_hash: str = "",
    first_sequence: int = 1,
    head_hash: str | None = None,
) -> tuple[bool, int | None, str]:
    """Check a run of audit entries, oldest first: ``(ok, sequence of the first bad entry, explanation)``.

    ``previous_hash`` and ``first_sequence`` describe what precedes the run (defaults: the chain's start);
    ``head_hash``, when given, is the hash the run must end with.
    """
    expected_previous = previous_hash
    expected_sequence = first_sequence
    for entry in entries:
        if entry.sequence != expected_sequence:
            return (
                False,
                entry.sequence,
                f"expected sequence {expected_sequence}, found {entry.sequence}: entries deleted or inserted",
            )
        if entry.previous_hash != expected_previous:
            return False, entry.sequence, "previous_hash does not link to the preceding entry"
        recomputed = audit_entry_hash(
            entry.previous_hash, entry.sequence, entry.at, entry.actor, entry.action, entry.details, entry.actor_kind
        )
        if recomputed != entry.entry_hash:
            return False, entry.sequence, "entry_hash does not match the entry's content: entry altered"
        expected_previous = entry.entry_hash
        expected_sequence += 1
    if head_hash is not None and expected_previous != head_hash:
        return False, None, "the chain does not end at the expected head hash: entries removed from the end"
    return True, None, f"{len(entries)} entries verified"


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
    """:class:`~gateway.ports.AuditRepository` on SQLite or PostgreSQL."""

    def append_audit(self, *, actor: Actor, action: str, details: dict[str, Any], at: datetime) -> AuditEntry:
        """Append an entry after the current last one, in one transaction serialized with other appends."""
        at = utc(at)
        details_json = canonical_details(details)
        stored_details: dict[str, Any] = json.loads(details_json)
        with self._db.write() as connection:
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
