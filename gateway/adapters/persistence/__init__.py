"""Persistence: the message book, trust and audit log on SQLite or PostgreSQL, and their in-memory twin.

Typical wiring (composition root only)::

    engine = create_engine_for("sqlite:///data/swgw.db")   # or postgresql+psycopg://...
    migrate(engine)
    repository = SqlMessageRepository(engine)               # MessageRepository, TrustRepository, AuditRepository
    ...
    engine.dispose()
"""

from __future__ import annotations

from ...core.audit import audit_entry_hash, verify_audit_chain
from .accounts import MemoryAccountRepository, SqlAccountRepository
from .audit import SqlAuditRepository
from .memory import MemoryMessageRepository
from .memory_trust import MemoryAuditRepository, MemoryTrustRepository
from .messages import SqlMessageRepository
from .session import alembic_config, create_engine_for, migrate
from .trust import SqlTrustRepository

__all__ = [
    "MemoryAccountRepository",
    "MemoryAuditRepository",
    "MemoryMessageRepository",
    "MemoryTrustRepository",
    "SqlAccountRepository",
    "SqlAuditRepository",
    "SqlMessageRepository",
    "SqlTrustRepository",
    "alembic_config",
    "audit_entry_hash",
    "create_engine_for",
    "migrate",
    "verify_audit_chain",
]
