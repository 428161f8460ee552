"""The end-to-end harness: gateway processes, bench records, a WatchStatus follower and the two load shapes.

Used by ``bench_e2e.py`` (and ``bench_pipeline.py`` for the records). Nothing here asserts anything about timing.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tomli_w  # noqa: E402
import tomllib  # noqa: E402

import mappings  # noqa: E402
import trust  # noqa: E402
from gateway._generated.swgw.v1 import domestic_exchange_pb2 as dpb  # noqa: E402
from gateway._generated.swgw.v1 import envelope_pb2 as pb  # noqa: E402
from gateway.core.domain import DocumentType  # noqa: E402
from gateway.tools.client import ClientError, GatewayClient  # noqa: E402
from gateway.tools.devsetup import WindowFiles, write_network  # noqa: E402
from gateway.transports import codec  # noqa: E402

PROFILE = "coo-ubl24-cepa-hk"
AGREEMENTS = {("CN", "HK"): {"certificate-of-origin": PROFILE}}
FINAL = (pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- documents -----------------------------------------------------------------------------------------------


def make_record(items: int, serial: int) -> dict[str, Any]:
    """The coo-cn-hk example with ``items`` goods items and a certificate number of its own."""
    record: dict[str, Any] = mappings.load_example("coo-cn-hk", issued_on=datetime.now(UTC).date())
    template = record["goods_items"]
    goods = []
    for i in range(items):
        item = dict(template[i % len(template)])
        item["sequence"] = i + 1
        item["marks"] = f"EXAMPLE/HK/2025-{i + 1:04d}"
        goods.append(item)
    record["goods_items"] = goods
    record["certificate"]["number"] = f"K{serial:012d}"
    return record


def items_for(target_bytes: int) -> tuple[int, bytes]:
    """The goods item count whose mapped certificate of origin is closest to ``target_bytes``, and that document."""
    best: tuple[int, bytes] | None = None
    for items in range(1, 400):
        record = make_record(items, 1)
        report = mappings.validate_record("certificate-of-origin", record)
        if not report.ok:
            raise SystemExit(f"bench record with {items} items does not validate: {report.to_dict()}")
        document = mappings.map_forward(record, PROFILE).document  # validates against the UBL schema too
        if best is None or abs(len(document) - target_bytes) < abs(len(best[1]) - target_bytes):
            best = (items, document)
        if len(document) >= target_bytes:
            break
    assert best is not None
    return best


# -- gateway processes ---------------------------------------------------------------------------------------


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine have used (``/proc/stat``: everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / CLOCK_TICKS


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its live children (the workers of ``swgw serve --workers N``)."""
    total = cpu_seconds(pid)
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            total += cpu_seconds(int(child))
        except FileNotFoundError:
            pass  # ended meanwhile
    return total


@dataclass
class Gateways:
    """The running CN and HK gateway processes."""

    windows: dict[str, WindowFiles]
    processes: dict[str, subprocess.Popen[bytes]]
    signing: trust.SigningIdentity

    workers: int = 1
    commands: dict[str, list[str]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def stop(self, party: str) -> None:
        """Stop one gateway (SIGTERM, as systemd would), e.g. to play a partner's outage."""
        process = self.processes[party]
        process.terminate()
        process.wait(timeout=30)

    def start(self, party: str) -> None:
        """Start a stopped gateway again on the same configuration and database; returns once it serves."""
        log = (self.windows[party].folder / "gateway.log").open("ab")
        self.processes[party] = subprocess.Popen(self.commands[party], stdout=log, stderr=subprocess.STDOUT,
                                                 env=self.env)
        _wait_ready(self, [party])

    def cpu(self) -> float:
        """CPU seconds used so far by both gateways (every worker process of each)."""
        return sum(tree_cpu_seconds(p.pid) for p in self.processes.values())

    def cpu_by_party(self) -> dict[str, float]:
        """CPU seconds used so far by each gateway (every worker process)."""
        return {party: tree_cpu_seconds(p.pid) for party, p in self.processes.items()}

    def client(self, party: str = "CN", own_connection: bool = False) -> GatewayClient:
        """A domestic client of ``party`` (``own_connection``: not shared with other clients, so that clients
        spread over the workers)."""
        return GatewayClient(f"127.0.0.1:{self.windows[party].domestic_port}", timeout=60,
                             own_connection=own_connection)


def _wait_ready(gateways: Gateways, parties: list[str] | None = None) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.monotonic() + 60
    for party, window in gateways.windows.items():
        if parties is not None and party not in parties:
            continue
        with gateways.client(party) as client:
            while True:
                if gateways.processes[party].poll() is not None:
                    log = (window.folder / "gateway.log").read_text(errors="replace")[-3000:]
                    raise SystemExit(f"gateway {party} exited:\n{log}")
                try:
                    stub = health_pb2_grpc.HealthStub(client._channel)
                    request = health_pb2.HealthCheckRequest()
                    status = stub.Check(request, timeout=1, wait_for_ready=True).status
                    if status == health_pb2.HealthCheckResponse.SERVING:
                        break
                except Exception:  # noqa: BLE001 - not up yet
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"gateway {party} did not become ready")
                time.sleep(0.1)
    if gateways.workers > 1:
        # Health answered on one worker; the others print their line once they serve too.
        for party, window in gateways.windows.items():
            if parties is not None and party not in parties:
                continue
            log = window.folder / "gateway.log"
            while len(re.findall(rf"worker \d+/{gateways.workers} \(pid", log.read_text(errors="replace"))) \
                    < gateways.workers:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the workers of {party} did not all start:\n{log.read_text()[-3000:]}")
                time.sleep(0.1)


@contextmanager
def gateways(root: Path, database_urls: dict[str, str] | None, profile_dir: Path | None,
             metrics: bool = False, workers: int = 1, streaming: bool = False,
             max_attachment_bytes: int = 0) -> Iterator[Gateways]:
    """Write a CN-HK network under ``root`` and run each gateway as its own process (``swgw serve --workers
    N`` with ``workers`` above 1; ``streaming``: the agreements enable DeliverStream; ``max_attachment_bytes``: they
    allow large attachments that size)."""
    windows = write_network(root, ("CN", "HK"), AGREEMENTS, at=datetime.now(UTC) - timedelta(hours=1))
    for party, window in windows.items():
        data = tomllib.loads(window.config.read_text())
        if database_urls:
            data["gateway"]["database_url"] = database_urls[party]
        if metrics:
            data["metrics"] = {"address": "127.0.0.1:0"}
        for partner in data["partners"]:
            if streaming:
                partner["streaming"] = True
            if max_attachment_bytes:
                partner["max_attachment_bytes"] = max_attachment_bytes
        window.config.write_text(tomli_w.dumps(data))
    cn_keys = windows["CN"].folder / "keys"
    signing = trust.SigningIdentity.from_pem((cn_keys / "signing.key.pem").read_bytes(),
                                             (cn_keys / "signing.cert.pem").read_bytes(),
                                             (cn_keys / "ca.cert.pem").read_bytes())
    processes: dict[str, subprocess.Popen[bytes]] = {}
    commands: dict[str, list[str]] = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        for party, window in windows.items():
            if profile_dir is None:
                command = [sys.executable, "-m", "gateway.tools.cli", "serve", "--config", str(window.config),
                           "--workers", str(workers)]
            else:
                command = [sys.executable, str(ROOT / "bench" / "profiled_serve.py"),
                           str(profile_dir / f"{party.lower()}.pstats"), "--config", str(window.config)]
            commands[party] = command
            log = (window.folder / "gateway.log").open("wb")
            processes[party] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        running = Gateways(windows, processes, signing, workers, commands, env)
        _wait_ready(running)
        yield running
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


# -- submitting and watching ---------------------------------------------------------------------------------


class Watcher:
    """Follows CN's WatchStatus stream and records when each message reached a final state."""

    def __init__(self, client: GatewayClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self.final: dict[str, tuple[int, float, float]] = {}
        """message id -> (status, server time of the transition, client time it was seen)."""
        self._waiters: dict[str, Callable[[int], None]] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for event in self._client.watch(0):  # in batches, as a hub following many documents would
                self._event(event)
        except ClientError:
            return  # the bench closed the channel

    def _event(self, event: pb.StatusEvent) -> None:
        if event.status not in FINAL:
            return
        seen = time.time()
        at = event.at.seconds + event.at.nanos / 1e9
        with self._lock:
            self.final[event.message_id] = (event.status, at, seen)
            waiter = self._waiters.pop(event.message_id, None)
        if waiter is not None:
            waiter(event.status)

    def on_final(self, message_id: str, callback: Callable[[int], None]) -> None:
        """Call ``callback(status)`` once the message is final (at once if it is already)."""
        with self._lock:
            final = self.final.get(message_id)
            if final is None:
                self._waiters[message_id] = callback
                return
        callback(final[0])

    def count(self) -> int:
        """Messages seen final so far."""
        with self._lock:
            return len(self.final)


@dataclass
class Sent:
    """One submitted document."""

    message_id: str
    submitted_at: float
    accepted_at: float


@dataclass
class Run:
    """What a measurement pass produced."""

    sent: list[Sent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def submit_request(record: dict[str, Any]) -> dpb.SubmitRequest:
    """The Submit request the domestic hub would send."""
    return dpb.SubmitRequest(
        receiver=pb.PartyId(value="HK"),
        document_type=codec.document_type_to_proto(DocumentType.CERTIFICATE_OF_ORIGIN),
        action=pb.ACTION_ISSUE,
        record_json=json.dumps(record, ensure_ascii=False).encode(),
    )


class Submitter:
    """Submits pre-built records over one channel from a pool of threads."""

    def __init__(self, running: Gateways, watcher: Watcher, items: int, first_serial: int, threads: int,
                 connections: int = 8) -> None:
        # Several connections, as a busy hub would open, so that the kernel spreads them over the workers.
        self._clients = [running.client("CN", own_connection=True) for _ in range(connections)]
        self._next = itertools.count()
        self._watcher = watcher
        self._items = items
        self._serial = first_serial
        self._serial_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bench-submit")
        self.run = Run()

    def requests(self, n: int) -> list[dpb.SubmitRequest]:
        """``n`` distinct Submit requests (built ahead, so the measured loop only sends)."""
        with self._serial_lock:
            first, self._serial = self._serial, self._serial + n
        return [submit_request(make_record(self._items, first + i)) for i in range(n)]

    def send(self, request: dpb.SubmitRequest, on_final: Callable[[int], None] | None = None,
             on_refused: Callable[[], None] | None = None) -> None:
        """Submit one request in the calling thread and note it."""
        started = time.time()
        try:
            client = self._clients[next(self._next) % len(self._clients)]
            response = client.domestic.Submit(request, timeout=60)
        except Exception as e:  # noqa: BLE001 - counted and reported
            self.run.errors.append(str(e)[:300])
            if on_refused is not None:
                on_refused()
            return
        self.run.sent.append(Sent(response.message_id, started, time.time()))
        if on_final is not None:
            self._watcher.on_final(response.message_id, on_final)

    def submit_async(self, request: dpb.SubmitRequest, on_final: Callable[[int], None] | None = None,
                     on_refused: Callable[[], None] | None = None) -> None:
        """Submit from the pool."""
        self._pool.submit(self.send, request, on_final, on_refused)

    def close(self) -> None:
        """Finish queued submissions and close the channel."""
        self._pool.shutdown(wait=True)
        for client in self._clients:
            client.close()


def wait_all(watcher: Watcher, sent: list[Sent], timeout: float) -> bool:
    """Wait until every sent message is final."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(s.message_id in watcher.final for s in sent):
            return True
        time.sleep(0.05)
    return False


# -- measurements --------------------------------------------------------------------------------------------


@dataclass
class Throughput:
    """A saturated pass."""

    documents: int
    seconds: float
    cpu_seconds: float
    client_cpu_seconds: float
    failed: int
    cpu_by_party: dict[str, float]
    other_cpu_seconds: float
    """CPU used by everything else on the machine meanwhile (other users' processes)."""

    @property
    def rate(self) -> float:
        return self.documents / self.seconds

    @property
    def cpu_per_document(self) -> float:
        return self.cpu_seconds / max(self.documents, 1)


def throughput(running: Gateways, watcher: Watcher, items: int, serial: int, *, seconds: float, in_flight: int,
               threads: int, ramp: float = 2.0) -> Throughput:
    """Keep ``in_flight`` documents between Submit and DELIVERED for ``seconds``; count what completes."""
    submitter = Submitter(running, watcher, items, serial, threads)
    requests: queue.SimpleQueue[dpb.SubmitRequest] = queue.SimpleQueue()
    for request in submitter.requests(int((seconds + ramp) * 100)):
        requests.put(request)
    slots = threading.Semaphore(in_flight)
    stop = threading.Event()
    done_at: list[float] = []
    done_lock = threading.Lock()

    def completed(status: int) -> None:
        if status == pb.MESSAGE_STATUS_DELIVERED:
            with done_lock:
                done_at.append(time.monotonic())
        slots.release()

    def feed() -> None:
        while not stop.is_set():
            if not slots.acquire(timeout=0.1):
                continue
            try:
                request = requests.get_nowait()
            except queue.Empty:
                request = submitter.requests(1)[0]
            submitter.submit_async(request, completed, slots.release)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    time.sleep(ramp)  # fill the pipeline before counting
    parties0, machine0, client0, t0 = running.cpu_by_party(), machine_busy_seconds(), time.process_time(), \
        time.monotonic()
    time.sleep(seconds)
    parties1, machine1, client1, t1 = running.cpu_by_party(), machine_busy_seconds(), time.process_time(), \
        time.monotonic()
    by_party = {p: parties1[p] - parties0[p] for p in parties0}
    cpu0, cpu1 = 0.0, sum(by_party.values())
    stop.set()
    feeder.join()
    submitter.close()
    wait_all(watcher, submitter.run.sent, 120)
    with done_lock:
        finished = sum(1 for t in done_at if t0 <= t <= t1)
    if submitter.run.errors and not submitter.run.sent:
        raise SystemExit(f"every submission was refused: {submitter.run.errors[:2]}")
    failed = sum(1 for s in submitter.run.sent
                 if watcher.final.get(s.message_id, (0,))[0] != pb.MESSAGE_STATUS_DELIVERED)
    return Throughput(finished, t1 - t0, cpu1 - cpu0, client1 - client0, failed + len(submitter.run.errors),
                      by_party, (machine1 - machine0) - (cpu1 - cpu0) - (client1 - client0))


@dataclass
class Latency:
    """A fixed-rate pass."""

    rate: float
    documents: int
    p50_ms: float
    p99_ms: float
    submit_p50_ms: float
    seen_p50_ms: float
    cpu_per_document: float
    failed: int


def latency(running: Gateways, watcher: Watcher, items: int, serial: int, *, rate: float, seconds: float,
            threads: int) -> Latency:
    """Offer ``rate`` documents per second (open loop) for ``seconds``; Submit-to-DELIVERED percentiles."""
    n = max(int(rate * seconds), 20)
    submitter = Submitter(running, watcher, items, serial, threads)
    requests = submitter.requests(n)
    cpu0 = running.cpu()
    start = time.monotonic() + 0.05
    for i, request in enumerate(requests):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        submitter.submit_async(request)
    submitter.close()
    wait_all(watcher, submitter.run.sent, 120)
    cpu = running.cpu() - cpu0
    delivered = [(s, watcher.final[s.message_id]) for s in submitter.run.sent
                 if watcher.final.get(s.message_id, (0,))[0] == pb.MESSAGE_STATUS_DELIVERED]
    if not delivered:
        raise SystemExit(f"nothing was delivered: {submitter.run.errors[:3]}")
    ms = sorted((at - s.submitted_at) * 1000 for s, (_, at, _) in delivered)
    seen = [(seen - s.submitted_at) * 1000 for s, (_, _, seen) in delivered]
    submit = [(s.accepted_at - s.submitted_at) * 1000 for s, _ in delivered]
    return Latency(rate, len(delivered), statistics.median(ms), ms[min(int(len(ms) * 0.99), len(ms) - 1)],
                   statistics.median(submit), statistics.median(seen), cpu / len(delivered),
                   n - len(delivered))
