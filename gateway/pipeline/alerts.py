"""Alert evaluation and the webhook notifier.

:func:`evaluate_alerts` is the one place that decides what needs attention; it reads the message book (message
facts), the trust store and the audit check, with the time as an argument. :class:`AlertMonitor` runs it on the
scheduler, keeps the last result for the metrics exporter and sends new, changed and resolved alerts to the
webhook, retrying a batch that was not taken with a doubling wait.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from trust import TrustStore

from ..core.alerts import Alert, AlertKind, AlertSettings, Severity
from ..core.domain import Direction, MessageStatus
from ..core.errors import NO_ANSWER_CODES, GatewayError
from ..core.ports import AlertSender, Clock, MessageFact, MessageRepository

if TYPE_CHECKING:
    from .operations import AuditCheck

__all__ = ["AlertMonitor", "evaluate_alerts"]

log = logging.getLogger(__name__)

_S = MessageStatus
_DAY = timedelta(days=1)

#: The certificate expiry horizons (days), nearest first, with the severity of a certificate inside each.
EXPIRY_SEVERITY = ((7, Severity.CRITICAL), (30, Severity.WARNING), (90, Severity.INFO))



def _certificate_alerts(store: TrustStore, partners: Sequence[str], now: datetime) -> list[Alert]:
    alerts = []
    horizon = max(days for days, _ in EXPIRY_SEVERITY)
    for entry in store.expiring(at=now, within=timedelta(days=horizon)):
        not_after = entry.certificate.not_valid_after_utc
        days_left = math.floor((not_after - now) / _DAY)
        if not_after <= now:
            severity, stage, what = Severity.CRITICAL, "expired", f"expired on {not_after.date()}"
        else:
            within, severity = next(((d, s) for d, s in EXPIRY_SEVERITY if days_left < d), EXPIRY_SEVERITY[-1])
            stage, what = f"{within}d", f"expires in {days_left} days ({not_after.date()})"
        alerts.append(Alert(
            key=f"{AlertKind.CERTIFICATE_EXPIRING}:{entry.partner}:{entry.fingerprint}",
            kind=AlertKind.CERTIFICATE_EXPIRING, severity=severity, stage=stage, since=not_after,
            partner=entry.partner,
            summary=f"{entry.role.value} certificate {entry.fingerprint[:16]} of {entry.partner} {what}",
            details={"fingerprint": entry.fingerprint, "role": entry.role.value, "state": entry.state.value,
                     "subject": entry.certificate.subject.rfc4514_string(), "not_after": not_after.isoformat(),
                     "days_left": days_left},
        ))
    for partner in store.partners_without_valid_certificate(at=now, partners=partners):
        alerts.append(Alert(
            key=f"{AlertKind.PARTNER_WITHOUT_TRUST}:{partner}", kind=AlertKind.PARTNER_WITHOUT_TRUST,
            severity=Severity.CRITICAL, partner=partner,
            summary=f"{partner} has no trust certificate valid now: its documents cannot be verified",
        ))
    return alerts


def _message_alert(kind: AlertKind, severity: Severity, fact: MessageFact, what: str, since: datetime) -> Alert:
    return Alert(
        key=f"{kind}:{fact.message_id}", kind=kind, severity=severity, since=since, partner=fact.partner,
        summary=f"{fact.direction.value} {fact.document_type.value} {fact.message_id} ({fact.partner}) {what}",
        details={"message_id": fact.message_id, "direction": fact.direction.value,
                 "document_type": fact.document_type.value, "status": fact.status.value,
                 "attempts": fact.attempts, "error_code": fact.error_code},
    )


def _message_alerts(messages: MessageRepository, settings: AlertSettings, now: datetime) -> list[Alert]:
    alerts = []
    for fact in messages.message_facts(statuses=[_S.FAILED]):
        alerts.append(_message_alert(AlertKind.MESSAGE_FAILED, Severity.CRITICAL, fact,
                                     f"FAILED after {fact.attempts} attempts ({fact.error_code or 'no code'}); "
                                     "resend it once the cause is fixed", fact.updated_at))
    for fact in messages.message_facts(statuses=[_S.RETRY_WAIT], until=now - settings.retry_wait_after):
        alerts.append(_message_alert(AlertKind.MESSAGE_RETRYING, Severity.WARNING, fact,
                                     f"still not delivered after {fact.attempts} attempts "
                                     f"({fact.error_code or 'no code'})", fact.created_at))
    for fact in messages.message_facts(statuses=[_S.RECEIVED], until=now - settings.unacknowledged_after):
        if fact.direction is Direction.INBOUND:
            alerts.append(_message_alert(AlertKind.INBOUND_UNACKNOWLEDGED, Severity.WARNING, fact,
                                         "not acknowledged by the domestic hub", fact.created_at))
    return alerts


def _unreachable_alerts(messages: MessageRepository, settings: AlertSettings, now: datetime) -> list[Alert]:
    """Partners with messages waiting on a transport failure for longer than the threshold that answered no
    delivery (DELIVERED or REJECTED) within it."""
    window_start = now - settings.unreachable_after
    waiting: dict[str, list[MessageFact]] = {}
    for fact in messages.message_facts(statuses=[_S.RETRY_WAIT], until=window_start):
        if fact.direction is Direction.OUTBOUND and fact.error_code in NO_ANSWER_CODES:
            waiting.setdefault(fact.partner, []).append(fact)
    if not waiting:
        return []
    answered = {f.partner for f in messages.message_facts(statuses=[_S.DELIVERED, _S.REJECTED],
                                                           updated_since=window_start)
                if f.direction is Direction.OUTBOUND}
    alerts = []
    for partner in sorted(set(waiting) - answered):
        facts = waiting[partner]
        alerts.append(Alert(
            key=f"{AlertKind.PARTNER_UNREACHABLE}:{partner}", kind=AlertKind.PARTNER_UNREACHABLE,
            severity=Severity.CRITICAL, since=facts[0].created_at, partner=partner,
            summary=f"{partner} has answered no delivery for {settings.unreachable_after}; "
                    f"{len(facts)} messages wait for it",
            details={"waiting": len(facts), "oldest_message_id": facts[0].message_id},
        ))
    return alerts


def evaluate_alerts(
    *,
    messages: MessageRepository,
    store: TrustStore,
    partners: Sequence[str],
    audit: AuditCheck,
    settings: AlertSettings,
    now: datetime,
) -> list[Alert]:
    """Every alert in force at ``now``, most severe first, then by key."""
    alerts = [
        *_certificate_alerts(store, partners, now),
        *_message_alerts(messages, settings, now),
        *_unreachable_alerts(messages, settings, now),
    ]
    if not audit.ok:
        alerts.append(Alert(
            key=str(AlertKind.AUDIT_CHAIN_BROKEN), kind=AlertKind.AUDIT_CHAIN_BROKEN, severity=Severity.CRITICAL,
            summary=f"the audit log's hash chain is broken at entry {audit.first_bad_sequence}: {audit.problem}",
            stage=str(audit.first_bad_sequence),
            details={"first_bad_sequence": audit.first_bad_sequence, "problem": audit.problem,
                     "entries": audit.entries},
        ))
    order = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(alerts, key=lambda a: (order[a.severity], a.key))


class AlertMonitor:
    """Evaluates alerts on the scheduler, keeps the last result, and tells the webhook what changed.

    Only new alerts, alerts whose severity or stage changed, and resolved ones are sent, as one JSON batch per
    evaluation. A batch not taken is retried on later ticks, waiting ``interval``, then twice as long each time,
    up to ``webhook_max_backoff``; meanwhile the batch follows the alerts (a retry carries what changed since the
    last batch that was taken). What was sent lives in memory: after a restart every alert in force is sent once.
    """

    def __init__(
        self, *, evaluate: Callable[[], list[Alert]], clock: Clock, settings: AlertSettings,
        sender: AlertSender | None = None, party: str = "",
    ) -> None:
        self._evaluate = evaluate
        self._clock = clock
        self._settings = settings
        self._sender = sender
        self._party = party
        self._current: tuple[Alert, ...] = ()
        self._sent: dict[str, tuple[Severity, str]] = {}
        self._failures = 0
        self._next_attempt: datetime | None = None

    def current(self) -> tuple[Alert, ...]:
        """The alerts of the last evaluation (the metrics exporter reads these: a scrape costs no query)."""
        return self._current

    @property
    def failures(self) -> int:
        """Webhook attempts that failed in a row."""
        return self._failures

    def tick(self) -> None:
        """One scheduler run: evaluate, then notify. Never raises (a scheduler job must not die)."""
        try:
            self._current = tuple(self._evaluate())
        except Exception:  # noqa: BLE001 - e.g. the database is briefly unreachable: keep the last result, retry.
            log.exception("alerts could not be evaluated")
            return
        if self._sender is not None:
            self._notify(self._sender)

    def _notify(self, sender: AlertSender) -> None:
        now = self._clock.now()
        changed = [a for a in self._current if self._sent.get(a.key) != (a.severity, a.stage)]
        keys = {a.key for a in self._current}
        resolved = sorted(k for k in self._sent if k not in keys)
        if not changed and not resolved:
            self._failures, self._next_attempt = 0, None
            return
        if self._next_attempt is not None and now < self._next_attempt:
            return
        body: dict[str, Any] = {
            "gateway": self._party, "sent_at": now.isoformat(), "active": len(self._current),
            "alerts": [a.to_dict() for a in changed], "resolved": resolved,
        }
        try:
            sender.send(json.dumps(body, ensure_ascii=False).encode())
        except GatewayError as e:
            self._failures += 1
            wait = min(self._settings.interval * 2 ** (self._failures - 1), self._settings.webhook_max_backoff)
            self._next_attempt = now + wait
            log.warning("alert webhook failed (%d in a row), next attempt after %s: %s", self._failures, wait, e)
            return
        self._sent = {a.key: (a.severity, a.stage) for a in self._current}
        self._failures, self._next_attempt = 0, None
