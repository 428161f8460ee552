"""Ports of partner trust and the audit log: the trust book and keyring the pipeline reads, stored trust rows, who
acted, and the repositories behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

from cryptography import x509

from trust import CertificateRole, CertificateState, CrlInfo, PartnerTrust, SigningIdentity, TrustStore

__all__ = [
    "Actor",
    "ActorKind",
    "AuditEntry",
    "AuditRepository",
    "Keyring",
    "StoredTrustedCertificate",
    "TrustBook",
    "TrustRepository",
]


@dataclass(frozen=True)
class StoredTrustedCertificate:
    """A :class:`trust.TrustedCertificate` as the trust repository stores it: the certificate as DER with its
    fingerprint, and when it was added. The trust book turns these into the :class:`trust.TrustStore` it serves."""

    partner: str
    """The partner the certificate belongs to."""
    fingerprint: str
    """SHA-256 of the DER, hex."""
    role: CertificateRole
    """How the certificate is used (anchor, intermediate or pinned)."""
    state: CertificateState
    """Its lifecycle state (pending, active, retiring or revoked)."""
    certificate_der: bytes
    """The certificate."""
    added_at: datetime
    """When it was added."""
    valid_from_use: datetime | None = None
    """Pending until then."""
    revoked_at: datetime | None = None
    """Revoked from then on."""
    revocation_reason: str | None = None
    """Why."""

    def __post_init__(self) -> None:
        # Rows come back from the database as text: an unknown role or state is refused here, not later.
        object.__setattr__(self, "role", CertificateRole(self.role))
        object.__setattr__(self, "state", CertificateState(self.state))


class ActorKind(StrEnum):
    """How the actor of an audited change was identified; stored with every audit entry."""

    OPERATOR_CERTIFICATE = "operator-certificate"
    """An Operator gRPC call, authenticated by a TLS client certificate of the operators' CA."""
    OS_USER = "os-user"
    """The offline CLI on the gateway host: the operating-system account of the process's real uid."""
    CONFIGURATION = "configuration"
    """The gateway itself applying its configuration file at start-up (e.g. importing ``trust_anchors``)."""
    CONSOLE_ACCOUNT = "console-account"
    """The web console: an account that logged in with its password (the name is the account's)."""
    UPGRADE = "upgrade"
    """The gateway itself bringing data an older release stored up to today's rules (e.g. a leaf stored as an
    anchor becomes pinned)."""


@dataclass(frozen=True)
class Actor:
    """Who made an audited change, as authenticated by the entry point that received it.

    Only the entry points build actors from authenticated facts (the Operator service from the peer certificate,
    the CLI from the process's uid); nothing a caller sends (request fields, metadata, environment) goes into one.
    """

    kind: ActorKind
    """How the identity was established."""
    name: str
    """The identity, e.g. ``CN=ops-1,O=CN Single Window (sha256:<fingerprint>)`` or ``alice (uid=1000)``."""


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the append-only, hash-chained audit log."""

    sequence: int
    """Position in the chain, from 1."""
    at: datetime
    """When."""
    actor: str
    """Who (:attr:`Actor.name`)."""
    action: str
    """What, e.g. ``trust.revoke``."""
    details: dict[str, Any]
    """Details (fingerprints, partner, reason)."""
    previous_hash: str
    """entry_hash of the previous entry ("" for the first)."""
    entry_hash: str
    """SHA-256 over the previous hash and this entry's canonical content."""
    actor_kind: str | None = None
    """How the actor was identified (an :class:`ActorKind` value); None for entries written before it was
    recorded, whose hash does not cover it."""


class TrustRepository(Protocol):
    """Persistent partner trust certificates and CRLs."""

    def list_trust(self, partner: str | None = None) -> list[StoredTrustedCertificate]:
        """Stored certificates, optionally for one partner."""
        ...

    def upsert_trust(self, record: StoredTrustedCertificate) -> None:
        """Insert or replace the row keyed by (partner, fingerprint)."""
        ...

    def change_trust_role(
        self, partner: str, fingerprint: str, *, expected: CertificateRole, role: CertificateRole
    ) -> bool:
        """Set the role of one row if it is still ``expected``; True when this call changed it (exactly one of
        several concurrent callers wins)."""
        ...

    def trust_version(self) -> int:
        """A number that changes whenever trust rows or CRLs change (cache invalidation across replicas)."""
        ...

    def add_crl(self, partner: str, crl_der: bytes, *, at: datetime) -> None:
        """Store a CRL for a partner (replacing an older one from the same issuer)."""
        ...

    def list_crls(self, partner: str | None = None) -> list[tuple[str, bytes]]:
        """(partner, CRL DER) pairs."""
        ...


class AuditRepository(Protocol):
    """The append-only audit log."""

    def append_audit(self, *, actor: Actor, action: str, details: dict[str, Any], at: datetime) -> AuditEntry:
        """Append an entry, computing its hash (which covers the actor's name and kind) from the previous one, in
        one transaction."""
        ...

    def list_audit(self, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Entries after a sequence number, oldest first."""
        ...


class TrustBook(Protocol):
    """Partner trust as the pipeline, the transports and the operator actions see it: the current
    :class:`trust.TrustStore` (every partner's :class:`trust.TrustedCertificate` entries and CRLs), each partner's
    :class:`trust.PartnerTrust` at a time, and audited changes. The adapter
    (:class:`gateway.adapters.trustbook.StoredTrustBook`) keeps it as :class:`StoredTrustedCertificate` rows in the
    trust repository; over the in-memory repository it is its own twin."""

    def store(self) -> TrustStore:
        """The current trust store."""
        ...

    def invalidate(self) -> None:
        """Re-read the stored trust on the next access (after a change made elsewhere)."""
        ...

    def for_partner(
        self, partner: str, *, at: datetime, purpose: Literal["receive", "send"] = "receive"
    ) -> PartnerTrust:
        """The partner's trust material at ``at``."""
        ...

    def identify(self, leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], *, at: datetime) -> str:
        """The partner a TLS client certificate belongs to; raises ``trust.CertificateUntrusted``."""
        ...

    def records(self, partner: str | None = None) -> list[StoredTrustedCertificate]:
        """Stored rows, for listing."""
        ...

    def anchors_pem(self, *, at: datetime) -> bytes:
        """PEM of every certificate usable for receiving (the TLS client CA list)."""
        ...

    def add(
        self,
        partner: str,
        certificate: x509.Certificate,
        *,
        role: CertificateRole,
        actor: Actor,
        valid_from_use: datetime | None = None,
    ) -> StoredTrustedCertificate:
        """Add a certificate for a partner (audited)."""
        ...

    def ensure(self, partner: str, certificate: x509.Certificate, *, role: CertificateRole, actor: Actor) -> bool:
        """Add the certificate unless already stored; True when it was added (audited)."""
        ...

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
        """Move a stored certificate to ``state`` (audited)."""
        ...

    def import_crl(self, partner: str, crl_der: bytes, *, actor: Actor) -> CrlInfo:
        """Store a partner's CRL after checking its signature against that partner's certificates (audited)."""
        ...


class Keyring(Protocol):
    """Our own signing identities: the configured one and any added for rotation."""

    def identities(self) -> tuple[SigningIdentity, ...]:
        """Every identity, newest certificate first (for export to partners)."""
        ...

    def current(self, at: datetime) -> SigningIdentity:
        """The identity to sign with at ``at``."""
        ...
