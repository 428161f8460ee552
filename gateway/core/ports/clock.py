"""Ports of time and identity: where the pipeline gets the current time and new ids."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ["Clock", "IdFactory"]


class Clock(Protocol):
    """The only source of time outside the composition root."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdFactory(Protocol):
    """Makes message and receipt ids."""

    def new_id(self) -> str:
        """A new unique id (UUID4 string)."""
        ...
