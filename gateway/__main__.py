"""``python -m gateway``: the ``swgw`` command."""

from __future__ import annotations

import sys

from .tools.cli import main

sys.exit(main())
