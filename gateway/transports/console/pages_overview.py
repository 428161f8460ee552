"""Dashboard, partners and agreements, and the audit log with its chain verification."""

from __future__ import annotations

from datetime import timedelta

from cryptography import x509
from flask import Blueprint, render_template, request

from ...core.domain import MessageStatus
from .charts import bar_chart
from .web import context

__all__ = ["blueprint"]

blueprint = Blueprint("overview", __name__)

#: Audit entries per page.
AUDIT_PAGE = 50


#: The time ranges the dashboard offers (days back from now; 0 for everything).
RANGES = {"1": "24 hours", "7": "7 days", "30": "30 days", "0": "all time"}


@blueprint.get("/")
def dashboard() -> str:
    """Alerts, traffic per partner, document type and day, latency, rejections, backlog, failures and
    certificates close to expiry; the numbers come from the statistics and alerts functions the Operator service
    and ``swgw stats``/``swgw alerts`` use."""
    ops = context().operations
    now = context().clock.now()
    days = request.args.get("days", "7")
    if days not in RANGES:
        days = "7"
    since = now - timedelta(days=int(days)) if days != "0" else None
    stats = ops.statistics(since=since)
    states = sorted({row.status.value for row in stats.counts})
    by_partner: dict[str, dict[str, int]] = {}
    by_type: dict[str, dict[str, int]] = {}
    by_day: dict[str, dict[str, int]] = {}
    for row in stats.counts:
        for table, label in ((by_partner, f"{row.partner} ({row.direction.value})"), (by_type, row.document_type),
                             (by_day, row.day)):
            cell = table.setdefault(label, {})
            cell[row.status.value] = cell.get(row.status.value, 0) + row.count
    report = ops.expiry_report(timedelta(days=90))
    expiring = [(r, (x509.load_der_x509_certificate(r.certificate_der).not_valid_after_utc - now).days)
                for r in report.expiring]
    failures = ops.messages.list_messages(status=MessageStatus.FAILED, limit=10)
    rejected = ops.messages.list_messages(status=MessageStatus.REJECTED, limit=10)
    severity = {"critical": 0, "warning": 1, "info": 2}
    alerts = sorted(ops.alerts(), key=lambda a: (severity.get(a.severity.value, 3), a.key))
    return render_template(
        "dashboard.html", title="Dashboard", days=days, ranges=RANGES, stats=stats, alerts=alerts,
        partner_chart=bar_chart(list(by_partner.items()), title="Messages per partner and state", series=states),
        type_chart=bar_chart(list(by_type.items()), title="Messages per document type and state", series=states),
        day_chart=bar_chart(sorted(by_day.items()), title="Messages per day and state", series=states),
        by_partner=by_partner, by_type=by_type, states=states, backlog=ops.messages.backlog(), expiring=expiring,
        without_trust=report.partners_without_valid_certificate, failures=failures, rejected=rejected, now=now)


@blueprint.get("/partners")
def partners() -> str:
    """The agreements in force and each partner's trust at a glance."""
    ops = context().operations
    records = ops.trustbook.records()
    return render_template("partners.html", title="Partners and agreements", partners=ops.partners(),
                           trust={p.name: [r for r in records if r.partner == p.name] for p in ops.partners()})


@blueprint.get("/audit")
def audit() -> str:
    """The audit log, oldest first from ``after``; ``verify=1`` checks the whole hash chain."""
    ops = context().operations
    after = max(request.args.get("after", 0, type=int) or 0, 0)
    entries = ops.audit_entries(after=after, limit=AUDIT_PAGE)
    check = ops.verify_audit() if request.args.get("verify") else None
    return render_template("audit.html", title="Audit log", entries=entries, after=after, check=check,
                           page=AUDIT_PAGE)
