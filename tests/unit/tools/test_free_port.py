"""free_port: the ports of the development networks the tests and the demo start."""

from __future__ import annotations

import socket

from gateway.tools.devsetup import free_port


def test_free_port_never_repeats_a_recent_port() -> None:
    # A network picks all its ports before any gateway binds one; a repeat would make the second bind fail.
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", port))
