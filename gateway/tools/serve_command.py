"""``swgw serve``: run a gateway until SIGTERM or SIGINT, as one process or, with ``--workers N``, as a supervisor
of N worker processes (see README, "Reliability and scale-out")."""

from __future__ import annotations

import argparse
import os
import signal
import threading

__all__ = ["positive", "run"]


def positive(text: str) -> int:
    """An argparse type: an integer of 1 or more."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def run(args: argparse.Namespace) -> int:
    """Serve the gateway configured in ``args.config``; the exit status."""
    from ..app import build_app
    from ..app.workers import WorkerPlace, supervise, watch_parent, worker_settings
    from .cli import load_settings

    if args.workers > 1 and not args.worker_of:
        return supervise(args.config, args.workers, ["--log-level", str(args.log_level)])
    settings = load_settings(args.config)
    place = WorkerPlace.parse(args.worker_of) if args.worker_of else None
    app = build_app(worker_settings(settings, place) if place else settings)
    app.worker = place
    stop = threading.Event()
    partner_port, domestic_port = app.start()
    console = ""
    if app.console_port:
        scheme = "https" if settings.console.tls else "http"
        host = settings.console.listen.rsplit(":", 1)[0]
        console = f", console {scheme}://{host}:{app.console_port}/"
    worker = f" worker {place.index}/{place.count} (pid {os.getpid()})" if place else ""
    print(f"swgw {settings.party}{worker}: partner port {partner_port} (mTLS), domestic port {domestic_port}"
          f"{console}", flush=True)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if place is not None:
        watch_parent(stop, place.supervisor)
    stop.wait()
    app.stop()
    return 0
