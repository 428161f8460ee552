"""Handover: the inbound documents one ReceiveInbound stream gives its domestic client, each once.

The stream reads the pending documents again after every wake-up; :class:`Handover` remembers what it already
gave, so that a document is sent once per stream until the client acknowledges it
(:meth:`gateway.pipeline.runner.Pipeline.acknowledge`). A client that reconnects gets every document it has not
acknowledged again.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.domain import DocumentType
from ..core.ports import MessageRepository, StoredMessage

__all__ = ["Handover"]


class Handover:
    """What one stream has handed over; one instance per stream, used by its thread only."""

    def __init__(self, messages: MessageRepository, *, client: str | None, document_types: Sequence[DocumentType],
                 page: int = 100) -> None:
        self._messages = messages
        self._client = client
        self._document_types = tuple(document_types)
        self._page = page
        self._sent: set[str] = set()

    def next_documents(self) -> list[StoredMessage]:
        """The pending documents this stream has not given yet, oldest first, at most one page."""
        pending = self._messages.pending_handover(domestic_client=self._client,
                                                  document_types=self._document_types, limit=self._page)
        if len(pending) < self._page:
            # A document is forgotten only once a full read no longer finds it pending. Forgetting it at its
            # acknowledgement would send it twice when the acknowledgement lands while an earlier read's list
            # (which still has it) is being sent.
            self._sent.intersection_update(m.message_id for m in pending)
        fresh = [m for m in pending if m.message_id not in self._sent]
        self._sent.update(m.message_id for m in fresh)
        return fresh
