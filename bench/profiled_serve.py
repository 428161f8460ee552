"""``swgw serve`` under cProfile in every thread; writes the merged statistics when the gateway stops.

Usage: ``python bench/profiled_serve.py OUT.pstats --config swgw.toml`` (what ``bench_e2e.py --profile`` runs).
The gateway itself is unchanged: this wrapper installs a profiler in the main thread and, through
``threading.setprofile``, in every thread started afterwards (gRPC workers, delivery workers, the dispatcher),
then calls ``gateway.tools.cli.main(["serve", ...])``. Each profiler counts its own thread's CPU time
(``time.thread_time``). ``SIGUSR1`` marks the start of the window of interest: what was counted before it (start-up,
warm-up) is subtracted from what is written at the end. cProfile slows Python calls down, so use the figures for
where the time goes, not for how much there is.
"""

from __future__ import annotations

import cProfile
import pstats
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.tools.cli import main as swgw_main  # noqa: E402

_profilers: list[cProfile.Profile] = []
_baseline: dict[int, dict[Any, Any]] = {}
_lock = threading.Lock()


def _start_in_thread(frame: FrameType, event: str, arg: Any) -> None:
    # Called at the first event of a new thread: replace this hook with a real profiler for that thread.
    profiler = cProfile.Profile(time.thread_time)
    with _lock:
        _profilers.append(profiler)
    profiler.enable()


def _snapshot(profiler: cProfile.Profile) -> dict[Any, Any]:
    profiler.snapshot_stats()
    return dict(profiler.stats)


def _mark(signum: int, frame: FrameType | None) -> None:
    with _lock:
        for profiler in _profilers:
            _baseline[id(profiler)] = _snapshot(profiler)


class _Window:
    """Statistics of one profiler minus its baseline, in the shape ``pstats.Stats`` reads."""

    def __init__(self, stats: dict[Any, Any], baseline: dict[Any, Any]) -> None:
        self.stats: dict[Any, Any] = {}
        for func, (cc, nc, tt, ct, callers) in stats.items():
            bcc, bnc, btt, bct, bcallers = baseline.get(func, (0, 0, 0.0, 0.0, {}))
            if nc - bnc <= 0 and tt - btt <= 0:
                continue
            self.stats[func] = (cc - bcc, nc - bnc, tt - btt, ct - bct, {
                caller: tuple(a - b for a, b in zip(v, bcallers.get(caller, (0, 0, 0.0, 0.0)), strict=True))
                for caller, v in callers.items()
            })

    def create_stats(self) -> None:
        """pstats calls this; the statistics are ready."""


def run(out: Path, argv: list[str]) -> int:
    """Serve with every thread profiled; dump the merged statistics to ``out``."""
    threading.setprofile(_start_in_thread)
    main_profiler = cProfile.Profile(time.thread_time)
    _profilers.append(main_profiler)
    signal.signal(signal.SIGUSR1, _mark)
    main_profiler.enable()
    try:
        return int(swgw_main(["--log-level", "WARNING", "serve", *argv]))
    finally:
        main_profiler.disable()
        threading.setprofile(None)
        with _lock:
            windows = [_Window(_snapshot(p), _baseline.get(id(p), {})) for p in _profilers]
        windows = [w for w in windows if w.stats]
        stats = pstats.Stats(windows[0])  # type: ignore[arg-type]
        for window in windows[1:]:
            stats.add(window)  # type: ignore[arg-type]
        stats.dump_stats(str(out))


#: Package of a profiled function, by a fragment of its file path (first match wins).
_PACKAGES = (
    ("sqlalchemy", "/sqlalchemy/"), ("sqlite3 (C)", "sqlite3"), ("grpc", "/grpc/"), ("protobuf", "/protobuf/"),
    ("mappings", "/mappings/"), ("trust", "/trust/"), ("signxml", "/signxml/"), ("lxml (C)", "lxml"),
    ("cryptography (C)", "cryptography"), ("gateway/adapters/persistence", "/gateway/adapters/persistence/"),
    ("gateway (other)", "/gateway/"), ("threading, queues", "threading"), ("json", "/json/"),
    ("Python builtins (C), from all of the above", "<built-in"),
    ("Python builtins (C), from all of the above", "<method"),
)

#: Gateway entry points whose cumulative time is shown.
_ENTRY_POINTS = (
    ("domestic_service.py", "Submit"), ("domestic_service.py", "WatchStatus"), ("partner_service.py", "Deliver"),
    ("dispatcher.py", "tick"), ("dispatcher.py", "deliver_now"), ("runner.py", "submit"), ("runner.py", "receive"),
    ("steps.py", "prepare_outbound"), ("steps.py", "map_inbound"), ("steps.py", "verify_receipt"),
    ("repository.py", "add_outbound"), ("repository.py", "claim_due"), ("repository.py", "transition"),
    ("repository.py", "add_inbound"), ("repository.py", "find"), ("repository.py", "events_after"),
    ("interceptors.py", "peer_partner"),
)


def summarize(path: Path, top: int = 12) -> None:
    """Print own CPU time by package, the gateway entry points' cumulative time, and the top functions."""
    raw: dict[Any, Any] = {
        key: value for key, value in pstats.Stats(str(path)).stats.items()  # type: ignore[attr-defined]
        if "cProfile" not in key[0] and "_lsprof" not in key[2]  # the profiler's own bookkeeping
    }
    total = sum(v[2] for v in raw.values()) or 1.0
    by_package: dict[str, float] = {}
    for (file, _, name), (_, _, own, _, _) in raw.items():
        where = file if file != "~" else name
        package = next((label for label, fragment in _PACKAGES if fragment in where), "other")
        by_package[package] = by_package.get(package, 0.0) + own
    print(f"    CPU in the window: {total:.2f} s; own time by package:")
    for package, own in sorted(by_package.items(), key=lambda kv: -kv[1]):
        print(f"      {package:<44} {own:6.2f} s {own / total:5.0%}")
    print("    gateway entry points (cumulative, calls):")
    for file, function in _ENTRY_POINTS:
        found = [(v[1], v[3]) for (f, _, n), v in raw.items() if f.endswith(file) and n == function]
        if found:
            calls, cumulative = sum(c for c, _ in found), sum(t for _, t in found)
            print(f"      {file + ':' + function:<32} {cumulative:6.2f} s {cumulative / total:5.0%} {calls:7d} calls")
    print(f"    top {top} functions by own time:")
    for (file, line, name), (_, calls, own, _, _) in sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]:
        print(f"      {own:6.2f} s {own / total:5.0%} {calls:8d} calls  {Path(file).name}:{line}({name})")


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]), sys.argv[2:]))
