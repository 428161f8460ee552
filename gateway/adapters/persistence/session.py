"""Engines and schema migration for SQLite and PostgreSQL.

``create_engine_for(url)`` makes an engine with the connection settings the repository relies on;
``migrate(engine)`` brings the schema to the newest alembic revision. The alembic configuration is built here in
code, so nothing depends on the working directory or an ini file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

__all__ = ["DEFERRED_OPTION", "alembic_config", "create_engine_for", "migrate"]

#: Execution option that makes a SQLite transaction start with a plain (deferred) BEGIN; read-only work uses it.
#: Every other SQLite transaction starts with BEGIN IMMEDIATE, so it holds the write lock from its first read and
#: a read-then-write (a claim, an audit append) cannot interleave with another process's.
DEFERRED_OPTION = "swgw_deferred_begin"

_MIGRATIONS = Path(__file__).with_name("migrations")
_SQLITE_BUSY_TIMEOUT_MS = 30_000
_SQLITE_SYNCHRONOUS = ("FULL", "NORMAL", "EXTRA")
# Taken by ``migrate`` on PostgreSQL so that replicas starting together upgrade one after the other.
_MIGRATION_LOCK_KEY = 0x5357_4757_0001


def create_engine_for(url: str, **engine_options: Any) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``), configured for the gateway.

    SQLite: WAL journal, foreign keys on, a busy timeout, usable from several threads, the database file's folder
    created, ``synchronous=FULL`` unless the URL says ``?synchronous=NORMAL``; ``sqlite://`` (in memory) shares
    one connection. PostgreSQL: the psycopg 3 driver (``postgresql://``
    is taken to mean it). ``engine_options`` go to ``sqlalchemy.create_engine`` (e.g. ``pool_size``).
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, engine_options)
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        elif parsed.drivername != "postgresql+psycopg":
            raise ValueError(f"unsupported PostgreSQL driver {parsed.drivername!r}; use postgresql+psycopg")
        # No pool_pre_ping: it would cost a round trip per transaction. A connection broken by a database restart
        # fails one call, which makes SQLAlchemy invalidate the whole pool; callers retry (the dispatcher does).
        return create_engine(parsed, **engine_options)
    raise ValueError(f"unsupported database {backend!r}; use sqlite or postgresql")


def _sqlite_engine(url: str, engine_options: dict[str, Any]) -> Engine:
    parsed = make_url(url)
    # Our own URL option, not the driver's: ``?synchronous=NORMAL`` trades the last commits before a power loss
    # (never consistency, never an application crash) for commits without an fsync each.
    synchronous = str(parsed.query.get("synchronous", "FULL")).upper()
    if synchronous not in _SQLITE_SYNCHRONOUS:
        raise ValueError(f"synchronous={synchronous!r}; use one of {', '.join(_SQLITE_SYNCHRONOUS)}")
    parsed = parsed.difference_update_query(["synchronous"])
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or parsed.query.get("mode") == "memory"
    if not in_memory:
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    connect_args = dict(engine_options.pop("connect_args", {}))
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", _SQLITE_BUSY_TIMEOUT_MS / 1000)
    if in_memory:
        # One connection, or every checkout would see its own empty database.
        engine_options.setdefault("poolclass", StaticPool)
    engine = create_engine(parsed, connect_args=connect_args, **engine_options)

    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module (it would begin lazily, at the first write), so
        # that the "begin" listener below decides how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
        finally:
            cursor.close()

    def on_begin(connection: Connection) -> None:
        deferred = connection.get_execution_options().get(DEFERRED_OPTION, False)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine


def alembic_config(url: str | None = None) -> Config:
    """The alembic configuration of the gateway's migrations (``url`` is needed only for offline commands)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (default: the newest), in one transaction."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
