"""Ports: the small interfaces behind which every I/O capability sits, each with an in-memory twin.

The pipeline and the dispatcher depend on these Protocols only; :mod:`gateway.app` wires real adapters
(SQLAlchemy repository, gRPC partner client, system clock) or the twins (tests). ``messages`` holds the ports of
the message life, ``trust`` those of partner trust and the audit log.
"""

from __future__ import annotations

from .accounts import AccountRepository, ConsoleAccount, Role
from .alerts import AlertSender
from .blobs import CHUNK_BYTES, BlobStore
from .clock import Clock, IdFactory
from .delivery import DeliveryHandoff, OutboundClaim
from .messages import (
    Backlog,
    MessageFact,
    MessageRepository,
    NewInbound,
    NewOutbound,
    StatusEvent,
    StoredMessage,
    Transition,
    TransitionObserver,
)
from .partners import CertificateInquirer, DocumentRenderer, PartnerTransport
from .retention import MessageArchive, RetentionRepository
from .trust import (
    Actor,
    ActorKind,
    AuditEntry,
    AuditRepository,
    Keyring,
    StoredTrustedCertificate,
    TrustBook,
    TrustRepository,
)

__all__ = [
    "AccountRepository",
    "Actor",
    "ActorKind",
    "AlertSender",
    "AuditEntry",
    "AuditRepository",
    "Backlog",
    "BlobStore",
    "CHUNK_BYTES",
    "CertificateInquirer",
    "Clock",
    "ConsoleAccount",
    "DeliveryHandoff",
    "DocumentRenderer",
    "IdFactory",
    "Keyring",
    "MessageArchive",
    "MessageFact",
    "MessageRepository",
    "NewInbound",
    "NewOutbound",
    "OutboundClaim",
    "PartnerTransport",
    "RetentionRepository",
    "Role",
    "StatusEvent",
    "StoredMessage",
    "StoredTrustedCertificate",
    "Transition",
    "TransitionObserver",
    "TrustBook",
    "TrustRepository",
]
