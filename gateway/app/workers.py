"""``swgw serve --workers N``: one gateway as N processes sharing its database and its listening ports.

A gateway process is held to about one core by the GIL. With ``--workers N`` a supervisor starts N worker
processes on the same configuration: each binds the partner and domestic ports with ``SO_REUSEPORT`` (the kernel
spreads incoming connections over them), runs the whole pipeline and its own dispatcher, and claims due deliveries
from the shared database, which is already safe between processes (SQLite: every writing transaction begins with
``BEGIN IMMEDIATE`` on a WAL database; PostgreSQL: ``FOR UPDATE SKIP LOCKED``). Status and inbound pulses are
relayed between the workers (:mod:`gateway.adapters.siblings`) so streams on one worker see what another stored
without waiting for their poll. What acts once for the whole gateway (the AS4 endpoint, metrics, the web console,
pulling from an ePhyto hub, the expiry, retention and alert jobs) runs in the first worker only.

A worker that dies is started again; what it held is not lost: a Submit or Deliver it had not answered is retried
by its caller (duplicates are recognised), and a delivery it had claimed is taken over when the claim times out
(``[delivery] claim_timeout_seconds``). SIGTERM or SIGINT to the supervisor stops every worker cleanly.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..adapters.siblings import SiblingRelay
from ..core.settings import Settings
from ..core.signals import Signals

__all__ = ["WorkerPlace", "supervise", "worker_settings"]

log = logging.getLogger(__name__)

_PORTS = "ports.json"
#: How long the first worker may take to migrate the database and bind its ports.
_START_SECONDS = 120.0
_STOP_SECONDS = 30.0


@dataclass
class WorkerPlace:
    """Where a worker process stands: the supervisor's run folder, its index (0 is the first), the count and the
    supervisor's process id."""

    folder: Path
    index: int
    count: int
    supervisor: int
    _relay: SiblingRelay | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str) -> WorkerPlace:
        """``FOLDER:INDEX:COUNT:SUPERVISOR_PID`` as the supervisor passes it."""
        folder, index, count, supervisor = text.rsplit(":", 3)
        return cls(Path(folder), int(index), int(count), int(supervisor))

    def addresses(self, partner: str, domestic: str) -> tuple[str, str]:
        """The addresses to bind: the ports the first worker bound (a configured port 0 becomes one port shared by
        every worker), or the configured ones while none are known."""
        path = self.folder / _PORTS
        if not path.exists():
            return partner, domestic
        bound = json.loads(path.read_text())
        return str(bound["partner"]), str(bound["domestic"])

    def bound(self, partner: str, partner_port: int, domestic: str, domestic_port: int) -> None:
        """Note the first worker's ports for the others (written once, atomically)."""
        path = self.folder / _PORTS
        if self.index != 0 or path.exists():
            return
        ports = {"partner": f"{partner.rsplit(':', 1)[0]}:{partner_port}",
                 "domestic": f"{domestic.rsplit(':', 1)[0]}:{domestic_port}"}
        staged = path.with_suffix(".tmp")
        staged.write_text(json.dumps(ports))
        staged.replace(path)

    def relay(self, signals: Signals) -> None:
        """Relay ``signals`` to and from the sibling workers."""
        self._relay = SiblingRelay(self.folder, self.index, self.count, signals)

    def close(self) -> None:
        """Stop relaying."""
        if self._relay is not None:
            self._relay.close()


def worker_settings(settings: Settings, place: WorkerPlace) -> Settings:
    """``settings`` as worker ``place`` runs them: listeners that exist once per gateway only in the first worker."""
    if place.index == 0:
        return settings
    return replace(settings, metrics=None, as4_listener=None, console=replace(settings.console, enabled=False))


def watch_parent(stop: threading.Event, supervisor: int) -> None:
    """Set ``stop`` when the supervisor that started this worker is gone (killed without passing on a SIGTERM; the
    worker is then another process's child), checked at once and every second."""

    def watch() -> None:
        while True:
            if os.getppid() != supervisor:
                log.warning("supervisor %d is gone; stopping this worker", supervisor)
                stop.set()
                return
            if stop.wait(1.0):
                return

    threading.Thread(target=watch, name="swgw-parent-watch", daemon=True).start()


def supervise(config: Path, count: int, cli_options: list[str]) -> int:
    """Run ``count`` workers of the gateway configured in ``config`` until SIGTERM or SIGINT; restart any that
    dies. ``cli_options`` are the global ``swgw`` options passed on to each worker (e.g. the log level)."""
    folder = Path(tempfile.mkdtemp(prefix="swgw-workers-"))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    def start(index: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "gateway.tools.cli", *cli_options, "serve", "--config",
                                 str(config), "--worker-of", f"{folder}:{index}:{count}:{os.getpid()}"])

    workers: dict[int, subprocess.Popen[bytes]] = {}
    try:
        workers[0] = start(0)
        deadline = time.monotonic() + _START_SECONDS
        while not (folder / _PORTS).exists():
            code = workers[0].poll()
            if code is not None:
                return code or 1  # the first worker's own error (configuration, taken port) is on stderr
            if stop.wait(0.05) or time.monotonic() > deadline:
                print("swgw: the first worker did not bind its ports", file=sys.stderr, flush=True)
                return 1
        for index in range(1, count):
            workers[index] = start(index)
        print(f"swgw: {count} workers, pids {' '.join(str(w.pid) for w in workers.values())}", flush=True)
        started = dict.fromkeys(workers, time.monotonic())
        backoff = dict.fromkeys(workers, 1.0)
        while not stop.wait(0.5):
            for index, worker in list(workers.items()):
                code = worker.poll()
                if code is None:
                    continue
                # A worker that kept running a minute restarts at once; one that keeps dying backs off to 30 s.
                if time.monotonic() - started[index] > 60:
                    backoff[index] = 1.0
                print(f"swgw: worker {index} (pid {worker.pid}) exited with {code}; starting it again in "
                      f"{backoff[index]:.0f}s", file=sys.stderr, flush=True)
                if stop.wait(backoff[index]):
                    break
                backoff[index] = min(backoff[index] * 2, 30.0)
                workers[index], started[index] = start(index), time.monotonic()
        return 0
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers.values():
            try:
                worker.wait(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        shutil.rmtree(folder, ignore_errors=True)
