"""Put ``tools/`` on ``sys.path`` for the developer-script tests beside this file (the scripts are not a package)."""

from __future__ import annotations

import sys
from pathlib import Path

_TOOLS = str(Path(__file__).resolve().parents[3] / "tools")
if _TOOLS not in sys.path:
    sys.path.insert(0, _TOOLS)
