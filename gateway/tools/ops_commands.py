"""``swgw stats`` and ``swgw alerts``: traffic statistics and the alerts in force, offline (``--config``) or from
a running gateway's Operator service (``--gateway`` with an operator certificate)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from .output import print_json, print_table


__all__ = ["add_ops_commands"]


def _time(text: str) -> datetime:
    """An ISO 8601 time with a UTC offset, or a date (midnight UTC)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time or date: {text!r}") from None
    if len(text) == 10:  # YYYY-MM-DD: the day in UTC, as statistics count days
        return value.replace(tzinfo=UTC)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a UTC offset, e.g. {text}Z or {text}+08:00")
    return value


def add_ops_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                     target: Any) -> None:
    """Register ``swgw stats`` and ``swgw alerts``; ``target`` adds --json and the --config/--gateway/TLS
    options."""
    p = sub.add_parser("stats", help="traffic statistics: counts by day, partner, type and state; delivery "
                                     "latency percentiles; rejections by error code")
    p.add_argument("--since", type=_time, metavar="TIME",
                   help="messages created at or after this ISO 8601 time with offset, or date (UTC) "
                        "(default: --days ago)")
    p.add_argument("--until", type=_time, metavar="TIME",
                   help="messages created before this time or date (default: now)")
    p.add_argument("--days", type=int, default=7,
                   help="without --since: the last this many days (default %(default)s)")
    target(p)
    p.set_defaults(func=_stats)

    p = sub.add_parser("alerts", help="what needs attention now: certificates expiring, messages stuck, partners "
                                      "unreachable, a broken audit chain")
    p.add_argument("--fail-on", choices=("info", "warning", "critical"),
                   help="exit with status 1 when an alert of this severity or worse is in force (for scripts "
                        "and monitoring); default: always 0")
    target(p)
    p.set_defaults(func=_alerts)


def _stats(args: argparse.Namespace) -> int:
    from .cli_admin import backend_for

    until = args.until
    since = args.since or (until or datetime.now(UTC)) - timedelta(days=args.days)
    stats = backend_for(args).statistics(since, until)
    if args.json:
        print_json(stats.to_dict())
        return 0
    print(f"Messages created from {since.isoformat(timespec='seconds')} to "
          f"{until.isoformat(timespec='seconds') if until else 'now'}: {stats.total}")
    print()
    print_table(["DAY", "DIRECTION", "PARTNER", "DOCUMENT TYPE", "STATE", "COUNT"],
                [(r.day, r.direction.value, r.partner, r.document_type, r.status.value, r.count)
                 for r in stats.counts], empty="no messages in the range")
    print()
    print("Submit -> DELIVERED (seconds, nearest rank)")
    print_table(["PARTNER", "DELIVERED", "P50", "P90", "P99", "MAX"],
                # Nothing delivered: no figures ("-"), rather than latencies of 0 seconds.
                [(latency.partner or "(all)", latency.count,
                  *((latency.p50_seconds, latency.p90_seconds, latency.p99_seconds, latency.max_seconds)
                    if latency.count else (None,) * 4))
                 for latency in (stats.latency, *stats.latency_by_partner)])
    print()
    print("Rejections by error code")
    print_table(["DIRECTION", "CODE", "COUNT"], [(r.direction.value, r.code, r.count) for r in stats.rejections],
                empty="no rejections")
    return 0


def _alerts(args: argparse.Namespace) -> int:
    from .cli_admin import backend_for

    alerts = backend_for(args).alerts()
    if args.json:
        print_json([a.to_dict() for a in alerts])
    else:
        print_table(["SEVERITY", "KIND", "PARTNER", "SINCE", "SUMMARY"],
                    [(a.severity.value, a.kind.value, a.partner, a.since.isoformat(timespec="seconds")
                      if a.since else None, a.summary) for a in alerts], empty="no alerts")
    order = ["info", "warning", "critical"]
    if args.fail_on and any(order.index(a.severity.value) >= order.index(args.fail_on) for a in alerts):
        return 1
    return 0
