"""Ports: the small interfaces behind which every I/O capability sits, each with an in-memory twin.

The pipeline and the dispatcher depend on these Protocols only; ``gateway/app.py`` wires real adapters
(SQLAlchemy repository, gRPC partner client, system clock) or the twins (tests). ``messages`` holds the ports of
the message life, ``trust`` those of partner trust and the audit log.
"""

from __future__ import annotations

from .blobs import CHUNK_BYTES, BlobStore
from .messages import (
    Backlog,
    Clock,
    DeliveryHandoff,
    DocumentRenderer,
    IdFactory,
    MessageRepository,
    NewInbound,
    NewOutbound,
    OutboundClaim,
    PartnerTransport,
    StatusEvent,
    StoredMessage,
    Transition,
    TransitionObserver,
)
from .trust import Actor, ActorKind, AuditEntry, AuditRepository, Keyring, TrustBook, StoredTrustedCertificate, TrustRepository

__all__ = [
    "Actor",
    "ActorKind",
    "AuditEntry",
    "AuditRepository",
    "Backlog",
    "BlobStore",
    "CHUNK_BYTES",
    "Clock",
    "DeliveryHandoff",
    "DocumentRenderer",
    "IdFactory",
    "Keyring",
    "MessageRepository",
    "NewInbound",
    "NewOutbound",
    "OutboundClaim",
    "PartnerTransport",
    "StatusEvent",
    "StoredMessage",
    "Transition",
    "TransitionObserver",
    "TrustBook",
    "StoredTrustedCertificate",
    "TrustRepository",
]
