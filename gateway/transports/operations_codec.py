"""Statistics and alerts between the domain and the Operator service's messages, both ways (the servicer sends,
the online CLI reads back into the same types, so both print through one formatter)."""

from __future__ import annotations

import json
from typing import cast

from .._generated.swgw.v1 import envelope_pb2 as pb
from .._generated.swgw.v1 import operator_pb2 as opb
from ..core.alerts import Alert, AlertKind, Severity
from ..core.domain import Direction, MessageStatus
from ..pipeline.statistics import CountRow, LatencySummary, RejectionRow, Statistics
from . import codec

__all__ = ["alert_from_proto", "alert_to_proto", "statistics_from_proto", "statistics_to_proto"]

_DIRECTIONS = {Direction.OUTBOUND: pb.DIRECTION_OUTBOUND, Direction.INBOUND: pb.DIRECTION_INBOUND}
_DIRECTIONS_BACK = {v: k for k, v in _DIRECTIONS.items()}


def _latency_to_proto(latency: LatencySummary) -> opb.DeliveryLatency:
    return opb.DeliveryLatency(partner=latency.partner or "", count=latency.count, p50_seconds=latency.p50_seconds,
                               p90_seconds=latency.p90_seconds, p99_seconds=latency.p99_seconds,
                               max_seconds=latency.max_seconds)


def _latency_from_proto(latency: opb.DeliveryLatency) -> LatencySummary:
    return LatencySummary(latency.partner or None, latency.count, latency.p50_seconds, latency.p90_seconds,
                          latency.p99_seconds, latency.max_seconds)


def statistics_to_proto(stats: Statistics) -> opb.GetStatisticsResponse:
    """The wire form of :class:`~gateway.pipeline.statistics.Statistics` (the range travels in the request)."""
    from ..core.domain import DocumentType

    return opb.GetStatisticsResponse(
        total=stats.total,
        counts=[opb.MessageCount(day=r.day, direction=_DIRECTIONS[r.direction], partner=r.partner,
                                 document_type=codec.document_type_to_proto(DocumentType(r.document_type)),
                                 status=codec.status_to_proto(r.status), count=r.count) for r in stats.counts],
        latency=_latency_to_proto(stats.latency),
        latency_by_partner=[_latency_to_proto(latency) for latency in stats.latency_by_partner],
        rejections=[opb.RejectionCount(direction=_DIRECTIONS[r.direction], code=r.code, count=r.count)
                    for r in stats.rejections],
    )


def statistics_from_proto(response: opb.GetStatisticsResponse, request: opb.GetStatisticsRequest) -> Statistics:
    """Inverse of :func:`statistics_to_proto`, with the range of ``request``."""
    return Statistics(
        since=codec.from_timestamp(request.since, "since") if request.HasField("since") else None,
        until=codec.from_timestamp(request.until, "until") if request.HasField("until") else None,
        total=response.total,
        counts=tuple(CountRow(c.day, _DIRECTIONS_BACK[c.direction], c.partner,
                              codec.document_type_from_proto(c.document_type).value,
                              cast(MessageStatus, codec.status_from_proto(c.status)), c.count)
                     for c in response.counts),
        latency=_latency_from_proto(response.latency),
        latency_by_partner=tuple(_latency_from_proto(latency) for latency in response.latency_by_partner),
        rejections=tuple(RejectionRow(_DIRECTIONS_BACK[r.direction], r.code, r.count) for r in response.rejections),
    )


def alert_to_proto(alert: Alert) -> opb.Alert:
    """The wire form of an alert; ``details`` travel as a JSON object."""
    message = opb.Alert(key=alert.key, kind=alert.kind.value, severity=alert.severity.value, summary=alert.summary,
                        partner=alert.partner or "", details_json=json.dumps(alert.details, sort_keys=True),
                        stage=alert.stage)
    if alert.since is not None:
        message.since.CopyFrom(codec.timestamp(alert.since))
    return message


def alert_from_proto(message: opb.Alert) -> Alert:
    """Inverse of :func:`alert_to_proto`."""
    return Alert(key=message.key, kind=AlertKind(message.kind), severity=Severity(message.severity),
                 summary=message.summary, partner=message.partner or None, stage=message.stage,
                 since=codec.from_timestamp(message.since, "since") if message.HasField("since") else None,
                 details=json.loads(message.details_json or "{}"))
