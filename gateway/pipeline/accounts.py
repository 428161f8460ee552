"""Console accounts: adding them, and checking a login with its lockout (every outcome audited).

Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile); nothing else of a password is
kept. Time comes from the clock port, so lockouts are tested with a manual clock.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..core.errors import EnvelopeInvalid, OperatorUnauthenticated
from ..core.ports import AccountRepository, Actor, ActorKind, AuditRepository, Clock, ConsoleAccount, Role

__all__ = ["ConsoleAccounts", "MIN_PASSWORD_LENGTH", "account_actor"]

log = logging.getLogger(__name__)

#: Shortest password accepted (NIST SP 800-63B asks for at least 8; an administrator of trust deserves more).
MIN_PASSWORD_LENGTH = 12

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def account_actor(account: ConsoleAccount) -> Actor:
    """The audit actor of a logged-in console account."""
    return Actor(ActorKind.CONSOLE_ACCOUNT, account.name)


class ConsoleAccounts:
    """Adds accounts and authenticates logins, locking an account after ``lockout_failures`` failures in a row."""

    def __init__(self, *, accounts: AccountRepository, audit: AuditRepository, clock: Clock,
                 lockout_failures: int = 5, lockout: timedelta = timedelta(minutes=15),
                 hasher: PasswordHasher | None = None) -> None:
        self._accounts = accounts
        self._audit = audit
        self._clock = clock
        self._limit = lockout_failures
        self._lockout = lockout
        self._hasher = hasher or PasswordHasher()
        # Verified against when the name is unknown, so that a wrong name costs as long as a wrong password and
        # the response time does not tell which names exist.
        self._decoy = self._hasher.hash("swgw-decoy-password")

    def add(self, name: str, role: Role, password: str, *, actor: Actor) -> ConsoleAccount:
        """Add an account (audited); refuses a malformed name or a password shorter than
        :data:`MIN_PASSWORD_LENGTH` with ENVELOPE_INVALID at the field."""
        if not _NAME.fullmatch(name):
            raise EnvelopeInvalid("an account name is 1-64 letters, digits, '.', '_', '@' or '-'", field_path="name")
        self._check_password(password)
        now = self._clock.now()
        account = ConsoleAccount(name=name, role=Role(role), password_hash=self._hasher.hash(password), created_at=now)
        self._accounts.add_account(account)
        self._audit.append_audit(actor=actor, action="console.account.add", at=now,
                                 details={"account": name, "role": account.role.value})
        return account

    def accounts(self) -> list[ConsoleAccount]:
        """Every account, by name."""
        return self._accounts.list_accounts()

    def find(self, name: str) -> ConsoleAccount | None:
        """The account of that name, if any."""
        return self._accounts.find_account(name)

    def unlock(self, name: str, *, actor: Actor) -> ConsoleAccount:
        """Lift a lockout now (audited)."""
        return self._change(name, "unlock", actor, failed_logins=0, locked_until=None)

    def set_role(self, name: str, role: Role, *, actor: Actor) -> ConsoleAccount:
        """Give the account another role; its open sessions have it from their next request on (audited)."""
        return self._change(name, "role", actor, role=Role(role))

    def set_password(self, name: str, password: str, *, actor: Actor) -> ConsoleAccount:
        """Replace the password (and lift a lockout); audited without the password, of course."""
        self._check_password(password)
        return self._change(name, "password", actor, password_hash=self._hasher.hash(password), failed_logins=0,
                            locked_until=None)

    def remove(self, name: str, *, actor: Actor) -> None:
        """Delete the account; its open sessions end at their next request (audited)."""
        if not self._accounts.remove_account(name):
            raise EnvelopeInvalid(f"no console account {name!r}", field_path="name")
        self._audit.append_audit(actor=actor, action="console.account.remove", at=self._clock.now(),
                                 details={"account": name})

    def _change(self, name: str, what: str, actor: Actor, **changes: Any) -> ConsoleAccount:
        account = self._accounts.find_account(name)
        if account is None:
            raise EnvelopeInvalid(f"no console account {name!r}", field_path="name")
        account = replace(account, **changes)
        self._accounts.update_account(account)
        details: dict[str, Any] = {"account": name}
        if what == "role":
            details["role"] = account.role.value
        self._audit.append_audit(actor=actor, action=f"console.account.{what}", at=self._clock.now(), details=details)
        return account

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise EnvelopeInvalid(f"a password has at least {MIN_PASSWORD_LENGTH} characters", field_path="password")

    def authenticate(self, name: str, password: str) -> ConsoleAccount:
        """The account whose password this is; raises OPERATOR_UNAUTHENTICATED otherwise.

        A locked account is refused even with the right password until the lock ends. The message says only
        "wrong name or password" or "locked", never which of name and password was wrong.
        """
        now = self._clock.now()
        account = self._accounts.find_account(name)
        if account is None:
            self._verify(self._decoy, password)
            log.warning("console login refused: unknown account %r", name)
            raise OperatorUnauthenticated("wrong name or password")
        if account.locked_until is not None and account.locked_until > now:
            self._audit.append_audit(actor=account_actor(account), action="console.login.refused", at=now,
                                     details={"reason": "locked", "until": account.locked_until.isoformat()})
            raise OperatorUnauthenticated(
                f"this account is locked after repeated failures until {account.locked_until:%Y-%m-%d %H:%M} UTC")
        if not self._verify(account.password_hash, password):
            counted = self._accounts.record_failed_login(name, limit=self._limit, lock_until=now + self._lockout)
            locked = counted is not None and counted.locked_until is not None and counted.locked_until > now
            self._audit.append_audit(
                actor=account_actor(account), action="console.lockout" if locked else "console.login.refused",
                at=now, details={"reason": "password",
                                 "failures": self._limit if locked else counted.failed_logins if counted else 0})
            if locked and counted is not None and counted.locked_until is not None:
                raise OperatorUnauthenticated(f"this account is locked after {self._limit} failures until "
                                              f"{counted.locked_until:%Y-%m-%d %H:%M} UTC")
            raise OperatorUnauthenticated("wrong name or password")
        changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        if self._hasher.check_needs_rehash(account.password_hash):
            changes["password_hash"] = self._hasher.hash(password)
        if account.failed_logins or account.locked_until or len(changes) > 2:
            account = replace(account, **changes)
            self._accounts.update_account(account)
        self._audit.append_audit(actor=account_actor(account), action="console.login", at=now,
                                 details={"role": account.role.value})
        return account

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
