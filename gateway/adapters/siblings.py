"""Wake-ups between the worker processes of one gateway (``swgw serve --workers N``).

Each worker binds a Unix datagram socket in the run folder its supervisor made; a pulse fired in one worker (a
status transition, a received inbound document) is sent as one byte to every sibling, which fires its own waiters.
WatchStatus and ReceiveInbound streams thus see what another worker stored at once instead of at their next poll.
The relay only shortens latency: a datagram that cannot be sent (a sibling restarting, its buffer full) is dropped,
and every waiter still re-reads the database on its timeout.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from pathlib import Path

from ..core.signals import Signals

__all__ = ["SiblingRelay", "socket_path"]

log = logging.getLogger(__name__)

# The outbound pulse is not relayed: a worker delivers what it queued itself (its dispatcher keeps claiming while
# a backlog may wait), and a sibling with free delivery workers finds due messages on its tick; relaying it would
# cost every sibling a claim query per queued message.
_KINDS = {b"s": "status", b"i": "inbound"}


def socket_path(folder: Path, index: int) -> Path:
    """Where worker ``index`` of the run in ``folder`` listens for its siblings' pulses."""
    return folder / f"pulse-{index}.sock"


class SiblingRelay:
    """Relays ``signals`` of worker ``index`` to the other ``count - 1`` workers, and theirs to it."""

    def __init__(self, folder: Path, index: int, count: int, signals: Signals) -> None:
        self._signals = signals
        path = socket_path(folder, index)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # left by this worker's previous life (it was killed)
        self._inbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._inbox.bind(str(path))
        self._outbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._outbox.setblocking(False)
        self._peers = [str(socket_path(folder, i)) for i in range(count) if i != index]
        for kind, name in _KINDS.items():
            getattr(signals, name).relay_to(lambda kind=kind: self._send(kind))
        self._thread = threading.Thread(target=self._receive, name="swgw-siblings", daemon=True)
        self._thread.start()

    def _send(self, kind: bytes) -> None:
        for peer in self._peers:
            try:
                self._outbox.sendto(kind, peer)
            except OSError:
                pass  # not listening yet, restarting, or its buffer is full: it polls the database anyway

    def _receive(self) -> None:
        while True:
            try:
                data = self._inbox.recv(256)
            except OSError:
                return  # closed
            if not data:
                return  # shut down (pulses are never empty)
            for byte in set(data[i:i + 1] for i in range(len(data))):
                name = _KINDS.get(byte)
                if name is not None:
                    getattr(self._signals, name).fire_local()

    def close(self) -> None:
        """Stop relaying (the socket file is removed with the run folder)."""
        with contextlib.suppress(OSError):
            self._inbox.shutdown(socket.SHUT_RDWR)
        self._inbox.close()
        self._outbox.close()
