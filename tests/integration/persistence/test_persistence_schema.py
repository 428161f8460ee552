"""Engines, migrations and the schema they create."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from persistence_testkit import T0, envelope
from sqlalchemy import text

from gateway.adapters.persistence import SqlMessageRepository, create_engine_for, migrate
from gateway.adapters.persistence.tables import Base


def test_migrations_create_exactly_the_models_schema(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0005"
        migrate(engine)  # a second run changes nothing
        assert SqlMessageRepository(engine).trust_version() == 0
    finally:
        engine.dispose()


def test_sqlite_engine_creates_its_folder_and_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'deep' / 'er' / 'swgw.db'}")
    try:
        migrate(engine)
        assert (tmp_path / "deep" / "er" / "swgw.db").is_file()
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()


def test_sqlite_synchronous_can_be_relaxed_in_the_url(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'swgw.db'}?synchronous=normal")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        engine.dispose()
    with pytest.raises(ValueError, match="synchronous"):
        create_engine_for(f"sqlite:///{tmp_path / 'swgw.db'}?synchronous=OFF")


def test_in_memory_sqlite_is_one_database_shared_by_threads() -> None:
    engine = create_engine_for("sqlite://")
    try:
        migrate(engine)
        repo = SqlMessageRepository(engine)
        env = envelope("CO-1")
        worker = threading.Thread(
            target=lambda: repo.add_outbound(
                env, at=T0, record_json="{}", report_json="{}", idempotency_key=None, domestic_client=None
            )
        )
        worker.start()
        worker.join()
        assert repo.get(env.message_id).envelope == env
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "postgresql+psycopg2://u@h/db", "oracle://u@h/db"], ids=["mysql", "psycopg2", "oracle"]
)
def test_unsupported_databases_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        create_engine_for(url)


def test_plain_postgresql_url_means_psycopg() -> None:
    engine = create_engine_for("postgresql://u@localhost/db")
    try:
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_sqlite_timestamps_are_stored_as_sqlalchemys_datetime_text() -> None:
    """UtcDateTime's fused SQLite conversions give the text and values of the decorator over SQLAlchemy's DATETIME."""
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy.dialects import sqlite
    from sqlalchemy.types import TypeDecorator

    from gateway.adapters.persistence.tables import UtcDateTime

    dialect = sqlite.dialect()
    fused = UtcDateTime().dialect_impl(dialect)
    bind, result = fused.bind_processor(dialect), fused.result_processor(dialect, None)
    # The unfused chain: this class's conversions, then SQLAlchemy's.
    plain_bind = TypeDecorator.bind_processor(fused, dialect)
    plain_result = TypeDecorator.result_processor(fused, dialect, None)
    assert bind is not None and result is not None and plain_bind is not None and plain_result is not None
    values = [T0, datetime(1, 1, 1, tzinfo=UTC), datetime(999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
              datetime(2025, 3, 1, 8, 0, 0, 123, tzinfo=timezone(timedelta(hours=8))), None]
    for value in values:
        assert bind(value) == plain_bind(value)
        assert result(bind(value)) == plain_result(plain_bind(value))
        assert value is None or result(bind(value)).tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        bind(datetime(2025, 3, 1))
    with pytest.raises(ValueError, match="naive"):
        plain_bind(datetime(2025, 3, 1))
