"""The SQLite writer connection: one connection kept for a repository's writes, closed with the engine, replaced
when it breaks.

Observed from outside: SQLite removes a database's ``-wal`` file when its last connection closes, so a writer
connection left open after ``engine.dispose()`` would show as a ``-wal`` file that stays.
"""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import pytest
from persistence_testkit import T0, envelope
from sqlalchemy.exc import DBAPIError

from gateway.adapters.persistence import SqlMessageRepository, create_engine_for, migrate
from gateway.core.domain import MessageStatus


def _repository(path: Path) -> tuple[SqlMessageRepository, str]:
    """A repository on a new SQLite file, and its URL."""
    url = f"sqlite:///{path}"
    engine = create_engine_for(url)
    migrate(engine)
    return SqlMessageRepository(engine), url


def _add(repo: SqlMessageRepository, number: str) -> str:
    return repo.add_outbound(envelope(number), at=T0, record_json="{}", report_json="{}", idempotency_key=None,
                             domestic_client=None).message_id


def test_writes_share_one_connection_and_dispose_closes_it(tmp_path: Path) -> None:
    repo, _ = _repository(tmp_path / "swgw.db")
    engine = repo._db.engine
    first = _add(repo, "CO-1")
    writer = repo._db.driver._writer
    assert writer is not None
    kept = writer.connection()
    repo.transition(first, MessageStatus.SENDING, at=T0, expected=MessageStatus.QUEUED)
    _add(repo, "CO-2")
    assert writer.connection() is kept  # the same connection for every write
    assert repo.get(first).status is MessageStatus.SENDING
    assert (tmp_path / "swgw.db-wal").exists()

    engine.dispose()

    assert not (tmp_path / "swgw.db-wal").exists()  # no connection left open
    # The engine stays usable after dispose, as SQLAlchemy's engines are: the next write opens a new writer.
    third = _add(repo, "CO-3")
    assert repo.get(third).status is MessageStatus.QUEUED
    engine.dispose()


def test_a_broken_writer_fails_one_call_and_is_replaced(tmp_path: Path) -> None:
    repo, _ = _repository(tmp_path / "swgw.db")
    _add(repo, "CO-1")
    writer = repo._db.driver._writer
    assert writer is not None
    writer.connection().driver_connection.close()  # as if the database had been closed under it

    with pytest.raises(DBAPIError) as caught:
        _add(repo, "CO-2")
    assert caught.value.connection_invalidated
    second = _add(repo, "CO-2")  # a fresh connection; nothing was stored by the failed call
    assert repo.get(second).status is MessageStatus.QUEUED
    repo._db.engine.dispose()


def test_a_collected_repository_closes_its_writer(tmp_path: Path) -> None:
    repo, _ = _repository(tmp_path / "swgw.db")
    first = _add(repo, "CO-1")
    engine = repo._db.engine
    writer = repo._db.driver._writer
    assert writer is not None
    raw = writer.connection().driver_connection
    del repo, writer
    gc.collect()
    with pytest.raises(sqlite3.ProgrammingError):  # closed, while the engine lives on
        raw.execute("SELECT 1")
    engine.dispose()
    again, _ = _repository(tmp_path / "swgw.db")
    assert again.get(first).status is MessageStatus.QUEUED
    again._db.engine.dispose()
