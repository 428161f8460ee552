"""Replicas sharing one database: concurrent claims and the WatchStatus cursor.

Each thread has its own engine, as separate replicas would (on SQLite the second engine also bypasses the
in-process write lock, so BEGIN IMMEDIATE alone must keep the claims apart).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from persistence_testkit import T0, envelope

from gateway.adapters.persistence import SqlMessageRepository, create_engine_for
from gateway.core.domain import MessageStatus
from gateway.core.ports import StatusEvent

MESSAGES = 200


def run_threads(targets: list[Callable[[], None]]) -> None:
    """Run ``targets`` in threads started together; re-raise the first failure."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait()
                target()
            except BaseException as e:  # noqa: BLE001 - handed to the main thread
                errors.append(e)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in threads), "a worker hung"


def test_concurrent_claims_never_take_a_message_twice(database_url: str) -> None:
    engines = [create_engine_for(database_url) for _ in range(2)]
    try:
        repos = [SqlMessageRepository(e) for e in engines]
        for i in range(MESSAGES):
            repos[0].add_outbound(
                envelope(f"CO-{i}"), at=T0 + timedelta(milliseconds=i), record_json="{}", report_json="{}",
                idempotency_key=None, domestic_client="hub",
            )  # fmt: skip
        claimed: dict[str, list[str]] = {"replica-a": [], "replica-b": []}

        def claimer(repo: SqlMessageRepository, name: str) -> Callable[[], None]:
            def run() -> None:
                while batch := repo.claim_due(now=T0 + timedelta(seconds=1), limit=7, claimer=name,
                                              claim_timeout=timedelta(minutes=5)):  # fmt: skip
                    claimed[name].extend(m.message_id for m in batch)
                    time.sleep(0.001)  # a dispatcher hands the batch to its workers before it claims again

            return run

        run_threads([claimer(repos[0], "replica-a"), claimer(repos[1], "replica-b")])
        everything = claimed["replica-a"] + claimed["replica-b"]
        duplicates = [m for m, n in Counter(everything).items() if n > 1]
        assert duplicates == []
        assert len(everything) == MESSAGES
        sending = [e for e in repos[1].events_after(0, limit=10_000) if e.status is MessageStatus.SENDING]
        assert len(sending) == MESSAGES
    finally:
        for e in engines:
            e.dispose()


def test_event_cursor_misses_nothing_while_replicas_write(database_url: str) -> None:
    engines = [create_engine_for(database_url) for _ in range(3)]
    try:
        writers, reader = [SqlMessageRepository(e) for e in engines[:2]], SqlMessageRepository(engines[2])
        done = threading.Event()
        seen: list[StatusEvent] = []

        def write(repo: SqlMessageRepository, prefix: str) -> Callable[[], None]:
            def run() -> None:
                for i in range(40):
                    stored = repo.add_outbound(
                        envelope(f"{prefix}-{i}"), at=T0, record_json="{}", report_json="{}",
                        idempotency_key=None, domestic_client="hub",
                    )  # fmt: skip
                    repo.transition(stored.message_id, MessageStatus.SENDING, at=T0)

            return run

        def watch() -> None:
            cursor = 0
            while True:
                finished = done.is_set()
                page = reader.events_after(cursor, limit=50)
                seen.extend(page)
                cursor = page[-1].sequence if page else cursor
                if finished and not page:
                    return

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            run_threads([write(writers[0], "A"), write(writers[1], "B")])
        finally:
            done.set()
            watcher.join(timeout=60)
        everything = reader.events_after(0, limit=10_000)
        assert len(everything) == 2 * 40 * 3
        assert [e.sequence for e in seen] == [e.sequence for e in everything]
    finally:
        for e in engines:
            e.dispose()
