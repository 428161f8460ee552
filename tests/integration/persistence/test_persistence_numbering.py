"""Events stored without a sequence number are numbered by the next reader, on both databases.

PostgreSQL writers always leave them unnumbered (readers number them in commit order); on SQLite only an older
gateway version did, and a newer one numbers those once, at its first read. Either way the cursor of WatchStatus
must see each of them exactly once, after everything numbered before.
"""

from __future__ import annotations

from persistence_testkit import T0, envelope
from sqlalchemy import text

from gateway.adapters.persistence import SqlMessageRepository, create_engine_for
from gateway.core.domain import MessageStatus


def test_unnumbered_events_are_numbered_after_the_numbered_ones(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        writer = SqlMessageRepository(engine)
        stored = [writer.add_outbound(envelope(f"CO-{i}"), at=T0, record_json="{}", report_json="{}",
                                      idempotency_key=None, domestic_client=None) for i in range(3)]
        before = SqlMessageRepository(engine).events_after(0, limit=100)
        assert [e.sequence for e in before] == list(range(1, 7))  # ACCEPTED and QUEUED of each
        # What an older writer left behind: committed events without a sequence number.
        with engine.begin() as connection:
            for message in stored:
                connection.execute(text(
                    "INSERT INTO status_events (message_id, from_status, to_status, at, attempt) "
                    "VALUES (:m, 'QUEUED', 'SENDING', :at, 1)"), {"m": message.message_id, "at": T0.replace(tzinfo=None)})

        reader = SqlMessageRepository(engine)  # a freshly started gateway
        after = reader.events_after(6, limit=100)
        assert [e.sequence for e in after] == [7, 8, 9]
        assert [e.message_id for e in after] == [m.message_id for m in stored]
        assert {e.status for e in after} == {MessageStatus.SENDING}
        assert reader.events_after(9, limit=100) == []
    finally:
        engine.dispose()
