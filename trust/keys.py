"""Signing identities: the private key, its certificate and the chain sent along with signatures.

:class:`Signer` is the narrow interface every signing function takes, so that a hardware-backed signer can be
added later: such a signer exposes a cryptography-compatible private key object (for example a PKCS#11 wrapper)
and never the key material itself. :class:`SigningIdentity` is the local-key implementation.
"""

from __future__ import annotations

import functools
import hashlib

from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from trust.errors import AlgorithmForbidden, TrustError

__all__ = ["PrivateKey", "Signer", "SigningIdentity", "fingerprint", "load_der_certificate"]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
"""The private key types ``trust`` signs with."""


def fingerprint(certificate: x509.Certificate) -> str:
    """Return the lowercase hex SHA-256 of the certificate's DER encoding, the identifier used across ``trust``."""
    return _fingerprint(certificate)


# Certificates hash and compare by their DER bytes, so a memo is exact; revocation checks ask for the same few
# fingerprints on every verification, and a hit costs a fraction of re-encoding and hashing the certificate.
@functools.lru_cache(maxsize=1024)
def _fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


@functools.lru_cache(maxsize=512)
def load_der_certificate(der: bytes) -> x509.Certificate:
    """Load a DER certificate received from a partner; raises ``ValueError`` for anything RFC 5280 forbids that
    cryptography would only warn about (a non-positive serial number).

    Results are memoized by DER bytes (certificates are immutable and the same few partner certificates arrive
    with every message), which halves certificate handling time in verification.
    """
    # cryptography emits a deprecation warning (an error under strict test settings, a future ValueError) for a
    # non-positive serial; checking it first with asn1crypto keeps the outcome a plain, deterministic refusal.
    try:
        serial = asn1_x509.Certificate.load(der)["tbs_certificate"]["serial_number"].native
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"not a DER certificate: {e}") from e
    if not isinstance(serial, int) or serial <= 0:
        raise ValueError("certificate serial number is not a positive integer (RFC 5280, 4.1.2.2)")
    try:
        certificate = x509.load_der_x509_certificate(der)
    except x509.InvalidVersion as e:  # not a ValueError; a version other than v1 and v3 (found by xml-verify)
        raise ValueError(f"unsupported certificate version: {e}") from e
    # cryptography parses the key lazily, on first use: a key that does not load raised ValueError (or
    # UnsupportedAlgorithm) deep inside path validation instead of here (found by the xml-verify fuzz harness).
    # Loading it once is cheap, since loads are memoized. Names are left alone: parsing them here would turn
    # cryptography's warnings about odd but harmless attributes into a cost for every caller.
    try:
        certificate.public_key()
    except UnsupportedAlgorithm as e:
        raise ValueError(f"certificate key algorithm is not supported: {e}") from e
    return certificate


@runtime_checkable
class Signer(Protocol):
    """What signing functions need: a private key object, its certificate and the chain to publish."""

    @property
    def private_key(self) -> PrivateKey:
        """The private key, or an object implementing cryptography's private key interface."""
        ...

    @property
    def certificate(self) -> x509.Certificate:
        """The signer's end-entity certificate."""
        ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Intermediates (and optionally the root) to publish next to the signature, nearest issuer first."""
        ...


@dataclass(frozen=True)
class SigningIdentity:
    """A local signing key with its certificate and chain. Satisfies :class:`Signer`."""

    private_key: PrivateKey
    """The private key matching ``certificate``."""

    certificate: x509.Certificate
    """The signer's end-entity certificate."""

    chain: tuple[x509.Certificate, ...] = ()
    """Intermediates (and optionally the root) to include in KeyInfo / CMS, nearest issuer first."""

    def __post_init__(self) -> None:
        if not isinstance(self.private_key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise AlgorithmForbidden(f"unsupported private key type {type(self.private_key).__name__}")
        # A mismatched key would only be noticed by the partner; catch it where the identity is loaded.
        ours = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        theirs = self.certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if ours != theirs:
            raise TrustError("private key does not match the certificate")

    @classmethod
    def from_pem(
        cls, key_pem: bytes, cert_pem: bytes, chain_pem: bytes = b"", password: bytes | None = None
    ) -> SigningIdentity:
        """Load an identity from PEM: a private key, the end-entity certificate and zero or more chain certificates."""
        try:
            key = serialization.load_pem_private_key(key_pem, password=password)
            certificate = x509.load_pem_x509_certificate(cert_pem)
            chain = tuple(x509.load_pem_x509_certificates(chain_pem)) if chain_pem.strip() else ()
        except (ValueError, TypeError) as e:
            raise TrustError(f"cannot load signing identity: {e}") from e
        if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise AlgorithmForbidden(f"unsupported private key type {type(key).__name__}")
        return cls(private_key=key, certificate=certificate, chain=chain)

    @property
    def fingerprint(self) -> str:
        """SHA-256 hex fingerprint of the certificate DER."""
        return fingerprint(self.certificate)
