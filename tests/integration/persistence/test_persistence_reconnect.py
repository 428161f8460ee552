"""A PostgreSQL restart (here: every backend of the gateway terminated) costs one failed call, never stored data.

The hot statements run on the pool's DBAPI connections (``_driver.py``), so this checks what SQLAlchemy would do
for ``Connection.execute``: the error arrives as SQLAlchemy's ``DBAPIError`` marked as an invalidated
connection, the broken connections are dropped from the pool, and the next call works on a fresh one.
"""

from __future__ import annotations

import pytest
from persistence_testkit import T0, envelope, postgres_schema
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from gateway.adapters.persistence import SqlMessageRepository, create_engine_for
from gateway.core.domain import MessageStatus

pytestmark = pytest.mark.postgres


def _terminate_backends(admin_url: str) -> int:
    """Terminate the repository's connections (told apart by their application name); how many there were."""
    admin = create_engine_for(admin_url)
    try:
        with admin.begin() as connection:
            pids = connection.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend' AND application_name = :name"
            ), {"name": "swgw-reconnect-test"}).scalars().all()
            for pid in pids:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return len(pids)
    finally:
        admin.dispose()


def test_terminated_backends_fail_one_call_and_lose_nothing(postgres_url: str) -> None:
    with postgres_schema(postgres_url) as database_url:
        _check_reconnect(database_url, postgres_url)


def _check_reconnect(database_url: str, admin_url: str) -> None:
    url = make_url(database_url).update_query_dict({"application_name": "swgw-reconnect-test"})
    engine = create_engine_for(url.render_as_string(hide_password=False), pool_size=3)
    try:
        repo = SqlMessageRepository(engine)
        stored = [repo.add_outbound(envelope(f"CO-{i}"), at=T0, record_json="{}", report_json="{}",
                                    idempotency_key=None, domestic_client=None) for i in range(3)]
        assert repo.find(stored[0].message_id) is not None  # the pool now holds live connections

        assert _terminate_backends(admin_url) >= 1

        failures = 0
        for _ in range(5):
            try:
                found = repo.find(stored[1].message_id)
            except DBAPIError as e:
                assert e.connection_invalidated
                failures += 1
                continue
            assert found is not None and found.status is MessageStatus.QUEUED
            break
        else:
            pytest.fail("the repository did not recover after its backends were terminated")
        assert failures == 1
        # Writes work again and everything stored before is still there.
        repo.transition(stored[2].message_id, MessageStatus.SENDING, at=T0)
        assert [repo.get(m.message_id).status for m in stored] == [
            MessageStatus.QUEUED, MessageStatus.QUEUED, MessageStatus.SENDING]
    finally:
        engine.dispose()
