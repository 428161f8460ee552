"""Scale-out: three ``swgw serve`` replicas of CN share one PostgreSQL schema and the work; one is SIGKILLed.

The replicas have the same configuration except their listen ports. The CN domestic hub submits to replicas 1 and
2 (a submission that fails because its replica died goes to the other one with the same idempotency key, as a
load balancer would send it); replica 3 receives no submissions, so whatever it delivers it claimed from the
database. A quarter of the way through, HK hangs (SIGSTOP): every delivery under way blocks with its claim, new
submissions find no free worker and wait QUEUED, replica 3 claims from that backlog, and replica 2 is killed while
it holds claims. HK then answers again and the survivors take over replica 2's claims when they expire. HK (one
process, SQLite) must store every message once and hand each over once, every replica must have claimed work
(``messages.claimed_by``, sampled while messages are SENDING), and replica 2's claims must have been taken over.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gateway.adapters.persistence import SqlMessageRepository, create_engine_for
from gateway.core.domain import Direction, DocumentType, MessageStatus
from gateway.tools.client import ClientError, GatewayClient
from gateway.tools.devsetup import free_port, write_network

from tests.integration.network import COO_AGREEMENTS, wait_for
from tests.integration.reliability import (
    Handovers,
    ServeProcess,
    assert_received_once,
    numbered_record,
    patch_config,
    wait_all_delivered,
)

COO = DocumentType.CERTIFICATE_OF_ORIGIN
MESSAGES = 150
REPLICAS = 3
TRANSPORT_ERRORS = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED", "UNKNOWN", "INTERNAL"}


@pytest.fixture
def cn_schema(postgres_url: str) -> Iterator[str]:
    """A fresh schema for CN's replicas; dropped afterwards."""
    name = f"swgw_it_replicas_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield make_url(postgres_url).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


class Submitter(threading.Thread):
    """Submits MESSAGES records alternately to replicas 1 and 2, failing over to the other on a transport error."""

    def __init__(self, ports: list[int]) -> None:
        super().__init__(name="test-submitter", daemon=True)
        self._ports = ports
        self.message_ids: dict[str, str] = {}
        self.by_replica: Counter[int] = Counter()
        self.failovers = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        clients = [GatewayClient(f"127.0.0.1:{port}", timeout=10) for port in self._ports]
        try:
            for i in range(MESSAGES):
                key, target = f"replica-{i}", i % len(clients)
                while True:
                    try:
                        response = clients[target].submit("HK", COO, numbered_record(i, "P"), idempotency_key=key)
                    except ClientError as e:
                        if e.code not in TRANSPORT_ERRORS:
                            raise
                        self.failovers += 1
                        target = (target + 1) % len(clients)
                        time.sleep(0.05)
                        continue
                    self.message_ids[key] = response.message_id
                    self.by_replica[target + 1] += 1
                    break
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.error = e
        finally:
            for client in clients:
                client.close()


class ClaimSampler(threading.Thread):
    """Reads ``claimed_by`` of SENDING messages every few milliseconds: which replica claimed which message."""

    def __init__(self, url: str) -> None:
        super().__init__(name="test-claims", daemon=True)
        self._engine = create_engine_for(url)
        self._lock = threading.Lock()
        self.claims: dict[str, set[str]] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        query = text("SELECT message_id, claimed_by FROM messages WHERE status = 'SENDING' AND claimed_by IS NOT NULL")
        try:
            while not self.stop.is_set():
                with self._engine.connect() as connection:
                    rows = connection.execute(query).all()
                with self._lock:
                    for message_id, claimer in rows:
                        self.claims.setdefault(claimer, set()).add(message_id)
                time.sleep(0.01)
        finally:
            self._engine.dispose()

    def claimed_by(self, process: ServeProcess) -> set[str]:
        """The messages seen claimed by one replica (its claimer names carry its pid)."""
        assert process.process is not None
        marker = f":{process.process.pid}:"
        with self._lock:
            return {m for claimer, ids in self.claims.items() if marker in claimer for m in ids}


@pytest.mark.postgres
@pytest.mark.slow
def test_replicas_share_the_work_and_survive_one_being_killed(tmp_path: Path, cn_schema: str) -> None:
    started = time.monotonic()
    windows = write_network(tmp_path, ("CN", "HK"), COO_AGREEMENTS, at=datetime.now(UTC), retry={
        "strategy": "constant", "initial_delay_seconds": 0.3, "max_delay_seconds": 0.3, "max_attempts": 100_000,
        "jitter": 0.0,
    })

    def tune(data: dict[str, Any]) -> None:
        # Survivors take over a dead replica's claims after 3 s instead of a minute.
        data["delivery"].update({"tick_seconds": 0.2, "claim_timeout_seconds": 3})

    patch_config(windows["HK"].config, tune)
    cn_folder = windows["CN"].folder

    def replica_config(data: dict[str, Any]) -> None:
        tune(data)
        data["gateway"]["database_url"] = cn_schema

    patch_config(windows["CN"].config, replica_config)
    replicas: list[ServeProcess] = [
        ServeProcess("CN-1", windows["CN"].config, windows["CN"].domestic_port, cn_folder / "replica-1.log")
    ]
    for n in range(2, REPLICAS + 1):
        # The same configuration (same database, keys, partners), other listen ports.
        config, domestic_port = cn_folder / f"swgw-replica-{n}.toml", free_port()
        config.write_text(windows["CN"].config.read_text())

        def ports(data: dict[str, Any], domestic_port: int = domestic_port) -> None:
            data["partner_listener"]["address"] = f"127.0.0.1:{free_port()}"
            data["domestic_listener"]["address"] = f"127.0.0.1:{domestic_port}"

        patch_config(config, ports)
        replicas.append(ServeProcess(f"CN-{n}", config, domestic_port, cn_folder / f"replica-{n}.log"))
    hk_gateway = ServeProcess("HK", windows["HK"].config, windows["HK"].domestic_port, windows["HK"].folder / "gw.log")

    sampler = ClaimSampler(cn_schema)
    cn = SqlMessageRepository(create_engine_for(cn_schema))
    hk: SqlMessageRepository | None = None
    try:
        # The replicas start together: schema migration and trust import must not trip over each other.
        for gateway in (hk_gateway, *replicas):
            gateway.start()
        for gateway in (hk_gateway, *replicas):
            gateway.wait_ready()
        handovers = Handovers(hk_gateway.domestic_port).start()
        sampler.start()
        submitter = Submitter([replicas[0].domestic_port, replicas[1].domestic_port])
        submitter.start()

        # Kill replica 2 while deliveries are under way (a quarter delivered); claims it held expire and are taken
        # over by the others.
        def delivered() -> int:
            return sum(n for (d, _p, _t, s), n in cn.counts_by_status().items()
                       if d == Direction.OUTBOUND.value and s == MessageStatus.DELIVERED.value)

        wait_for(lambda: delivered() >= MESSAGES // 4, timeout=60, interval=0.02)
        victim = replicas[1]
        hk_gateway.pause()
        try:
            # Every replica now holds claims it cannot finish: 1 and 2 those of their own submissions, 3 those it
            # took from the QUEUED backlog.
            wait_for(lambda: all(sampler.claimed_by(r) for r in replicas), timeout=30, interval=0.02)
            held_by_victim = len(sampler.claimed_by(victim))
            victim.kill()
            killed_at_delivered = delivered()
        finally:
            hk_gateway.resume()

        submitter.join(timeout=120)
        assert submitter.error is None, f"a submission failed: {submitter.error!r}"
        assert len(submitter.message_ids) == MESSAGES
        submitted = set(submitter.message_ids.values())
        wait_all_delivered(cn, MESSAGES, timeout=60)
        wait_for(lambda: handovers.distinct() >= submitted, timeout=30, interval=0.25)
        time.sleep(1.0)  # anything handed over twice would show up now
        counts = handovers.stop()
        sampler.stop.set()
        sampler.join(timeout=10)

        claimed = {replica.name: len(sampler.claimed_by(replica)) for replica in replicas}
        outbound = [m for m in cn.list_messages(limit=10 * MESSAGES) if m.direction is Direction.OUTBOUND]
        takeovers = sum(
            1 for m in outbound for e in cn.history(m.message_id)
            if e.previous_status is MessageStatus.SENDING and e.status is MessageStatus.SENDING
        )
        print(f"replicas: {MESSAGES} messages submitted {dict(submitter.by_replica)} (failovers "
              f"{submitter.failovers}); {victim.name} killed at {killed_at_delivered} delivered holding "
              f"{held_by_victim} claims; messages seen "
              f"claimed per replica {claimed}; expired claims taken over {takeovers}; "
              f"attempts {dict(sorted(Counter(m.attempts for m in outbound).items()))}; "
              f"{time.monotonic() - started:.0f}s")

        # CN: one message per idempotency key, each DELIVERED once, whichever replica took it.
        assert {m.message_id for m in outbound} == submitted
        for message in outbound:
            assert message.status is MessageStatus.DELIVERED
            assert [e.status for e in cn.history(message.message_id)].count(MessageStatus.DELIVERED) == 1

        # HK: exactly MESSAGES inbound rows, each received once and handed over once.
        hk = SqlMessageRepository(create_engine_for(f"sqlite:///{windows['HK'].folder / 'data' / 'swgw.db'}"))
        assert_received_once(hk, submitted, messages=MESSAGES)
        assert counts == Counter({message_id: 1 for message_id in submitted})

        # The work was shared: every replica claimed messages (the one killed, before it died), and the claims the
        # killed one held were taken over by the others once they expired.
        assert all(claimed.values()), claimed
        assert takeovers >= 1
    finally:
        sampler.stop.set()
        for gateway in (hk_gateway, *replicas):
            gateway.stop()
        cn._db.engine.dispose()
        if hk is not None:
            hk._db.engine.dispose()
