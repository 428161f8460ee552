"""Every benchmark, one after the other: what ``make bench`` runs. Prints figures; asserts nothing about timing.

Runs, when present: ``bench_trust.py`` (XML-DSig against plain signxml), ``bench_floor.py`` (what the mandated
libraries cost per document by themselves, and the ceiling that implies), ``bench_wakeup.py`` (what one hop costs
after its threads were idle: the latency floor at low load), ``bench_mappings.py`` (the mapping engine),
``bench_pipeline.py`` (one document's CPU by step, in one process) and ``bench_e2e.py`` (two ``swgw serve``
processes, throughput, latency, CPU per document, and the ``as4`` package on the same payload; on PostgreSQL too
when ``SWGW_TEST_DATABASE_URL`` is set), ``bench_stream.py`` (the streaming path: SubmitStream and DeliverStream
with group commits, documents per second end to end) and ``bench_large.py`` (10, 100 and 500 MB attachments: peak
memory of both gateways and MB/s). Extra arguments go to ``bench_e2e.py`` (e.g. ``--profile DIR``). The whole run
takes about six to nine minutes on two cores.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (script, arguments), in order; a missing script is skipped.
BENCHMARKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bench_trust.py", ()),
    ("bench_floor.py", ()),
    ("bench_wakeup.py", ()),
    ("bench_mappings.py", ()),
    ("bench_pipeline.py", ("--documents", "150")),
    ("bench_pipeline.py", ("--documents", "40", "--items", "34")),
    ("bench_e2e.py", ()),
    ("bench_stream.py", ()),
    ("bench_large.py", ()),
)


def main() -> int:
    """Run each benchmark as its own process; return non-zero if one failed."""
    print(f"swgw benchmarks on {platform.node()}: {os.cpu_count()} cores, {platform.platform()}, "
          f"Python {platform.python_version()}", flush=True)
    failed = []
    started = time.monotonic()
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
    print(f"\nall benchmarks in {time.monotonic() - started:.0f}s{outcome}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
