"""The alert webhook adapter against a real HTTP server on loopback, driven by the alert monitor."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from gateway.adapters.clock import ManualClock
from gateway.adapters.webhook import WebhookSender
from gateway.core.alerts import Alert, AlertKind, AlertSettings, Severity
from gateway.core.errors import DeliveryFailed
from gateway.core.ports import Actor, ActorKind
from gateway.pipeline.alerts import AlertMonitor


class _Hook(HTTPServer):
    answers: list[int]
    received: list[tuple[str, str, bytes]]


class _Handler(BaseHTTPRequestHandler):
    server: _Hook

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers["Content-Type"], body))
        status = self.server.answers.pop(0) if self.server.answers else 204
        self.send_response(status)
        if status in (301, 302, 307):
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[_Hook]:
    server = _Hook(("127.0.0.1", 0), _Handler)
    server.answers, server.received = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_webhook_posts_json_and_refuses_errors_and_redirects(hook: _Hook) -> None:
    sender = WebhookSender(f"http://127.0.0.1:{hook.server_port}/alerts", timeout=timedelta(seconds=5))
    sender.send(b'{"a":1}')
    assert hook.received == [("/alerts", "application/json; charset=utf-8", b'{"a":1}')]
    for status in (500, 302):
        hook.answers.append(status)
        with pytest.raises(DeliveryFailed, match=f"HTTP {status}"):
            sender.send(b"{}")
    assert len(hook.received) == 3  # the redirect was not followed


def test_webhook_to_a_closed_port_fails_cleanly() -> None:
    with HTTPServer(("127.0.0.1", 0), _Handler) as closed:
        port = closed.server_port
    with pytest.raises(DeliveryFailed, match="unreachable"):
        WebhookSender(f"http://127.0.0.1:{port}/", timeout=timedelta(seconds=2)).send(b"{}")


def test_monitor_delivers_through_the_webhook_after_an_outage(hook: _Hook) -> None:
    clock = ManualClock(datetime(2026, 3, 1, tzinfo=UTC))
    alert = Alert(key="partner_unreachable:MO", kind=AlertKind.PARTNER_UNREACHABLE, severity=Severity.CRITICAL,
                  summary="MO has answered nothing", partner="MO")
    monitor = AlertMonitor(evaluate=lambda: [alert], clock=clock, party="CN",
                           sender=WebhookSender(f"http://127.0.0.1:{hook.server_port}/a"),
                           settings=AlertSettings(interval=timedelta(seconds=10)))
    hook.answers.append(503)
    monitor.tick()  # refused
    monitor.tick()  # too early for the retry: nothing sent
    clock.advance(timedelta(seconds=10))
    monitor.tick()  # retried and taken
    monitor.tick()  # nothing new
    assert len(hook.received) == 2
    body = json.loads(hook.received[-1][2])
    assert body["gateway"] == "CN" and [a["key"] for a in body["alerts"]] == ["partner_unreachable:MO"]


def test_a_running_gateway_sends_a_new_alert_to_its_webhook(tmp_path: Path, hook: _Hook) -> None:
    from tests.integration.network import running_network, wait_for
    from trust import CertificateRole, devpki

    def configure(party: str, data: dict[str, Any]) -> None:
        data["alerts"] = {"webhook_url": f"http://127.0.0.1:{hook.server_port}/swgw", "interval_seconds": 0.2}

    with running_network(tmp_path, ("CN", "HK"), configure=configure) as net:
        # A partner CA ending in five days: a critical certificate_expiring alert at the next evaluation.
        short = devpki.create_ca("HK short-lived CA", at=datetime.now(UTC), days=5)
        net.apps["CN"].operations.add_trust("HK", short.cert_pem(), role=CertificateRole.ANCHOR,
                                            actor=Actor(ActorKind.CONFIGURATION, "test"))

        def sent() -> list[dict[str, Any]]:
            return [a for _, _, body in list(hook.received) for a in json.loads(body)["alerts"]
                    if a["kind"] == "certificate_expiring"]

        [alert] = wait_for(sent, timeout=20)
    assert (alert["severity"], alert["partner"], alert["stage"]) == ("critical", "HK", "7d")
    assert alert["details"]["days_left"] == 4
    assert len(sent()) == 1  # evaluated many times since, sent once
