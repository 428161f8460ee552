"""The delivery hand-off: a new message goes straight to a free delivery worker, stored already claimed; when
every worker is busy it waits QUEUED and the dispatcher's claim takes it as soon as one is free."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType, MessageStatus

from tests.integration.network import running_network, wait_for
from tests.integration.reliability import numbered_record

COO = DocumentType.CERTIFICATE_OF_ORIGIN


def _statuses(history: list[pb.StatusEvent]) -> list[int]:
    return [e.status for e in history]


def test_free_worker_takes_the_message_as_it_is_stored_and_busy_workers_leave_it_queued(tmp_path: Path) -> None:
    with running_network(tmp_path) as network, network.client("CN") as cn:
        app = network.apps["CN"]
        first = cn.submit("HK", COO, numbered_record(1))
        assert first.status == pb.MESSAGE_STATUS_SENDING
        done = wait_for(lambda: (s := cn.status(first.message_id)).status == pb.MESSAGE_STATUS_DELIVERED and s)
        assert _statuses(done.history) == [pb.MESSAGE_STATUS_ACCEPTED, pb.MESSAGE_STATUS_QUEUED,
                                           pb.MESSAGE_STATUS_SENDING, pb.MESSAGE_STATUS_DELIVERED]
        assert [e.attempt for e in done.history][2:] == [1, 1]

        # Take every worker: the next message is stored QUEUED and waits, nothing claims it meanwhile...
        now = datetime.now(UTC)
        held = []
        while (claim := app.dispatcher.reserve(now)) is not None:
            held.append(claim)
        assert held, "the dispatcher had no free worker"
        second = cn.submit("HK", COO, numbered_record(2))
        assert second.status == pb.MESSAGE_STATUS_QUEUED
        assert app.repository.get(second.message_id).status is MessageStatus.QUEUED
        # ...until a worker is free again: the dispatcher's claim delivers it.
        for _ in held:
            app.dispatcher.release()
        app.dispatcher.wake()
        done = wait_for(lambda: (s := cn.status(second.message_id)).status == pb.MESSAGE_STATUS_DELIVERED and s)
        assert _statuses(done.history) == [pb.MESSAGE_STATUS_ACCEPTED, pb.MESSAGE_STATUS_QUEUED,
                                           pb.MESSAGE_STATUS_SENDING, pb.MESSAGE_STATUS_DELIVERED]
