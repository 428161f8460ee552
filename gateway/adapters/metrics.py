"""Prometheus metrics: transition counters and latency histograms, and gauges read from the database at scrape time.

Each gateway has its own ``CollectorRegistry`` (several gateways may run in one process, as in the tests), served by
prometheus_client's own HTTP server on ``[metrics] address``. The pipeline and the dispatcher know nothing of
Prometheus: they call a :data:`~gateway.core.ports.TransitionObserver`, which is :meth:`GatewayMetrics.observe` here.

Exposed (``direction`` is outbound or inbound; ``outcome`` and ``status`` are message states, lower case):

- ``swgw_messages_total{direction,partner,document_type,outcome}``: messages entering a state
  (queued, delivered, rejected, retry_wait, failed; received, rejected, handed_over).
- ``swgw_delivery_latency_seconds{partner,document_type}``: Submit to DELIVERED.
- ``swgw_delivery_attempt_seconds{partner,outcome}``: one delivery attempt, claim to recorded outcome.
- ``swgw_backlog_messages{partner}``, ``swgw_backlog_oldest_age_seconds{partner}``,
  ``swgw_backlog_max_attempts{partner}``: undelivered outbound messages (QUEUED, RETRY_WAIT, SENDING), the age of
  the oldest and the deepest retry among them.
- ``swgw_stored_messages{direction,partner,document_type,status}``: the message book by state.
- ``swgw_trust_certificate_days_to_expiry{partner,fingerprint,role,state}``: per trust certificate.
- ``swgw_alerts{kind,severity}``: alerts in force at the last evaluation (``gateway.pipeline.alerts``), every
  kind and severity present (0 when none).
- ``swgw_scrape_errors_total``: scrape-time reads that failed (the other gauges are then missing).
- the standard ``process_*`` and ``python_info`` collectors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, PlatformCollector, ProcessCollector
from prometheus_client import start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from ..core.alerts import Alert, AlertKind, Severity
from ..core.domain import MessageStatus
from ..core.errors import ConfigInvalid
from ..core.ports import Clock, MessageRepository, StoredMessage, TrustBook

__all__ = ["GatewayMetrics"]

log = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0,
                    3600.0, 21600.0, 86400.0)
_ATTEMPT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_ATTEMPT_OUTCOMES = (MessageStatus.DELIVERED, MessageStatus.REJECTED, MessageStatus.RETRY_WAIT, MessageStatus.FAILED)


class _StateCollector(Collector):
    """Gauges computed from the database and the trust store when Prometheus scrapes."""

    def __init__(
        self, messages: MessageRepository, trustbook: TrustBook, clock: Clock, partners: Sequence[str],
        transports: Mapping[str, str],
        alerts: Callable[[], Sequence[Alert]] | None = None,
    ) -> None:
        self._alerts = alerts
        self._messages = messages
        self._partners = tuple(partners)
        self._transports = dict(transports)
        self._trustbook = trustbook
        self._clock = clock
        self._errors = 0

    def collect(self) -> Iterator[Metric]:
        now = self._clock.now()
        families: list[Metric] = []
        try:
            families.append(self._partner_transports())
            families.extend(self._backlog(now))
            families.append(self._stored())
            families.append(self._certificates(now))
            if self._alerts is not None:
                families.append(self._alert_counts(self._alerts()))
        except Exception:  # noqa: BLE001 - e.g. the database is briefly unreachable; count it, serve the rest.
            self._errors += 1
            log.exception("metrics scrape could not read the gateway state")
        errors = CounterMetricFamily("swgw_scrape_errors", "Scrape-time reads of the gateway state that failed.")
        errors.add_metric([], self._errors)
        # An info metric: join it on ``partner`` to break any per-partner series down by transport.
        transports = GaugeMetricFamily("swgw_partner_transport", "How each partner is reached (always 1).",
                                       labels=["partner", "transport"])
        for partner, transport in sorted(self._transports.items()):
            transports.add_metric([partner, transport], 1)
        return iter([*families, errors, transports])

    def describe(self) -> Iterator[Metric]:
        # Nothing to describe up front: the registry must not call collect() (a database read) at registration.
        return iter(())

    def _partner_transports(self) -> Metric:
        # An info metric (always 1): join it on ``partner`` to break any partner series down by transport.
        info = GaugeMetricFamily("swgw_partner_transport", "How each partner is reached (1 per partner).",
                                 labels=["partner", "transport"])
        for partner, transport in sorted(self._transports.items()):
            info.add_metric([partner, transport], 1)
        return info

    def _backlog(self, now: datetime) -> list[Metric]:
        count = GaugeMetricFamily("swgw_backlog_messages", "Undelivered outbound messages (QUEUED, RETRY_WAIT, "
                                  "SENDING).", labels=["partner"])
        age = GaugeMetricFamily("swgw_backlog_oldest_age_seconds", "Age of the oldest undelivered outbound message.",
                                labels=["partner"])
        depth = GaugeMetricFamily("swgw_backlog_max_attempts", "Most delivery attempts among undelivered outbound "
                                  "messages (retry depth).", labels=["partner"])
        backlog = {b.partner: b for b in self._messages.backlog()}
        # Every partner with an agreement gets a sample, so an empty backlog reads 0 rather than vanishing.
        for partner in sorted({*backlog, *self._partners}):
            entry = backlog.get(partner)
            count.add_metric([partner], entry.messages if entry else 0)
            age.add_metric([partner], max((now - entry.oldest_created_at).total_seconds(), 0.0) if entry else 0.0)
            depth.add_metric([partner], entry.max_attempts if entry else 0)
        return [count, age, depth]

    def _stored(self) -> Metric:
        stored = GaugeMetricFamily("swgw_stored_messages", "Messages in the message book by state.",
                                   labels=["direction", "partner", "document_type", "status"])
        for (direction, partner, document_type, status), n in sorted(self._messages.counts_by_status().items()):
            stored.add_metric([direction, partner, document_type, status.lower()], n)
        return stored

    def _certificates(self, now: datetime) -> Metric:
        days = GaugeMetricFamily("swgw_trust_certificate_days_to_expiry", "Days until a trust certificate expires "
                                 "(negative once expired).", labels=["partner", "fingerprint", "role", "state"])
        for entry in self._trustbook.store().entries:
            left = (entry.certificate.not_valid_after_utc - now).total_seconds() / 86400
            days.add_metric([entry.partner, entry.fingerprint, entry.role.value, entry.state.value], round(left, 3))
        return days


    @staticmethod
    def _alert_counts(alerts: Sequence[Alert]) -> Metric:
        counts = GaugeMetricFamily("swgw_alerts", "Alerts in force at the last evaluation.",
                                   labels=["kind", "severity"])
        for kind in AlertKind:
            for severity in Severity:
                counts.add_metric([kind.value, severity.value],
                                  sum(1 for a in alerts if a.kind is kind and a.severity is severity))
        return counts


class GatewayMetrics:
    """One gateway's metrics: a registry, the event instruments, the scrape-time collector and the HTTP server."""

    def __init__(
        self, *, messages: MessageRepository, trustbook: TrustBook, clock: Clock, partners: Sequence[str] = (),
        transports: Mapping[str, str] | None = None,
        alerts: Callable[[], Sequence[Alert]] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        """The gateway's own registry (never the process-global one)."""
        self._messages = Counter(
            "swgw_messages", "Messages entering a state.", ["direction", "partner", "document_type", "outcome"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "swgw_delivery_latency_seconds", "Submit to DELIVERED.", ["partner", "document_type"],
            buckets=_LATENCY_BUCKETS, registry=self.registry,
        )
        self._attempt = Histogram(
            "swgw_delivery_attempt_seconds", "One delivery attempt, from its claim to its recorded outcome.",
            ["partner", "outcome"], buckets=_ATTEMPT_BUCKETS, registry=self.registry,
        )
        self.registry.register(_StateCollector(messages, trustbook, clock, partners, transports or {}, alerts))
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def observe(self, message: StoredMessage, status: MessageStatus, at: datetime) -> None:
        """The pipeline's and dispatcher's transition observer (see :data:`~gateway.core.ports.TransitionObserver`)."""
        try:
            partner, document_type = message.partner, message.document_type.value
            self._messages.labels(message.direction.value, partner, document_type, status.value.lower()).inc()
            if message.status is MessageStatus.SENDING and status in _ATTEMPT_OUTCOMES:
                seconds = (at - message.updated_at).total_seconds()
                self._attempt.labels(partner, status.value.lower()).observe(max(seconds, 0.0))
            if status is MessageStatus.DELIVERED:
                # The envelope's creation time is read when Submit starts preparing the document.
                seconds = (at - message.envelope.created_at).total_seconds()
                self._latency.labels(partner, document_type).observe(max(seconds, 0.0))
        except Exception:  # noqa: BLE001 - metrics must never fail a delivery or a submission.
            log.exception("metrics: could not record %s entering %s", message.message_id, status)

    def serve(self, address: str) -> int:
        """Serve ``/metrics`` on ``host:port`` in a background thread; return the bound port."""
        host, _, port = address.rpartition(":")
        try:
            self._server, self._thread = start_http_server(int(port), host.strip("[]"), registry=self.registry)
        except OSError as e:
            raise ConfigInvalid(f"cannot serve metrics on {address}: {e.strerror}", field_path="metrics.address") from e
        bound = int(self._server.server_port)
        log.info("metrics on http://%s:%d/metrics", host, bound)
        return bound

    def close(self) -> None:
        """Stop the HTTP server, if serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
