"""The web console's configuration (the ``[console]`` table), parsed with the rest in :mod:`.settings`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from .config_tables import Table
from .errors import ConfigInvalid

__all__ = ["ConsoleSettings", "is_loopback", "parse_console"]


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


def parse_console(table: Table, path: Callable[[str | None], str | None]) -> ConsoleSettings:
    """The ``[console]`` table; ``path`` resolves a file name against the configuration's folder."""
    console = ConsoleSettings(
        enabled=table.get("enabled", bool, False), listen=table.get("listen", str, ConsoleSettings.listen),
        tls_key=path(table.get("tls_key", str, None)), tls_certificate=path(table.get("tls_certificate", str, None)),
        session_minutes=table.get("session_minutes", int, ConsoleSettings.session_minutes),
        lockout_failures=table.get("lockout_failures", int, ConsoleSettings.lockout_failures),
        lockout_minutes=table.get("lockout_minutes", int, ConsoleSettings.lockout_minutes))
    table.done()
    for key in ("session_minutes", "lockout_failures", "lockout_minutes"):
        if not 0 < getattr(console, key) <= 100_000:
            raise ConfigInvalid(f"console.{key} must be between 1 and 100000", field_path=f"console.{key}")
    if bool(console.tls_key) != bool(console.tls_certificate):
        raise ConfigInvalid("console TLS needs both tls_key and tls_certificate", field_path="console.tls_key")
    if console.enabled and not console.tls and not is_loopback(console.listen):
        # Passwords and session cookies would cross the network in clear.
        raise ConfigInvalid("console without TLS must listen on loopback", field_path="console.listen")
    return console
