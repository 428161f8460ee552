"""Property: record -> target -> record keeps every field the target carries, and the loss report names the rest.

Each profile's fidelity (share of generated record values that come back unchanged) is printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from maptest_strategies import profile_fixed, records

from mappings import Interchange, list_profiles, map_forward, map_reverse, validate_record
from mappings.specs.profiles import _spec
from mappings.records.paths import find_entries
from mappings.records.paths import flatten

def _leaves(record: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    if isinstance(record, dict):
        for k, v in record.items():
            yield from _leaves(v, f"{path}.{k}")
    elif isinstance(record, list):
        for i, v in enumerate(record):
            yield from _leaves(v, f"{path}[{i}]")
    elif record is not None:
        yield path, record


def _fixed(profile_id: str) -> dict[str, Any]:
    return profile_fixed(_spec(profile_id))


def _same(a: Any, b: Any) -> bool:
    """Equal values; date-times are equal when they name the same instant (EDIFACT carries them in UTC)."""
    if isinstance(a, str) and isinstance(b, str) and "T" in a and "T" in b:
        try:
            return datetime.fromisoformat(a) == datetime.fromisoformat(b)
        except ValueError:
            pass
    return bool(a == b)


PROFILES = list(list_profiles())
# UTF-8, so that any text the catalog allows can be written.
INTERCHANGE = Interchange(sender="CN", recipient="MO", syntax_identifier="UNOW")


def _within_limits(profile_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """Cut values to the target's element lengths (``max`` in the spec): longer ones are refused by design."""
    for path, node in _spec(profile_id).limits:
        assert node.max_length is not None
        for at, value in find_entries(record, path):
            if isinstance(value, str) and len(value) > node.max_length:
                *parents, last = at.removeprefix("$.").replace("[", ".").replace("]", "").split(".")
                obj: Any = record
                for step in parents:
                    obj = obj[int(step)] if step.isdigit() else obj[step]
                obj[last] = value[: node.max_length].strip() or "X"
    return record


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.id)
def test_round_trip_property(profile: Any, capsys: pytest.CaptureFixture[str]) -> None:
    counts = [0, 0]  # values kept, values generated

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(records(profile.document_type, _fixed(profile.id), _spec(profile.id).single_lists,
                   _spec(profile.id).agreement_rules))
    def check(record: dict[str, Any]) -> None:
        record = _within_limits(profile.id, record)
        assert validate_record(profile.document_type, record).ok
        forward = map_forward(record, profile.id, interchange=INTERCHANGE)
        back = map_reverse(forward.document, profile.id)
        dropped = set(forward.report.dropped)
        carried = dict(_leaves(back.record))
        defaulted = set(back.report.defaulted)
        for path, value in _leaves(record):
            if path in dropped:
                assert path not in carried or path in defaulted, f"{path} reported dropped but came back"
            else:
                assert _same(carried.get(path), value), f"{path}: {value!r} came back as {carried.get(path)!r}"
                counts[0] += 1
            counts[1] += 1
        # Nothing appears on the way back that was not in the record, except declared defaults.
        assert set(flatten(back.record)) - set(flatten(record)) <= defaulted

    check()
    # Printed outside capture on purpose: the fidelity figure is a reported result of the run, not debug output.
    with capsys.disabled():
        kept, total = counts
        print(f"\n[fidelity] {profile.id}: {kept}/{total} values kept ({100 * kept / max(total, 1):.1f}%)", end="")
