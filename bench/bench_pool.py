"""The other way to use more cores: what a process pool for mapping and XML signing would cost per document.

Run with ``python bench/bench_pool.py``. Prints figures; asserts nothing about timing. On the 5 KB certificate of
origin, ``mappings.map_forward`` plus swgw's XML-DSig signature in the UBL extension (what CN's Submit hands to
the libraries) is timed in the calling process, then through a ``ProcessPoolExecutor`` of two processes (the
record pickled to the pool, the signed document back): CPU of the caller and of the pool's processes per
document. ``swgw serve --workers N`` was chosen over such a pool on these figures (README "Operations: metrics
and benchmarks").
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

# First: it puts the project root on sys.path for the imports below.
from e2e_harness import PROFILE, cpu_seconds, items_for, make_record  # isort: skip
from results import record  # isort: skip

import mappings
import trust
from bench_floor import make_pki

DOCUMENTS = 400
_identity: trust.SigningIdentity | None = None


def _start() -> None:
    global _identity
    _identity = make_pki().signer.identity()


def map_and_sign(fields: dict[str, Any]) -> bytes:
    """CN's library work on one record: map (validation and XSD included), then sign in the UBL extension."""
    assert _identity is not None
    document = mappings.map_forward(fields, PROFILE).document
    return trust.sign_xml(document, _identity, placement=trust.SignaturePlacement.UBL_EXTENSION)


def main() -> None:
    """Time the work in process, then through a pool of two processes."""
    items, _ = items_for(5 * 1024)
    records = [make_record(items, i) for i in range(1, DOCUMENTS + 1)]
    _start()
    for fields in records[:20]:
        map_and_sign(fields)
    began = time.process_time()
    for fields in records:
        map_and_sign(fields)
    alone = (time.process_time() - began) / DOCUMENTS
    with ProcessPoolExecutor(2, initializer=_start) as pool:
        list(pool.map(map_and_sign, records[:40]))  # warm-up: imports, schemas, parsers in each process
        pids = list(pool._processes)  # noqa: SLF001 - the pool's process ids, to read their CPU time
        children, began, wall = sum(cpu_seconds(p) for p in pids), time.process_time(), time.perf_counter()
        for future in [pool.submit(map_and_sign, fields) for fields in records]:
            future.result()
        caller = (time.process_time() - began) / DOCUMENTS
        pooled = (sum(cpu_seconds(p) for p in pids) - children) / DOCUMENTS
        wall = time.perf_counter() - wall
    print(f"bench_pool: map_forward + XML-DSig (UBL extension), 5 KB certificate of origin, {DOCUMENTS} documents")
    print(f"  in the calling process: {alone * 1000:.3f} ms CPU per document")
    print(f"  through a pool of 2 processes: {caller * 1000:.3f} ms in the caller + {pooled * 1000:.3f} ms in the "
          f"pool = {(caller + pooled) * 1000:.3f} ms CPU per document ({DOCUMENTS / wall:.0f} documents/s through "
          f"the pool); {(caller + pooled - alone) * 1000:+.3f} ms per document for moving the work")
    record("pool_cpu_ms", (caller + pooled) * 1000, kb=5, in_process_ms=alone * 1000)


if __name__ == "__main__":
    main()
