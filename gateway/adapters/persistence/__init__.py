"""Persistence: the message book, trust and audit log on SQLite or PostgreSQL, and their in-memory twin.

Typical wiring (composition root only)::

    engine = create_engine_for("sqlite:///data/swgw.db")   # or postgresql+psycopg://...
    migrate(engine)
    repository = SqlMessageRepository(engine)               # MessageRepository, TrustRepository, AuditRepository
    ...
    engine.dispose()

Layout, as SQL and rows: ``session`` (engines and alembic migrations, ``migrations/``), ``tables`` (the schema as
typed models), ``transactions`` (one short transaction per call, locks) and ``driver`` (driver-level execution of
the hot statements); one module per aggregate: ``messages`` (the message book, its prebuilt statements in
``message_statements``), ``trust`` (trust records and CRLs), ``audit`` (the hash-chained log); ``rows`` (rows and
JSON columns to domain objects and back); ``checks`` (argument checks and stored forms the SQL side and the twins
share); ``memory`` and ``memory_trust`` (the in-memory twins).
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
