"""Where the tests find the official reference material (schemas, code lists, signed vectors).

The first of these that exists is used:

1. ``$SWGW_REFERENCE``, a folder with the layout of the shared reference folder;
2. ``.reference/`` at the repository root once ``make reference`` has fetched every file of
   ``tools/reference-files.tsv`` and checked its sha256 (it then writes ``.reference/COMPLETE``; a partial cache is
   not used);
3. ``../shared/reference`` beside the repository (the CI machines have it there).

Tests that need a file absent from the chosen folder skip with the reason; ``make reference`` gives zero skips.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".reference"
SHARED = (REPO.parent / "shared" / "reference").resolve()
COMPLETE = "COMPLETE"
"""The marker ``tools/reference.py fetch`` writes when every listed file is in the cache with its sha256."""


def reference_root() -> Path:
    """The reference folder the tests read (see the module docstring for the order)."""
    configured = os.environ.get("SWGW_REFERENCE")
    if configured:
        return Path(configured).resolve()
    if (CACHE / COMPLETE).is_file():
        return CACHE
    return SHARED


REFERENCE = reference_root()
"""The folder chosen once per test run."""
HINT = "run `make reference` to fetch it into .reference/, or set SWGW_REFERENCE"
"""How to get the material, for skip messages."""
