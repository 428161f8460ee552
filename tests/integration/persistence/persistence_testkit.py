"""Builders for the persistence integration tests: envelopes and throw-away PostgreSQL schemas."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sqlalchemy import text
from sqlalchemy.engine import make_url

from gateway.adapters.persistence import create_engine_for, migrate
from gateway.core.domain import Action, BusinessKey, DocumentType, Envelope, PartyId, Signature, sha256_hex

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def envelope(number: str) -> Envelope:
    """An outbound CN -> HK certificate of origin with a dummy signature."""
    payload = f"<doc number='{number}'/>".encode()
    return Envelope(
        message_id=str(uuid.uuid4()),
        business_key=BusinessKey("CN-CIQ", number, 1),
        sender=PartyId("CN"),
        receiver=PartyId("HK"),
        document_type=DocumentType.CERTIFICATE_OF_ORIGIN,
        document_format="urn:swgw:format:test",
        action=Action.ISSUE,
        created_at=T0,
        payload=payload,
        payload_sha256=sha256_hex(payload),
        signature=Signature("x.y.z"),
    )


@contextmanager
def postgres_schema(url: str, revision: str = "head") -> Iterator[str]:
    """The URL of a fresh PostgreSQL schema migrated to ``revision``, dropped afterwards, so that test runs never
    collide."""
    schema = f"swgw_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine_for(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        scoped_url = scoped.render_as_string(hide_password=False)
        engine = create_engine_for(scoped_url)
        try:
            migrate(engine, revision)
        finally:
            engine.dispose()
        try:
            yield scoped_url
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@contextmanager
def database_at(request: pytest.FixtureRequest, folder: Path, revision: str = "head") -> Iterator[str]:
    """For a fixture parametrised "sqlite" / "postgresql": the URL of an empty database migrated to ``revision``,
    a SQLite file in ``folder`` or a fresh PostgreSQL schema (dropped afterwards)."""
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'swgw.db'}"
        engine = create_engine_for(url)
        try:
            migrate(engine, revision)
        finally:
            engine.dispose()
        yield url
    else:
        with postgres_schema(request.getfixturevalue("postgres_url"), revision=revision) as url:
            yield url
