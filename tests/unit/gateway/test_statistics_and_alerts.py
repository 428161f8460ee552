"""Statistics and alerts on the in-memory message book, a trust store built here and a manual clock."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.adapters.clock import ManualClock
from gateway.adapters.persistence import MemoryMessageRepository
from gateway.adapters.webhook import MemoryAlertSender
from gateway.core.alerts import Alert, AlertKind, AlertSettings, Severity, parse_alert_settings
from gateway.core.domain import (
    Action,
    BusinessKey,
    Direction,
    DocumentType,
    Envelope,
    ErrorInfo,
    MessageStatus,
    PartyId,
    Receipt,
    ReceiptOutcome,
    Signature,
    VerifiedReceipt,
    sha256_hex,
)
from gateway.core.errors import ConfigInvalid, RequestMalformed
from gateway.pipeline.alerts import AlertMonitor, evaluate_alerts
from gateway.pipeline.operations import AuditCheck
from gateway.pipeline.statistics import compute_statistics, percentile
from trust import CertificateRole, TrustedCertificate, TrustStore

S = MessageStatus
T0 = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
AUDIT_OK = AuditCheck(ok=True, entries=3, first_bad_sequence=None, problem="3 entries verified")
_CA_KEY = ec.generate_private_key(ec.SECP256R1())


def _envelope(number: str, *, receiver: str = "HK", sender: str = "CN",
              document_type: DocumentType = DocumentType.CERTIFICATE_OF_ORIGIN) -> Envelope:
    payload = number.encode()
    return Envelope(str(uuid.uuid4()), BusinessKey("CN-CIQ", number, 1), PartyId(sender), PartyId(receiver),
                    document_type, "urn:test", Action.ISSUE, T0, payload, sha256_hex(payload),
                    signature=Signature("x.y.z"))


def _verified(env: Envelope) -> VerifiedReceipt:
    answer = Receipt(env.message_id, str(uuid.uuid4()), env.receiver, ReceiptOutcome.ACCEPTED, env.payload_sha256,
                     T0)
    return VerifiedReceipt(answer, _ca("signer", T0 + timedelta(days=365)))


def _outbound(repo: MemoryMessageRepository, number: str, at: datetime, **kw: object) -> str:
    stored = repo.add_outbound(_envelope(number, **kw), at=at, record_json="{}", report_json="{}",  # type: ignore[arg-type]
                               idempotency_key=None, domestic_client=None)
    return stored.message_id


def _send(repo: MemoryMessageRepository, message_id: str, outcome: MessageStatus, at: datetime,
          error: ErrorInfo | None = None) -> None:
    message = repo.get(message_id)
    if message.status is not S.SENDING:
        [claimed] = [m for m in repo.claim_due(now=at, limit=100, claimer="t", claim_timeout=timedelta(minutes=1))
                     if m.message_id == message_id]
    repo.transition(message_id, outcome, at=at, expected=S.SENDING, error=error,
                    receipt=_verified(message.envelope) if outcome in (S.DELIVERED, S.REJECTED) else None,
                    next_attempt_at=at + timedelta(minutes=5) if outcome is S.RETRY_WAIT else None)


def _inbound(repo: MemoryMessageRepository, number: str, at: datetime, status: MessageStatus = S.RECEIVED,
             error: ErrorInfo | None = None) -> str:
    env = _envelope(number, sender="HK", receiver="CN")
    answer = Receipt(env.message_id, str(uuid.uuid4()), PartyId("CN"),
                     ReceiptOutcome.ACCEPTED if status is S.RECEIVED else ReceiptOutcome.REJECTED,
                     env.payload_sha256, at)
    return repo.add_inbound(env, at=at, status=status, receipt=answer, record_json=None, report_json=None,
                            signer_subject=None, signer_fingerprint=None, error=error,
                            domestic_client=None).message_id


def _ca(name: str, not_after: datetime) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(_CA_KEY.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(T0 - timedelta(days=400))
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(_CA_KEY, hashes.SHA256()))


# -- statistics ---------------------------------------------------------------------------------------------


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert [percentile(values, p) for p in (50, 90, 99, 100)] == [50.0, 90.0, 99.0, 100.0]
    assert percentile([3.0], 99) == 3.0 and percentile([], 50) == 0.0


def test_statistics_count_by_day_partner_type_and_state_with_latency_and_rejections() -> None:
    repo = MemoryMessageRepository()
    delivered = []
    for i in range(10):  # HK: delivered 10, 20, ..., 100 seconds after Submit
        message_id = _outbound(repo, f"CO-{i}", T0 + timedelta(minutes=i))
        _send(repo, message_id, S.DELIVERED, T0 + timedelta(minutes=i, seconds=10 * (i + 1)))
        delivered.append(message_id)
    slow = _outbound(repo, "SPS-1", T0 + timedelta(hours=2), receiver="MO",
                     document_type=DocumentType.SPS_CERTIFICATE)  # the next UTC day
    _send(repo, slow, S.DELIVERED, T0 + timedelta(hours=3))
    refused = _outbound(repo, "CO-R", T0 + timedelta(hours=2), receiver="MO")
    _send(repo, refused, S.REJECTED, T0 + timedelta(hours=2, seconds=1), ErrorInfo("SCHEMA_INVALID", "no"))
    _inbound(repo, "IN-1", T0 + timedelta(hours=2), S.REJECTED, ErrorInfo("ENVELOPE_SIGNATURE_INVALID", "bad"))
    _inbound(repo, "IN-2", T0 + timedelta(hours=2), S.REJECTED, ErrorInfo("ENVELOPE_SIGNATURE_INVALID", "bad"))
    _inbound(repo, "IN-3", T0 + timedelta(hours=2))

    stats = compute_statistics(repo)
    assert stats.total == 15
    assert [(r.day, r.direction, r.partner, r.document_type, r.status, r.count) for r in stats.counts] == [
        ("2026-03-01", Direction.OUTBOUND, "HK", "certificate-of-origin", S.DELIVERED, 10),
        ("2026-03-02", Direction.INBOUND, "HK", "certificate-of-origin", S.RECEIVED, 1),
        ("2026-03-02", Direction.INBOUND, "HK", "certificate-of-origin", S.REJECTED, 2),
        ("2026-03-02", Direction.OUTBOUND, "MO", "certificate-of-origin", S.REJECTED, 1),
        ("2026-03-02", Direction.OUTBOUND, "MO", "sps-certificate", S.DELIVERED, 1),
    ]
    assert stats.totals("partner") == {"HK": 13, "MO": 2}
    assert stats.totals("status") == {"DELIVERED": 11, "RECEIVED": 1, "REJECTED": 3}
    hk, mo = stats.latency_by_partner
    assert (hk.partner, hk.count, hk.p50_seconds, hk.p90_seconds, hk.p99_seconds, hk.max_seconds) == (
        "HK", 10, 50.0, 90.0, 100.0, 100.0)
    assert (mo.partner, mo.count, mo.p50_seconds) == ("MO", 1, 3600.0)
    assert (stats.latency.count, stats.latency.p50_seconds, stats.latency.p99_seconds) == (11, 60.0, 3600.0)
    assert [(r.direction, r.code, r.count) for r in stats.rejections] == [
        (Direction.INBOUND, "ENVELOPE_SIGNATURE_INVALID", 2), (Direction.OUTBOUND, "SCHEMA_INVALID", 1)]

    as_json = json.loads(json.dumps(stats.to_dict()))
    assert as_json["totals"]["document_type"] == {"certificate-of-origin": 14, "sps-certificate": 1}
    assert as_json["counts"][0] == {"day": "2026-03-01", "direction": "outbound", "partner": "HK",
                                    "document_type": "certificate-of-origin", "status": "DELIVERED", "count": 10}
    assert as_json["latency"]["p90_seconds"] == stats.latency.p90_seconds and as_json["since"] is None

    # A time range counts what was created in it only.
    day_two = compute_statistics(repo, since=datetime(2026, 3, 2, tzinfo=UTC))
    assert (day_two.total, day_two.latency.count) == (5, 1)
    with pytest.raises(RequestMalformed) as naive:
        compute_statistics(repo, since=datetime(2026, 3, 2))
    assert naive.value.field_path == "since"
    with pytest.raises(RequestMalformed):
        compute_statistics(repo, since=T0, until=T0)


# -- alerts -------------------------------------------------------------------------------------------------


def _trust(now: datetime) -> TrustStore:
    return TrustStore(entries=(
        TrustedCertificate("HK", CertificateRole.ANCHOR, _ca("HK CA", now + timedelta(days=400))),
        TrustedCertificate("HK", CertificateRole.ANCHOR, _ca("HK CA old", now + timedelta(days=20, hours=1))),
        TrustedCertificate("MO", CertificateRole.ANCHOR, _ca("MO CA", now + timedelta(days=3))),
        TrustedCertificate("SG", CertificateRole.ANCHOR, _ca("SG CA", now - timedelta(days=1))),
    ))


def test_alerts_cover_certificates_stuck_messages_unreachable_partners_and_the_audit_chain() -> None:
    repo = MemoryMessageRepository()
    now = T0 + timedelta(hours=5)
    settings = AlertSettings(retry_wait_after=timedelta(hours=1), unacknowledged_after=timedelta(hours=2),
                             unreachable_after=timedelta(minutes=30))
    failed = _outbound(repo, "CO-F", T0)
    _send(repo, failed, S.FAILED, T0 + timedelta(minutes=1), ErrorInfo("DELIVERY_FAILED", "refused"))
    waiting = _outbound(repo, "CO-W", T0, receiver="MO")  # RETRY_WAIT for five hours, MO never answers
    # As a gRPC partner that cannot be reached is recorded: the call's status name.
    _send(repo, waiting, S.RETRY_WAIT, now - timedelta(minutes=5),
          ErrorInfo("UNAVAILABLE", "failed to connect to all addresses"))
    fresh = _outbound(repo, "CO-N", now - timedelta(minutes=10))  # RETRY_WAIT, but only for ten minutes
    _send(repo, fresh, S.RETRY_WAIT, now - timedelta(minutes=9), ErrorInfo("DELIVERY_FAILED", "refused"))
    old_hk = _outbound(repo, "CO-H", T0)  # HK: waits long, but answered another delivery recently
    _send(repo, old_hk, S.RETRY_WAIT, now - timedelta(minutes=3), ErrorInfo("DELIVERY_FAILED", "timeout"))
    answered = _outbound(repo, "CO-A", now - timedelta(minutes=20))
    _send(repo, answered, S.DELIVERED, now - timedelta(minutes=19))
    unacknowledged = _inbound(repo, "IN-OLD", now - timedelta(hours=3))
    _inbound(repo, "IN-NEW", now - timedelta(hours=1))

    alerts = evaluate_alerts(messages=repo, store=_trust(now), partners=["HK", "MO", "SG"], audit=AUDIT_OK,
                             settings=settings, now=now)
    got = {(a.kind, a.partner, a.details.get("message_id"), a.severity, a.stage) for a in alerts}
    assert got == {
        (AlertKind.CERTIFICATE_EXPIRING, "HK", None, Severity.WARNING, "30d"),
        (AlertKind.CERTIFICATE_EXPIRING, "MO", None, Severity.CRITICAL, "7d"),
        (AlertKind.CERTIFICATE_EXPIRING, "SG", None, Severity.CRITICAL, "expired"),
        (AlertKind.PARTNER_WITHOUT_TRUST, "SG", None, Severity.CRITICAL, ""),
        (AlertKind.MESSAGE_FAILED, "HK", failed, Severity.CRITICAL, ""),
        (AlertKind.MESSAGE_RETRYING, "MO", waiting, Severity.WARNING, ""),
        (AlertKind.MESSAGE_RETRYING, "HK", old_hk, Severity.WARNING, ""),
        (AlertKind.INBOUND_UNACKNOWLEDGED, "HK", unacknowledged, Severity.WARNING, ""),
        (AlertKind.PARTNER_UNREACHABLE, "MO", None, Severity.CRITICAL, ""),
    }
    assert [a.severity for a in alerts] == sorted((a.severity for a in alerts),
                                                  key=[Severity.CRITICAL, Severity.WARNING, Severity.INFO].index)
    hk_cert = next(a for a in alerts if a.kind is AlertKind.CERTIFICATE_EXPIRING and a.partner == "HK")
    assert hk_cert.details["days_left"] == 20 and "expires in 20 days" in hk_cert.summary
    assert json.loads(json.dumps(hk_cert.to_dict()))["kind"] == "certificate_expiring"

    broken = AuditCheck(ok=False, entries=9, first_bad_sequence=4, problem="entry 4 hash mismatch")
    [audit] = [a for a in evaluate_alerts(messages=MemoryMessageRepository(), store=TrustStore(), partners=[],
                                          audit=broken, settings=settings, now=now)]
    assert (audit.kind, audit.severity, audit.details["first_bad_sequence"]) == (
        AlertKind.AUDIT_CHAIN_BROKEN, Severity.CRITICAL, 4)


def _alert(key: str, severity: Severity = Severity.WARNING, stage: str = "") -> Alert:
    return Alert(key=key, kind=AlertKind.MESSAGE_RETRYING, severity=severity, summary=key, stage=stage)


def test_the_monitor_sends_only_new_changed_and_resolved_alerts_and_retries_with_backoff() -> None:
    clock = ManualClock(T0)
    sender = MemoryAlertSender()
    current: list[Alert] = [_alert("a"), _alert("b")]
    monitor = AlertMonitor(evaluate=lambda: list(current), clock=clock, sender=sender, party="CN",
                           settings=AlertSettings(interval=timedelta(seconds=60),
                                                  webhook_max_backoff=timedelta(seconds=200)))

    def bodies() -> list[dict[str, object]]:
        return [json.loads(b) for b in sender.sent]

    monitor.tick()
    assert [[a["key"] for a in b["alerts"]] for b in bodies()] == [["a", "b"]]  # type: ignore[union-attr]
    assert monitor.current() == tuple(current)
    monitor.tick()  # nothing changed: nothing sent
    assert len(sender.sent) == 1

    # "a" goes critical, "b" resolves, "c" appears; the webhook is down for three attempts.
    current[:] = [_alert("a", Severity.CRITICAL), _alert("c")]
    sender.fail_next(3)
    waits = []
    for _ in range(16):
        before = sender.attempts
        monitor.tick()
        if sender.attempts > before:
            waits.append(clock.now())
        clock.advance(timedelta(seconds=30))
    # Attempts at 0 s, then after waits of 60, 120 and 200 (capped) seconds, on the 30-second ticks.
    assert [(w - T0).total_seconds() for w in waits] == [0.0, 60.0, 180.0, 390.0]
    assert sender.attempts == 5 and monitor.failures == 0
    last = bodies()[-1]
    assert [(a["key"], a["severity"]) for a in last["alerts"]] == [("a", "critical"), ("c", "warning")]  # type: ignore[union-attr]
    assert (last["resolved"], last["active"], last["gateway"]) == (["b"], 2, "CN")

    # A stage change is news; the same stage again is not.
    current[:] = [_alert("a", Severity.CRITICAL, "7d"), _alert("c")]
    monitor.tick()
    monitor.tick()
    assert [[a["key"] for a in b["alerts"]] for b in bodies()][-1] == ["a"]  # type: ignore[union-attr]
    assert len(sender.sent) == 3


def test_a_failing_evaluation_keeps_the_last_alerts() -> None:
    calls = iter([[_alert("a")]])

    def evaluate() -> list[Alert]:
        return next(calls)  # the second call raises StopIteration, standing in for a database outage

    monitor = AlertMonitor(evaluate=evaluate, clock=ManualClock(T0), settings=AlertSettings())
    monitor.tick()
    monitor.tick()
    assert [a.key for a in monitor.current()] == ["a"]


@pytest.mark.parametrize(("table", "field"), [
    ({"webhook_url": "http://hooks.example.org/x"}, "alerts.webhook_url"),
    ({"webhook_url": "ftp://127.0.0.1/x"}, "alerts.webhook_url"),
    ({"webhook_url": "https:///x"}, "alerts.webhook_url"),
    ({"retry_wait_after_seconds": 0}, "alerts.retry_wait_after_seconds"),
    ({"interval_seconds": True}, "alerts.interval_seconds"),
    ({"webhok_url": "https://x"}, "alerts.webhok_url"),
])
def test_alert_settings_are_strict(table: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigInvalid) as refused:
        parse_alert_settings(table)
    assert refused.value.field_path == field


def test_alert_settings_accept_https_and_loopback_http() -> None:
    assert parse_alert_settings({}).webhook_url is None
    assert parse_alert_settings({"webhook_url": "https://hooks.example.org/a"}).webhook_url is not None
    settings = parse_alert_settings({"webhook_url": "http://127.0.0.1:9000/a", "unreachable_after_seconds": 60})
    assert settings.unreachable_after == timedelta(minutes=1)
