"""``swgw serve --workers 2``: two gateways of two worker processes each exchange documents while one worker of
each is SIGKILLed; nothing is lost and nothing is handled twice, both workers serve, the supervisor starts the
killed worker again and stops every worker on SIGTERM.

Each gateway is a real ``swgw serve --workers 2`` process tree on SQLite (one WAL database shared by its workers).
The CN hub submits over many connections (the kernel spreads connections, not calls, over the workers), retrying a
call broken by the kill with the same idempotency key; the HK hub takes documents over, acknowledging each.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.adapters.persistence import SqlMessageRepository, create_engine_for
from gateway.core.domain import Direction, DocumentType, MessageStatus
from gateway.tools.client import ClientError, GatewayClient
from gateway.tools.devsetup import write_network

from tests.integration.network import COO_AGREEMENTS, wait_for
from tests.integration.reliability import (
    Handovers,
    ServeProcess,
    assert_received_and_handed_over_once,
    numbered_record,
    patch_config,
    wait_all_delivered,
)

COO = DocumentType.CERTIFICATE_OF_ORIGIN
MESSAGES = 160
CONNECTIONS = 16
TRANSPORT_ERRORS = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED", "UNKNOWN", "INTERNAL"}


def _workers(supervisor: ServeProcess) -> list[int]:
    """Process ids of the supervisor's live worker processes."""
    assert supervisor.process is not None
    pid = supervisor.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if "--worker-of" in Path(f"/proc/{c}/cmdline").read_text(errors="replace")]


def _repository(folder: Path) -> SqlMessageRepository:
    return SqlMessageRepository(create_engine_for(f"sqlite:///{folder / 'data' / 'swgw.db'}"))


def _submit_all(port: int, first: int, count: int, ids: dict[str, str], retried: Counter[str]) -> None:
    # Each thread has its own connection, so the kernel spreads the calls over the workers.
    lock = threading.Lock()

    def submit(client: GatewayClient, number: int) -> None:
        key = f"workers-{number}"
        while True:
            try:
                response = client.submit("HK", COO, numbered_record(number, "W"), idempotency_key=key)
            except ClientError as e:
                if e.code not in TRANSPORT_ERRORS:
                    raise
                with lock:
                    retried[key] += 1
                time.sleep(0.1)
                continue
            with lock:
                ids[key] = response.message_id
            return

    def run(connection: int) -> None:
        with GatewayClient(f"127.0.0.1:{port}", timeout=10, own_connection=True) as client:
            for number in range(first + connection, first + count, CONNECTIONS):
                submit(client, number)

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        for future in [pool.submit(run, c) for c in range(CONNECTIONS)]:
            future.result()


@pytest.mark.slow
def test_two_worker_gateways_lose_and_duplicate_nothing_when_a_worker_is_killed(tmp_path: Path) -> None:
    windows = write_network(tmp_path, ("CN", "HK"), COO_AGREEMENTS, at=datetime.now(UTC), retry={
        "strategy": "constant", "initial_delay_seconds": 0.3, "max_delay_seconds": 0.3, "max_attempts": 100_000,
        "jitter": 0.0,
    })

    def tune(data: dict[str, Any]) -> None:
        # Claims a killed worker held are taken over after 3 s instead of a minute.
        data["delivery"].update({"tick_seconds": 0.2, "claim_timeout_seconds": 3})

    gateways: dict[str, ServeProcess] = {}
    for party, files in windows.items():
        patch_config(files.config, tune)
        gateways[party] = ServeProcess(party, files.config, files.domestic_port, files.folder / "gateway.log",
                                       options=("--workers", "2"), log_level="DEBUG")  # DEBUG: a line per call
    cn_log = windows["CN"].folder / "gateway.log"
    try:
        for gateway in gateways.values():
            gateway.start()
            gateway.wait_ready()
        for gateway in gateways.values():
            wait_for(lambda gateway=gateway: len(_workers(gateway)) == 2, timeout=60, interval=0.2)
        handovers = Handovers(gateways["HK"].domestic_port, crash_epoch=lambda: gateways["HK"].kills).start()
        ids: dict[str, str] = {}
        retried: Counter[str] = Counter()
        _submit_all(gateways["CN"].domestic_port, 0, MESSAGES // 2, ids, retried)

        # SIGKILL one worker of each gateway while the second half is submitted and delivered.
        killed: dict[str, int] = {}
        submitting = threading.Thread(
            target=_submit_all, args=(gateways["CN"].domestic_port, MESSAGES // 2, MESSAGES // 2, ids, retried))
        submitting.start()
        time.sleep(0.5)
        for party, index in (("CN", 1), ("HK", 0)):
            pid = _workers(gateways[party])[index]
            killed[party] = pid
            gateways[party].kills += 1
            os.kill(pid, signal.SIGKILL)
        submitting.join(timeout=120)
        assert not submitting.is_alive()
        assert len(ids) == MESSAGES

        # The supervisors started the killed workers again.
        for party, gateway in gateways.items():
            wait_for(lambda gateway=gateway, party=party: len(_workers(gateway)) == 2
                     and killed[party] not in _workers(gateway), timeout=60, interval=0.2)

        cn, hk = _repository(windows["CN"].folder), _repository(windows["HK"].folder)
        try:
            wait_all_delivered(cn, MESSAGES, timeout=90)
            submitted = set(ids.values())
            wait_for(lambda: handovers.distinct() >= submitted, timeout=60, interval=0.25)
            time.sleep(1.0)  # anything handed over twice would show up now
            counts = handovers.stop()

            outbound = [m for m in cn.list_messages(limit=10 * MESSAGES) if m.direction is Direction.OUTBOUND]
            assert {m.message_id for m in outbound} == submitted
            assert {m.status for m in outbound} == {MessageStatus.DELIVERED}
            for message in outbound:
                delivered = [e for e in cn.history(message.message_id) if e.status is MessageStatus.DELIVERED]
                assert len(delivered) == 1, cn.history(message.message_id)
            assert_received_and_handed_over_once(hk, submitted, counts, handovers, messages=MESSAGES)
        finally:
            cn._db.engine.dispose()
            hk._db.engine.dispose()

        # Both CN workers answered Submit calls (the log names each call's process).
        serving = Counter(re.findall(r"\[(\d+)\] swgw\.rpc: rpc \S+ \S*/Submit OK",
                                     cn_log.read_text(errors="replace")))
        assert len(serving) >= 2, serving
    finally:
        for gateway in gateways.values():
            workers = _workers(gateway) if gateway.alive() else []
            gateway.stop()
            assert gateway.process is not None and gateway.process.returncode == 0, gateway.log.read_text()[-3000:]
            for pid in workers:
                assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_workers_refuse_a_taken_port_and_leave_nothing_running(tmp_path: Path) -> None:
    windows = write_network(tmp_path, ("CN", "HK"), COO_AGREEMENTS, at=datetime.now(UTC))
    files = windows["CN"]
    # Another program holds CN's domestic port without SO_REUSEPORT: no worker may share it.
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", files.domestic_port))
        holder.listen()
        result = subprocess.run(
            [sys.executable, "-m", "gateway.tools.cli", "serve", "--config", str(files.config), "--workers", "2"],
            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert f"CONFIG_INVALID: cannot listen on 127.0.0.1:{files.domestic_port}" in result.stderr, result.stderr[-2000:]
    leftovers = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert str(files.config) not in leftovers


def test_workers_stop_when_their_supervisor_is_killed(tmp_path: Path) -> None:
    windows = write_network(tmp_path, ("CN", "HK"), COO_AGREEMENTS, at=datetime.now(UTC))
    files = windows["CN"]
    gateway = ServeProcess("CN", files.config, files.domestic_port, files.folder / "gateway.log",
                           options=("--workers", "2"))
    gateway.start()
    try:
        gateway.wait_ready()
        wait_for(lambda: len(_workers(gateway)) == 2, timeout=60, interval=0.2)
        workers = _workers(gateway)
        gateway.kill()  # SIGKILL: the supervisor cannot pass anything on

        def gone() -> bool:
            return all(not Path(f"/proc/{pid}").exists()
                       or "zombie" in Path(f"/proc/{pid}/status").read_text().lower() for pid in workers)

        wait_for(gone, timeout=60, interval=0.2)
    finally:
        for pid in _workers(gateway) if gateway.alive() else []:
            os.kill(pid, signal.SIGKILL)
        gateway.stop()
