"""PartnerTrust: the trust material one verification runs against, resolved for one partner at one time.

It is built by :meth:`trust.store.TrustStore.for_partner` (or directly in tests) and is immutable. The parsed
forms that path validation needs (cryptography's ``Store``, fingerprint sets) are computed once per object and
cached on it, so a gateway that keeps the same ``PartnerTrust`` across messages does not rebuild them. The same
goes for validated paths (:attr:`PartnerTrust.path_cache`): since any change to the trust material yields a new
object, a cache held by the object can never outlive the material it was computed from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from types import MappingProxyType

from cryptography import x509
from cryptography.x509 import verification

from trust.issuers import check_ca, issuer_chain
from trust.keys import fingerprint
from trust.pathcache import PathCache
from trust.revocation import CrlInfo

__all__ = ["PartnerTrust"]

_EMPTY: Mapping[str, datetime] = MappingProxyType({})


@dataclass(frozen=True, eq=False)
class PartnerTrust:
    """The certificates a partner's signatures and TLS certificates are checked against.

    Equality is identity: two objects holding the same material are still distinct caches.
    """

    partner: str
    """Partner identifier (the gateway's PartyId string)."""

    anchors: tuple[x509.Certificate, ...] = ()
    """Trust anchors, CA certificates only: a signer chaining to one of these at the verification time is trusted."""

    intermediates: tuple[x509.Certificate, ...] = ()
    """Known intermediate CAs, used for path building in addition to those the signer supplies."""

    pinned: tuple[x509.Certificate, ...] = ()
    """Pinned end-entity certificates, trusted by SHA-256 fingerprint without path building; their revocation is
    still checked along their issuers found in the material (see :meth:`pinned_issuers`)."""

    revoked: Mapping[str, datetime] = field(default_factory=lambda: _EMPTY)
    """Certificate fingerprint -> time from which it is revoked (operator revocations)."""

    crls: tuple[CrlInfo, ...] = ()
    """Verified CRLs of the partner's issuers (see :mod:`trust.revocation`)."""

    known_cas: tuple[x509.Certificate, ...] = ()
    """Every CA certificate of the partner's material whatever its state (revoked, retiring and not yet usable
    ones included). Never trusted: only looked up to find a pinned certificate's issuers, so that revoking the CA
    that issued a pinned certificate, or its CRL, applies to it even where the CA takes no part in trust."""

    def __post_init__(self) -> None:
        if not self.partner:
            raise ValueError("partner must not be empty")
        # A leaf among the anchors would be a path of its own, and its CA's revocation would never be consulted.
        for field_name, role, certificates in (("anchors", "anchor", self.anchors),
                                               ("intermediates", "intermediate", self.intermediates),
                                               ("known_cas", "known CA", self.known_cas)):
            for index, certificate in enumerate(certificates):
                check_ca(certificate, role=role, partner=self.partner, path=f"{field_name}[{index}]")
        # A caller's dict could be mutated after the fact and silently change what is revoked.
        object.__setattr__(self, "revoked", MappingProxyType(dict(self.revoked)))

    @cached_property
    def anchor_store(self) -> verification.Store | None:
        """cryptography ``Store`` of the anchors, or ``None`` when the partner has no anchors."""
        return verification.Store(list(self.anchors)) if self.anchors else None

    @cached_property
    def pinned_fingerprints(self) -> frozenset[str]:
        """SHA-256 fingerprints of the pinned certificates."""
        return frozenset(fingerprint(c) for c in self.pinned)

    @cached_property
    def path_cache(self) -> PathCache:
        """Paths validated against this material, reused by :func:`trust.chain.validate_path` while still valid."""
        return PathCache()

    @cached_property
    def _issuers_memo(self) -> dict[x509.Certificate, tuple[x509.Certificate, ...]]:
        return {}

    def pinned_issuers(self, certificate: x509.Certificate) -> tuple[x509.Certificate, ...]:
        """The issuers of ``certificate`` (nearest first) among this material's CA certificates, each verified by
        its signature: the chain along which a pinned certificate's revocation is checked."""
        memo = self._issuers_memo
        found = memo.get(certificate)
        if found is None:
            # Anchors and intermediates first: they are what path building would use; then the rest of the CAs.
            candidates = tuple(dict.fromkeys((*self.intermediates, *self.anchors, *self.known_cas)))
            found = issuer_chain(certificate, candidates)
            # The material never changes, so the answer cannot go stale; the memo holds the few pinned leaves.
            memo[certificate] = found
        return found

    @property
    def is_empty(self) -> bool:
        """True when nothing could ever be accepted (no anchors and no pinned certificates)."""
        return not self.anchors and not self.pinned
