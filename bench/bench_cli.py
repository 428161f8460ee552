"""``swgw --help`` and ``swgw COMMAND --help``: how long a person waits for help (target: under 0.3 s).

Run with ``python bench/bench_cli.py``. Each command runs in a fresh interpreter, as a person's shell runs it;
prints the median and the slowest of the runs next to the target and asserts nothing about timing (the test
``tests/unit/gateway/test_cli_parser.py`` checks the cause instead: building the parser imports none of the stack).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
COMMANDS = (["--help"], ["map", "--help"], ["trust", "add", "--help"], ["profiles", "--help"])


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    baseline = _times([sys.executable, "-c", "pass"], env)
    print(f"python startup alone: median {statistics.median(baseline) * 1000:.0f} ms")
    for argv in COMMANDS:
        times = _times([sys.executable, "-m", "gateway", *argv], env)
        print(f"swgw {' '.join(argv):<22} median {statistics.median(times) * 1000:4.0f} ms, "
              f"slowest {max(times) * 1000:4.0f} ms (target < 300 ms)")


def _times(command: list[str], env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    main()
