"""Mapping from many threads at once, as the gateway's gRPC server threads do.

Each new thread loads its own copy of a profile's schema on first use (lxml schema objects keep one error log, so
threads cannot share one). libxml2 cannot parse schemas from several threads at once, and a load through a custom
lxml resolver fails now and then while other threads parse or validate; either way a call fails with
MAPPING_SPEC_INVALID. The work runs in a fresh interpreter so that its first load is one of them. A race is caught
by chance: the resolver-based loader failed this test in about one run of six.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

_PROGRAM = r"""
import json, sys, threading
from mappings import load_example, map_forward, map_reverse

THREADS, ROUNDS, PROFILE = 16, 10, "coo-ubl24-cepa-hk"
record = load_example("coo-cn-hk")
errors, documents = [], []

def work(start):
    start.wait()
    try:
        mapped = map_forward(record, PROFILE)
        map_reverse(mapped.document, PROFILE)
        documents.append(mapped.document)
    except Exception as e:
        errors.append(f"{type(e).__name__}: {e}")

for _ in range(ROUNDS):  # every round starts new threads, so every round loads the schema again in each
    start = threading.Barrier(THREADS)
    threads = [threading.Thread(target=work, args=(start,)) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
json.dump({"errors": errors, "documents": len(documents), "distinct": len(set(documents))}, sys.stdout)
"""


def test_first_mappings_in_many_threads_at_once_all_succeed() -> None:
    done = subprocess.run([sys.executable, "-c", _PROGRAM], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=True)
    result = json.loads(done.stdout)
    assert result == {"errors": [], "documents": 160, "distinct": 1}
