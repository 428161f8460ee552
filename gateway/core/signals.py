"""In-process wake-ups between the pipeline, the dispatcher and the streaming RPCs.

They only shorten latency: every waiter also wakes on a timeout and re-reads the database, so events written by
another replica (or missed wake-ups) are still seen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["Signals"]


class _Pulse:
    """A condition that waiters can sleep on until the next ``fire`` or a timeout."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0
        self._relays: list[Callable[[], None]] = []

    def fire(self) -> None:
        """Wake this process's waiters and tell the relays (the other workers of the same gateway)."""
        self.fire_local()
        for relay in self._relays:
            relay()

    def fire_local(self) -> None:
        """Wake this process's waiters only (a pulse relayed from another worker)."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def relay_to(self, relay: Callable[[], None]) -> None:
        """Call ``relay`` on every :meth:`fire` from now on (set up before the gateway starts)."""
        self._relays.append(relay)

    def generation(self) -> int:
        with self._cond:
            return self._generation

    def wait(self, since: int, timeout: float) -> int:
        """Wait until the generation moves past ``since`` or ``timeout`` elapses; return the generation."""
        with self._cond:
            self._cond.wait_for(lambda: self._generation != since, timeout=timeout)
            return self._generation


class Signals:
    """The gateway's three pulses."""

    def __init__(self) -> None:
        self.outbound = _Pulse()
        """Fired when a message is queued (wakes the dispatcher)."""
        self.status = _Pulse()
        """Fired after any status transition (wakes WatchStatus streams)."""
        self.inbound = _Pulse()
        """Fired when an inbound document is received (wakes ReceiveInbound streams)."""
