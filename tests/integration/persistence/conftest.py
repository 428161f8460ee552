"""A migrated database URL per test: a SQLite file, or a fresh schema of the PostgreSQL test database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from persistence_testkit import database_at



@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database; several engines may be opened on it."""
    with database_at(request, tmp_path) as url:
        yield url
