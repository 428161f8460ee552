"""Console accounts in SQL (combined into :class:`~.repository.SqlMessageRepository`) and their in-memory twin."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ...core.errors import DuplicateConflict
from ...core.ports import ConsoleAccount
from .transactions import SqlRepositoryBase
from .checks import optional_utc, utc
from .tables import ConsoleAccountRow

__all__ = ["MemoryAccountRepository", "SqlAccountRepository"]


def _account(row: Mapping[Any, Any]) -> ConsoleAccount:
    return ConsoleAccount(name=row["name"], role=row["role"], password_hash=row["password_hash"],
                          created_at=row["created_at"], failed_logins=row["failed_logins"],
                          locked_until=row["locked_until"])


def _values(account: ConsoleAccount) -> dict[str, Any]:
    return {"name": account.name, "role": account.role.value, "password_hash": account.password_hash,
            "created_at": utc(account.created_at, "created_at"), "failed_logins": account.failed_logins,
            "locked_until": optional_utc(account.locked_until, "locked_until")}


def _failed(account: ConsoleAccount, limit: int, lock_until: datetime) -> ConsoleAccount:
    failures = account.failed_logins + 1
    if failures >= limit:
        return replace(account, failed_logins=0, locked_until=lock_until)
    return replace(account, failed_logins=failures)


class SqlAccountRepository(SqlRepositoryBase):
    """:class:`~gateway.core.ports.AccountRepository` on SQLite or PostgreSQL."""

    def add_account(self, account: ConsoleAccount) -> None:
        """Insert the account; a taken name is a DuplicateConflict."""
        try:
            with self._db.write() as connection:
                connection.execute(insert(ConsoleAccountRow), _values(account))
        except IntegrityError as e:
            raise DuplicateConflict(f"console account {account.name!r} exists already",
                                    field_path="name") from e

    def find_account(self, name: str) -> ConsoleAccount | None:
        """The account of that name, if any."""
        with self._db.read() as connection:
            row = connection.execute(
                select(ConsoleAccountRow).where(ConsoleAccountRow.name == name)).mappings().first()
        return _account(row) if row is not None else None

    def list_accounts(self) -> list[ConsoleAccount]:
        """Every account, by name."""
        with self._db.read() as connection:
            rows = connection.execute(select(ConsoleAccountRow).order_by(ConsoleAccountRow.name)).mappings().all()
        return [_account(row) for row in rows]

    def update_account(self, account: ConsoleAccount) -> None:
        """Replace the row of ``account.name``."""
        values = _values(account)
        del values["name"]
        with self._db.write() as connection:
            connection.execute(update(ConsoleAccountRow).where(ConsoleAccountRow.name == account.name), values)

    def record_failed_login(self, name: str, *, limit: int, lock_until: datetime) -> ConsoleAccount | None:
        """Count a failure with the row locked (FOR UPDATE on PostgreSQL; SQLite has one writer at a time)."""
        with self._db.write() as connection:
            row = connection.execute(select(ConsoleAccountRow).where(ConsoleAccountRow.name == name)
                                     .with_for_update()).mappings().first()
            if row is None:
                return None
            account = _failed(_account(row), limit, lock_until)
            connection.execute(update(ConsoleAccountRow).where(ConsoleAccountRow.name == name),
                               {"failed_logins": account.failed_logins,
                                "locked_until": optional_utc(account.locked_until, "locked_until")})
        return account

    def remove_account(self, name: str) -> bool:
        """Delete the row; True when there was one."""
        with self._db.write() as connection:
            result = connection.execute(delete(ConsoleAccountRow).where(ConsoleAccountRow.name == name))
        return bool(result.rowcount)


class MemoryAccountRepository:
    """:class:`~gateway.core.ports.AccountRepository` in memory."""

    def __init__(self) -> None:
        super().__init__()
        self._accounts_lock = threading.Lock()
        self._accounts: dict[str, ConsoleAccount] = {}

    def add_account(self, account: ConsoleAccount) -> None:
        """Store the account; a taken name is a DuplicateConflict."""
        with self._accounts_lock:
            if account.name in self._accounts:
                raise DuplicateConflict(f"console account {account.name!r} exists already", field_path="name")
            self._accounts[account.name] = replace(account)

    def find_account(self, name: str) -> ConsoleAccount | None:
        """The account of that name, if any."""
        with self._accounts_lock:
            return self._accounts.get(name)

    def list_accounts(self) -> list[ConsoleAccount]:
        """Every account, by name."""
        with self._accounts_lock:
            return [self._accounts[name] for name in sorted(self._accounts)]

    def update_account(self, account: ConsoleAccount) -> None:
        """Replace the stored account of that name."""
        with self._accounts_lock:
            if account.name in self._accounts:
                self._accounts[account.name] = account

    def record_failed_login(self, name: str, *, limit: int, lock_until: datetime) -> ConsoleAccount | None:
        """Count a failure under the twin's lock."""
        with self._accounts_lock:
            account = self._accounts.get(name)
            if account is None:
                return None
            account = self._accounts[name] = _failed(account, limit, lock_until)
            return account

    def remove_account(self, name: str) -> bool:
        """Delete the account; True when it existed."""
        with self._accounts_lock:
            return self._accounts.pop(name, None) is not None
