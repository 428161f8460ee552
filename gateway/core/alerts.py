"""Alerts: what needs an operator's attention, as typed values, and the ``[alerts]`` configuration.

:func:`gateway.pipeline.alerts.evaluate_alerts` produces them; the metrics exporter, the Operator service,
``swgw alerts``, the web console and the webhook notifier show or send them. Each alert has a stable ``key`` (the
same condition keeps its key from one evaluation to the next), so a notifier can tell new, changed and resolved
alerts apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .errors import ConfigInvalid

__all__ = ["Alert", "AlertKind", "AlertSettings", "Severity", "parse_alert_settings"]


class AlertKind(StrEnum):
    """What an alert is about."""

    CERTIFICATE_EXPIRING = "certificate_expiring"
    """A partner trust certificate ends within 90, 30 or 7 days (or has ended)."""
    PARTNER_WITHOUT_TRUST = "partner_without_trust"
    """A partner has no certificate valid now: nothing it sends can be verified."""
    MESSAGE_FAILED = "message_failed"
    """An outbound message gave up after its agreement's last attempt (FAILED)."""
    MESSAGE_RETRYING = "message_retrying"
    """An outbound message has waited for redelivery (RETRY_WAIT) longer than the threshold."""
    INBOUND_UNACKNOWLEDGED = "inbound_unacknowledged"
    """An inbound document has not been acknowledged by the domestic hub (RECEIVED) longer than the threshold."""
    PARTNER_UNREACHABLE = "partner_unreachable"
    """A partner has not answered any delivery for longer than the threshold while messages wait for it."""
    AUDIT_CHAIN_BROKEN = "audit_chain_broken"
    """The audit log's hash chain does not verify: an entry was changed or removed."""


class Severity(StrEnum):
    """How urgent an alert is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Alert:
    """One condition that needs attention."""

    key: str
    """Stable identity, e.g. ``message_failed:<message id>``: the same condition keeps it across evaluations."""
    kind: AlertKind
    """What it is about."""
    severity: Severity
    """How urgent."""
    summary: str
    """One line for people."""
    since: datetime | None = None
    """When the condition began, where known (the message's creation, the certificate's end, ...)."""
    partner: str | None = None
    """The partner concerned, if any."""
    details: dict[str, Any] = field(default_factory=dict)
    """Machine-readable facts (message_id, fingerprint, days_left, horizon_days, ...); JSON values only."""
    stage: str = ""
    """What, besides the severity, makes the same alert worth telling again (a certificate crossing from the
    30-day to the 7-day horizon); a notifier sends an alert again only when its severity or stage changed."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by ``--json``, the webhook and the console (snake_case keys)."""
        return {
            "key": self.key, "kind": self.kind.value, "severity": self.severity.value, "summary": self.summary,
            "since": self.since.isoformat() if self.since else None, "partner": self.partner,
            "stage": self.stage, "details": dict(self.details),
        }


@dataclass(frozen=True)
class AlertSettings:
    """The ``[alerts]`` table: thresholds and the optional webhook."""

    retry_wait_after: timedelta = timedelta(hours=1)
    """A RETRY_WAIT message alerts once it was submitted this long ago (``retry_wait_after_seconds``)."""
    unacknowledged_after: timedelta = timedelta(hours=1)
    """A RECEIVED inbound document alerts once it was received this long ago (``unacknowledged_after_seconds``)."""
    unreachable_after: timedelta = timedelta(minutes=15)
    """A partner is unreachable when messages have waited this long for it and it answered nothing in that time
    (``unreachable_after_seconds``)."""
    interval: timedelta = timedelta(minutes=1)
    """How often alerts are evaluated for metrics and the webhook (``interval_seconds``)."""
    webhook_url: str | None = None
    """Where new, changed and resolved alerts are POSTed as JSON; https, or http to a loopback host only."""
    webhook_timeout: timedelta = timedelta(seconds=10)
    """Per request (``webhook_timeout_seconds``)."""
    webhook_max_backoff: timedelta = timedelta(minutes=10)
    """Upper bound of the wait between failed webhook attempts (``webhook_max_backoff_seconds``); the wait
    doubles from ``interval`` up to it, and a batch is retried until it is taken."""


# Plain http only to a loopback host (a local relay): the URL must start with one of these, then a port or a path.
# A prefix test rather than a URL parse: the core imports no network library, and nothing else needs parsing here.
_LOOPBACK_HTTP = tuple(f"http://{host}{end}" for host in ("127.0.0.1", "[::1]", "localhost") for end in (":", "/"))


def _positive_seconds(table: dict[str, Any], key: str, default: timedelta) -> timedelta:
    value = table.pop(key, None)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 10**9:
        raise ConfigInvalid(f"alerts.{key} must be a positive number of seconds", field_path=f"alerts.{key}")
    return timedelta(seconds=value)


def parse_alert_settings(data: Any) -> AlertSettings:
    """Parse the ``[alerts]`` table strictly (unknown keys refused by name); an absent table gives the defaults."""
    if not isinstance(data, dict):
        raise ConfigInvalid("alerts must be a table", field_path="alerts")
    table = dict(data)
    url = table.pop("webhook_url", None)
    if url is not None:
        if not isinstance(url, str):
            raise ConfigInvalid("alerts.webhook_url must be a string", field_path="alerts.webhook_url")
        # Alerts name partners and messages: they leave the host encrypted, except to a local relay.
        secure = url.startswith("https://") and len(url) > len("https://") and url[8] not in "/:"
        if not (secure or url.startswith(_LOOPBACK_HTTP)) or any(c.isspace() for c in url):
            raise ConfigInvalid("alerts.webhook_url must be an https URL (http only to a loopback host)",
                                field_path="alerts.webhook_url")
    settings = AlertSettings(
        retry_wait_after=_positive_seconds(table, "retry_wait_after_seconds", AlertSettings.retry_wait_after),
        unacknowledged_after=_positive_seconds(table, "unacknowledged_after_seconds",
                                               AlertSettings.unacknowledged_after),
        unreachable_after=_positive_seconds(table, "unreachable_after_seconds", AlertSettings.unreachable_after),
        interval=_positive_seconds(table, "interval_seconds", AlertSettings.interval),
        webhook_url=url,
        webhook_timeout=_positive_seconds(table, "webhook_timeout_seconds", AlertSettings.webhook_timeout),
        webhook_max_backoff=_positive_seconds(table, "webhook_max_backoff_seconds",
                                              AlertSettings.webhook_max_backoff),
    )
    if table:
        unknown = sorted(table)[0]
        raise ConfigInvalid(f"unknown key alerts.{unknown}", field_path=f"alerts.{unknown}")
    return settings
