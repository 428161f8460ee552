"""Driver-level execution of the message book's hot statements (private to the SQL repositories).

Each Core statement is compiled once per engine by SQLAlchemy itself (its SQL text, parameter order and the column
types' bind and result processors) and then executed on the pooled DBAPI connection. What this skips is the
per-call machinery of ``Connection.execute`` -- compiled-cache lookups, execution contexts, result objects, event
dispatch -- which costs more than SQLite itself on one-row statements (measured: ~350 µs of ~450 µs per
transaction). SQLAlchemy still owns the schema, the SQL, the types, the pool and the migrations.

Transactions: on SQLite the connection is in autocommit mode (``session.create_engine_for`` hands transaction
control to us), so a write begins with BEGIN IMMEDIATE under the engine's Python write lock; on PostgreSQL a write
runs in psycopg's implicit transaction. On a SQLite file the writes of one driver all run on one connection, kept
checked out: SQLite drops a connection's page cache whenever another connection changed the database, so writes
spread over the pool would read every B-tree page they touch from the file again (system calls and page decoding
on each transaction); the write lock already makes them one at a time. Reads run in autocommit mode on both, one statement each. A DBAPI error
is raised as SQLAlchemy's wrapper (``IntegrityError`` ...), exactly as ``Connection.execute`` would, and a broken
connection is invalidated in the pool.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

__all__ = ["Driver", "Prepared"]

_Processor = Callable[[Any], Any] | None


class Prepared:
    """One statement compiled for one dialect, with what it takes to bind its parameters and read its rows."""

    def __init__(self, statement: ClauseElement, engine: Engine, column_keys: Sequence[str] | None = None) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"not a SQL statement: {statement!r}")
        self.sql: str = compiled.string
        # Parameters by the names the SQL text uses (anonymous ones included, e.g. "status_1").
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        self._positional = bool(compiled.positional)
        self._names: tuple[str, ...] = tuple(compiled.positiontup or ()) if self._positional else tuple(by_name)
        # Values the statement carries itself (literals such as status = 'QUEUED'); the caller supplies the rest.
        self._defaults = {k: v for k, v in compiled.params.items() if k in by_name and not by_name[k].required}
        plan: list[tuple[str, _Processor]] = []
        for name in self._names:
            bind = by_name[name]
            if bind.expanding:
                raise ValueError(f"expanding parameter {name!r}: run this statement through SQLAlchemy")
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None and processor(None) is not None:
                raise ValueError(f"parameter {name!r}: its type binds None as a value; run it through SQLAlchemy")
            plan.append((name, processor))
        # Every processor binds None as NULL (checked above), so None values -- most of a new row's optional
        # columns -- skip it.
        self._plan = tuple(plan)
        selected = getattr(statement, "selected_columns", None)
        self.keys: tuple[str, ...] = tuple(c.key for c in selected) if selected is not None else ()
        self._columns: tuple[tuple[str, _Processor], ...] = tuple(
            (c.key, c.type.dialect_impl(dialect).result_processor(dialect, None)) for c in selected
        ) if selected is not None else ()
        if column_keys is not None:
            missing = set(self._names) - set(column_keys) - set(self._defaults)
            if missing:  # a column with a Python-side default would silently get NULL
                raise ValueError(f"statement needs values for {sorted(missing)}")

    def parameters(self, values: Mapping[str, Any]) -> Any:
        """The DBAPI parameters for ``values`` (merged with the statement's own literals), types processed."""
        merged = {**self._defaults, **values} if self._defaults else values
        # Comprehensions rather than loops: this runs for every row written, some thirty columns each.
        if self._positional:
            return [value if processor is None or value is None else processor(value)
                    for name, processor in self._plan for value in (merged[name],)]
        return {name: value if processor is None or value is None else processor(value)
                for name, processor in self._plan for value in (merged[name],)}

    def row(self, raw: Sequence[Any]) -> dict[str, Any]:
        """A fetched row as a dict of processed values, keyed like the statement's selected columns."""
        return {
            key: value if processor is None or value is None else processor(value)
            for (key, processor), value in zip(self._columns, raw, strict=True)
        }


class Cursor:
    """Executes prepared statements inside one transaction."""

    def __init__(self, driver: Driver, dbapi_cursor: Any) -> None:
        self._driver = driver
        self._cursor = dbapi_cursor

    def execute(self, statement: ClauseElement, values: Mapping[str, Any]) -> int:
        """Run a statement; return the affected row count."""
        prepared = self._driver.prepare(statement)
        self._cursor.execute(prepared.sql, prepared.parameters(values))
        return int(self._cursor.rowcount)

    def execute_many(self, statement: ClauseElement, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run an INSERT or UPDATE once per row (all rows with the same keys)."""
        if not rows:
            return
        # An INSERT is compiled for the columns given (none left to a Python-side default); an UPDATE's SET clause
        # is fixed by the statement.
        keys = tuple(rows[0]) if getattr(statement, "is_insert", False) else None
        prepared = self._driver.prepare(statement, keys)
        if len(rows) == 1:
            self._cursor.execute(prepared.sql, prepared.parameters(rows[0]))
        else:
            self._cursor.executemany(prepared.sql, [prepared.parameters(r) for r in rows])

    def execute_sql(self, sql: str) -> None:
        """Run a fixed SQL text without parameters (SAVEPOINT and its kin)."""
        self._cursor.execute(sql)

    def insert(self, statement: ClauseElement, row: Mapping[str, Any]) -> None:
        """Insert one row; every column the statement may fill must be in ``row``."""
        self.execute_many(statement, [row])

    def rows(self, statement: ClauseElement, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run a SELECT; its rows as dicts."""
        prepared = self._driver.prepare(statement)
        self._cursor.execute(prepared.sql, prepared.parameters(values))
        return [prepared.row(raw) for raw in self._cursor.fetchall()]

    def scalar(self, statement: ClauseElement, values: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None."""
        found = self.rows(statement, values)
        return next(iter(found[0].values())) if found else None


class Driver:
    """Transactions on the engine's pooled DBAPI connections, for :class:`Prepared` statements."""

    def __init__(self, engine: Engine, write_lock: threading.RLock | None, read_lock: threading.RLock | None) -> None:
        self._engine = engine
        self._dialect = engine.dialect
        self._sqlite = engine.dialect.name == "sqlite"
        self._write_lock = write_lock
        self._read_lock = read_lock
        self._prepared: dict[tuple[int, tuple[str, ...] | None], tuple[ClauseElement, Prepared]] = {}
        self._prepare_lock = threading.Lock()
        # The SQLite writer connection (see the module docstring), used only under the write lock. Not for an
        # in-memory database, whose single connection is shared by readers and writers under one lock.
        self._writer: _Writer | None = None
        if self._sqlite and write_lock is not None and read_lock is not write_lock:
            writer = self._writer = _Writer(engine)
            # Closed when the engine is disposed (the gateway's shutdown) or this driver is collected.
            event.listen(engine, "engine_disposed", writer.close)
            weakref.finalize(self, writer.close)

    @property
    def integrity_error(self) -> type[Exception]:
        """The DBAPI's IntegrityError, as raised inside a transaction (wrapped by SQLAlchemy only when it leaves)."""
        error: type[Exception] = self._dialect.loaded_dbapi.IntegrityError
        return error

    def prepare(self, statement: ClauseElement, column_keys: tuple[str, ...] | None = None) -> Prepared:
        """The statement compiled for this engine (once; INSERTs once per set of columns)."""
        key = (id(statement), column_keys)
        found = self._prepared.get(key)
        if found is not None and found[0] is statement:
            return found[1]
        prepared = Prepared(statement, self._engine, column_keys)
        with self._prepare_lock:
            # The statement is kept with its compiled form, so that its id cannot be reused by another object.
            self._prepared[key] = (statement, prepared)
        return prepared

    @contextmanager
    def write(self) -> Iterator[Cursor]:
        """A write transaction, committed when the block ends without an exception."""
        lock: AbstractContextManager[Any] = self._write_lock if self._write_lock is not None else nullcontext()
        with lock:
            yield from self._transaction("BEGIN IMMEDIATE" if self._sqlite else None, autocommit=False)

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        """A read in autocommit mode: each statement is its own consistent snapshot (beside the writer, thanks to
        WAL on SQLite), without BEGIN and COMMIT. Every read of the repository is one statement."""
        lock: AbstractContextManager[Any] = self._read_lock if self._read_lock is not None else nullcontext()
        with lock:
            # SQLite connections are in autocommit mode already (see session.create_engine_for).
            yield from self._transaction(None, autocommit=not self._sqlite)

    def _transaction(self, begin: str | None, *, autocommit: bool) -> Iterator[Cursor]:
        kept = self._writer if begin is not None else None
        connection = kept.connection() if kept is not None else self._engine.raw_connection()
        dbapi = connection.driver_connection
        cursor = None
        try:
            if autocommit:
                dbapi.autocommit = True  # type: ignore[union-attr]
            cursor = connection.cursor()
            if begin is not None:
                cursor.execute(begin)
            try:
                yield Cursor(self, cursor)
            except BaseException:
                self._end(connection, cursor, commit=False)
                raise
            self._end(connection, cursor, commit=True)
        except self._dialect.loaded_dbapi.Error as e:
            invalidated = self._dialect.is_disconnect(e, connection.dbapi_connection, cursor)
            if invalidated:
                # As SQLAlchemy does on a disconnect: this connection is discarded, and on a server database so are
                # the pooled ones (a restart broke them all), so that only this call fails. (A SQLite "disconnect"
                # is a closed database; its pool, to which the engine's write lock belongs, is kept.)
                connection.invalidate(e)
                if not self._sqlite:
                    self._engine.dispose()
            raise DBAPIError.instance(None, None, e, self._dialect.loaded_dbapi.Error, dialect=self._dialect,
                                      connection_invalidated=invalidated) from e
        finally:
            if autocommit and connection.is_valid:
                dbapi.autocommit = False  # type: ignore[union-attr]
            if cursor is not None:
                cursor.close()
            if kept is None:
                connection.close()
            elif not connection.is_valid:
                kept.close()

    def _end(self, connection: Any, cursor: Any, *, commit: bool) -> None:
        if self._sqlite:
            if connection.driver_connection.in_transaction:
                cursor.execute("COMMIT" if commit else "ROLLBACK")
        elif commit:
            connection.commit()
        else:
            connection.rollback()


class _Writer:
    """A connection kept checked out of the engine's pool for one driver's SQLite writes."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Any = None

    def connection(self) -> Any:
        """The kept connection, opened on first use and again after it was invalidated (caller holds the write
        lock)."""
        if self._connection is None or not self._connection.is_valid:
            self.close()
            self._connection = self._engine.raw_connection()
        return self._connection

    def close(self, *_: object) -> None:
        """Close the kept connection for good (detached from the pool, which may be disposed already)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.detach()
            connection.close()
