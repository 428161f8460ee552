"""Memo of validated certificate paths, one per :class:`~trust.partner.PartnerTrust`.

Building and verifying a path with cryptography's verifier is the most expensive step of a signature check
after the signature itself, and every message from a partner repeats it for the same few certificates. A
:class:`PathCache` remembers each chain that validated, together with the window in which every certificate
of that chain is inside its validity period. A chain is reused only for a validation time inside that window;
anything else (a time outside it, a key never seen) is a miss and goes through full validation again.

What is cached is only the outcome of path building: refusals are never stored, and the checks that depend on
the time or the revocation material (the leaf's own validity, revocation, CRLs) are not part of it. The cache
lives on the ``PartnerTrust`` it belongs to, and any change to the trust material builds a new
``PartnerTrust``, so stale anchors or intermediates can never be served.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

__all__ = ["PathCache"]

DEFAULT_MAX_ENTRIES = 1024
"""Entries kept before the cache is emptied; far above the number of signer certificates of one partner."""


@dataclass(frozen=True)
class _Entry:
    chain: tuple[x509.Certificate, ...]
    not_before: datetime
    not_after: datetime


class PathCache:
    """Thread-safe map from a validation key to a validated chain, bounded and time-windowed.

    The key must capture everything path building depends on besides the time (the leaf, the supplied
    intermediates, the purpose and the policy); the trust material is fixed by the owning ``PartnerTrust``.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._entries: dict[Hashable, _Entry] = {}
        # Several gateway threads verify for the same partner at once; a plain lock keeps the dict and the
        # counters consistent. Path building itself runs outside the lock.
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(self, key: Hashable, verify_at: datetime) -> tuple[x509.Certificate, ...] | None:
        """The chain stored under ``key`` if every certificate of it is valid at ``verify_at``, else ``None``."""
        with self._lock:
            entry = self._entries.get(key)
            # Outside the window a fresh validation could refuse (or find another path), so it is a miss; the
            # entry stays for the times it does cover.
            if entry is None or not entry.not_before <= verify_at <= entry.not_after:
                self._misses += 1
                return None
            self._hits += 1
            return entry.chain

    def put(self, key: Hashable, chain: tuple[x509.Certificate, ...]) -> None:
        """Remember ``chain``, a path that validated, under ``key``."""
        if not chain:
            raise ValueError("a validated chain is never empty")
        # cryptography accepts notBefore <= time <= notAfter (inclusive, after dropping sub-second digits), so
        # this window, compared with full precision, never covers a time at which it would refuse the chain.
        entry = _Entry(
            chain=chain,
            not_before=max(c.not_valid_before_utc for c in chain),
            not_after=min(c.not_valid_after_utc for c in chain),
        )
        with self._lock:
            if key not in self._entries and len(self._entries) >= self._max_entries:
                # Clearing wholesale is crude but bounded and cheap; a partner has only a handful of signers.
                self._entries.clear()
            self._entries[key] = entry

    def clear(self) -> None:
        """Forget every entry (the counters are kept)."""
        with self._lock:
            self._entries.clear()

    @property
    def hits(self) -> int:
        """Lookups answered from the cache."""
        return self._hits

    @property
    def misses(self) -> int:
        """Lookups that found no entry usable at the requested time."""
        return self._misses

    def __len__(self) -> int:
        return len(self._entries)
