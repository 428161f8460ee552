"""Figures that one ``make bench`` run passes from each benchmark to ``run_all.py``, which judges the targets.

``run_all.py`` sets ``SWGW_BENCH_RESULTS`` to a file; each benchmark appends one JSON object per figure with
:func:`record`. Run alone (no such variable), a benchmark records nothing and only prints. Verdicts are computed
in ``run_all.py`` from the figures of that one run, never from numbers kept anywhere else.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ENVIRONMENT = "SWGW_BENCH_RESULTS"


def record(name: str, value: float, **about: Any) -> None:
    """Append figure ``name`` (``about`` says what it was measured on) to this run's results, if there is a run."""
    path = os.environ.get(ENVIRONMENT)
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(json.dumps({"name": name, "value": value, **about}) + "\n")


def load(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every figure recorded in ``path``, by name, in the order recorded."""
    figures: dict[str, list[dict[str, Any]]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                figures.setdefault(entry["name"], []).append(entry)
    return figures
