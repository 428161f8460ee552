"""The AS4 endpoint: HTTPS with mutual TLS, one POST per User Message, answered synchronously with the signed
Receipt or Error signal (One-Way/Push).

The client CA list is the union of every partner's receive trust, re-read when it changes (as the gRPC partner
port does); which partner a certificate belongs to is decided per message by :class:`.inbound.As4Inbound`.
"""

from __future__ import annotations

import logging
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509

from .inbound import As4Inbound

__all__ = ["As4Server", "start_as4_server"]

log = logging.getLogger(__name__)

_CONTENT_TYPE = "application/soap+xml; charset=UTF-8"


class As4Server(ThreadingHTTPServer):
    """A threading HTTPS server whose TLS context follows the trust book."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], inbound: As4Inbound, context: Callable[[], ssl.SSLContext],
                 max_bytes: int) -> None:
        super().__init__(address, _Handler)
        self.inbound = inbound
        self.context = context
        self.max_bytes = max_bytes

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A failed handshake or a peer gone mid-request: one log line, not a traceback on stderr.
        log.info("AS4 connection from %s ended: %s", client_address[0], sys.exc_info()[1])

    def get_request(self) -> tuple[Any, Any]:
        raw, address = self.socket.accept()
        raw.settimeout(30)
        try:
            # The handshake happens in the handler thread (do_handshake_on_connect off), so a slow client cannot
            # hold up accepting the next one.
            return self.context().wrap_socket(raw, server_side=True, do_handshake_on_connect=False), address
        except (OSError, ssl.SSLError):
            raw.close()
            raise


class _Handler(BaseHTTPRequestHandler):
    server: As4Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        try:
            self.request.do_handshake()
        except (OSError, ssl.SSLError) as e:
            log.info("AS4 TLS handshake with %s failed: %s", self.client_address[0], e)
            raise
        super().setup()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self._body()
        if body is None:
            return
        der = self.request.getpeercert(binary_form=True)
        peer = x509.load_der_x509_certificate(der) if der else None
        # The Content-Type says whether MIME parts (SOAP with Attachments) come with the SOAP envelope.
        answer = self.server.inbound.handle(body, peer_certificate=peer,
                                            content_type=self.headers.get("Content-Type", _CONTENT_TYPE))
        self.send_response(200)
        self.send_header("Content-Type", _CONTENT_TYPE)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def _body(self) -> bytes | None:
        """The request body (Content-Length or chunked, as CXF-based access points send it), at most max_bytes;
        None after answering 411/413/400."""
        limit = self.server.max_bytes
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024).split(b";")[0].strip()
                try:
                    length = int(line, 16)
                except ValueError:
                    self.send_error(400, "malformed chunked body")
                    return None
                size += length
                if size > limit:
                    self.send_error(413, "body too large")
                    return None
                if length == 0:
                    while self.rfile.readline(1024).strip():  # trailer fields, if any
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(length))
                self.rfile.readline(8)  # the CRLF after each chunk
        length_header = self.headers.get("Content-Length", "")
        if not length_header.isdigit() or int(length_header) > limit:
            self.send_error(413 if length_header.isdigit() else 411, "body too large or without Content-Length")
            return None
        return self.rfile.read(int(length_header))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        log.debug("AS4 %s " + format, self.client_address[0], *args)


def start_as4_server(address: str, inbound: As4Inbound, *, tls_key_file: str, tls_certificate_file: str,
                     client_cas: Callable[[], bytes], max_bytes: int) -> tuple[As4Server, int]:
    """Bind ``address`` (host:port, port 0 picks one) and serve in a daemon thread; returns (server, port)."""
    host, _, port = address.rpartition(":")
    state: dict[str, Any] = {"roots": None, "context": None}
    lock = threading.Lock()

    def context() -> ssl.SSLContext:
        roots = client_cas()
        with lock:
            if roots != state["roots"] or state["context"] is None:
                made = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                made.minimum_version = ssl.TLSVersion.TLSv1_2
                made.load_cert_chain(tls_certificate_file, tls_key_file)
                made.verify_mode = ssl.CERT_REQUIRED  # partner-facing: mutual TLS, always
                made.load_verify_locations(cadata=roots.decode())
                state["roots"], state["context"] = roots, made
            result: ssl.SSLContext = state["context"]
            return result

    context()  # fails the start on unreadable TLS material or an empty trust book
    server = As4Server((host.strip("[]") or "127.0.0.1", int(port)), inbound, context, max_bytes)
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    threading.Thread(target=server.serve_forever, name="swgw-as4", daemon=True).start()
    return server, int(server.server_address[1])
