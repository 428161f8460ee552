"""StoredTrustBook: the gateway's persisted partner trust, served to the pipeline as an in-memory ``TrustStore``.

Rows live in the database (so every replica and the offline CLI see the same trust); the parsed store is
rebuilt only when ``trust_version`` changes, which is checked at most once per ``refresh_seconds``. Every change
is written to the audit log in the same call.

Databases written before anchors had to be CA certificates may hold end-entity certificates as anchors (the
README's partner set-up once led there: a partner's whole ``trust export`` in ``trust_anchors``). Whenever the
store is built such rows are migrated to ``pinned``, once (the new role is stored; of several replicas exactly
one migrates a row), each with a WARNING naming partner and fingerprint and an audit entry ``trust.migrate-role``:
as anchors they were paths of their own, so their CA's revocation and CRLs never reached them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

import trust
from trust import CertificateRole, CertificateState, PartnerTrust, TrustedCertificate, TrustStore

from ...core.ports import Actor, ActorKind, AuditRepository, Clock, StoredTrustedCertificate, TrustRepository

__all__ = ["StoredTrustBook"]

log = logging.getLogger(__name__)

#: How long a partner identification is reused at most, on top of the exact limits (see ``TrustBook.identify``).
_IDENTIFY_REUSE = timedelta(seconds=1)
_IDENTIFY_CACHE_SIZE = 256


def _entry(record: StoredTrustedCertificate) -> TrustedCertificate:
    return TrustedCertificate(
        partner=record.partner,
        role=record.role,
        certificate=x509.load_der_x509_certificate(record.certificate_der),
        state=record.state,
        valid_from_use=record.valid_from_use,
        revoked_at=record.revoked_at,
        revocation_reason=record.revocation_reason,
    )


def _record(entry: TrustedCertificate, added_at: datetime) -> StoredTrustedCertificate:
    return StoredTrustedCertificate(
        partner=entry.partner,
        fingerprint=entry.fingerprint,
        role=entry.role,
        state=entry.state,
        certificate_der=entry.certificate.public_bytes(Encoding.DER),
        added_at=added_at,
        valid_from_use=entry.valid_from_use,
        revoked_at=entry.revoked_at,
        revocation_reason=entry.revocation_reason,
    )


class StoredTrustBook:
    """Persisted trust with an in-memory cache and an audited change API."""

    def __init__(
        self, repo: TrustRepository, audit: AuditRepository, clock: Clock, *, refresh_seconds: float = 1.0
    ) -> None:
        self._repo = repo
        self._audit = audit
        self._clock = clock
        self._refresh = refresh_seconds
        self._lock = threading.Lock()
        self._store: TrustStore | None = None
        self._version = -1
        self._checked = 0.0
        self._identified: dict[tuple[x509.Certificate, ...], tuple[TrustStore, datetime, datetime, str]] = {}

    # Reading ------------------------------------------------------------------------------------------------

    def store(self) -> TrustStore:
        """The current trust store, rebuilt when the persisted version changed."""
        with self._lock:
            now = time.monotonic()
            if self._store is None or now - self._checked >= self._refresh:
                self._checked = now
                version = self._repo.trust_version()
                if self._store is None or version != self._version:
                    self._store = self._build()
                    self._version = version
            return self._store

    def invalidate(self) -> None:
        """Force a re-read on the next access (after a local change)."""
        with self._lock:
            self._checked = 0.0

    def _build(self) -> TrustStore:
        records = self._repo.list_trust()
        if self._migrate_leaf_anchors(records):
            records = self._repo.list_trust()
        store = TrustStore(entries=tuple(_entry(r) for r in records))
        for partner, der in self._repo.list_crls():
            issuers = [e.certificate for e in store.entries if e.partner == partner]
            store = store.with_crl(trust.load_crl(der, issuers=issuers))
        return store

    def _migrate_leaf_anchors(self, records: Sequence[StoredTrustedCertificate]) -> bool:
        """Store ``pinned`` for every end-entity certificate held as anchor or intermediate (see module docstring);
        True when any row was found. Runs under ``self._lock`` (from :meth:`store`), so it must not call back."""
        found = False
        for record in records:
            if record.role is CertificateRole.PINNED:
                continue
            certificate = x509.load_der_x509_certificate(record.certificate_der)
            problem = trust.ca_problem(certificate)
            if problem is None:
                continue
            found = True
            if not self._repo.change_trust_role(record.partner, record.fingerprint, expected=record.role,
                                                role=CertificateRole.PINNED):
                continue  # another replica (or the offline CLI) migrated it first, and audited it
            why = (f"{problem}; as {record.role} it was a path of its own, so neither its CA's revocation nor a CRL "
                   "listing it was checked. Pinned, both apply; trust the partner's CA as anchor instead")
            log.warning("trust: %s certificate %s (%s) of partner %s migrated from %s to pinned: %s", record.state,
                        record.fingerprint, certificate.subject.rfc4514_string(), record.partner, record.role, why)
            self._audit.append_audit(
                actor=Actor(ActorKind.UPGRADE, "trust role migration"), action="trust.migrate-role",
                at=self._clock.now(),
                details={"partner": record.partner, "fingerprint": record.fingerprint, "from_role": record.role,
                         "role": CertificateRole.PINNED.value, "state": record.state,
                         "subject": certificate.subject.rfc4514_string(), "reason": why},
            )
        return found

    def for_partner(
        self, partner: str, *, at: datetime, purpose: Literal["receive", "send"] = "receive"
    ) -> PartnerTrust:
        """The partner's trust material at ``at``."""
        return self.store().for_partner(partner, at=at, purpose=purpose)

    def identify(self, leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], *, at: datetime) -> str:
        """The partner a TLS client certificate belongs to; raises ``trust.CertificateUntrusted``.

        Every call to a partner service asks this, and the answer costs one path validation per partner, so a
        positive answer is reused for the same certificates while nothing it depends on can have changed: the
        same trust store (a new one is built on any trust change) and no time boundary passed since (a
        certificate's validity, a pending certificate's start of use, a revocation's effective time, a CRL's
        update times, each with the clock skew allowance), and for at most a second. Refusals are never reused.
        """
        store = self.store()
        key = (leaf, *intermediates)
        with self._lock:
            cached = self._identified.get(key)
        if cached is not None and cached[0] is store and cached[1] <= at < cached[2]:
            return cached[3]
        partner = store.identify(leaf, intermediates, at=at, purpose="tls-client")
        until = min((t for t in _time_boundaries(store, key) if t > at), default=at + _IDENTIFY_REUSE)
        with self._lock:
            if len(self._identified) >= _IDENTIFY_CACHE_SIZE:
                self._identified.clear()
            self._identified[key] = (store, at, min(until, at + _IDENTIFY_REUSE), partner)
        return partner

    def records(self, partner: str | None = None) -> list[StoredTrustedCertificate]:
        """Stored rows, for listing."""
        return self._repo.list_trust(partner)

    def anchors_pem(self, *, at: datetime) -> bytes:
        """PEM of every anchor, intermediate and pinned certificate usable for receiving (TLS client CA list).

        gRPC's BoringSSL accepts partial chains: any certificate in this list ends a client's chain, a pinned
        certificate that is not self-signed included (its issuer need not be listed). That is only the first gate:
        :meth:`identify` then decides the partner with that partner's own material, states and revocations,
        including those of a pinned certificate's issuers.
        """
        out = []
        store = self.store()
        for partner in store.partners:
            material = store.for_partner(partner, at=at)
            for cert in (*material.anchors, *material.intermediates, *material.pinned):
                out.append(cert.public_bytes(Encoding.PEM))
        return b"".join(out)

    # Changing -----------------------------------------------------------------------------------------------

    def add(
        self,
        partner: str,
        certificate: x509.Certificate,
        *,
        role: CertificateRole,
        actor: Actor,
        valid_from_use: datetime | None = None,
    ) -> StoredTrustedCertificate:
        """Add a certificate: ACTIVE at once, or PENDING until ``valid_from_use``."""
        now = self._clock.now()
        pending = valid_from_use is not None and valid_from_use > now
        entry = TrustedCertificate(
            partner=partner, role=role, certificate=certificate,
            state=CertificateState.PENDING if pending else CertificateState.ACTIVE,
            valid_from_use=valid_from_use if pending else None,
        )
        self.store().with_entry(entry)  # raises TrustStoreError on a duplicate
        record = _record(entry, now)
        self._repo.upsert_trust(record)
        self._audited(actor, "trust.add", record, now)
        return record

    def ensure(self, partner: str, certificate: x509.Certificate, *, role: CertificateRole, actor: Actor) -> bool:
        """Add an ACTIVE certificate unless it is already known for the partner (config import at start-up)."""
        fp = trust.fingerprint(certificate)
        if any(r.fingerprint == fp for r in self._repo.list_trust(partner)):
            # Possibly imported by another replica since this book's store was built: re-read on next access.
            self.invalidate()
            return False
        try:
            self.add(partner, certificate, role=role, actor=actor)
        except trust.TrustStoreError:
            # Replicas starting together import the same anchors: one that lost the race finds it listed now.
            if any(r.fingerprint == fp for r in self._repo.list_trust(partner)):
                self.invalidate()
                return False
            raise
        return True

    def change_state(
        self,
        partner: str,
        fingerprint: str,
        state: CertificateState,
        *,
        actor: Actor,
        reason: str | None = None,
        effective_at: datetime | None = None,
    ) -> StoredTrustedCertificate:
        """Activate, retire or revoke a certificate (the pure store checks the transition)."""
        now = self._clock.now()
        store = self.store()
        if state is CertificateState.ACTIVE:
            store = store.activate(partner, fingerprint)
        elif state is CertificateState.RETIRING:
            store = store.retire(partner, fingerprint)
        elif state is CertificateState.REVOKED:
            store = store.revoke(partner, fingerprint, at=effective_at or now, reason=reason or "unspecified")
        else:
            raise trust.TrustStoreError(f"cannot move a certificate to {state}", partner=partner)
        entry = next(e for e in store.entries if e.partner == partner and e.fingerprint == fingerprint)
        previous = next(r for r in self._repo.list_trust(partner) if r.fingerprint == fingerprint)
        record = _record(entry, previous.added_at)
        self._repo.upsert_trust(record)
        self._audited(actor, f"trust.{state.value}", record, now, reason=reason)
        return record

    def import_crl(self, partner: str, crl_der: bytes, *, actor: Actor) -> trust.CrlInfo:
        """Verify a CRL against the partner's certificates and store it."""
        now = self._clock.now()
        issuers = [e.certificate for e in self.store().entries if e.partner == partner]
        info = trust.load_crl(crl_der, issuers=issuers)
        self._repo.add_crl(partner, crl_der, at=now)
        self.invalidate()
        self._audit.append_audit(
            actor=actor, action="trust.import-crl", at=now,
            details={"partner": partner, "issuer": info.issuer.rfc4514_string(),
                     "revoked": len(info.revoked_serials), "issuer_fingerprint": info.issuer_fingerprint},
        )
        return info

    def _audited(
        self, actor: Actor, action: str, record: StoredTrustedCertificate, at: datetime, reason: str | None = None
    ) -> None:
        self.invalidate()
        details: dict[str, object] = {
            "partner": record.partner, "fingerprint": record.fingerprint, "role": record.role,
            "state": record.state,
            "subject": x509.load_der_x509_certificate(record.certificate_der).subject.rfc4514_string(),
        }
        if reason:
            details["reason"] = reason
        self._audit.append_audit(actor=actor, action=action, details=details, at=at)


def _time_boundaries(store: TrustStore, presented: Sequence[x509.Certificate]) -> Iterator[datetime]:
    """Every moment at which a trust decision involving ``store`` and ``presented`` could change by time alone."""
    skew = trust.DEFAULT_POLICY.max_clock_skew
    for certificate in (*presented, *(e.certificate for e in store.entries)):
        for t in (certificate.not_valid_before_utc, certificate.not_valid_after_utc):
            yield from (t - skew, t, t + skew)
    for entry in store.entries:
        yield from (t for t in (entry.valid_from_use, entry.revoked_at) if t is not None)
    for crl in store.crls:
        yield crl.this_update
        yield from crl.revoked_serials.values()
        if crl.next_update is not None:
            yield from (crl.next_update - skew, crl.next_update, crl.next_update + skew)
