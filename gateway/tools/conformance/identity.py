"""The kit's own window identity, created once in the kit folder and reused, so that a partner trusts it once.

Layout of ``--kit-dir``: ``ca.pem`` (the kit's CA: what the partner adds as the kit's trust anchor), and under
``keys/`` the CA key, the document and envelope signing key (ECDSA P-256), the TLS key (client and server), an RSA
signing key of the same CA (for the wrong-algorithm check: RS256 is refused whatever the key) and a signing key
of a second, foreign CA (which the partner must not trust).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509

import trust
from trust import SigningIdentity, devpki

__all__ = ["KIT_SERVER_NAME", "KitIdentity", "load_or_create"]

#: The TLS server name of the kit's test window (receiver role); its certificate also holds localhost and 127.0.0.1.
KIT_SERVER_NAME = "conformance.kit.test"

_FILES = ("ca.key.pem", "signing.key.pem", "signing.cert.pem", "tls.key.pem", "tls.cert.pem", "rsa-signing.key.pem",
          "rsa-signing.cert.pem", "foreign-signing.key.pem", "foreign-signing.cert.pem", "foreign-ca.pem")


@dataclass(frozen=True)
class KitIdentity:
    """The keys and certificates the kit plays its window with."""

    folder: Path
    """The kit folder."""
    ca_pem: bytes
    """The kit's CA certificate (PEM), exported as ``ca.pem``."""
    signing: SigningIdentity
    """Signs documents, envelopes and receipts (ECDSA P-256, chain to the kit's CA)."""
    tls_key_pem: bytes
    """The TLS private key."""
    tls_certificate_pem: bytes
    """The TLS certificate (client and server use) for :data:`KIT_SERVER_NAME`, localhost and 127.0.0.1."""
    rsa_signing: SigningIdentity
    """An RSA signing identity of the kit's CA (for a deliberately refused RS256 signature)."""
    foreign_signing: SigningIdentity
    """A signing identity of a CA that no partner trusts."""

    @property
    def ca_path(self) -> Path:
        """Where the kit's CA certificate is: give this file to the partner."""
        return self.folder / "ca.pem"

    @property
    def ca_fingerprint(self) -> str:
        """SHA-256 fingerprint of the kit's CA certificate."""
        return trust.fingerprint(x509.load_pem_x509_certificate(self.ca_pem))


def _create(folder: Path, at: datetime) -> None:
    keys = folder / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    ca = devpki.create_ca("swgw Conformance Kit CA", at=at, organization="swgw Conformance Kit")
    foreign = devpki.create_ca("swgw Conformance Kit Foreign CA", at=at, organization="Not Trusted")
    issued = {
        "signing": devpki.issue_certificate(ca, "swgw Conformance Kit Signing", at=at, usage="signing"),
        "tls": devpki.issue_certificate(ca, KIT_SERVER_NAME, at=at, usage="tls",
                                        dns_names=(KIT_SERVER_NAME, "localhost"), ip_addresses=("127.0.0.1",)),
        "rsa-signing": devpki.issue_certificate(ca, "swgw Conformance Kit RSA Signing", at=at, usage="signing",
                                                key="rsa"),
        "foreign-signing": devpki.issue_certificate(foreign, "swgw Conformance Kit Foreign Signing", at=at,
                                                    usage="signing"),
    }
    (keys / "ca.key.pem").write_bytes(ca.key_pem())
    for name, certificate in issued.items():
        (keys / f"{name}.key.pem").write_bytes(certificate.key_pem())
        (keys / f"{name}.cert.pem").write_bytes(certificate.cert_pem())
    (keys / "foreign-ca.pem").write_bytes(foreign.cert_pem())
    for path in keys.glob("*.key.pem"):
        path.chmod(0o600)
    # Written last: its presence means the folder is complete.
    (folder / "ca.pem").write_bytes(ca.cert_pem())


def load_or_create(folder: Path, *, at: datetime) -> tuple[KitIdentity, bool]:
    """The kit identity in ``folder``, created there (valid from ``at``) when absent; returns (identity, created)."""
    keys = folder / "keys"
    created = not (folder / "ca.pem").exists()
    if created:
        _create(folder, at)
    missing = [name for name in _FILES if not (keys / name).exists()]
    if missing:
        raise ValueError(f"kit folder {folder} is incomplete (missing keys/{missing[0]}); use an empty folder")
    ca_pem = (folder / "ca.pem").read_bytes()

    def identity(name: str, chain: bytes) -> SigningIdentity:
        return SigningIdentity.from_pem((keys / f"{name}.key.pem").read_bytes(),
                                        (keys / f"{name}.cert.pem").read_bytes(), chain)

    return KitIdentity(
        folder=folder,
        ca_pem=ca_pem,
        signing=identity("signing", ca_pem),
        tls_key_pem=(keys / "tls.key.pem").read_bytes(),
        tls_certificate_pem=(keys / "tls.cert.pem").read_bytes(),
        rsa_signing=identity("rsa-signing", ca_pem),
        foreign_signing=identity("foreign-signing", (keys / "foreign-ca.pem").read_bytes()),
    ), created
