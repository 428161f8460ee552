"""Transactions for the SQL repositories (private): one short transaction per call, dialect details in one place.

The repositories use SQLAlchemy Core on plain connections: the typed ORM models in ``tables.py`` describe the
schema, but the unit of work and identity map would only add cost to one-statement transactions.

SQLite allows one writer at a time. Write transactions therefore take a lock shared by every repository on the
same engine (so threads queue in Python instead of spinning in SQLite's busy handler) and begin with
BEGIN IMMEDIATE (set up by ``session.create_engine_for``) against other processes. Reads begin deferred and run
beside the writer thanks to WAL.

PostgreSQL runs transactions concurrently; where order matters the repository takes a transaction-scoped
advisory lock (:meth:`Database.serialize`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy import func as sql_func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import Pool, StaticPool

from .driver import Driver
from .checks import DUPLICATE_REASONS
from .session import DEFERRED_OPTION

__all__ = ["AUDIT_LOCK", "Database", "EVENTS_LOCK", "SqlRepositoryBase", "duplicate_reason"]

#: Advisory lock keys (PostgreSQL). Held while numbering status events, so that numbering runs one at a time.
EVENTS_LOCK = 0x5357_4757_0002
#: Held while appending to the audit chain, which reads the last entry and writes the next.
AUDIT_LOCK = 0x5357_4757_0003

_locks_guard = threading.Lock()
_write_locks: weakref.WeakKeyDictionary[Pool, threading.RLock] = weakref.WeakKeyDictionary()


def _write_lock(pool: Pool) -> threading.RLock:
    with _locks_guard:
        lock = _write_locks.get(pool)
        if lock is None:
            lock = _write_locks[pool] = threading.RLock()
        return lock


class Database:
    """Opens connections on one engine, each for one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgresql = engine.dialect.name == "postgresql"
        self._write_lock: threading.RLock | None = None
        self._read_lock: threading.RLock | None = None
        self._read_engine = engine
        if engine.dialect.name == "sqlite":
            self._write_lock = _write_lock(engine.pool)
            # An in-memory database has one shared connection: nothing may use it while a writer does.
            if isinstance(engine.pool, StaticPool):
                self._read_lock = self._write_lock
            self._read_engine = engine.execution_options(**{DEFERRED_OPTION: True})
        elif self.is_postgresql:
            # Every read is one statement: autocommit saves the BEGIN and COMMIT round trips.
            self._read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        #: The hot statements' way in (``driver.py``): the same transactions, without Connection.execute.
        self.driver = Driver(engine, self._write_lock, self._read_lock)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction, committed when the block ends without an exception."""
        lock: AbstractContextManager[Any] = self._write_lock if self._write_lock is not None else nullcontext()
        with lock, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading: one transaction on SQLite, autocommit on PostgreSQL (one statement each)."""
        lock: AbstractContextManager[Any] = self._read_lock if self._read_lock is not None else nullcontext()
        with lock, self._read_engine.begin() as connection:
            yield connection

    def serialize(self, connection: Connection, key: int) -> None:
        """Queue behind other transactions holding ``key`` until this one ends (PostgreSQL).

        On SQLite a write transaction already excludes every other writer.
        """
        if self.is_postgresql:
            connection.execute(select(sql_func.pg_advisory_xact_lock(key)))


class SqlRepositoryBase:
    """Base of the SQL repositories: holds the :class:`Database` they share when combined in one class."""

    def __init__(self, engine: Engine) -> None:
        self._db = Database(engine)


def duplicate_reason(error: IntegrityError) -> str | None:
    """The uniqueness rule ``error`` broke, as a key of ``DUPLICATE_REASONS``; None for any other violation."""
    diag = getattr(error.orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    if constraint is not None:
        return constraint if constraint in DUPLICATE_REASONS else None
    # SQLite names the columns, not the index: "UNIQUE constraint failed: messages.message_id".
    text = str(error.orig)
    if "UNIQUE constraint failed" not in text:
        return None
    if "messages.idempotency_key" in text:
        return "uq_messages_idempotency"
    if "messages.bk_issuer" in text:
        return "uq_messages_business_key"
    if "messages.message_id" in text:
        return "pk_messages"
    return None
