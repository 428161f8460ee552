"""The audit log's hash chain: how an entry is hashed and how a run of entries is checked.

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
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .ports import AuditEntry

__all__ = ["audit_entry_hash", "verify_audit_chain"]


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
    fields: list[Any] = [sequence, _utc(at).isoformat(timespec="microseconds"), actor, action, details]
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


def _utc(at: datetime) -> datetime:
    # A naive time has no place in the chain: the same entry would hash differently on another machine.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at must be timezone-aware, got {at!r}")
    return at.astimezone(UTC)
