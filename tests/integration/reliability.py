"""Helpers of the reliability tests: numbered records, `swgw serve` processes that can be SIGKILLed, and a
domestic consumer that counts handovers.

The crash and replica tests run every gateway as its own ``swgw serve`` process (as production does), so that a
``kill -9`` loses whatever the process held in memory and nothing else.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
import tomllib

from gateway.adapters.persistence import SqlMessageRepository
from gateway.core.domain import Direction, MessageStatus
from gateway.tools.client import ClientError, GatewayClient

from tests.integration.network import example, wait_for

COO_EXAMPLE = "coo-cn-hk"


def numbered_record(number: int, prefix: str = "R") -> bytes:
    """The CN->HK example certificate of origin with its own certificate number (so its own business key)."""
    record = copy.deepcopy(example(COO_EXAMPLE))
    record["certificate"]["number"] = f"K25{prefix}{number:09d}"
    return json.dumps(record, ensure_ascii=False).encode()


def patch_config(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit a gateway's TOML configuration in place."""
    data = tomllib.loads(path.read_text())
    change(data)
    path.write_text(tomli_w.dumps(data))


@dataclass
class ServeProcess:
    """One ``swgw serve --config`` process; :meth:`kill` is a SIGKILL, :meth:`start` starts it again."""

    name: str
    config: Path
    domestic_port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0
    starts: int = 0
    options: tuple[str, ...] = ()
    """More ``swgw serve`` options (e.g. ``--workers 2``)."""
    log_level: str = "INFO"

    def start(self) -> None:
        """Start the process (its log is appended to, across restarts)."""
        assert self.process is None or self.process.poll() is not None, f"{self.name} is running"
        with self.log.open("ab") as log:
            log.write(f"\n===== start {self.starts + 1} =====\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gateway.tools.cli", "--log-level", self.log_level, "serve", "--config", str(self.config),
                 *self.options],
                stdout=log, stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, in-flight deliveries and transactions are cut off."""
        assert self.process is not None
        # Counted first: a call broken by the kill ends after the count moved (see Handovers).
        self.kills += 1
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: the process keeps its sockets but answers nothing (a hung partner), until :meth:`resume`."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after :meth:`pause`."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the domestic port answers a call."""
        deadline = time.monotonic() + timeout
        with GatewayClient(f"127.0.0.1:{self.domestic_port}", timeout=2) as client:
            while True:
                if not self.alive():
                    raise AssertionError(f"{self.name} exited with {self.process and self.process.returncode}; "
                                         f"log:\n{self.log.read_text()[-3000:]}")
                try:
                    client.status("readiness-probe")
                except ClientError as e:
                    if e.code == "MESSAGE_NOT_FOUND":
                        return
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.name} did not become ready; log:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL when it does not stop)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGCONT)  # a paused process would hold the SIGTERM until continued
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def wait_all_delivered(repository: SqlMessageRepository, count: int, timeout: float) -> None:
    """Wait until ``count`` outbound messages are DELIVERED; otherwise fail showing where the others are."""

    def delivered() -> int:
        return sum(n for (d, _p, _t, s), n in repository.counts_by_status().items()
                   if d == Direction.OUTBOUND.value and s == MessageStatus.DELIVERED.value)

    try:
        wait_for(lambda: delivered() == count, timeout=timeout, interval=0.25)
    except AssertionError:
        others = [m for m in repository.list_messages(limit=10 * count)
                  if m.direction is Direction.OUTBOUND and m.status is not MessageStatus.DELIVERED]
        raise AssertionError(f"{delivered()} of {count} DELIVERED after {timeout:.0f}s; the others: "
                             + "; ".join(f"{m.message_id} {m.status} {m.last_error}" for m in others[:5])) from None


class Handovers:
    """A domestic hub taking documents over from a gateway, in a thread, through ``GatewayClient.receive``.

    It keeps calling ``receive`` (acknowledging every document) and tolerates the gateway being down. ``counts``
    says how often each message id arrived. ``crash_epoch`` (e.g. how often the gateway was killed) tells which
    documents arrived on a call during which the gateway crashed: ``cut_off`` counts those arrivals. Only they
    may be followed by another: their acknowledgement may have been lost with the gateway, which then sends them
    again (the protocol's at-least-once handover; a hub deduplicates by message id).
    """

    def __init__(self, domestic_port: int, *, crash_epoch: Callable[[], int] = lambda: 0, batch: int = 64,
                 call_seconds: float = 1.5) -> None:
        self._address = f"127.0.0.1:{domestic_port}"
        self._epoch = crash_epoch
        self._batch = batch
        self._call_seconds = call_seconds
        self.counts: Counter[str] = Counter()
        self.cut_off: Counter[str] = Counter()
        self.failed_calls = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="test-handovers", daemon=True)

    def start(self) -> Handovers:
        """Start taking documents over."""
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            epoch = self._epoch()
            try:
                with GatewayClient(self._address, timeout=5) as client:
                    documents = client.receive(max_documents=self._batch, timeout=self._call_seconds)
            except ClientError:
                with self._lock:
                    self.failed_calls += 1
                time.sleep(0.1)
                continue
            with self._lock:
                self.counts.update(d.message_id for d in documents)
                if self._epoch() != epoch:
                    self.cut_off.update(d.message_id for d in documents)

    def distinct(self) -> set[str]:
        """Message ids handed over at least once."""
        with self._lock:
            return set(self.counts)

    def stop(self) -> Counter[str]:
        """Stop (after the call under way ends) and return the counts."""
        self._stop.set()
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the handover thread hangs"
        return Counter(self.counts)


def assert_received_once(hk: SqlMessageRepository, submitted: set[str], *, messages: int) -> None:
    """HK's book holds exactly the submitted messages inbound, each received once and handed over once."""
    inbound = [m for m in hk.list_messages(limit=10 * messages) if m.direction is Direction.INBOUND]
    assert len(inbound) == messages
    assert {m.message_id for m in inbound} == submitted
    for message in inbound:
        events = Counter(e.status for e in hk.history(message.message_id))
        assert events == Counter({MessageStatus.RECEIVED: 1, MessageStatus.HANDED_OVER: 1}), events


def assert_received_and_handed_over_once(hk: SqlMessageRepository, submitted: set[str], counts: Counter[str],
                                         handovers: Handovers, *, messages: int) -> None:
    """The receiver's half of exactly-once: :func:`assert_received_once`, and every message taken over by the hub
    once, except where HK died between sending a document and committing its acknowledgement (then the protocol
    sends it again; the hub deduplicates by message id)."""
    assert_received_once(hk, submitted, messages=messages)
    assert set(counts) == submitted
    unexplained = {m: n for m, n in counts.items() if n > 1 + handovers.cut_off[m]}
    assert unexplained == {}, f"handed over again without a crash in between: {unexplained}"
