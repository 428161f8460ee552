"""Partner outage: messages submitted while the partner gateway is down wait and retry, and nothing is lost.

Both gateways run in this process (``running_network``); HK is stopped and started again on the same ports and
database, as an outage of the partner's single window would look to CN.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.adapters.persistence.messages import SqlMessageRepository
from gateway.core.domain import Direction, DocumentType, MessageStatus
from gateway.core.ports import Actor, ActorKind, StatusEvent

from tests.integration.network import Network, running_network, wait_for
from tests.integration.reliability import numbered_record

#: The audit actor of the changes these tests make.
OPERATOR = Actor(ActorKind.OS_USER, "test-operator")

COO = DocumentType.CERTIFICATE_OF_ORIGIN
MESSAGES = 20
#: Long enough for gRPC's default reconnect backoff (1 s, growing by 1.6 to 120 s) to outgrow the retry delay.
OUTAGE_SECONDS = 12.0


def _constant_retry(seconds: float, *, attempts: int) -> dict[str, Any]:
    """An agreement's retry policy: ``attempts`` attempts ``seconds`` apart, no jitter."""
    return {"strategy": "constant", "initial_delay_seconds": seconds, "max_delay_seconds": seconds,
            "max_attempts": attempts, "jitter": 0.0}


def _events(repository: SqlMessageRepository, message_id: str, status: MessageStatus) -> list[StatusEvent]:
    return [e for e in repository.history(message_id) if e.status is status]


def _handed_over_once(network: Network, message_ids: list[str]) -> None:
    """HK's hub takes every message over exactly once, and HK stored each exactly once."""
    with network.client("HK") as hk:
        # One stream takes the whole backlog; room for more than expected, so a document sent twice would show.
        documents = hk.receive(max_documents=3 * len(message_ids), timeout=5)
        # A second stream gets nothing: every document was acknowledged and handed over once.
        assert hk.receive(max_documents=1, timeout=1) == []
    assert Counter(d.message_id for d in documents) == Counter(message_ids)
    hk_repository = network.apps["HK"].repository
    inbound = [m for m in hk_repository.list_messages(partner="CN", limit=1000) if m.direction is Direction.INBOUND]
    assert sorted(m.message_id for m in inbound) == sorted(message_ids)
    for message_id in message_ids:
        assert len(_events(hk_repository, message_id, MessageStatus.RECEIVED)) == 1
        assert len(_events(hk_repository, message_id, MessageStatus.HANDED_OVER)) == 1


def test_messages_submitted_during_a_partner_outage_are_delivered_once_when_it_returns(tmp_path: Path) -> None:
    with running_network(tmp_path, ("CN", "HK"), retry=_constant_retry(0.5, attempts=1000)) as network:
        network.stop("HK")
        cn_repository = network.apps["CN"].repository
        with network.client("CN") as cn:
            outage_started = time.monotonic()
            message_ids = [
                cn.submit("HK", COO, numbered_record(i, "O"), idempotency_key=f"outage-{i}").message_id
                for i in range(MESSAGES)
            ]
            # Each message fails its attempts against the stopped partner and waits for the next one.
            wait_for(lambda: all(cn_repository.get(m).attempts >= 3 for m in message_ids), timeout=30)
            for message_id in message_ids:
                summary = cn.status(message_id)
                assert summary.status in (pb.MESSAGE_STATUS_RETRY_WAIT, pb.MESSAGE_STATUS_SENDING)
                waits = _events(cn_repository, message_id, MessageStatus.RETRY_WAIT)
                assert len(waits) >= 2
                for event in waits:
                    assert event.error is not None and event.error.code == "UNAVAILABLE"
                    assert event.next_attempt_at is not None and event.next_attempt_at > event.at
                assert not _events(cn_repository, message_id, MessageStatus.DELIVERED)

            time.sleep(max(0.0, outage_started + OUTAGE_SECONDS - time.monotonic()))
            network.restart("HK")
            restarted = time.monotonic()
            wait_for(lambda: any(cn.status(m).status == pb.MESSAGE_STATUS_DELIVERED for m in message_ids),
                     timeout=30)
            resumed = time.monotonic() - restarted
            wait_for(lambda: all(cn.status(m).status == pb.MESSAGE_STATUS_DELIVERED for m in message_ids),
                     timeout=30)
            recovery = time.monotonic() - restarted
        print(f"outage of {OUTAGE_SECONDS:.0f}s: delivery resumed {resumed:.1f}s after the partner returned, "
              f"{MESSAGES} messages delivered after {recovery:.1f}s")
        # The agreement's retry delay (0.5 s) governs, and the transport's reconnect backoff (at most 2 s), not
        # gRPC's default one, which had grown to several seconds by now (and grows to two minutes).
        assert resumed < 5.0, f"delivery resumed {resumed:.1f}s after the partner returned"
        # Nothing lost, nothing doubled: one DELIVERED per message, each with the partner's receipt.
        outbound = [m for m in cn_repository.list_messages(partner="HK", limit=1000)
                    if m.direction is Direction.OUTBOUND]
        assert sorted(m.message_id for m in outbound) == sorted(message_ids)
        for message in outbound:
            assert message.status is MessageStatus.DELIVERED
            assert message.receipt is not None and message.receipt.message_id == message.message_id
            assert len(_events(cn_repository, message.message_id, MessageStatus.DELIVERED)) == 1
        _handed_over_once(network, message_ids)


def test_a_backlog_waiting_for_its_retries_goes_as_soon_as_the_partner_answers_again(tmp_path: Path) -> None:
    # A retry delay far longer than the test: without the bring-forward, the backlog would wait a minute.
    with running_network(tmp_path, ("CN", "HK"), retry=_constant_retry(60, attempts=100)) as network:
        network.stop("HK")
        cn_repository = network.apps["CN"].repository
        with network.client("CN") as cn:
            backlog = [cn.submit("HK", COO, numbered_record(i, "B"), idempotency_key=f"backlog-{i}").message_id
                       for i in range(MESSAGES)]
            wait_for(lambda: all(cn_repository.get(m).status is MessageStatus.RETRY_WAIT for m in backlog),
                     timeout=30)
            network.restart("HK")
            restarted = time.monotonic()
            # New traffic reaches the partner again (once the channel has reconnected): its first answer brings
            # the backlog forward.
            for attempt in range(10):
                fresh = cn.submit("HK", COO, numbered_record(100 + attempt, "B"),
                                  idempotency_key=f"fresh-{attempt}").message_id
                try:
                    wait_for(lambda: cn.status(fresh).status == pb.MESSAGE_STATUS_DELIVERED, timeout=3)
                    break
                except AssertionError:
                    continue
            wait_for(lambda: all(cn.status(m).status == pb.MESSAGE_STATUS_DELIVERED for m in backlog), timeout=20)
            drained = time.monotonic() - restarted
        print(f"backlog of {MESSAGES} delivered {drained:.1f}s after the partner returned (retry delay 60 s)")
        assert drained < 30
        for message_id in backlog:
            assert len(_events(cn_repository, message_id, MessageStatus.SENDING)) == 2  # the failed one, then one
            assert len(_events(cn_repository, message_id, MessageStatus.DELIVERED)) == 1


def test_a_message_failed_after_max_attempts_is_resent_by_an_operator_with_its_id(tmp_path: Path) -> None:
    # Attempts 1.5 s apart: after the partner returns, the sender's channel reconnects within about 2 s.
    with running_network(tmp_path, ("CN", "HK"), retry=_constant_retry(1.5, attempts=3)) as network:
        network.stop("HK")
        cn_repository = network.apps["CN"].repository
        with network.client("CN") as cn:
            message_id = cn.submit("HK", COO, numbered_record(1, "F"), idempotency_key="fail-1").message_id
            failed = wait_for(lambda: (s := cn.status(message_id)).status == pb.MESSAGE_STATUS_FAILED and s,
                              timeout=20)
            assert failed.attempts == 3
            assert failed.last_error.code == "UNAVAILABLE"
            assert failed.last_error.message
            assert [e.status for e in failed.history] == [
                pb.MESSAGE_STATUS_ACCEPTED, pb.MESSAGE_STATUS_QUEUED,
                pb.MESSAGE_STATUS_SENDING, pb.MESSAGE_STATUS_RETRY_WAIT,
                pb.MESSAGE_STATUS_SENDING, pb.MESSAGE_STATUS_RETRY_WAIT,
                pb.MESSAGE_STATUS_SENDING, pb.MESSAGE_STATUS_FAILED,
            ]
            # FAILED is final: no further attempt without an operator.
            time.sleep(2)
            assert cn.status(message_id).attempts == 3

            network.restart("HK")
            resent = network.apps["CN"].operations.resend(message_id, actor=OPERATOR)
            assert resent.message_id == message_id
            assert resent.status is MessageStatus.QUEUED and resent.attempts == 0
            delivered = wait_for(lambda: (s := cn.status(message_id)).status == pb.MESSAGE_STATUS_DELIVERED and s,
                                 timeout=20)
        assert 1 <= delivered.attempts <= 3
        assert len(_events(cn_repository, message_id, MessageStatus.DELIVERED)) == 1
        found = cn_repository.find_by_idempotency_key(None, "fail-1")
        assert found is not None and found.message_id == message_id
        _handed_over_once(network, [message_id])
