"""Retention run: archive the messages whose time is up to files, then purge them, keeping their ledger entries.

Per document type with a period (``[retention]``), messages in a final state whose last change is older than
``now - period`` are taken in batches: each message is written to the archive first (envelope with payload,
attachments and signatures, receipt, record and history: verifiable offline by ``swgw verify``), then the batch is
purged in one transaction that keeps the ledger entries and appends one ``retention.purge`` audit entry. A crash
between the two leaves archived messages in the book; the next run archives them again (replacing the files) and
purges them. Nothing in a non-final state is touched; a message replayed in between is skipped by the purge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from ..core.domain import DocumentType
from ..core.ledger import archived_entry
from ..core.ports import Actor, Clock, MessageArchive, MessageRepository, RetentionRepository
from ..core.retention import RetentionPolicy

__all__ = ["RetentionReport", "run_retention"]

log = logging.getLogger(__name__)

#: Messages archived and purged per transaction.
BATCH = 100


@dataclass
class RetentionReport:
    """What a retention run did (or, dry, would do)."""

    dry_run: bool
    """Nothing was written or purged."""
    at: datetime
    """When the run started (the cut-offs count back from it)."""
    cutoffs: dict[str, str] = field(default_factory=dict)
    """Per document type purged: messages whose last change is before this instant (ISO 8601)."""
    messages: list[dict[str, str]] = field(default_factory=list)
    """Each message due: id, document type, partner, status, and where it was archived (not when dry)."""
    audit_sequences: list[int] = field(default_factory=list)
    """The audit entries that record the purges."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"dry_run": self.dry_run, "at": self.at.isoformat(), "cutoffs": self.cutoffs,
                "due": len(self.messages), "messages": self.messages, "audit_sequences": self.audit_sequences}


def run_retention(
    policy: RetentionPolicy, *, messages: MessageRepository, book: RetentionRepository, archive: MessageArchive,
    clock: Clock, actor: Actor, dry_run: bool = False,
) -> RetentionReport:
    """Archive and purge every message whose retention period is over (or, with ``dry_run``, list them)."""
    now = clock.now()
    report = RetentionReport(dry_run=dry_run, at=now)
    for document_type in DocumentType:
        period = policy.period(document_type)
        if period is None:
            continue
        cutoff = now - period
        report.cutoffs[document_type.value] = cutoff.isoformat()
        after = ""
        while True:
            batch = book.purge_candidates(document_type, before=cutoff, after_id=after, limit=BATCH)
            if not batch:
                break
            after = batch[-1].message_id
            rows = {m.message_id: {"message_id": m.message_id, "document_type": document_type.value,
                                   "partner": m.partner, "status": m.status.value} for m in batch}
            if dry_run:
                report.messages.extend(rows.values())
                continue
            kept = []
            for message in batch:
                location = archive.store(message, messages.history(message.message_id))
                rows[message.message_id]["archived_to"] = location
                kept.append(archived_entry(message, location))
            purged, entry = book.purge(kept, actor=actor, at=clock.now(), details={
                "document_type": document_type.value, "cutoff": cutoff.isoformat(), "archive": policy.archive_dir})
            report.messages.extend(rows[i] for i in purged)
            if entry is not None:
                report.audit_sequences.append(entry.sequence)
            log.info("retention: archived and purged %d %s messages (audit %s)", len(purged), document_type.value,
                     entry.sequence if entry else "-")
    return report
