"""A local RFC 3161 time-stamping authority over HTTP for the tests: Certomancer's Animator (an independent TSA
implementation, the one pyHanko's own tests use) serving a TSA defined in a throwaway PKI, on a loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import CertomancerConfig
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server


@dataclass(frozen=True)
class LocalTsa:
    """A running TSA: its URL and its CA certificate (the anchor relying parties configure), PEM."""

    url: str
    ca_pem: bytes
    subject: str
    """The TSA certificate's subject, as reports print it."""


def _config(at: datetime) -> dict[str, object]:
    validity = {"valid-from": (at - timedelta(days=1)).isoformat(),
                "valid-to": (at + timedelta(days=3650)).isoformat()}
    return {
        "keysets": {"tsa": {"keys": {"root": {"path": "root.key.pem"}, "tsa": {"path": "tsa.key.pem"}}}},
        "pki-architectures": {"swgw": {
            "keyset": "tsa",
            "entity-defaults": {"country-name": "CN", "organization-name": "swgw tests"},
            "entities": {"root": {"common-name": "Test TSA Root"}, "tsa": {"common-name": "Test TSA"}},
            "certs": {
                "root": {"subject": "root", "issuer": "root", "validity": validity, "extensions": [
                    {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                    {"id": "key_usage", "critical": True,
                     "smart-value": {"schema": "key-usage", "params": ["digital_signature", "key_cert_sign",
                                                                        "crl_sign"]}},
                ]},
                "tsa": {"subject": "tsa", "issuer": "root", "validity": validity, "extensions": [
                    {"id": "key_usage", "critical": True,
                     "smart-value": {"schema": "key-usage", "params": ["digital_signature"]}},
                    {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                ]},
            },
            "services": {"time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}}},
        }},
    }


@contextmanager
def local_tsa(folder: Path) -> Iterator[LocalTsa]:
    """Start a TSA on 127.0.0.1 (a free port), its keys in ``folder``; stop it on exit."""
    for name in ("root", "tsa"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (folder / f"{name}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    config = CertomancerConfig(_config(datetime.now(UTC)), key_search_dir=str(folder))
    architecture = config.get_pki_arch("swgw")
    animator = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    server = make_server("127.0.0.1", 0, animator, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = x509.load_der_x509_certificate(architecture.get_cert("root").dump())
        yield LocalTsa(url=f"http://127.0.0.1:{server.server_port}/swgw/tsa/tsa",
                       ca_pem=root.public_bytes(serialization.Encoding.PEM), subject="CN=Test TSA,O=swgw tests,C=CN")
    finally:
        server.shutdown()
        server.server_close()

