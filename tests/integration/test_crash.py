"""Crash safety: the sending and the receiving gateway are SIGKILLed at random points under a stream of submissions.

Each gateway is its own ``swgw serve`` process on SQLite. A domestic hub submits a few hundred certificates of
origin to CN (retrying a submission that broke off in a crash with the same idempotency key, as the contract says),
another takes them over from HK (acknowledging each), and a seeded random schedule kills CN, HK or both with
SIGKILL and starts them again (each at least twice). At the end every submission is one message, DELIVERED once at
CN, stored once at HK, handed over once in HK's book and taken over by the receiving hub: once, or again only
after HK died between sending it and committing its acknowledgement (the protocol's at-least-once handover).
The same runs on the streaming path: the hub submits on SubmitStream (resending what a broken stream left
unanswered) and CN delivers to HK on DeliverStream, with group commits on both sides; on SQLite and on PostgreSQL
(each gateway in its own schema).

Set ``SWGW_CRASH_SEED`` to replay a schedule (victims and delays; process timing still varies); the seed is printed.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.adapters.persistence import SqlMessageRepository, create_engine_for
from gateway.core.domain import Direction, DocumentType, MessageStatus
from gateway.tools.client import ClientError, GatewayClient, submit_request
from gateway.tools.devsetup import write_network

from tests.integration.network import COO_AGREEMENTS, postgres_schemas, wait_for
from tests.integration.reliability import (
    Handovers,
    assert_received_and_handed_over_once,
    ServeProcess,
    numbered_record,
    patch_config,
    wait_all_delivered,
)

COO = DocumentType.CERTIFICATE_OF_ORIGIN
MESSAGES = 300
#: How long gateways are killed and restarted (each restart costs seconds on a small machine).
CHAOS_SECONDS = 45.0
#: Failures of a Submit call that a crash of CN explains; the submission is repeated with the same key.
TRANSPORT_ERRORS = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED", "UNKNOWN", "INTERNAL"}


class Submitter(threading.Thread):
    """The CN domestic hub: submits MESSAGES records, each with its idempotency key, retrying broken calls."""

    def __init__(self, domestic_port: int) -> None:
        super().__init__(name="test-submitter", daemon=True)
        self._address = f"127.0.0.1:{domestic_port}"
        self.message_ids: dict[str, str] = {}
        self.retried: Counter[str] = Counter()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with GatewayClient(self._address, timeout=10) as client:
                for i in range(MESSAGES):
                    key = f"crash-{i}"
                    while True:
                        try:
                            response = client.submit("HK", COO, numbered_record(i, "C"), idempotency_key=key)
                        except ClientError as e:
                            if e.code not in TRANSPORT_ERRORS:
                                raise
                            self.retried[key] += 1
                            time.sleep(0.1)
                            continue
                        self.message_ids[key] = response.message_id
                        break
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.error = e


class StreamSubmitter(Submitter):
    """The same hub on the streaming path: SubmitStream (window 16, paced so that kills land mid-stream); after a
    broken stream it sends every request it has no answer for again, with the same keys."""

    def run(self) -> None:
        try:
            keys = [f"crash-{i}" for i in range(MESSAGES)]
            requests = {key: submit_request("HK", COO, numbered_record(i, "C"), idempotency_key=key)
                        for i, key in enumerate(keys)}

            def paced(pending: list[str]) -> Iterator[Any]:
                for key in pending:
                    time.sleep(0.03)
                    yield requests[key]

            while pending := [key for key in keys if key not in self.message_ids]:
                answered = 0
                try:
                    with GatewayClient(self._address, timeout=10) as client:
                        for answer in client.submit_stream(paced(pending), window=16, timeout=120):
                            if answer.WhichOneof("outcome") != "result":
                                raise AssertionError(f"{answer.idempotency_key} refused: {answer.error}")
                            self.message_ids[answer.idempotency_key] = answer.result.message_id
                            answered += 1
                except ClientError as e:
                    if e.code not in TRANSPORT_ERRORS:
                        raise
                    if answered:  # a stream broken midway (not a refused connection while CN is down)
                        self.retried.update(key for key in pending[answered:answered + 16])
                    time.sleep(0.1)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.error = e


def _repository(config_dir: Path, url: str | None = None) -> SqlMessageRepository:
    return SqlMessageRepository(create_engine_for(url or f"sqlite:///{config_dir / 'data' / 'swgw.db'}"))


def _outbound_status(repository: SqlMessageRepository) -> Counter[str]:
    counts: Counter[str] = Counter()
    for (direction, _partner, _type, status), n in repository.counts_by_status().items():
        if direction == Direction.OUTBOUND.value:
            counts[status] += n
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("path", ["unary", "streaming",
                                  pytest.param("streaming-postgresql", marks=pytest.mark.postgres)])
def test_gateways_killed_at_random_points_lose_and_duplicate_nothing(tmp_path: Path, path: str,
                                                                     request: pytest.FixtureRequest) -> None:
    urls: dict[str, str] | None = None
    with ExitStack() as cleanup:
        if path.endswith("postgresql"):
            urls = cleanup.enter_context(postgres_schemas(request.getfixturevalue("postgres_url"), prefix="swgw_kill"))
        _killed_at_random_points(tmp_path, path, urls)


def _killed_at_random_points(tmp_path: Path, path: str, urls: dict[str, str] | None) -> None:
    seed = int(os.environ.get("SWGW_CRASH_SEED") or random.SystemRandom().randrange(1_000_000))
    print(f"crash test seed {seed} (SWGW_CRASH_SEED={seed} replays the kill schedule)")
    rng = random.Random(seed)
    started = time.monotonic()

    windows = write_network(tmp_path, ("CN", "HK"), COO_AGREEMENTS, at=datetime.now(UTC), retry={
        "strategy": "constant", "initial_delay_seconds": 0.3, "max_delay_seconds": 0.3, "max_attempts": 100_000,
        "jitter": 0.0,
    })

    def tune(data: dict[str, Any], party: str) -> None:
        # A restarted CN takes over the claims its killed predecessor held after 3 s instead of a minute.
        data["delivery"].update({"tick_seconds": 0.2, "claim_timeout_seconds": 3})
        if urls is not None:
            data["gateway"]["database_url"] = urls[party]
        if path.startswith("streaming"):  # SubmitStream at CN, DeliverStream to HK
            for partner in data["partners"]:
                partner.update(streaming=True, stream_window=16)

    gateways: dict[str, ServeProcess] = {}
    for party, files in windows.items():
        patch_config(files.config, lambda data, party=party: tune(data, party))
        gateways[party] = ServeProcess(party, files.config, files.domestic_port, files.folder / "gateway.log")
    try:
        for gateway in gateways.values():
            gateway.start()
        for gateway in gateways.values():
            gateway.wait_ready()
        handovers = Handovers(gateways["HK"].domestic_port, crash_epoch=lambda: gateways["HK"].kills).start()
        submitter = (StreamSubmitter if path.startswith("streaming") else Submitter)(gateways["CN"].domestic_port)
        submitter.start()

        # The kill schedule: while submissions are under way (for at most CHAOS_SECONDS), every 0.5-2.5 s after
        # the last restart the sender, the receiver or both die.
        kills: list[tuple[float, str]] = []
        while (submitter.is_alive() and time.monotonic() - started < CHAOS_SECONDS) or min(
                gateways["CN"].kills, gateways["HK"].kills) < 2:
            time.sleep(rng.uniform(0.5, 2.5))
            victims = rng.choice((("CN",), ("HK",), ("CN", "HK")))
            for victim in victims:
                gateways[victim].kill()
            kills.append((round(time.monotonic() - started, 1), "+".join(victims)))
            time.sleep(rng.uniform(0.0, 0.5))
            for victim in victims:
                gateways[victim].start()
            for victim in victims:
                gateways[victim].wait_ready()
        submitter.join(timeout=60)
        assert submitter.error is None, f"a submission failed: {submitter.error!r}"
        assert len(submitter.message_ids) == MESSAGES

        cn = _repository(windows["CN"].folder, urls and urls["CN"])
        hk = _repository(windows["HK"].folder, urls and urls["HK"])
        try:
            wait_all_delivered(cn, MESSAGES, timeout=60)
            submitted = set(submitter.message_ids.values())
            try:
                wait_for(lambda: handovers.distinct() >= submitted, timeout=30, interval=0.25)
            except AssertionError:
                missing = submitted - handovers.distinct()
                statuses = Counter(str(m.status) for m in map(hk.find, missing) if m is not None)
                raise AssertionError(f"{len(missing)} never reached the receiving hub; at HK: {statuses}") from None
            time.sleep(1.0)  # anything handed over twice would show up now
            counts = handovers.stop()

            outbound = [m for m in cn.list_messages(limit=10 * MESSAGES) if m.direction is Direction.OUTBOUND]
            attempts = Counter(m.attempts for m in outbound)
            doubled = {m: n for m, n in counts.items() if n > 1}
            # Messages whose last attempt began after HK had stored them: HK answered with its stored receipt.
            replayed = sum(
                1 for m in outbound
                if (received := hk.find(m.message_id)) is not None
                and max(e.at for e in cn.history(m.message_id) if e.status is MessageStatus.SENDING) > received.created_at
            )
            print(f"crash test ({path}): {MESSAGES} messages, kills {kills} "
                  f"(CN {gateways['CN'].kills}, HK {gateways['HK'].kills}), "
                  f"submissions retried after a crash {sum(submitter.retried.values())} "
                  f"({len(submitter.retried)} keys), attempts per message {dict(sorted(attempts.items()))}, "
                  f"re-sent after HK had stored them (receipt replayed) {replayed}, "
                  f"refused handover calls {handovers.failed_calls}, documents on calls cut off by a kill "
                  f"{len(handovers.cut_off)}, of which sent again {len(doubled)}, "
                  f"{time.monotonic() - started:.0f}s")

            # The sender: one message per idempotency key, every one DELIVERED once.
            assert _outbound_status(cn) == Counter({MessageStatus.DELIVERED.value: MESSAGES})
            assert {m.message_id for m in outbound} == submitted
            for message in outbound:
                assert cn.find_by_idempotency_key(None, message.idempotency_key or "") == message
                delivered = [e for e in cn.history(message.message_id) if e.status is MessageStatus.DELIVERED]
                assert len(delivered) == 1, cn.history(message.message_id)
                assert message.receipt is not None and message.receipt.message_id == message.message_id

            # The receiver and its hub: each message stored, received and handed over once.
            hk_states = {m.status for m in hk.list_messages(limit=10 * MESSAGES) if m.direction is Direction.INBOUND}
            assert hk_states == {MessageStatus.HANDED_OVER}
            assert_received_and_handed_over_once(hk, submitted, counts, handovers, messages=MESSAGES)
        finally:
            cn._db.engine.dispose()
            hk._db.engine.dispose()
    finally:
        for gateway in gateways.values():
            gateway.stop()
