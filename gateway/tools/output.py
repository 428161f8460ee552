"""How ``swgw`` prints: aligned tables for people by default, JSON with ``--json`` for scripts.

One naming convention for every ``--json``: snake_case keys, lowercase hex digests and fingerprints, message
states as the README names them (``DELIVERED``, ``RETRY_WAIT``), document types and directions as their values
(``certificate-of-origin``, ``outbound``), times in ISO 8601 with their UTC offset, absent values as null.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

__all__ = ["JSON_HELP", "print_json", "print_table"]

#: The help text of every ``--json`` option.
JSON_HELP = "machine-readable output (snake_case keys, hex digests; see README 'Command line')"


def print_json(data: object) -> None:
    """Print ``data`` as indented JSON (UTF-8 text kept as is)."""
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))
    return str(value)


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]], *, empty: str = "(none)") -> None:
    """Print ``rows`` under ``header``, columns aligned; the last column is not padded (it may be long text)."""
    if not rows:
        print(empty)
        return
    cells = [[str(h) for h in header], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    for row in cells:
        print("  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]).rstrip())
