"""The gateway's own signing keys, rotated without a restart.

Besides the configured key, a keyring folder may hold further ``<name>.key.pem`` / ``<name>.cert.pem`` pairs
(with an optional ``<name>.chain.pem``). The gateway signs with the newest usable one: the certificate with the
latest notBefore that has started and not expired. An operator introduces a new key by dropping its files in the
folder, with a certificate whose notBefore is the planned switch time; partners learn it from
``swgw trust export``, and during the overlap both old and new signatures verify on their side. The folder is
re-read when its contents change (checked at most once per ``refresh_seconds``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trust import SigningIdentity

__all__ = ["FolderKeyring"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Entry:
    name: str
    identity: SigningIdentity


class FolderKeyring:
    """Our signing identities; :meth:`current` picks the one to sign with at a given time."""

    def __init__(self, configured: SigningIdentity, folder: Path | None = None, *, refresh_seconds: float = 1.0):
        self._configured = _Entry("configured", configured)
        self._folder = folder
        self._refresh = refresh_seconds
        self._lock = threading.Lock()
        self._entries: tuple[_Entry, ...] = (self._configured,)
        self._stamp: tuple[tuple[str, float], ...] = ()
        self._checked = 0.0
        self._reload()

    def _snapshot(self) -> tuple[tuple[str, float], ...]:
        if self._folder is None or not self._folder.is_dir():
            return ()
        return tuple(sorted((p.name, p.stat().st_mtime) for p in self._folder.glob("*.pem")))

    def _reload(self) -> None:
        stamp = self._snapshot()
        entries = [self._configured]
        if self._folder is not None:
            for key in sorted(self._folder.glob("*.key.pem")):
                name = key.name.removesuffix(".key.pem")
                cert = key.with_name(f"{name}.cert.pem")
                chain = key.with_name(f"{name}.chain.pem")
                try:
                    identity = SigningIdentity.from_pem(key.read_bytes(), cert.read_bytes(),
                                                        chain.read_bytes() if chain.exists() else b"")
                except (OSError, ValueError) as e:
                    # A half-copied pair must not stop signing with the keys that work.
                    log.warning("signing key %s not loaded: %s", name, e)
                    continue
                entries.append(_Entry(name, identity))
        self._entries = tuple(entries)
        self._stamp = stamp

    def identities(self) -> tuple[SigningIdentity, ...]:
        """Every loaded identity, newest certificate first (for export to partners)."""
        self._maybe_reload()
        ordered = sorted(self._entries, key=lambda e: e.identity.certificate.not_valid_before_utc, reverse=True)
        return tuple(e.identity for e in ordered)

    def current(self, at: datetime) -> SigningIdentity:
        """The identity to sign with at ``at``: the newest started, unexpired certificate."""
        self._maybe_reload()
        usable = [(e.identity.certificate.not_valid_before_utc, index, e) for index, e in enumerate(self._entries)
                  if e.identity.certificate.not_valid_before_utc <= at <= e.identity.certificate.not_valid_after_utc]
        if not usable:
            return self._configured.identity
        # Certificate times have one-second precision: on a tie, the key added later (keyring over configured)
        # is the newer one.
        return max(usable, key=lambda t: (t[0], t[1]))[2].identity

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._checked < self._refresh:
                return
            self._checked = now
            if self._snapshot() != self._stamp:
                self._reload()
                log.info("signing keyring reloaded: %s", ", ".join(e.name for e in self._entries))
