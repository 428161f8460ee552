"""Every benchmark, one after the other, then the targets judged on this run's figures: what ``make bench`` runs.

Runs, when present: ``bench_trust.py`` (XML-DSig against plain signxml), ``bench_floor.py`` (what the mandated
libraries cost per document by themselves, and the ceiling that implies), ``bench_wakeup.py`` (what one hop costs
after its threads were idle: the latency floor at low load), ``bench_mappings.py`` (the mapping engine),
``bench_pipeline.py`` (one document's CPU by step, in one process), ``bench_pool.py`` (what a process pool for
mapping and signing would cost), ``bench_e2e.py`` (two ``swgw serve``
processes, throughput, latency, CPU per document, and the ``as4`` package on the same payload; on PostgreSQL too
when ``SWGW_TEST_DATABASE_URL`` is set; then one and two worker processes per gateway), ``bench_stream.py`` (the
streaming path: SubmitStream and DeliverStream with group commits, documents per second end to end),
``bench_backlog.py`` (a partner's outage: how soon the backlog drains once it is back, unary and streaming) and
``bench_large.py`` (10, 100 and 500 MB attachments: peak memory of both gateways and MB/s). Extra arguments go to
``bench_e2e.py`` (e.g. ``--profile DIR``).

Each benchmark records its figures (``results.py``); the closing table judges the targets of issue 17 from those
figures only, so every verdict compares measurements of one run: a figure that was not measured is reported as
"not measured", never taken from elsewhere.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import results

HERE = Path(__file__).resolve().parent

#: (script, arguments), in order; a missing script is skipped.
BENCHMARKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bench_trust.py", ()),
    ("bench_floor.py", ()),
    ("bench_wakeup.py", ()),
    ("bench_mappings.py", ()),
    ("bench_pipeline.py", ("--documents", "150")),
    ("bench_pipeline.py", ("--documents", "40", "--items", "34")),
    ("bench_pool.py", ()),
    ("bench_e2e.py", ()),
    # The streaming path's benchmark records ``stream_rate`` (documents/s end to end, ``kb=5``) with results.record.
    ("bench_stream.py", ()),
    ("bench_backlog.py", ()),
    ("bench_large.py", ()),
)

#: The targets (issue 17 item 1).
FLOOR_FACTOR = 2.0
AS4_RATIO = {5: 1.5, 50: 1.0}
P50_MS = 10.0
P50_RATE = 50.0
STREAM_RATE = 300.0


def _first(figures: dict[str, list[dict[str, Any]]], name: str, **about: Any) -> dict[str, Any] | None:
    return next((f for f in figures.get(name, []) if all(f.get(k) == v for k, v in about.items())), None)


def verdicts(figures: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each target of issue 17, from one run's figures."""
    rows: list[tuple[str, str, str]] = []

    def judge(ok: bool) -> str:
        return "meets" if ok else "BELOW"

    for kb in (5, 50):
        floor = _first(figures, "floor_ms", kb=kb, database="SQLite FULL")
        e2e = _first(figures, "e2e_cpu_ms", kb=kb, database="SQLite")
        target = f"unary CPU/doc over both gateways <= {FLOOR_FACTOR:.0f}x the library floor ({kb} KB, SQLite)"
        if floor and e2e:
            ratio = e2e["value"] / floor["value"]
            rows.append((target, f"{e2e['value']:.2f} ms = {ratio:.2f}x the floor {floor['value']:.2f} ms",
                         judge(ratio <= FLOOR_FACTOR)))
        else:
            rows.append((target, "not measured", "-"))
    for kb, wanted in AS4_RATIO.items():
        ratio = _first(figures, "as4_ratio", kb=kb, database="SQLite")
        target = f"swgw docs per CPU-s >= {wanted}x as4 round trips per CPU-s ({kb} KB, SQLite)"
        rows.append((target, f"{ratio['value']:.2f}x", judge(ratio["value"] >= wanted)) if ratio
                    else (target, "not measured", "-"))
    passes = [f for f in figures.get("p50_ms", []) if f.get("kb") == 5 and f.get("database") == "SQLite"]
    target = f"p50 Submit->DELIVERED <= {P50_MS:.0f} ms at {P50_RATE:.0f} docs/s, median of 3 passes (5 KB, SQLite)"
    if len(passes) >= 3:
        values = sorted(f["value"] for f in passes)
        median = values[len(values) // 2]
        offered = all(f.get("offered_target") for f in passes)
        rows.append((target, f"{median:.1f} ms (passes {', '.join(f'{v:.1f}' for v in values)})"
                     + ("" if offered else f" at {passes[0]['rate']} docs/s, below capacity"),
                     judge(median <= P50_MS and offered)))
    else:
        rows.append((target, "not measured", "-"))
    stream = _first(figures, "stream_rate", kb=5)
    target = f"streaming path >= {STREAM_RATE:.0f} docs/s end to end (5 KB)"
    rows.append((target, f"{stream['value']:.1f} docs/s", judge(stream["value"] >= STREAM_RATE)) if stream
                else (target, "not measured (bench_stream.py did not finish a pass)", "-"))
    for workers in sorted({int(f["workers"]) for f in figures.get("workers_rate", [])}):
        rates = [f for f in figures["workers_rate"] if f["workers"] == workers]
        cpus = [f for f in figures.get("workers_cpu_ms", []) if f["workers"] == workers]
        passes = "; ".join(f"{r['value']:.1f} docs/s, {c['value']:.2f} ms CPU/doc (others on the machine "
                           f"{c.get('other_cores', 0):.0%} of a core)" for r, c in zip(rates, cpus))
        rows.append((f"swgw serve --workers {workers} (5 KB, SQLite; figures, no target)", passes, ""))
    pool = _first(figures, "pool_cpu_ms", kb=5)
    if pool:
        rows.append(("a process pool for mapping + XML signing instead (5 KB; figures, no target)",
                     f"{pool['value']:.2f} ms CPU/doc for that work, {pool['in_process_ms']:.2f} ms in process", ""))
    return rows


def main() -> int:
    """Run each benchmark as its own process, then print the verdicts; return non-zero if one failed."""
    load = os.getloadavg()
    print(f"swgw benchmarks on {platform.node()}: {os.cpu_count()} cores, {platform.platform()}, "
          f"Python {platform.python_version()}; load average at the start {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}", flush=True)
    failed = []
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="swgw-bench-results-"))
    figures = folder / "figures.jsonl"
    os.environ[results.ENVIRONMENT] = str(figures)
    for script, arguments in BENCHMARKS:
        path = HERE / script
        if not path.exists():
            print(f"\n== {script}: not present, skipped", flush=True)
            continue
        extra = tuple(sys.argv[1:]) if script == "bench_e2e.py" else ()
        print(f"\n== {script} {' '.join((*arguments, *extra))}".rstrip(), flush=True)
        began = time.monotonic()
        result = subprocess.run([sys.executable, str(path), *arguments, *extra], check=False)
        print(f"== {script}: {'ok' if result.returncode == 0 else f'FAILED ({result.returncode})'} in "
              f"{time.monotonic() - began:.0f}s", flush=True)
        if result.returncode != 0:
            failed.append(script)
    outcome = f"; failed: {', '.join(failed)}" if failed else ""
    load = os.getloadavg()
    print(f"\nall benchmarks in {time.monotonic() - started:.0f}s{outcome}; load average at the end "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    rows = verdicts(results.load(figures))
    print("\ntargets (issue 17), judged on this run's figures only:")
    width = max(len(r[0]) for r in rows)
    for target, measured, verdict in rows:
        print(f"  {target:<{width}}  {measured}  {verdict}".rstrip())
    shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
