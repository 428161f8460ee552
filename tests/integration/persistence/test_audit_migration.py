"""Revision 0002 (the actor's kind) on a database whose audit log was written before it: the chain still verifies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from persistence_testkit import T0, database_at
from sqlalchemy import text

from gateway.adapters.persistence import SqlMessageRepository, audit_entry_hash, create_engine_for, migrate, verify_audit_chain
from gateway.core.ports import Actor, ActorKind


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url_at_0001(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database at revision 0001, before the audit log recorded the actor's kind."""
    with database_at(request, tmp_path, "0001") as url:
        yield url


def test_old_entries_keep_verifying_and_new_ones_record_their_kind(url_at_0001: str) -> None:
    engine = create_engine_for(url_at_0001)
    try:
        # Two entries as revision 0001's code wrote them: the actor a free string, the hash over five fields.
        previous = ""
        with engine.begin() as connection:
            for sequence, actor in ((1, "config"), (2, "cli:alice")):
                entry_hash = audit_entry_hash(previous, sequence, T0, actor, "trust.add", {"partner": "HK"})
                connection.execute(
                    text("INSERT INTO audit_log (sequence, at, actor, action, details_json, previous_hash, entry_hash)"
                         " VALUES (:sequence, :at, :actor, 'trust.add', :details, :previous, :hash)"),
                    {"sequence": sequence, "at": T0, "actor": actor, "details": '{"partner":"HK"}',
                     "previous": previous, "hash": entry_hash},
                )
                previous = entry_hash
        migrate(engine)
        with engine.connect() as connection:
            # The head: 0002 (actor kind), 0003 (the retention's ledger archive), 0004 (console accounts),
            # 0005 (message bodies apart).
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0005"

        repo = SqlMessageRepository(engine)
        # Longer than the 256 characters revision 0001 allowed (PostgreSQL refused those).
        subject = "CN=ops-1,OU=" + "Trade Single Window Operations " * 8 + ",O=CN Single Window"
        operator = Actor(ActorKind.OPERATOR_CERTIFICATE, f"{subject} (sha256:{'ab' * 32})")
        appended = repo.append_audit(actor=operator, action="trust.revoked", details={"partner": "HK"}, at=T0)
        assert len(operator.name) > 256

        entries = repo.list_audit()
        assert [(e.actor, e.actor_kind) for e in entries] == [
            ("config", None), ("cli:alice", None), (operator.name, "operator-certificate")]
        assert entries[2] == appended and appended.previous_hash == entries[1].entry_hash
        assert verify_audit_chain(entries) == (True, None, "3 entries verified")
    finally:
        engine.dispose()
