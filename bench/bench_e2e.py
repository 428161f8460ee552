"""End to end: two real gateways (CN -> HK) as separate ``swgw serve`` processes, beside the ``as4`` package.

Run with ``python bench/bench_e2e.py`` (``make bench`` runs it through ``run_all.py``, which judges the targets on
the figures recorded here). Prints figures; asserts nothing about timing. For each database (SQLite; PostgreSQL too,
each gateway in its own schema, when ``--postgres URL`` or ``SWGW_TEST_DATABASE_URL`` is given) and each size:

- throughput: documents per second from Submit to DELIVERED, with many concurrent submitters (a thread pool over
  eight connections, at most ``--in-flight`` documents submitted and not yet delivered), counted from
  ``WatchStatus``;
- latency: p50 / p99 from the Submit call to the DELIVERED transition at a fixed offered load (50 documents/s),
  three passes;
- CPU seconds per document over both gateway processes (utime + stime from ``/proc/<pid>/stat``);
- the ``as4`` package's signed round trip on the same certificate-of-origin document (build: sign and encrypt;
  parse: decrypt and verify; signed receipt; receipt verification), in CPU seconds per round trip, and the ratio
  of swgw documents per CPU-second to as4 round trips per CPU-second.

Then, SQLite and the first size, a throughput pass with each gateway as ``swgw serve --workers N`` for each N of
``--workers`` (default 1, 2, 1, 2), one after the other. ``--profile DIR`` runs one more throughput pass with each
gateway under cProfile (``bench/profiled_serve.py``) and prints where the time goes.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from profiled_serve import summarize
from results import record
from e2e_harness import (
    Submitter,
    Watcher,
    gateways,
    items_for,
    latency,
    throughput,
    wait_all,
)

TARGET_P50_MS = 10.0
LATENCY_PASSES = 3


AS4_PYTHON = Path(__file__).resolve().parent.parent / "tests" / "interop" / ".as4-venv" / "bin" / "python"


def as4_round_trip(document: bytes, seconds: float) -> tuple[float, int]:
    """CPU seconds per as4 signed round trip on ``document``, and the AS4 message size.

    as4 runs in its own virtual environment (``as4_round_trip.py`` under ``tests/interop/.as4-venv``, which
    ``.ci/run`` creates): it pins cryptography<47, which the gateway's environment is past.
    """
    import json
    import subprocess

    from trust import devpki

    if not AS4_PYTHON.exists():
        raise SystemExit(f"the as4 comparison needs {AS4_PYTHON}: python3 -m venv tests/interop/.as4-venv && "
                         "tests/interop/.as4-venv/bin/pip install -r tests/interop/as4_peer/requirements.txt")
    at = datetime.now(UTC) - timedelta(days=1)
    ca = devpki.create_ca("as4 bench CA", at=at, key="rsa")
    with tempfile.TemporaryDirectory(prefix="as4-bench-") as folder:
        for name, cn in (("sender", "POP000001"), ("receiver", "POP000002")):
            issued = devpki.issue_certificate(ca, cn, at=at, usage="signing", key="rsa")
            Path(folder, f"{name}.pem").write_bytes(issued.cert_pem())
            Path(folder, f"{name}.key").write_bytes(issued.key_pem())
        Path(folder, "document.xml").write_bytes(document)
        result = subprocess.run([str(AS4_PYTHON), str(Path(__file__).with_name("as4_round_trip.py")), folder,
                                 str(Path(folder, "document.xml")), str(seconds)],
                                capture_output=True, text=True, check=True)
    figures = json.loads(result.stdout)
    return float(figures["cpu"]), int(figures["size"])


# -- the run -------------------------------------------------------------------------------------------------


def _schemas(url: str) -> tuple[dict[str, str], Callable[[], None]]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    names = {party: f"swgw_bench_{party.lower()}_{uuid.uuid4().hex[:8]}" for party in ("CN", "HK")}
    admin = create_engine(url)
    with admin.begin() as connection:
        for name in names.values():
            connection.execute(text(f'CREATE SCHEMA "{name}"'))

    def drop() -> None:
        with admin.begin() as connection:
            for name in names.values():
                connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    urls = {p: make_url(url).update_query_dict({"options": f"-csearch_path={n}"}).render_as_string(hide_password=False)
            for p, n in names.items()}
    return urls, drop


def _mark(ok: bool) -> str:
    return "meets" if ok else "BELOW"


def bench_database(label: str, database_url: str | None, sizes: list[tuple[str, int, bytes]],
                   args: argparse.Namespace, as4_cpu: dict[str, float]) -> None:
    """Every measurement for one database."""
    urls, drop = _schemas(database_url) if database_url else (None, lambda: None)
    root = Path(tempfile.mkdtemp(prefix="swgw-bench-"))
    if urls is None and args.sqlite_synchronous != "FULL":
        # The gateway's own SQLite URL option (see gateway/adapters/persistence/session.py).
        urls = {party: f"sqlite:///{root / party.lower() / 'data' / 'swgw.db'}?synchronous={args.sqlite_synchronous}"
                for party in ("CN", "HK")}
    try:
        with gateways(root, urls, None, args.metrics) as running, running.client("CN") as watch_client:
            watcher = Watcher(watch_client)
            serial = 1
            # Warm-up: connections, per-thread caches (schemas, parsers), first-call imports.
            for _, items, _ in sizes:
                submitter = Submitter(running, watcher, items, serial, 4)
                for request in submitter.requests(20):
                    submitter.submit_async(request)
                submitter.close()
                wait_all(watcher, submitter.run.sent, 60)
                serial += 20
            for name, items, document in sizes:
                tp = throughput(running, watcher, items, serial, seconds=args.seconds, in_flight=args.in_flight,
                                threads=args.threads)
                serial += 100_000
                swgw_per_cpu = 1 / tp.cpu_per_document
                as4_per_cpu = 1 / as4_cpu[name]
                kb = int(name.split()[0])
                print(f"  [{label}] {name}: {tp.rate:7.1f} docs/s end to end ({tp.documents} in {tp.seconds:.1f}s, "
                      f"{tp.failed} not delivered)")
                split = ", ".join(f"{p} {c / max(tp.documents, 1) * 1000:.1f} ms ({c / tp.seconds:.0%} of a core)"
                                  for p, c in tp.cpu_by_party.items())
                print(f"  [{label}] {name}: {tp.cpu_per_document * 1000:7.2f} ms CPU per document over both gateways "
                      f"({split}); meanwhile the bench client used {tp.client_cpu_seconds / tp.seconds:.0%} of a "
                      f"core and other processes on the machine {tp.other_cpu_seconds / tp.seconds:.0%}"
                      + (" (the PostgreSQL server's work included)" if database_url else ""))
                print(f"  [{label}] {name}: swgw {swgw_per_cpu:.1f} docs/CPU-s vs as4 {as4_per_cpu:.1f} round trips/"
                      f"CPU-s = {swgw_per_cpu / as4_per_cpu:.2f}x")
                facts = {"kb": kb, "database": label}
                record("e2e_rate", tp.rate, **facts)
                record("e2e_cpu_ms", tp.cpu_per_document * 1000, **facts,
                       **{f"{p.lower()}_ms": c / max(tp.documents, 1) * 1000 for p, c in tp.cpu_by_party.items()},
                       other_cores=tp.other_cpu_seconds / tp.seconds, client_cores=tp.client_cpu_seconds / tp.seconds)
                record("as4_ratio", swgw_per_cpu / as4_per_cpu, **facts)
                rate = args.rate if tp.rate > args.rate * 1.25 else round(tp.rate * 0.6, 1)
                note = "" if rate == args.rate else f" (capacity below {args.rate:.0f}/s: offered {rate}/s instead)"
                p50s = []
                for attempt in range(1, LATENCY_PASSES + 1):
                    lat = latency(running, watcher, items, serial, rate=rate, seconds=args.latency_seconds,
                                  threads=args.threads)
                    serial += 100_000
                    p50s.append(lat.p50_ms)
                    record("p50_ms", lat.p50_ms, **facts, rate=rate, offered_target=rate == args.rate, attempt=attempt)
                    print(f"  [{label}] {name}: pass {attempt} at {lat.rate:.0f} docs/s offered: p50 {lat.p50_ms:6.1f} "
                          f"ms, p99 {lat.p99_ms:6.1f} ms Submit->DELIVERED ({lat.documents} docs, {lat.failed} not "
                          f"delivered; Submit call p50 {lat.submit_p50_ms:.1f} ms; seen on WatchStatus p50 "
                          f"{lat.seen_p50_ms:.1f} ms; {lat.cpu_per_document * 1000:.2f} ms CPU/doc){note}")
                median = sorted(p50s)[len(p50s) // 2]
                print(f"  [{label}] {name}: median p50 of {LATENCY_PASSES} passes {median:.1f} ms "
                      f"(target <= {TARGET_P50_MS:.0f} ms at {args.rate:.0f} docs/s: "
                      f"{_mark(median <= TARGET_P50_MS and rate == args.rate)})")
                floor = latency(running, watcher, items, serial, rate=2.0, seconds=5.0, threads=2)
                serial += 100_000
                print(f"  [{label}] {name}: unloaded floor at 2 docs/s: p50 {floor.p50_ms:6.1f} ms, p99 "
                      f"{floor.p99_ms:6.1f} ms Submit->DELIVERED (Submit call p50 {floor.submit_p50_ms:.1f} ms; "
                      f"{floor.cpu_per_document * 1000:.1f} ms CPU/doc including idle ticks)")
    finally:
        drop()
        shutil.rmtree(root, ignore_errors=True)


def bench_workers(sizes: list[tuple[str, int, bytes]], args: argparse.Namespace) -> None:
    """Throughput and CPU per document with each gateway as ``swgw serve --workers N``, for each N, one after the
    other in the same conditions (SQLite, the first size)."""
    name, items, _ = sizes[0]
    kb = int(name.split()[0])
    for workers in (int(w) for w in args.workers.split(",")):
        root = Path(tempfile.mkdtemp(prefix="swgw-bench-workers-"))
        try:
            with gateways(root, None, None, workers=workers) as running, running.client("CN") as watch_client:
                watcher = Watcher(watch_client)
                submitter = Submitter(running, watcher, items, 1, 4)
                for request in submitter.requests(40):
                    submitter.submit_async(request)
                submitter.close()
                wait_all(watcher, submitter.run.sent, 60)
                tp = throughput(running, watcher, items, 1000, seconds=args.seconds, in_flight=args.in_flight,
                                threads=args.threads)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        split = ", ".join(f"{p} {c / tp.seconds:.0%} of a core" for p, c in tp.cpu_by_party.items())
        print(f"  [SQLite, --workers {workers}] {name}: {tp.rate:7.1f} docs/s end to end, "
              f"{tp.cpu_per_document * 1000:.2f} ms CPU per document over both gateways ({split}; {tp.failed} not "
              f"delivered); the bench client {tp.client_cpu_seconds / tp.seconds:.0%} of a core, other processes "
              f"on the machine {tp.other_cpu_seconds / tp.seconds:.0%}")
        record("workers_rate", tp.rate, kb=kb, workers=workers)
        record("workers_cpu_ms", tp.cpu_per_document * 1000, kb=kb, workers=workers,
               other_cores=tp.other_cpu_seconds / tp.seconds)


def profile_pass(sizes: list[tuple[str, int, bytes]], args: argparse.Namespace) -> None:
    """One throughput pass with both gateways under cProfile (after a warm-up); print where the time goes."""
    import signal

    out = Path(args.profile)
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="swgw-bench-profile-"))
    name, items, _ = sizes[0]
    try:
        with gateways(root, None, out) as running, running.client("CN") as watch_client:
            watcher = Watcher(watch_client)
            submitter = Submitter(running, watcher, items, 1, 4)
            for request in submitter.requests(30):
                submitter.submit_async(request)
            submitter.close()
            wait_all(watcher, submitter.run.sent, 60)
            for process in running.processes.values():
                process.send_signal(signal.SIGUSR1)
            time.sleep(0.5)
            tp = throughput(running, watcher, items, 1000, seconds=args.seconds, in_flight=args.in_flight,
                            threads=args.threads, ramp=0.0)
            print(f"  profiled pass ({name}, SQLite): {tp.rate:.1f} docs/s under cProfile, "
                  f"{tp.cpu_per_document * 1000:.1f} ms CPU/doc over both gateways")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for party in ("cn", "hk"):
        path = out / f"{party}.pstats"
        if path.exists():
            print(f"\n  {party.upper()} gateway ({path}):")
            summarize(path)
        else:
            print(f"  no profile written for {party}")


def main() -> None:
    """Parse options, run every pass, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("SWGW_TEST_DATABASE_URL"),
                        help="also run on PostgreSQL at this URL (default: $SWGW_TEST_DATABASE_URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--seconds", type=float, default=12.0, help="length of each throughput pass")
    parser.add_argument("--latency-seconds", type=float, default=8.0, help="length of each fixed-rate pass")
    parser.add_argument("--rate", type=float, default=50.0, help="offered load of the latency pass (docs/s)")
    parser.add_argument("--in-flight", type=int, default=64, help="documents between Submit and DELIVERED")
    parser.add_argument("--threads", type=int, default=16, help="concurrent submitter threads")
    parser.add_argument("--sizes", default="5,50", help="document sizes in KB")
    parser.add_argument("--sqlite-synchronous", default="FULL", choices=["FULL", "NORMAL"], type=str.upper,
                        help="SQLite synchronous mode (NORMAL: commits not fsynced; may lose the last ones on power "
                             "loss)")
    parser.add_argument("--metrics", action="store_true", help="serve Prometheus metrics (to measure their cost)")
    parser.add_argument("--profile", metavar="DIR", help="also run a profiled pass, writing pstats files to DIR")
    parser.add_argument("--workers", default="1,2,1,2",
                        help="worker counts of the passes that compare them, in order (`swgw serve --workers N`, "
                             "SQLite, first size; alternated so that a change in the machine's load shows; '' for "
                             "none)")
    args = parser.parse_args()

    print(f"bench_e2e: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; gateways CN -> HK as separate `swgw serve` processes")
    sizes = []
    for kb in (int(s) for s in args.sizes.split(",")):
        items, document = items_for(kb * 1024)
        sizes.append((f"{kb:>2} KB", items, document))
    as4_cpu: dict[str, float] = {}
    for name, items, document in sizes:
        cpu, as4_size = as4_round_trip(document, 2.0)
        as4_cpu[name] = cpu
        record("as4_cpu_ms", cpu * 1000, kb=int(name.split()[0]), size=as4_size)
        print(f"  {name}: certificate of origin with {items} goods items, {len(document)} B as mapped (UBL 2.4); "
              f"as4 round trip {cpu * 1000:.1f} ms CPU ({1 / cpu:.1f}/CPU-s, AS4 message {as4_size} B)")
    if not args.no_sqlite:
        label = "SQLite" + ("" if args.sqlite_synchronous == "FULL" else f" synchronous={args.sqlite_synchronous}")
        bench_database(label + ("+metrics" if args.metrics else ""), None, sizes, args, as4_cpu)
    if args.postgres:
        bench_database("PostgreSQL" + ("+metrics" if args.metrics else ""), args.postgres, sizes, args, as4_cpu)
    if args.workers:
        bench_workers(sizes, args)
    if args.profile:
        profile_pass(sizes, args)


if __name__ == "__main__":
    main()
