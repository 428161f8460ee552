"""Time the mappings: a ~5 KB certificate of origin and a 1,000-line cargo manifest, both directions.

Plain script, prints figures (median CPU time per mapping, including catalog validation and, for XML, schema
validation); targets: certificate < 0.5 ms, manifest < 100 ms.
Run: .venv/bin/python bench/bench_mappings.py
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable
from typing import Any

from mappings import load_example, map_forward, map_reverse


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU time of ``fn`` in ms: process time, so that other load on a shared machine does not count."""
    fn()  # warm caches (catalog, code lists, specs, schemas)
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def _certificate() -> dict[str, Any]:
    record = load_example("coo-cn-hk")
    items = record["goods_items"]
    while len(map_forward(record, "coo-ubl24-cepa-hk").document) < 5000:
        item = copy.deepcopy(items[len(items) % 2])
        item["sequence"] = len(items) + 1
        items.append(item)
    return record


def _manifest(lines: int) -> dict[str, Any]:
    record = load_example("manifest-cn-mo")
    template = record["consignments"][0]
    consignments = []
    for c in range(lines // 10):
        consignment = copy.deepcopy(template)
        consignment["transport_document"] = f"EXSHA2506{c:05d}"
        item = consignment["goods_items"][0]
        consignment["goods_items"] = [dict(item, sequence=i + 1) for i in range(10)]
        consignments.append(consignment)
    record["consignments"] = consignments
    return record


def main() -> None:
    """Print the timings."""
    cert = _certificate()
    doc = map_forward(cert, "coo-ubl24-cepa-hk").document
    print(f"certificate of origin, UBL 2.4 ({len(doc)} bytes, {len(cert['goods_items'])} goods items):")
    print(f"  forward  {_median_ms(lambda: map_forward(cert, 'coo-ubl24-cepa-hk'), 300):8.3f} ms   (target < 0.5 ms)")
    print(f"  reverse  {_median_ms(lambda: map_reverse(doc, 'coo-ubl24-cepa-hk'), 300):8.3f} ms")
    manifest = _manifest(1000)
    edi = map_forward(manifest, "manifest-cuscar-d96b").document
    print(f"cargo manifest, CUSCAR D.96B (1,000 goods lines in 100 consignments, {len(edi)} bytes):")
    print(f"  forward  {_median_ms(lambda: map_forward(manifest, 'manifest-cuscar-d96b'), 15):8.3f} ms   (target < 100 ms)")
    print(f"  reverse  {_median_ms(lambda: map_reverse(edi, 'manifest-cuscar-d96b'), 15):8.3f} ms")


if __name__ == "__main__":
    main()
