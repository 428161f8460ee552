"""Port of the web console's accounts: who may log in, with which role, and how their failed logins stand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

__all__ = ["AccountRepository", "ConsoleAccount", "Role"]


class Role(StrEnum):
    """What a console account may do; each role may do everything the ones before it may."""

    VIEWER = "viewer"
    """Reads every page and downloads documents and receipts."""
    OPERATOR = "operator"
    """Also resends messages, imports CRLs and revokes certificates (the actions of an incident)."""
    ADMINISTRATOR = "administrator"
    """Also adds, activates and retires trust certificates."""

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what ``needed`` may."""
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class ConsoleAccount:
    """A stored console account."""

    name: str
    """The login name (also the audit actor's name)."""
    role: Role
    """What it may do."""
    password_hash: str
    """The password's argon2id hash in PHC string form (salt and parameters included)."""
    created_at: datetime
    """When it was added."""
    failed_logins: int = 0
    """Failed logins since the last success or lockout."""
    locked_until: datetime | None = None
    """Refused until then after too many failures."""

    def __post_init__(self) -> None:
        # Rows come back as text: an unknown role is refused here, not at the first permission check.
        object.__setattr__(self, "role", Role(self.role))


class AccountRepository(Protocol):
    """Persistent console accounts."""

    def add_account(self, account: ConsoleAccount) -> None:
        """Store a new account; raises :class:`~gateway.core.errors.DuplicateConflict` if the name is taken."""
        ...

    def find_account(self, name: str) -> ConsoleAccount | None:
        """The account of that name, if any."""
        ...

    def list_accounts(self) -> list[ConsoleAccount]:
        """Every account, by name."""
        ...

    def update_account(self, account: ConsoleAccount) -> None:
        """Replace the stored row of ``account.name`` (role, hash, failure count, lock)."""
        ...

    def record_failed_login(self, name: str, *, limit: int, lock_until: datetime) -> ConsoleAccount | None:
        """Count one failed login atomically (concurrent failures are all counted): at the ``limit``-th failure in
        a row the account is locked until ``lock_until`` and its count starts again. The account as stored after,
        or None when there is none."""
        ...

    def remove_account(self, name: str) -> bool:
        """Delete the account; True when it existed."""
        ...
