"""APScheduler 3.x wiring only: periodic dispatcher wake-ups, the daily certificate expiry scan, the daily
retention run and alerts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

__all__ = ["build_scheduler"]


def build_scheduler(
    *,
    wake_dispatcher: Callable[[], None],
    tick_seconds: float,
    expiry_scan: Callable[[], object] | None,
    retention: Callable[[], object] | None = None,
    alerts_tick: Callable[[], None] | None = None,
    alerts_seconds: float = 60.0,
) -> BackgroundScheduler:
    """A scheduler (not started) with the gateway's recurring jobs.

    The dispatcher is woken at once when a message is queued; the periodic wake-up catches retries that fall due
    and work queued by other replicas. The expiry scan runs at start-up and then daily (``None``: not in this
    process, e.g. a worker other than the first of ``swgw serve --workers N``).
    """
    scheduler = BackgroundScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(wake_dispatcher, "interval", seconds=tick_seconds, id="dispatcher-wake")
    if expiry_scan is not None:
        scheduler.add_job(expiry_scan, "interval", days=1, id="certificate-expiry", next_run_time=datetime.now(UTC))
    if retention is not None:
        # Daily, starting an hour after start-up: a restart loop does not turn into a purge loop, and a gateway
        # that starts is serving before it archives.
        scheduler.add_job(retention, "interval", days=1, id="retention",
                          next_run_time=datetime.now(UTC) + timedelta(hours=1))
    if alerts_tick is not None:
        scheduler.add_job(alerts_tick, "interval", seconds=alerts_seconds, id="alerts", next_run_time=datetime.now(UTC))
    return scheduler
