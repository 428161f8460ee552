"""Configuration tables read strictly: every key must be taken, unknown keys are refused by their full path.

The settings and each part with a table of its own (AS4 P-Modes, time-stamping, retention) read through
:class:`Table`, so a refusal always names the exact key (``partners[0].as4.endpoint_url``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from .errors import ConfigInvalid

__all__ = ["Table", "choice", "resolve_path", "seconds", "strings"]


class Table:
    """A config table read strictly: every key must be taken, unknown keys are refused by name."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigInvalid(f"{path or 'configuration'} must be a table", field_path=path or "$")
        self._data = dict(data)
        self._path = path
        self._seen: set[str] = set()

    @property
    def path(self) -> str:
        """This table's own key path (``partners[0].as4``); empty for the root."""
        return self._path

    def key(self, key: str) -> str:
        """The full key path of ``key`` in this table, e.g. ``partners[0].as4.endpoint_url``."""
        return f"{self._path}.{key}" if self._path else key

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *, required: bool = False) -> Any:
        """The value of ``key``, checked to be of ``kind``; ``default`` when absent, unless required."""
        self._seen.add(key)
        if key not in self._data:
            if required or default is ...:
                raise ConfigInvalid(f"missing required key {self.key(key)}", field_path=self.key(key))
            return default
        value = self._data[key]
        # bool is an int in Python; refuse it where a number is expected.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise ConfigInvalid(f"{self.key(key)} has the wrong type", field_path=self.key(key))
        # TOML has nan and inf; no setting means either, and both slip through range checks (nan < 0 is false).
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigInvalid(f"{self.key(key)} must be a finite number", field_path=self.key(key))
        return value

    def table(self, key: str, *, required: bool = False) -> Table:
        """The sub-table ``key`` (empty when absent and not required)."""
        return Table(self.get(key, Mapping, {} if not required else ..., required=required), self.key(key))

    def empty(self) -> bool:
        """Whether the table has no keys at all (an absent optional table)."""
        return not self._data

    def keys(self) -> list[str]:
        """The keys present, in file order (for tables keyed by name, e.g. document types)."""
        return list(self._data)

    def done(self) -> None:
        """Refuse any key that was not taken, naming it."""
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            raise ConfigInvalid(f"unknown key {self.key(unknown[0])}", field_path=self.key(unknown[0]))


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def resolve_path(base_dir: PurePath, value: str | None) -> str | None:
    """A file name from the configuration, relative to the configuration's folder."""
    if value is None:
        return None
    return str(base_dir / value)


def seconds(table: Table, key: str, default: float) -> timedelta:
    """A positive number of seconds."""
    value = table.get(key, (int, float), default)
    if value <= 0:
        raise ConfigInvalid(f"{table.key(key)} must be positive", field_path=table.key(key))
    try:
        return timedelta(seconds=value)
    except OverflowError:
        raise ConfigInvalid(f"{table.key(key)} is too large", field_path=table.key(key)) from None


def choice(table: Table, key: str, allowed: tuple[str, ...], default: str) -> Any:
    """One of ``allowed``."""
    value = table.get(key, str, default)
    if value not in allowed:
        raise ConfigInvalid(f"{table.key(key)} must be one of {', '.join(allowed)}", field_path=table.key(key))
    return value


def strings(table: Table, key: str) -> list[str]:
    """A list of strings (empty when absent)."""
    values: list[str] = table.get(key, list, [])
    if not all(isinstance(v, str) for v in values):
        raise ConfigInvalid(f"{table.key(key)} must be a list of strings", field_path=table.key(key))
    return values
