"""Pulses relayed between the worker processes of one gateway (``gateway.adapters.siblings``), here between two
relays in one process over the same Unix datagram sockets the workers use."""

from __future__ import annotations

from pathlib import Path

from gateway.adapters.siblings import SiblingRelay, socket_path
from gateway.core.signals import Signals


def test_status_and_inbound_pulses_reach_the_sibling_and_outbound_stays(tmp_path: Path) -> None:
    first, second = Signals(), Signals()
    relays = [SiblingRelay(tmp_path, 0, 2, first), SiblingRelay(tmp_path, 1, 2, second)]
    try:
        assert socket_path(tmp_path, 0).exists() and socket_path(tmp_path, 1).exists()
        for name in ("status", "inbound"):
            seen = getattr(second, name).generation()
            getattr(first, name).fire()
            # Woken by the relayed pulse; the timeout only bounds a failing run.
            assert getattr(second, name).wait(seen, timeout=30) != seen, name
        seen = first.status.generation()
        second.status.fire()
        assert first.status.wait(seen, timeout=30) != seen
        # A relayed pulse wakes the receiver's waiters without being sent back (no ping-pong).
        assert first.status.generation() == seen + 1
        # Outbound stays in its worker: a sibling would pay a claim query per queued message.
        before = second.outbound.generation()
        first.outbound.fire()
        marker = second.status.generation()
        first.status.fire()  # datagrams arrive in order: once this one is in, an outbound one would be too
        assert second.status.wait(marker, timeout=30) != marker
        assert second.outbound.generation() == before
    finally:
        for relay in relays:
            relay.close()


def test_a_sibling_that_is_not_listening_costs_the_sender_nothing(tmp_path: Path) -> None:
    signals = Signals()
    relay = SiblingRelay(tmp_path, 0, 3, signals)  # workers 1 and 2 never started
    try:
        generation = signals.status.generation()
        signals.status.fire()
        assert signals.status.generation() == generation + 1
    finally:
        relay.close()
