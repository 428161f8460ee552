"""Detached signatures over small byte strings: envelope headers and receipts.

The gateway signs :func:`canonical_header` bytes (routing fields plus the payload digest) rather than XML, so
the signature travels next to the payload in the gRPC message.

Algorithms (stable strings, chosen from the signer's key; the policy may narrow them):

* ``ecdsa-sha256``: ECDSA over P-256 with SHA-256, DER-encoded (r, s) value;
* ``ecdsa-sha384``: ECDSA over P-384 with SHA-384, DER-encoded (r, s) value;
* ``rsa-pss-sha256``: RSASSA-PSS, SHA-256, MGF1-SHA-256, salt length 32.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from trust.chain import validate_path
from trust.errors import AlgorithmForbidden, CertificateUntrusted, SignatureInvalid, SignatureMissing, TrustError
from trust.keys import Signer, load_der_certificate
from trust.partner import PartnerTrust
from trust.policy import DEFAULT_POLICY, SignaturePolicy, check_public_key

__all__ = ["DetachedSignature", "VerifiedSigner", "canonical_header", "sign_detached", "verify_detached"]

_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
_MAX_CERTIFICATES = 8


def canonical_header(fields: Mapping[str, str]) -> bytes:
    """Deterministic bytes for a flat string mapping: compact JSON with sorted keys, UTF-8, no escaping of
    non-ASCII characters, no whitespace. Strings are used as given (no Unicode normalization)."""
    for key, value in fields.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("canonical_header takes a mapping of str to str")
    try:
        text = json.dumps(dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError("header fields must be valid Unicode text") from e


@dataclass(frozen=True)
class DetachedSignature:
    """A detached signature as carried on the wire."""

    algorithm: str
    """One of ``ecdsa-sha256``, ``ecdsa-sha384``, ``rsa-pss-sha256``."""

    value: bytes
    """The signature value (DER for ECDSA, raw for RSA-PSS)."""

    certificates: tuple[bytes, ...]
    """DER certificates: the signer first, then its chain."""


@dataclass(frozen=True)
class VerifiedSigner:
    """Who produced a verified detached signature."""

    signer: x509.Certificate
    """The signer's certificate."""

    chain: tuple[x509.Certificate, ...]
    """The validated path, signer first, anchor last (only the signer when it is pinned)."""

    warnings: tuple[str, ...] = ()
    """Non-fatal findings (e.g. unknown revocation status under a ``warn`` policy)."""


def _algorithm_for(key: object) -> str:
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name == "secp256r1":
            return "ecdsa-sha256"
        if key.curve.name == "secp384r1":
            return "ecdsa-sha384"
        raise AlgorithmForbidden(f"no detached algorithm for curve {key.curve.name}")
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "rsa-pss-sha256"
    raise AlgorithmForbidden(f"no detached algorithm for key type {type(key).__name__}")


def sign_detached(data: bytes, identity: Signer, *, policy: SignaturePolicy = DEFAULT_POLICY) -> DetachedSignature:
    """Sign ``data`` with the identity's key, choosing the algorithm from the key (see module docstring)."""
    check_public_key(identity.certificate, policy, path="signer")
    key = identity.private_key
    algorithm = _algorithm_for(key)
    if algorithm not in policy.detached_algorithms:
        raise AlgorithmForbidden(f"detached algorithm {algorithm} is not allowed by the policy")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        digest = hashes.SHA256() if algorithm == "ecdsa-sha256" else hashes.SHA384()
        value = key.sign(data, ec.ECDSA(digest))
    else:
        value = key.sign(data, _PSS, hashes.SHA256())
    return DetachedSignature(
        algorithm=algorithm, value=value, certificates=_der_chain((identity.certificate, *identity.chain))
    )


# An identity signs every envelope and receipt with the same chain; its DER encoding is computed once. Certificates
# hash and compare by their DER bytes, so the memo can never return another chain's encoding.
@functools.lru_cache(maxsize=64)
def _der_chain(chain: tuple[x509.Certificate, ...]) -> tuple[bytes, ...]:
    return tuple(c.public_bytes(serialization.Encoding.DER) for c in chain)


def verify_detached(
    data: bytes,
    signature: DetachedSignature,
    *,
    trust: PartnerTrust,
    at: datetime,
    policy: SignaturePolicy = DEFAULT_POLICY,
) -> VerifiedSigner:
    """Verify a detached signature over ``data`` for the partner in ``trust`` at ``at``.

    Raises :class:`~trust.errors.AlgorithmForbidden` (algorithm not allowed or not matching the key),
    :class:`~trust.errors.SignatureInvalid`, or the path errors of :func:`trust.chain.validate_path`.
    """
    try:
        return _verify(data, signature, trust=trust, at=at, policy=policy)
    except TrustError as e:
        e.with_partner(trust.partner)
        raise


def _verify(
    data: bytes, signature: DetachedSignature, *, trust: PartnerTrust, at: datetime, policy: SignaturePolicy
) -> VerifiedSigner:
    if not signature.value:
        raise SignatureMissing("empty detached signature value")
    if signature.algorithm not in policy.detached_algorithms:
        raise AlgorithmForbidden(f"detached algorithm {signature.algorithm!r} is not allowed by the policy")
    if not signature.certificates:
        raise CertificateUntrusted("the detached signature carries no certificate")
    if len(signature.certificates) > _MAX_CERTIFICATES:
        raise CertificateUntrusted(f"more than {_MAX_CERTIFICATES} certificates attached")
    try:
        certificates = [load_der_certificate(der) for der in signature.certificates]
        # Names are parsed lazily; a malformed one (ValueError, KeyError or TypeError from cryptography) raised
        # from the error message of path validation (found by the codec-envelope fuzz harness).
        _ = [(c.subject, c.issuer) for c in certificates]
    except (ValueError, KeyError, TypeError) as e:
        raise CertificateUntrusted(f"unreadable certificate: {e}") from e
    signer = certificates[0]
    key = signer.public_key()
    if _algorithm_for(key) != signature.algorithm:
        raise AlgorithmForbidden(f"algorithm {signature.algorithm} does not match the signer's key")
    path = validate_path(signer, certificates[1:], trust=trust, at=at, purpose="signing", policy=policy)
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            digest = hashes.SHA256() if signature.algorithm == "ecdsa-sha256" else hashes.SHA384()
            key.verify(signature.value, data, ec.ECDSA(digest))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature.value, data, _PSS, hashes.SHA256())
    except InvalidSignature as e:
        raise SignatureInvalid("detached signature does not match the data") from e
    return VerifiedSigner(signer=signer, chain=path.chain, warnings=path.warnings)
