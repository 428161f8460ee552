"""The console's own listener: HTTPS with the configured certificate (Secure, host-only cookies, HSTS), and the
gateway starting it only when enabled."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from gateway.adapters.clock import ManualClock
from gateway.adapters.persistence import MemoryMessageRepository
from gateway.core.console_settings import ConsoleSettings
from gateway.pipeline.accounts import ConsoleAccounts
from gateway.transports.console import ConsoleContext, ConsoleServer
from tests.unit.gateway.twins import START, twins
from trust import devpki


def test_the_console_speaks_https_with_the_configured_certificate(tmp_path: Path) -> None:
    net = twins(tmp_path / "net")
    ca = devpki.create_ca("Console Test CA", at=START - timedelta(days=1))
    server_cert = devpki.issue_certificate(ca, "console", at=START - timedelta(days=1), usage="tls",
                                           ip_addresses=["127.0.0.1"])
    key, cert = tmp_path / "console.key.pem", tmp_path / "console.cert.pem"
    key.write_bytes(server_cert.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    cert.write_bytes(server_cert.certificate.public_bytes(Encoding.PEM))
    repository = MemoryMessageRepository()
    clock = ManualClock(START)
    settings = ConsoleSettings(enabled=True, listen="127.0.0.1:0", tls_key=str(key), tls_certificate=str(cert))
    server = ConsoleServer(ConsoleContext(operations=net.cn.operations, clock=clock, settings=settings,
                                          accounts=ConsoleAccounts(accounts=repository, audit=repository,
                                                                   clock=clock)))
    port = server.start()
    try:
        context = ssl.create_default_context(cadata=ca.certificate.public_bytes(Encoding.PEM).decode())
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/login", context=context, timeout=10) as response:
            assert response.status == 200
            cookie = response.headers["Set-Cookie"]
            assert cookie.startswith("__Host-swgw-login=") and "Secure" in cookie and "HttpOnly" in cookie
            assert response.headers["Strict-Transport-Security"].startswith("max-age=")
            assert b'<label for="password">' in response.read()
        # Nobody else's CA vouches for it, and plain HTTP gets no page.
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"https://127.0.0.1:{port}/login", context=ssl.create_default_context(),
                                   timeout=10)
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10).read()
    finally:
        server.stop()


def test_a_taken_console_port_is_refused_naming_the_setting(tmp_path: Path) -> None:
    import socket

    from gateway.core.errors import ConfigInvalid

    net = twins(tmp_path / "net")
    repository = MemoryMessageRepository()
    clock = ManualClock(START)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = ConsoleSettings(enabled=True, listen=f"127.0.0.1:{taken.getsockname()[1]}")
        server = ConsoleServer(ConsoleContext(operations=net.cn.operations, clock=clock, settings=settings,
                                              accounts=ConsoleAccounts(accounts=repository, audit=repository,
                                                                       clock=clock)))
        with pytest.raises(ConfigInvalid) as refused:
            server.start()
    assert refused.value.field_path == "console.listen"
