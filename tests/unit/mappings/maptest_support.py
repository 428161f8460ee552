"""Shared helpers for the mappings tests: the reference folder and the data vectors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.reference_root import HINT, REFERENCE

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "tests" / "vectors" / "mappings"


def reference(relative: str) -> Path:
    """Return a file of the third-party reference folder, skipping the test when it is absent."""
    path = REFERENCE / relative
    if not path.exists():
        pytest.skip(f"reference material {relative} is absent (expected under {REFERENCE}; {HINT})")
    return path


def vector_cases(relative: str) -> list[Any]:
    """Load ``[[case]]`` tables of a TOML vector file as pytest params named by case."""
    data = tomllib.loads((VECTORS / relative).read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in data["case"]]


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [int(m.group(2)) if m.group(2) is not None else m.group(1) for m in _STEP.finditer(path)]


def apply_edits(record: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    """Apply a vector's ``set`` and ``delete`` edits (paths like ``goods_items[0].hs_code``) to ``record``."""
    for path, value in case.get("set", {}).items():
        *parents, last = _steps(path)
        obj: Any = record
        for step in parents:
            obj = obj[step]
        obj[last] = value
    for path in case.get("delete", []):
        *parents, last = _steps(path)
        obj = record
        for step in parents:
            obj = obj[step]
        del obj[last]
    return record
