"""Serving the console: cheroot (CherryPy's production WSGI server, threads, TLS built in) in a background thread.

Flask renders on the server with Jinja2 and needs no front-end build; it is synchronous like the rest of the
gateway (the gRPC servers, the dispatcher), so the console calls the same operator functions in the same way.
cheroot rather than waitress because the console must speak HTTPS when it leaves loopback, which waitress cannot.
"""

from __future__ import annotations

import socket
import threading

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from ...core.errors import ConfigInvalid
from .web import ConsoleContext, create_app

__all__ = ["ConsoleServer"]


class _Server(wsgi.Server):
    """cheroot's server, closing the socket it made when binding it fails (cheroot leaves it open)."""

    @staticmethod
    def bind_socket(socket_: socket.socket, bind_addr: tuple[str, int]) -> socket.socket:
        """Bind, or close the socket and raise."""
        try:
            socket_.bind(bind_addr)
        except OSError:
            socket_.close()
            raise
        return socket_


class ConsoleServer:
    """The console on its own listener; :meth:`start` binds and returns the port, :meth:`stop` ends it."""

    def __init__(self, context: ConsoleContext, *, threads: int = 4) -> None:
        settings = context.settings
        host, _, port = settings.listen.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigInvalid("console.listen must be host:port", field_path="console.listen")
        self._server = _Server((host.strip("[]"), int(port)), create_app(context), numthreads=threads,
                                   server_name="swgw-console")
        if settings.tls_certificate and settings.tls_key:
            self._server.ssl_adapter = BuiltinSSLAdapter(settings.tls_certificate, settings.tls_key)
        self._thread: threading.Thread | None = None
        self.port = 0

    def start(self) -> int:
        """Bind (a taken port fails here, before anything runs) and serve in a daemon thread; the bound port."""
        try:
            self._server.prepare()
        except OSError as e:
            raise ConfigInvalid(f"console cannot listen on {self._server.bind_addr}: {e}",
                                field_path="console.listen") from e
        self.port = int(self._server.bind_addr[1])
        self._thread = threading.Thread(target=self._server.serve, name="swgw-console", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        """Stop serving and wait for the worker threads."""
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
