"""A migrated database URL per test: a SQLite file, or a fresh schema of the PostgreSQL test database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from persistence_testkit import postgres_schema

from gateway.adapters.persistence import create_engine_for, migrate


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database; several engines may be opened on it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'swgw.db'}"
        engine = create_engine_for(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        yield url
    else:
        with postgres_schema(request.getfixturevalue("postgres_url")) as url:
            yield url
