"""Traffic statistics over any time range: counts, Submit -> DELIVERED latency percentiles and rejections.

One function, :func:`compute_statistics`, reads the message book through the repository port (message facts, no
payloads) and aggregates in Python, so the same numbers come out of SQLite, PostgreSQL and the in-memory twin.
The Operator service (``GetStatistics``), ``swgw stats`` and the web console all call it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..core.domain import Direction, MessageStatus
from ..core.errors import RequestMalformed
from ..core.ports import MessageFact, MessageRepository

__all__ = ["CountRow", "LatencySummary", "RejectionRow", "Statistics", "compute_statistics", "percentile"]

#: The latency percentiles reported.
PERCENTILES = (50, 90, 99)


@dataclass(frozen=True)
class CountRow:
    """How many messages created on one day, in one direction, with one partner and type, are in one state."""

    day: str
    """The UTC day of creation, ``YYYY-MM-DD``."""
    direction: Direction
    """Outbound or inbound."""
    partner: str
    """The partner single window."""
    document_type: str
    """The document type value (e.g. ``certificate-of-origin``)."""
    status: MessageStatus
    """The state the messages are in now."""
    count: int
    """How many."""


@dataclass(frozen=True)
class LatencySummary:
    """Submit -> DELIVERED latency of the outbound messages delivered, overall or for one partner."""

    partner: str | None
    """The partner, or None for all partners together."""
    count: int
    """Delivered messages measured."""
    p50_seconds: float
    """Median latency (nearest rank); 0 when nothing was delivered."""
    p90_seconds: float
    """90th percentile (nearest rank)."""
    p99_seconds: float
    """99th percentile (nearest rank)."""
    max_seconds: float
    """The slowest."""


@dataclass(frozen=True)
class RejectionRow:
    """How many messages of one direction were REJECTED with one error code."""

    direction: Direction
    """Outbound (the partner refused ours) or inbound (we refused the partner's)."""
    code: str
    """The stable error code (``UNKNOWN`` when none was recorded)."""
    count: int
    """How many."""


@dataclass(frozen=True)
class Statistics:
    """The message book's statistics over ``[since, until)`` of creation time."""

    since: datetime | None
    """Start of the range (inclusive); None for the beginning."""
    until: datetime | None
    """End of the range (exclusive); None for now."""
    total: int
    """Messages created in the range."""
    counts: tuple[CountRow, ...]
    """By day, direction, partner, document type and state, sorted by those."""
    latency: LatencySummary
    """Submit -> DELIVERED over all partners."""
    latency_by_partner: tuple[LatencySummary, ...]
    """The same per partner, sorted by partner."""
    rejections: tuple[RejectionRow, ...]
    """REJECTED messages by direction and error code, most frequent first."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``swgw stats --json``, the web console): snake_case keys, states and directions as
        their values, times in ISO 8601."""
        def latency(summary: LatencySummary) -> dict[str, Any]:
            return {"partner": summary.partner, "delivered": summary.count, "p50_seconds": summary.p50_seconds,
                    "p90_seconds": summary.p90_seconds, "p99_seconds": summary.p99_seconds,
                    "max_seconds": summary.max_seconds}

        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "total": self.total,
            "counts": [{"day": r.day, "direction": r.direction.value, "partner": r.partner,
                        "document_type": r.document_type, "status": r.status.value, "count": r.count}
                       for r in self.counts],
            "totals": {d: self.totals(d) for d in ("day", "direction", "partner", "document_type", "status")},
            "latency": latency(self.latency),
            "latency_by_partner": [latency(summary) for summary in self.latency_by_partner],
            "rejections": [{"direction": r.direction.value, "code": r.code, "count": r.count}
                           for r in self.rejections],
        }

    def totals(self, dimension: str) -> dict[str, int]:
        """Counts summed over every other dimension: ``dimension`` is day, direction, partner, document_type or
        status."""
        summed: Counter[str] = Counter()
        for row in self.counts:
            summed[str(getattr(row, dimension))] += row.count
        return dict(sorted(summed.items()))


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile of ascending ``sorted_values`` (0 for none): the smallest value with
    at least p % of the values at or below it, so every reported latency is one a message really had."""
    if not sorted_values:
        return 0.0
    rank = max(math.ceil(p / 100 * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def _latency(partner: str | None, seconds: Iterable[float]) -> LatencySummary:
    values = sorted(seconds)
    p50, p90, p99 = (percentile(values, p) for p in PERCENTILES)
    return LatencySummary(partner, len(values), p50, p90, p99, values[-1] if values else 0.0)


def compute_statistics(
    messages: MessageRepository, *, since: datetime | None = None, until: datetime | None = None
) -> Statistics:
    """Statistics of the messages created in ``[since, until)``; raises RequestMalformed for a naive time or an
    empty range."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.utcoffset() is None:
            raise RequestMalformed(f"{name} needs a time zone", field_path=name)
    if since is not None and until is not None and until <= since:
        raise RequestMalformed("until must be after since", field_path="until")
    facts = messages.message_facts(since=since, until=until)
    return _aggregate(facts, since, until)


def _aggregate(facts: Sequence[MessageFact], since: datetime | None, until: datetime | None) -> Statistics:
    counts: Counter[tuple[str, Direction, str, str, MessageStatus]] = Counter()
    rejections: Counter[tuple[Direction, str]] = Counter()
    latencies: dict[str, list[float]] = {}
    for fact in facts:
        day = fact.created_at.date().isoformat()  # the repository returns UTC
        counts[(day, fact.direction, fact.partner, fact.document_type.value, fact.status)] += 1
        if fact.status is MessageStatus.REJECTED:
            rejections[(fact.direction, fact.error_code or "UNKNOWN")] += 1
        if fact.direction is Direction.OUTBOUND and fact.status is MessageStatus.DELIVERED:
            seconds = max((fact.updated_at - fact.created_at).total_seconds(), 0.0)
            latencies.setdefault(fact.partner, []).append(seconds)
    return Statistics(
        since=since,
        until=until,
        total=len(facts),
        counts=tuple(CountRow(*key, n) for key, n in sorted(counts.items())),
        latency=_latency(None, (s for values in latencies.values() for s in values)),
        latency_by_partner=tuple(_latency(p, latencies[p]) for p in sorted(latencies)),
        rejections=tuple(RejectionRow(d, c, n) for (d, c), n in
                         sorted(rejections.items(), key=lambda item: (-item[1], item[0]))),
    )
