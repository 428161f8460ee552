"""Clocks and id factories: the real ones and their twins."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

__all__ = ["ManualClock", "SystemClock", "UuidIds"]


class SystemClock:
    """The wall clock, UTC."""

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The set time."""
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        with self._lock:
            self._now += delta


class UuidIds:
    """Random UUID4 ids."""

    def new_id(self) -> str:
        """A new UUID4 string."""
        return str(uuid.uuid4())
