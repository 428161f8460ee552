"""A local RFC 3161 time-stamping authority over HTTP for the tests: pyHanko's ``DummyTimeStamper`` (a TSA that
signs every request with its own certificate, dated now) behind ``http.server`` on a loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from trust import devpki


@dataclass(frozen=True)
class LocalTsa:
    """A running TSA: its URL, its CA (the anchor relying parties configure) and the TSA certificate."""

    url: str
    ca: devpki.IssuedCertificate
    tsa: devpki.IssuedCertificate


@contextmanager
def local_tsa() -> Iterator[LocalTsa]:
    """Start a TSA on 127.0.0.1 (a free port); stop it on exit."""
    issued = datetime.now(UTC) - timedelta(days=1)
    ca = devpki.create_ca("SWGW Test TSA Root", at=issued)
    tsa = devpki.issue_certificate(ca, "swgw-test-tsa", at=issued, days=3650, usage="timestamping", key="rsa")
    key = tsa.private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    stamper = DummyTimeStamper(tsa_cert=asn1_x509.Certificate.load(tsa.certificate.public_bytes(
        serialization.Encoding.DER)), tsa_key=asn1_keys.PrivateKeyInfo.load(key))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415)
                return
            response = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalTsa(url=f"http://127.0.0.1:{server.server_address[1]}/tsr", ca=ca, tsa=tsa)
    finally:
        server.shutdown()
        server.server_close()
