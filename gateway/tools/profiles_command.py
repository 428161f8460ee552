"""``swgw profiles``: the mapping profiles this release ships, the ids partner agreements name per document type."""

from __future__ import annotations

import argparse
import dataclasses
import json

from .cli_choices import DOCUMENT_TYPES

__all__ = ["add_profiles_command", "run"]


def add_profiles_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``swgw profiles``."""
    p = sub.add_parser("profiles", help="list the mapping profiles (id, document type, format, agreement)")
    p.add_argument("--type", choices=DOCUMENT_TYPES, help="only profiles of this document type: %(choices)s")
    p.add_argument("--json", action="store_true",
                   help="machine-readable: a list of objects with id, document_type, format, agreement, "
                        "description, signature and syntax")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the profiles as a table, or as JSON with ``--json``."""
    import mappings

    profiles = [p for p in mappings.list_profiles() if args.type in (None, p.document_type)]
    if args.json:
        print(json.dumps([dataclasses.asdict(p) for p in profiles], indent=2, ensure_ascii=False))
        return 0
    rows = [("PROFILE", "DOCUMENT TYPE", "AGREEMENT", "SIGNATURE", "FORMAT")]
    rows += [(p.id, p.document_type, p.agreement, p.signature, p.format) for p in profiles]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        # The format (a URN, often long) comes last so the columns before it stay aligned.
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]]))
    return 0
