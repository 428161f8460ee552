"""``swgw retention run [--dry-run] --config FILE``: archive and purge what the ``[retention]`` policy says is due,
offline on the gateway's database (safe while the gateway runs; the gateway also runs it daily)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["add_retention_commands"]


def _run(args: argparse.Namespace) -> int:
    from ..app import open_operations
    from .cli import load_settings
    from .cli_admin import local_actor

    settings = load_settings(args.config)
    if settings.retention is None or not settings.retention.purges:
        raise SystemExit("swgw: the configuration keeps every message ([retention] purges nothing)")
    report = open_operations(settings).run_retention(actor=local_actor(), dry_run=args.dry_run)
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    return 0


def add_retention_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``swgw retention``."""
    parser = sub.add_parser("retention", help="archive and purge messages whose retention period is over")
    rsub = parser.add_subparsers(dest="retention_command", required=True)
    p = rsub.add_parser("run", help="archive (files verifiable by `swgw verify`) and purge what is due, audited")
    p.add_argument("--config", type=Path, required=True, help="the gateway's configuration file")
    p.add_argument("--dry-run", action="store_true", help="list what is due; write and purge nothing")
    p.set_defaults(func=_run)
