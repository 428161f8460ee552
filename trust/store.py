"""The trust store model: which certificates each partner is trusted with, and in which state.

Pure and immutable: every transition returns a new :class:`TrustStore`; the gateway persists entries.

States and transitions (anything else raises :class:`~trust.errors.TrustStoreError`)::

    add ──► PENDING ──activate──► ACTIVE ──retire──► RETIRING
      └───────────────────────────► ACTIVE
    PENDING / ACTIVE / RETIRING ──revoke(at, reason)──► REVOKED   (terminal)

What :meth:`TrustStore.for_partner` hands to verification at time ``at``:

* ``receive`` (checking what a partner sent us): ACTIVE and RETIRING entries, and PENDING entries whose
  ``valid_from_use`` has passed. REVOKED entries stay in the material and are listed in ``PartnerTrust.revoked``:
  a path through one fails with ``CERTIFICATE_REVOKED`` (not a vaguer ``CERTIFICATE_UNTRUSTED``) from its
  revocation time on, and a message verified as of a time before the revocation still verifies.
* ``send`` (checking the partner's side when we connect out): ACTIVE entries only.

Whatever the purpose, every CA certificate of the partner (any state) is handed over as ``known_cas``, so that a
pinned certificate is still refused once the CA that issued it is revoked. ANCHOR and INTERMEDIATE entries must be
CA certificates (:class:`~trust.errors.TrustAnchorNotCa` otherwise); end-entity certificates are PINNED.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from cryptography import x509

from trust.chain import Purpose, validate_chain
from trust.errors import CertificateUntrusted, TrustError, TrustStoreError
from trust.issuers import check_ca
from trust.keys import fingerprint
from trust.partner import PartnerTrust
from trust.revocation import CrlInfo

__all__ = ["CertificateRole", "CertificateState", "TrustStore", "TrustedCertificate"]


class CertificateState(StrEnum):
    """Lifecycle state of a trusted certificate."""

    PENDING = "pending"
    """Announced by the partner; accepted on receive from ``valid_from_use`` on, never for send."""
    ACTIVE = "active"
    """In use both ways."""
    RETIRING = "retiring"
    """Being replaced: still accepted on receive, no longer used for send."""
    REVOKED = "revoked"
    """Refused from ``revoked_at`` on (terminal)."""


class CertificateRole(StrEnum):
    """How a certificate is used when validating a partner's certificates."""

    ANCHOR = "anchor"
    """A CA the partner's certificates must chain to (a CA certificate only, see :mod:`trust.issuers`)."""
    INTERMEDIATE = "intermediate"
    """A CA used for path building (and for a pinned certificate's revocation) only; never trusted on its own."""
    PINNED = "pinned"
    """An end-entity certificate trusted as such, by fingerprint; revocable through its own entry and through the
    partner's CAs that issued it, like a chained one."""


@dataclass(frozen=True)
class TrustedCertificate:
    """One certificate trusted for one partner, with its role and lifecycle state: an entry of a
    :class:`TrustStore` (the gateway stores it as a ``StoredTrustedCertificate``)."""

    partner: str
    """Partner identifier."""

    role: CertificateRole
    """Anchor, intermediate or pinned end-entity certificate."""

    certificate: x509.Certificate
    """The certificate."""

    state: CertificateState = CertificateState.ACTIVE
    """Lifecycle state."""

    valid_from_use: datetime | None = None
    """For PENDING entries: when receiving starts to accept it; ``None`` keeps it unusable until activated."""

    revoked_at: datetime | None = None
    """For REVOKED entries: the effective revocation time."""

    revocation_reason: str | None = None
    """For REVOKED entries: the operator's reason."""

    def __post_init__(self) -> None:
        # Every way into the store (configuration, CLI, Operator service, database rows) passes here, so an
        # end-entity certificate can never become an anchor, whatever the entry point.
        if self.role is not CertificateRole.PINNED:
            check_ca(self.certificate, role=self.role.value, partner=self.partner)

    @property
    def fingerprint(self) -> str:
        """SHA-256 hex fingerprint of the certificate DER."""
        return fingerprint(self.certificate)

    def usable(self, *, at: datetime, purpose: Literal["receive", "send"]) -> bool:
        """Whether this entry takes part in verification at ``at`` for ``purpose`` (see module docstring)."""
        if purpose == "send":
            return self.state is CertificateState.ACTIVE
        if self.state is CertificateState.PENDING:
            return self.valid_from_use is not None and self.valid_from_use <= at
        # REVOKED entries stay in: the revocation map in PartnerTrust refuses them from revoked_at on.
        return True


_Key = tuple[str, str]


@dataclass(frozen=True)
class TrustStore:
    """All partners' trusted certificates and imported CRLs. Immutable; transitions return a new store, and
    :meth:`for_partner` resolves one partner's :class:`~trust.partner.PartnerTrust` at a time."""

    entries: tuple[TrustedCertificate, ...] = ()
    """Every trusted certificate, in insertion order."""

    crls: tuple[CrlInfo, ...] = ()
    """Verified CRLs; each applies to the partners whose material contains its issuer."""

    _cache: dict[tuple[object, ...], PartnerTrust] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        seen: set[_Key] = set()
        for entry in self.entries:
            key = (entry.partner, entry.fingerprint)
            if key in seen:
                raise TrustStoreError(f"certificate {key[1]} is listed twice for {entry.partner}",
                                      partner=entry.partner)
            seen.add(key)

    # -- transitions -----------------------------------------------------------------------------------------

    def _find(self, partner: str, certificate_fingerprint: str) -> tuple[int, TrustedCertificate]:
        for index, entry in enumerate(self.entries):
            if entry.partner == partner and entry.fingerprint == certificate_fingerprint:
                return index, entry
        raise TrustStoreError(f"no certificate {certificate_fingerprint} for {partner}", partner=partner)

    def _replace(self, index: int, entry: TrustedCertificate) -> TrustStore:
        entries = (*self.entries[:index], entry, *self.entries[index + 1 :])
        return TrustStore(entries=entries, crls=self.crls)

    def with_entry(self, entry: TrustedCertificate) -> TrustStore:
        """Add ``entry`` (PENDING or ACTIVE); a certificate already present for that partner is a conflict."""
        if entry.state not in (CertificateState.PENDING, CertificateState.ACTIVE):
            raise TrustStoreError(f"a new entry must be pending or active, not {entry.state}", partner=entry.partner)
        return TrustStore(entries=(*self.entries, entry), crls=self.crls)

    def add(
        self,
        partner: str,
        role: CertificateRole,
        certificate: x509.Certificate,
        *,
        state: CertificateState = CertificateState.PENDING,
        valid_from_use: datetime | None = None,
    ) -> TrustStore:
        """Add a certificate for ``partner``; see :meth:`with_entry`."""
        return self.with_entry(TrustedCertificate(partner, role, certificate, state, valid_from_use))

    def activate(self, partner: str, certificate_fingerprint: str) -> TrustStore:
        """PENDING -> ACTIVE."""
        index, entry = self._find(partner, certificate_fingerprint)
        if entry.state is not CertificateState.PENDING:
            raise TrustStoreError(f"cannot activate a {entry.state} certificate", partner=partner)
        return self._replace(index, replace(entry, state=CertificateState.ACTIVE))

    def retire(self, partner: str, certificate_fingerprint: str) -> TrustStore:
        """ACTIVE -> RETIRING: still accepted on receive, no longer for send."""
        index, entry = self._find(partner, certificate_fingerprint)
        if entry.state is not CertificateState.ACTIVE:
            raise TrustStoreError(f"cannot retire a {entry.state} certificate", partner=partner)
        return self._replace(index, replace(entry, state=CertificateState.RETIRING))

    def revoke(self, partner: str, certificate_fingerprint: str, *, at: datetime, reason: str) -> TrustStore:
        """Any live state -> REVOKED, effective from ``at`` (which may lie in the past)."""
        if not reason:
            raise TrustStoreError("a revocation needs a reason", partner=partner)
        index, entry = self._find(partner, certificate_fingerprint)
        if entry.state is CertificateState.REVOKED:
            raise TrustStoreError("certificate is already revoked", partner=partner)
        revoked = replace(entry, state=CertificateState.REVOKED, revoked_at=at, revocation_reason=reason)
        return self._replace(index, revoked)

    def remove(self, partner: str, certificate_fingerprint: str) -> TrustStore:
        """Drop an entry entirely (for mistakes; use :meth:`revoke` for compromised keys)."""
        index, _ = self._find(partner, certificate_fingerprint)
        return TrustStore(entries=(*self.entries[:index], *self.entries[index + 1 :]), crls=self.crls)

    def with_crl(self, crl: CrlInfo) -> TrustStore:
        """Add a verified CRL (see :func:`trust.revocation.load_crl`)."""
        return TrustStore(entries=self.entries, crls=(*self.crls, crl))

    # -- queries ---------------------------------------------------------------------------------------------

    @property
    def partners(self) -> tuple[str, ...]:
        """Every partner with at least one entry, sorted."""
        return tuple(sorted({e.partner for e in self.entries}))

    def for_partner(
        self, partner: str, *, at: datetime, purpose: Literal["receive", "send"] = "receive"
    ) -> PartnerTrust:
        """The trust material for ``partner`` at ``at`` (see module docstring).

        The result is memoized per selection of entries, so repeated calls between transitions return the same
        :class:`~trust.partner.PartnerTrust` and its parsed store is built once.
        """
        own = [e for e in self.entries if e.partner == partner]
        usable = tuple(i for i, e in enumerate(own) if e.usable(at=at, purpose=purpose))
        key = (partner, purpose, usable)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        chosen = [own[i] for i in usable]
        by_role = {role: tuple(e.certificate for e in chosen if e.role is role) for role in CertificateRole}
        material = {e.fingerprint for e in own}
        trust = PartnerTrust(
            partner=partner,
            anchors=by_role[CertificateRole.ANCHOR],
            intermediates=by_role[CertificateRole.INTERMEDIATE],
            pinned=by_role[CertificateRole.PINNED],
            revoked={
                e.fingerprint: e.revoked_at
                for e in own
                if e.state is CertificateState.REVOKED and e.revoked_at is not None
            },
            crls=tuple(c for c in self.crls if c.issuer_fingerprint in material),
            known_cas=tuple(e.certificate for e in own if e.role is not CertificateRole.PINNED),
        )
        self._cache[key] = trust
        return trust

    def expiring(self, *, at: datetime, within: timedelta) -> tuple[TrustedCertificate, ...]:
        """Non-revoked entries whose certificate ends before ``at + within`` (already expired ones included),
        soonest first."""
        limit = at + within
        found = [
            e for e in self.entries
            if e.state is not CertificateState.REVOKED and e.certificate.not_valid_after_utc <= limit
        ]
        return tuple(sorted(found, key=lambda e: (e.certificate.not_valid_after_utc, e.partner)))

    def partners_without_valid_certificate(self, *, at: datetime, partners: Iterable[str]) -> tuple[str, ...]:
        """Those of ``partners`` with no anchor or pinned certificate usable for receive and within validity at
        ``at``, sorted."""
        lacking = set()
        for partner in set(partners):
            ok = any(
                e.partner == partner
                and e.role is not CertificateRole.INTERMEDIATE
                and e.usable(at=at, purpose="receive")
                and (e.revoked_at is None or at < e.revoked_at)
                and e.certificate.not_valid_before_utc <= at <= e.certificate.not_valid_after_utc
                for e in self.entries
            )
            if not ok:
                lacking.add(partner)
        return tuple(sorted(lacking))

    def identify(
        self,
        leaf: x509.Certificate,
        intermediates: Sequence[x509.Certificate] = (),
        *,
        at: datetime,
        purpose: Purpose = "tls-client",
    ) -> str:
        """The one partner ``leaf`` belongs to: pinned for it, or chaining to its anchors at ``at``.

        A pinned match wins over an anchor match. No match, or several partners matching equally, raises
        :class:`~trust.errors.CertificateUntrusted`; expired or revoked matches raise their own errors.
        """
        leaf_fp = fingerprint(leaf)
        pinned_for = sorted(
            {
                e.partner
                for e in self.entries
                if e.role is CertificateRole.PINNED and e.fingerprint == leaf_fp and e.usable(at=at, purpose="receive")
            }
        )
        if len(pinned_for) > 1:
            raise CertificateUntrusted(f"certificate is pinned for several partners: {', '.join(pinned_for)}")
        if pinned_for:
            validate_chain(leaf, intermediates, trust=self.for_partner(pinned_for[0], at=at), at=at, purpose=purpose)
            return pinned_for[0]
        matches: list[str] = []
        last_error: TrustError | None = None
        for partner in self.partners:
            trust = self.for_partner(partner, at=at)
            if not trust.anchors:
                continue
            try:
                validate_chain(leaf, intermediates, trust=trust, at=at, purpose=purpose)
            except CertificateUntrusted as e:
                last_error = e
                continue
            except TrustError as e:
                # Expired or revoked under a partner's anchors: the certificate is that partner's, and unusable.
                raise e.with_partner(partner)
            matches.append(partner)
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise CertificateUntrusted(f"certificate chains to several partners: {', '.join(matches)}")
        raise CertificateUntrusted("certificate belongs to no known partner") from last_error
