"""The repository under test: the in-memory twin, SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from repository_testkit import Repository, postgres_schema_engine

from gateway.adapters.persistence import MemoryMessageRepository, SqlMessageRepository, create_engine_for, migrate


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    """Each contract test runs once per implementation, on an empty database."""
    if request.param == "memory":
        yield MemoryMessageRepository()
    elif request.param == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / 'db' / 'swgw.db'}")
        try:
            migrate(engine)
            yield SqlMessageRepository(engine)
        finally:
            engine.dispose()
    else:
        url: str = request.getfixturevalue("postgres_url")
        with postgres_schema_engine(url) as engine:
            yield SqlMessageRepository(engine)
