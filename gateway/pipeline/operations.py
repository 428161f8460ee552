"""Operator actions shared by the Operator gRPC service and the offline CLI; every change is audited."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509

import trust
from trust import CertificateRole, CertificateState, CrlInfo, SigningIdentity

from ..core.alerts import Alert, AlertSettings
from ..core.audit import verify_audit_chain
from ..core.domain import REPLAY_TRANSITIONS, Direction, MessageStatus
from ..core.errors import InvalidTransition
from ..core.partners import PartnerProfile
from ..core.ports import (
    Actor,
    AuditEntry,
    AuditRepository,
    Clock,
    Keyring,
    MessageArchive,
    MessageRepository,
    RetentionRepository,
    StoredMessage,
    StoredTrustedCertificate,
    TrustBook,
)
from ..core.signals import Signals
from ..core.retention import RetentionPolicy
from ..core.trust_export import classify, load_certificates, render_export
from .inquiries import CertificateLedgers
from .retention import RetentionReport, run_retention
from .alerts import evaluate_alerts
from .statistics import Statistics, compute_statistics

__all__ = ["AuditCheck", "ExpiryReport", "Operations", "ReplaySelection"]

log = logging.getLogger(__name__)

#: The horizons at which expiring certificates are reported (days).
EXPIRY_HORIZONS = (90, 30, 7)


@dataclass(frozen=True)
class ExpiryReport:
    """Certificates expiring within a horizon and partners without any valid certificate."""

    expiring: tuple[StoredTrustedCertificate, ...]
    """Trust rows whose certificate ends within the horizon, soonest first."""
    partners_without_valid_certificate: tuple[str, ...]
    """Partners left with nothing to verify them by."""


@dataclass(frozen=True)
class AuditCheck:
    """Outcome of verifying the audit hash chain."""

    ok: bool
    """True when every entry links to the previous and its hash matches."""
    entries: int
    """Entries checked."""
    first_bad_sequence: int | None
    """The first broken entry."""
    problem: str
    """What is wrong with it."""


@dataclass(frozen=True)
class ReplaySelection:
    """Which messages ``swgw messages replay`` takes: every given criterion must hold (None: any)."""

    direction: Direction
    """Outbound messages are sent again, inbound ones handed over again."""
    since: datetime | None = None
    """Created at or after this instant."""
    until: datetime | None = None
    """Created before this instant."""
    partner: str | None = None
    """Only this partner's messages."""
    status: MessageStatus | None = None
    """Only messages in this state (one of the replayable ones: DELIVERED or FAILED outbound, HANDED_OVER inbound)."""


#: Upper bound of one replay; a larger set is replayed in several runs (narrow the time range).
MAX_REPLAY = 100_000


class Operations:
    """What an operator can do to a gateway, online or offline."""

    def __init__(
        self,
        *,
        partners: Sequence[PartnerProfile],
        trustbook: TrustBook,
        messages: MessageRepository,
        audit: AuditRepository,
        clock: Clock,
        identity: SigningIdentity | None,
        tls_certificate_pem: bytes = b"",
        signals: Signals | None = None,
        keyring: Keyring | None = None,
        party: str = "",
        ledgers: CertificateLedgers | None = None,
        retention: RetentionPolicy | None = None,
        archive: MessageArchive | None = None,
        retained: RetentionRepository | None = None,
        alert_settings: AlertSettings = AlertSettings(),
    ) -> None:
        self._partners = tuple(partners)
        self.alert_settings = alert_settings
        """The thresholds alerts are evaluated with."""
        self.trustbook = trustbook
        self.messages = messages
        self._audit = audit
        self._clock = clock
        self._identity = identity
        self._tls_pem = tls_certificate_pem
        self._signals = signals
        self._keyring = keyring
        self._party = party
        self.ledgers = ledgers
        """The certificate ledger and inquiries (None: this gateway keeps no ledger view, e.g. in unit twins)."""
        self._retention = retention
        self._archive = archive
        self._retained = retained

    def run_retention(self, *, actor: Actor, dry_run: bool = False) -> RetentionReport:
        """Archive and purge the messages whose retention period is over (``[retention]``); with ``dry_run``, only
        list them. Nothing happens without a retention policy that purges."""
        policy = self._retention
        if policy is None or self._archive is None or self._retained is None or not policy.purges:
            return RetentionReport(dry_run=dry_run, at=self._clock.now())
        return run_retention(policy, messages=self.messages, book=self._retained, archive=self._archive,
                             clock=self._clock, actor=actor, dry_run=dry_run)

    def partners(self) -> tuple[PartnerProfile, ...]:
        """The agreements in force."""
        return self._partners

    def add_trust(
        self, partner: str, certificate: bytes, *, role: CertificateRole, actor: Actor,
        valid_from_use: object = None,
    ) -> StoredTrustedCertificate:
        """Add one certificate (PEM or DER) to a partner's trust.

        An anchor or intermediate must be a CA certificate: anything else is refused with ``TRUST_ANCHOR_NOT_CA``
        at field ``certificate`` (pin an end-entity certificate with role pinned).
        """
        from ..core.errors import EnvelopeInvalid

        try:
            certs = load_certificates(certificate)
        except ValueError as e:
            raise EnvelopeInvalid(f"not a PEM or DER certificate: {e}", field_path="certificate") from e
        if len(certs) != 1:
            raise EnvelopeInvalid("give exactly one certificate", field_path="certificate")
        try:
            return self.trustbook.add(partner, certs[0], role=role, actor=actor, valid_from_use=valid_from_use)  # type: ignore[arg-type]
        except trust.TrustAnchorNotCa as e:
            raise e.at("certificate") from e

    def change_trust_state(
        self, partner: str, fingerprint: str, state: CertificateState, *, actor: Actor, reason: str | None = None,
        effective_at: datetime | None = None,
    ) -> StoredTrustedCertificate:
        """Activate, retire or revoke a partner's certificate (audited by the trust book); a revoked one is
        refused from the next document on, on every replica."""
        return self.trustbook.change_state(partner, fingerprint, state, actor=actor, reason=reason,
                                           effective_at=effective_at)

    def import_crl(self, partner: str, crl: bytes, *, actor: Actor) -> CrlInfo:
        """Store a partner's CRL (PEM or DER) after checking its signature against that partner's trust
        (audited)."""
        return self.trustbook.import_crl(partner, crl, actor=actor)

    def export_own_certificates(self) -> bytes:
        """Our certificates as a labelled PEM bundle (see :mod:`gateway.core.trust_export`): our CA (what partners
        trust as anchor), intermediates, every signing certificate of the keyring and our TLS certificate."""
        identities = self._keyring.identities() if self._keyring is not None else (
            (self._identity,) if self._identity is not None else ())
        tls = x509.load_pem_x509_certificates(self._tls_pem) if self._tls_pem else []
        entries = classify(((i.certificate, i.chain) for i in identities), tls)
        return render_export(entries, party=self._party)

    def expiry_report(self, within: timedelta) -> ExpiryReport:
        """Trust certificates expiring within ``within``, and partners without a valid certificate."""
        now = self._clock.now()
        store = self.trustbook.store()
        expiring = store.expiring(at=now, within=within)
        records = {(r.partner, r.fingerprint): r for r in self.trustbook.records()}
        return ExpiryReport(
            expiring=tuple(records[(e.partner, e.fingerprint)] for e in expiring),
            partners_without_valid_certificate=store.partners_without_valid_certificate(
                at=now, partners=[p.name for p in self._partners]
            ),
        )

    def log_expiry(self) -> ExpiryReport:
        """The daily job: log certificates expiring within 90, 30 and 7 days and partners left without trust."""
        report = self.expiry_report(timedelta(days=max(EXPIRY_HORIZONS)))
        now = self._clock.now()
        for record in report.expiring:
            cert = x509.load_der_x509_certificate(record.certificate_der)
            days = (cert.not_valid_after_utc - now).days
            horizon = min((h for h in EXPIRY_HORIZONS if days <= h), default=max(EXPIRY_HORIZONS))
            log.warning("trust certificate of %s (%s) expires in %d days (within %d)", record.partner,
                        record.fingerprint[:16], days, horizon)
        for partner in report.partners_without_valid_certificate:
            log.error("partner %s has no valid trust certificate", partner)
        return report

    def statistics(self, *, since: datetime | None = None, until: datetime | None = None) -> Statistics:
        """Traffic statistics of the messages created in ``[since, until)``."""
        return compute_statistics(self.messages, since=since, until=until)

    def alerts(self) -> list[Alert]:
        """Every alert in force now (see :func:`~gateway.pipeline.alerts.evaluate_alerts`)."""
        return evaluate_alerts(messages=self.messages, store=self.trustbook.store(),
                               partners=[p.name for p in self._partners], audit=self.verify_audit(),
                               settings=self.alert_settings, now=self._clock.now())

    def audit_entries(self, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Audit entries after a sequence number."""
        return self._audit.list_audit(after=after, limit=limit)

    def verify_audit(self) -> AuditCheck:
        """Check the whole audit hash chain."""
        entries: list[AuditEntry] = []
        after = 0
        while True:
            page = self._audit.list_audit(after=after, limit=1000)
            if not page:
                break
            entries.extend(page)
            after = page[-1].sequence
        ok, bad, problem = verify_audit_chain(entries)
        return AuditCheck(ok=ok, entries=len(entries), first_bad_sequence=bad, problem=problem)

    def resend(self, message_id: str, *, actor: Actor) -> StoredMessage:
        """Queue a FAILED outbound message again; it keeps its message id."""
        stored = self.messages.get(message_id)
        if stored.status is not MessageStatus.FAILED:
            raise InvalidTransition(f"only FAILED messages can be resent; {message_id} is {stored.status}")
        now = self._clock.now()
        result = self.messages.transition(message_id, MessageStatus.QUEUED, at=now, expected=MessageStatus.FAILED)
        self._audit.append_audit(actor=actor, action="message.resend", at=now,
                                 details={"message_id": message_id, "partner": stored.partner})
        if self._signals is not None:
            self._signals.outbound.fire()
            self._signals.status.fire()
        return result

    def replay(self, selection: ReplaySelection, *, actor: Actor) -> list[StoredMessage]:
        """Send again (outbound: QUEUED) or hand over again (inbound: RECEIVED) the selected messages, same ids.

        Used after a restore: the partner answers an outbound message it already has with its stored receipt and
        stores no duplicate; an inbound one goes to the domestic client again, which deduplicates by message id.
        Messages not in a replayable state (still on their way, or REJECTED) are left alone; each replayed
        message is audited. Returns the replayed messages.
        """
        replayable = REPLAY_TRANSITIONS[selection.direction]
        if selection.status is not None and selection.status not in replayable:
            raise InvalidTransition(
                f"{selection.direction} messages in {selection.status} cannot be replayed "
                f"(only {', '.join(sorted(replayable))})")
        candidates = self.messages.list_messages(status=selection.status, partner=selection.partner,
                                                 limit=MAX_REPLAY)
        chosen = [
            m for m in candidates
            if m.direction is selection.direction and m.status in replayable
            and (selection.since is None or m.created_at >= selection.since)
            and (selection.until is None or m.created_at < selection.until)
        ]
        now = self._clock.now()
        replayed: list[StoredMessage] = []
        # Oldest first, as they were first sent: a replacement must not overtake its original.
        for message in sorted(chosen, key=lambda m: (m.created_at, m.message_id)):
            target = replayable[message.status]
            try:
                result = self.messages.transition(message.message_id, target, at=now, expected=message.status,
                                                  replay=True)
            except InvalidTransition:
                continue  # moved on since it was listed (another replica, a concurrent replay): not ours to redo
            self._audit.append_audit(actor=actor, action="message.replay", at=now,
                                     details={"message_id": message.message_id, "partner": message.partner,
                                              "from": message.status.value, "to": target.value})
            replayed.append(result)
        if replayed and self._signals is not None:
            self._signals.outbound.fire()
            self._signals.inbound.fire()
            self._signals.status.fire()
        return replayed
