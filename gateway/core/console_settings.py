"""The web console's configuration (the ``[console]`` table), parsed with the rest in :mod:`.settings`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ConsoleSettings", "is_loopback"]


def is_loopback(address: str) -> bool:
    """Whether a host:port listens on this host only."""
    host = address.rsplit(":", 1)[0].strip("[]")
    return host in ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ConsoleSettings:
    """The operators' web console: off unless enabled; plain HTTP only on loopback, TLS anywhere else."""

    enabled: bool = False
    """Serve the console at all."""
    listen: str = "127.0.0.1:8480"
    """host:port; port 0 picks a free port."""
    tls_key: str | None = None
    """PEM private key of the console's TLS certificate."""
    tls_certificate: str | None = None
    """PEM TLS server certificate (with chain); with it the console speaks HTTPS and its cookies are Secure."""
    session_minutes: int = 30
    """A session ends this long after its last request."""
    lockout_failures: int = 5
    """Failed logins in a row after which an account is locked."""
    lockout_minutes: int = 15
    """How long a locked account stays locked."""

    @property
    def tls(self) -> bool:
        """Whether the console serves HTTPS."""
        return self.tls_certificate is not None
