"""Make the mapping tests' helper module importable under any pytest import mode.

The mapping tests share ``maptest_support`` (reference paths, vector loading). Under ``--import-mode=importlib``
pytest no longer puts test folders on ``sys.path``, so this conftest (always imported before the tests beside it)
does it for this folder only.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
