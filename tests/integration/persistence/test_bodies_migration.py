"""Revision 0005 (message bodies in their own table) on a populated database: every message keeps its envelope,
payload, attachments, record and report; it moves, is listed, claimed and purged as before."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from persistence_testkit import T0, database_at, envelope
from sqlalchemy import Connection, inspect, text

from gateway.adapters.persistence import SqlMessageRepository, create_engine_for, migrate
from gateway.adapters.persistence.rows import event_values, message_values
from gateway.core.domain import Attachment, Direction, MessageStatus, PartyId, Receipt, ReceiptOutcome
from gateway.core.ledger import archived_entry
from gateway.core.ports import Actor, ActorKind

S = MessageStatus


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url_at_0004(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database at revision 0004, when the bodies were columns of ``messages``."""
    with database_at(request, tmp_path, "0004") as url:
        yield url


def _insert_as_0004(connection: Connection, row: dict[str, object], status: S, sequence: int) -> None:
    """A message and its first event as revision 0004's code wrote them: one ``messages`` row with everything."""
    columns = ", ".join(row)
    connection.execute(text(f"INSERT INTO messages ({columns}) VALUES ({', '.join(':' + c for c in row)})"),
                       row)
    event = event_values(row, None, T0)
    connection.execute(text("INSERT INTO status_events (sequence, message_id, from_status, to_status, at, attempt)"
                            " VALUES (:sequence, :message_id, NULL, :to_status, :at, 0)"),
                       {**event, "sequence": sequence})


def test_bodies_move_and_every_message_reads_works_and_purges_as_before(url_at_0004: str) -> None:
    outbound = dataclasses.replace(
        envelope("CO-1"), payload=b"<doc>" + b"x" * 20_000 + b"</doc>",
        attachments=(Attachment(name="a.pdf", media_type="application/pdf", content=b"%PDF-1.7"),))
    inbound = dataclasses.replace(envelope("CO-2"), sender=PartyId("HK"), receiver=PartyId("CN"))
    ours = Receipt(message_id=inbound.message_id, receipt_id="r-1", issuer=PartyId("CN"),
                   outcome=ReceiptOutcome.ACCEPTED, payload_sha256=inbound.payload_sha256, received_at=T0,
                   signature=inbound.signature)
    engine = create_engine_for(url_at_0004)
    try:
        out_row = message_values(outbound, Direction.OUTBOUND, S.QUEUED, T0)
        out_row.update(record_json='{"r":1}', report_json='{"findings":[]}', idempotency_key="k-1",
                       domestic_client="hub")
        in_row = message_values(inbound, Direction.INBOUND, S.RECEIVED, T0)
        in_row.update(record_json='{"r":2}', receipt_json=ours.to_json(), signer_subject="CN=hk",
                      signer_fingerprint="ab" * 32)
        refused = dataclasses.replace(envelope("CO-3"), sender=PartyId("HK"), receiver=PartyId("CN"))
        refused_row = message_values(refused, Direction.INBOUND, S.REJECTED, T0)
        refused_row.update(receipt_json=dataclasses.replace(ours, message_id=refused.message_id,
                                                            outcome=ReceiptOutcome.REJECTED).to_json(),
                           last_error_code="SIGNATURE_INVALID", last_error_message="bad")
        with engine.begin() as connection:
            _insert_as_0004(connection, out_row, S.QUEUED, 1)
            _insert_as_0004(connection, in_row, S.RECEIVED, 2)
            _insert_as_0004(connection, refused_row, S.REJECTED, 3)

        migrate(engine)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0005"
            assert connection.scalar(text("SELECT count(*) FROM message_bodies")) == 3
        columns = {c["name"] for c in inspect(engine).get_columns("messages")}
        assert not columns & {"envelope_json", "payload", "attachments_json", "record_json", "report_json"}

        repo = SqlMessageRepository(engine)
        stored = repo.get(outbound.message_id)
        assert stored.envelope == outbound and stored.status is S.QUEUED
        assert (stored.record_json, stored.report_json, stored.idempotency_key) == (
            '{"r":1}', '{"findings":[]}', "k-1")
        assert repo.find_by_idempotency_key("hub", "k-1") == stored
        received = repo.get(inbound.message_id)
        assert (received.envelope, received.receipt, received.record_json) == (inbound, ours, '{"r":2}')
        assert repo.pending_handover(domestic_client=None) == [received]
        newest_first = sorted((outbound.message_id, inbound.message_id, refused.message_id), reverse=True)
        assert [m.message_id for m in repo.list_messages(limit=1, offset=1)] == newest_first[1:2]
        assert {m.message_id for m in repo.list_messages()} == {outbound.message_id, inbound.message_id,
                                                                refused.message_id}
        rejected = repo.get(refused.message_id)
        assert rejected.envelope == refused and rejected.last_error is not None

        [claimed] = repo.claim_due(now=T0, limit=5, claimer="a", claim_timeout=timedelta(seconds=30))
        assert claimed.envelope == outbound and claimed.status is S.SENDING
        failed = repo.transition(outbound.message_id, S.FAILED, at=T0, expected=S.SENDING, claimer="a")
        assert failed.envelope == outbound and failed.record_json == '{"r":1}'
        assert [e.status for e in repo.history(outbound.message_id)] == [S.QUEUED, S.SENDING, S.FAILED]

        [due] = repo.purge_candidates(refused.document_type, before=T0 + timedelta(days=1))
        assert due == rejected
        kept = archived_entry(due, "certificate-of-origin/2025/03/" + due.message_id)
        purged, _ = repo.purge([kept], actor=Actor(ActorKind.CONFIGURATION, "retention"), details={}, at=T0)
        assert purged == [refused.message_id] and repo.find(refused.message_id) is None
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM message_bodies")) == 2
        assert repo.archived_entries("CN-CIQ", "CO-3") == [kept]
    finally:
        engine.dispose()
