"""Ports of retention: the message book's purge (with the ledger entries it keeps) and the archive of purged
messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..domain import Direction, DocumentType
from .messages import StatusEvent, StoredMessage
from .trust import Actor, AuditEntry

if TYPE_CHECKING:  # the ledger module reads StoredMessage from the ports
    from ..ledger import ArchivedEntry

__all__ = ["MessageArchive", "RetentionRepository"]


class RetentionRepository(Protocol):
    """What retention needs of the message book. Implemented by both message repositories (contract tests)."""

    def purge_candidates(
        self, document_type: DocumentType, *, before: datetime, after_id: str = "", limit: int = 100
    ) -> list[StoredMessage]:
        """Messages of that type in a final state (DELIVERED, REJECTED, HANDED_OVER) whose last change is older
        than ``before``, by message id after ``after_id``."""
        ...

    def purge(
        self, archived: Sequence[ArchivedEntry], *, actor: Actor, details: dict[str, Any], at: datetime
    ) -> tuple[list[str], AuditEntry | None]:
        """In one transaction: delete each archived message (with its status events) that is still in a final
        state, keep its ledger entry, and append one audit entry ``retention.purge`` (``details`` plus the ids
        purged). Returns the ids purged and the audit entry (None when nothing was purged)."""
        ...

    def archived_entries(self, issuer: str, number: str) -> list[ArchivedEntry]:
        """The kept ledger entries of purged messages of one certificate."""
        ...

    def archived_by_digest(self, sha256: str, *, direction: Direction, partner: str) -> list[ArchivedEntry]:
        """The kept ledger entries of purged messages one way with one partner whose payload had that digest."""
        ...


class MessageArchive(Protocol):
    """Where retention writes a message before purging it: files verifiable offline (``swgw verify``)."""

    def store(self, message: StoredMessage, history: Sequence[StatusEvent]) -> str:
        """Write the message (envelope with payload, attachments and signature, receipt, record, history) and
        return where it is; writing the same message again replaces it."""
        ...
