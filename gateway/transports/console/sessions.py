"""Console sessions, kept on the server: the cookie carries only a random token, so logging out or an expired
session ends it for good (a signed cookie could be replayed until it expired)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ...core.ports import ConsoleAccount, Role

__all__ = ["Session", "SessionStore"]


@dataclass(frozen=True)
class Session:
    """One logged-in browser."""

    token: str
    """The cookie's value (256 random bits)."""
    account: str
    """The account's name."""
    role: Role
    """Its role at login."""
    csrf: str
    """The token every form of this session must send back (synchronizer token pattern)."""
    expires_at: datetime
    """The session ends then unless a request comes first (sliding expiry)."""


class SessionStore:
    """Sessions in memory; a restart logs everybody out, which is the safe direction."""

    def __init__(self, lifetime: timedelta) -> None:
        self._lifetime = lifetime
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._notices: dict[str, list[tuple[str, str]]] = {}

    def open(self, account: ConsoleAccount, *, now: datetime) -> Session:
        """A new session for a freshly authenticated account (a new token each login: no session fixation)."""
        session = Session(token=secrets.token_urlsafe(32), account=account.name, role=account.role,
                          csrf=secrets.token_urlsafe(32), expires_at=now + self._lifetime)
        with self._lock:
            self._sessions = {t: s for t, s in self._sessions.items() if s.expires_at > now}
            self._sessions[session.token] = session
        return session

    def find(self, token: str | None, *, now: datetime) -> Session | None:
        """The live session of a cookie value, its expiry moved on; None when unknown or expired."""
        if not token:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if session.expires_at <= now:
                del self._sessions[token]
                return None
            session = self._sessions[token] = replace(session, expires_at=now + self._lifetime)
        return session

    def close(self, token: str) -> None:
        """End a session (log out)."""
        with self._lock:
            self._sessions.pop(token, None)
            self._notices.pop(token, None)

    def notify(self, token: str, kind: str, text: str) -> None:
        """Keep a notice ("ok" or "error") for the session's next page (after a redirect)."""
        with self._lock:
            self._notices.setdefault(token, []).append((kind, text))

    def notices(self, token: str) -> list[tuple[str, str]]:
        """Take the session's pending notices."""
        with self._lock:
            return self._notices.pop(token, [])
