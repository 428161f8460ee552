"""Time the mappings: ~5 KB certificates of origin and 1,000-line cargo manifests, both directions, every profile.

Plain script. Each figure is the median CPU time (``time.process_time``, so that other processes on a shared
machine count as little as possible) of one whole public mapping call: catalog validation, the mapping itself, schema
validation (XML) and serialization or parsing; samples are taken in rounds that interleave the profiles, and the
fastest sample is shown beside the median. Targets (tracker issue 4, point 9), forward only: a ~5 KB certificate of
origin in < 0.5 ms, a 1,000-line manifest in < 100 ms; reverse times are reported without a target. The load average
is printed before and after: on a loaded machine even CPU times inflate (shared caches, frequency).

Run: .venv/bin/python bench/bench_mappings.py [--quick]
"""

from __future__ import annotations

import copy
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mappings import Interchange, load_example, map_forward, map_reverse

# The envelope an agreement gives EDIFACT profiles (XML profiles ignore it).
INTERCHANGE = Interchange(sender="CN", recipient="MO")


def _samples_ms(fn: Callable[[], object], repeat: int) -> list[float]:
    """CPU times of ``repeat`` calls of ``fn`` in ms: process time, so that waiting for the CPU does not count."""
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        samples.append((time.process_time() - start) * 1000)
    return samples


def _certificate(example: str, profile_id: str) -> dict[str, Any]:
    """The example certificate, with goods items added until the document reaches 5,000 bytes."""
    record = load_example(example)
    items = record["goods_items"]
    originals = list(items)
    while len(map_forward(record, profile_id, interchange=INTERCHANGE).document) < 5000:
        item = copy.deepcopy(originals[len(items) % len(originals)])
        item["sequence"] = len(items) + 1
        items.append(item)
    return record


def _manifest(example: str, consignments: int, lines_each: int) -> dict[str, Any]:
    """The example manifest with ``consignments`` transport documents of ``lines_each`` goods lines each."""
    record = load_example(example)
    template = record["consignments"][0]
    out = []
    for c in range(consignments):
        consignment = copy.deepcopy(template)
        consignment["transport_document"] = f"EXSHA2506{c:05d}"
        item = consignment["goods_items"][0]
        consignment["goods_items"] = [dict(item, sequence=i + 1) for i in range(lines_each)]
        out.append(consignment)
    record["consignments"] = out
    return record


@dataclass(frozen=True)
class Case:
    profile: str
    what: str
    record: dict[str, Any]
    target_ms: float
    repeat: int


def _cases(quick: bool) -> list[Case]:
    small, large = (100, 5) if quick else (1000, 20)
    cases = []
    for profile, example in (
        ("coo-ubl24-cepa-hk", "coo-cn-hk"),
        ("coo-ubl24-cepa-mo", "coo-cn-mo"),
        ("coo-ubl24-acfta-forme", "coo-cn-vn"),
        ("coo-ubl24-rcep", "coo-cn-jp"),
    ):
        record = _certificate(example, profile)
        cases.append(Case(profile, f"certificate, {len(record['goods_items'])} goods items", record, 0.5, small))
    cases.append(Case("manifest-cuscar-d96b", "manifest, 100 x 10 lines", _manifest("manifest-cn-mo", 100, 10), 100, large))
    cases.append(Case("manifest-efti-consignment", "manifest, 1 x 1,000 lines", _manifest("manifest-cn-mo-single", 1, 1000), 100, large))
    return cases


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) on {os.cpu_count()} CPUs"


def main() -> None:
    """Print one line per profile: size, forward and reverse median (and best), forward target and verdict."""
    quick = "--quick" in sys.argv
    rounds = 5 if quick else 20
    print(f"before: {_load()}")
    cases = _cases(quick)
    documents = [map_forward(case.record, case.profile, interchange=INTERCHANGE).document for case in cases]
    forward: list[list[float]] = [[] for _ in cases]
    reverse: list[list[float]] = [[] for _ in cases]
    for case, document in zip(cases, documents):  # warm caches: catalog, code lists, compiled specs, schemas
        assert map_reverse(document, case.profile).report.ok
    # Rounds interleave the profiles, so that a burst of load elsewhere spreads over all of them.
    for _ in range(rounds):
        for i, (case, document) in enumerate(zip(cases, documents)):
            n = max(1, case.repeat // rounds)
            forward[i] += _samples_ms(lambda: map_forward(case.record, case.profile, interchange=INTERCHANGE), n)
            reverse[i] += _samples_ms(lambda: map_reverse(document, case.profile), n)
    print(
        f"{'profile':<26} {'document':<28} {'bytes':>8} {'forward ms':>10} {'(best)':>8} {'target':>8}  {'':4}"
        f" {'reverse ms':>10} {'(best)':>8}"
    )
    verdicts = []
    for case, document, fwd, rev in zip(cases, documents, forward, reverse):
        median = statistics.median(fwd)
        verdict = "PASS" if median < case.target_ms else "MISS"
        verdicts.append(verdict)
        print(
            f"{case.profile:<26} {case.what:<28} {len(document):>8,} {median:>10.3f} {min(fwd):>8.3f}"
            f" {'< ' + format(case.target_ms, 'g'):>8}  {verdict:4} {statistics.median(rev):>10.3f} {min(rev):>8.3f}"
        )
    print(f"after:  {_load()}")
    print(
        f"forward targets met: {verdicts.count('PASS')} of {len(verdicts)} (verdict on the median CPU time per document;"
        f" best = fastest sample; reverse has no target)"
    )


if __name__ == "__main__":
    main()
