"""Domestic clients and the routing of inbound documents to them (pure).

Several domestic platforms may call one gateway (the national platform, provincial or municipal platforms), each
authenticated by its TLS client certificate, whose common name is the client's name. Each sees only its own
traffic: the status of what it submitted, and the inbound documents routed to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .domain import DocumentType

__all__ = ["DomesticClient", "route_inbound"]


@dataclass(frozen=True)
class DomesticClient:
    """One domestic platform allowed to use the gateway."""

    name: str
    """The common name of its TLS client certificate."""
    partners: frozenset[str] = frozenset()
    """Inbound documents from these partners are routed to it (any partner when empty)."""
    document_types: frozenset[DocumentType] = frozenset()
    """Inbound documents of these types are routed to it (any type when empty)."""
    default: bool = False
    """Receives inbound documents that no other client's route matches."""

    def matches(self, partner: str, document_type: DocumentType) -> bool:
        """Whether this client's route takes a document from ``partner`` of ``document_type``."""
        return (not self.partners or partner in self.partners) and (
            not self.document_types or document_type in self.document_types)


def route_inbound(clients: Sequence[DomesticClient], partner: str, document_type: DocumentType) -> str | None:
    """The client an inbound document goes to; None when no clients are configured (a single hub takes all).

    Routes with filters are tried first, in configuration order, then the default client.
    """
    if not clients:
        return None
    specific = [c for c in clients if (c.partners or c.document_types) and not c.default]
    for client in specific:
        if client.matches(partner, document_type):
            return client.name
    for client in clients:
        if client.default and client.matches(partner, document_type):
            return client.name
    return None
