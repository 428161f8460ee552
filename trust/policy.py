"""Signature policy: which algorithms, keys and clock skew ``trust`` accepts.

Algorithms are named by their XML-DSig URIs (the standard's own identifiers, which are also the values of
signxml's ``DigestAlgorithm`` and ``SignatureMethod`` enums). A policy may only *narrow* the strong sets defined
here: there is no way to re-admit a broken digest, an HMAC (a shared secret proves nothing about which partner
signed), DSA or an unlisted algorithm by configuration. Weakening any other knob (key sizes, curves, revocation
handling) is an explicit constructor argument.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from trust.errors import AlgorithmForbidden
from trust.memo import IdentityMemo

__all__ = [
    "C14N_ALGORITHMS",
    "DEFAULT_POLICY",
    "DIGEST_ALGORITHMS",
    "ENVELOPED_TRANSFORM",
    "JWS_ALGORITHMS",
    "SIGNATURE_ALGORITHMS",
    "SignaturePolicy",
    "check_public_key",
]

_MORE = "http://www.w3.org/2001/04/xmldsig-more#"

DIGEST_ALGORITHMS: frozenset[str] = frozenset(
    {
        "http://www.w3.org/2001/04/xmlenc#sha256",
        _MORE + "sha384",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    }
)
"""Every digest URI a policy may allow (SHA-2 256/384/512)."""

SIGNATURE_ALGORITHMS: frozenset[str] = frozenset(
    {
        _MORE + "rsa-sha256",
        _MORE + "rsa-sha384",
        _MORE + "rsa-sha512",
        _MORE + "ecdsa-sha256",
        _MORE + "ecdsa-sha384",
        _MORE + "ecdsa-sha512",
    }
)
"""Every XML-DSig signature method URI a policy may allow (RSA PKCS#1 v1.5 and ECDSA with SHA-2)."""

JWS_ALGORITHMS: frozenset[str] = frozenset({"ES256", "ES384", "PS256"})
"""Every JWS ``alg`` (RFC 7518) an envelope or receipt signature may use; see :mod:`trust.jws`. RS256 (RSA
PKCS#1 v1.5), the HMAC family and ``none`` are not in it and cannot be added."""

C14N_ALGORITHMS: frozenset[str] = frozenset(
    {
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/2006/12/xml-c14n11",
    }
)
"""Canonicalization URIs accepted in SignedInfo and as reference transforms.

The ``#WithComments`` variants are left out on purpose: the signed bytes handed to later steps are the
canonical form, and comments are never something a later step should read.
"""

ENVELOPED_TRANSFORM = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
"""The enveloped-signature transform URI, mandatory on the single whole-document reference."""

_EC_CURVES: frozenset[str] = frozenset({"secp256r1", "secp384r1", "secp521r1"})


@dataclass(frozen=True)
class SignaturePolicy:
    """What a verification accepts. The defaults are the secure settings; every field is validated on construction."""

    digest_algorithms: frozenset[str] = DIGEST_ALGORITHMS
    """Allowed reference digest URIs, a non-empty subset of :data:`DIGEST_ALGORITHMS`."""

    signature_algorithms: frozenset[str] = SIGNATURE_ALGORITHMS
    """Allowed XML-DSig SignatureMethod URIs, a non-empty subset of :data:`SIGNATURE_ALGORITHMS`."""

    min_rsa_bits: int = 2048
    """Smallest RSA modulus accepted for signer and path certificates; never below 2048."""

    ec_curves: frozenset[str] = field(default_factory=lambda: frozenset({"secp256r1", "secp384r1"}))
    """Allowed named curves for EC keys (cryptography curve names)."""

    max_clock_skew: timedelta = timedelta(minutes=5)
    """Tolerance applied to a certificate's notBefore, for a partner whose clock runs slightly ahead of ours."""

    revocation_unknown: Literal["reject", "warn"] = "reject"
    """What to do when a CRL-covered issuer has no current CRL: raise, or verify and add a warning."""

    jws_algorithms: frozenset[str] = JWS_ALGORITHMS
    """Allowed JWS algorithms for envelope and receipt signatures, a non-empty subset of :data:`JWS_ALGORITHMS`."""

    def __post_init__(self) -> None:
        _subset("digest_algorithms", self.digest_algorithms, DIGEST_ALGORITHMS)
        _subset("signature_algorithms", self.signature_algorithms, SIGNATURE_ALGORITHMS)
        _subset("jws_algorithms", self.jws_algorithms, JWS_ALGORITHMS)
        _subset("ec_curves", self.ec_curves, _EC_CURVES)
        if self.min_rsa_bits < 2048:
            raise AlgorithmForbidden(f"min_rsa_bits {self.min_rsa_bits} is below 2048")
        if not timedelta(0) <= self.max_clock_skew <= timedelta(hours=1):
            raise ValueError("max_clock_skew must be between 0 and 1 hour")
        if self.revocation_unknown not in ("reject", "warn"):
            raise ValueError(f"revocation_unknown must be 'reject' or 'warn', not {self.revocation_unknown!r}")


def _subset(name: str, value: frozenset[str], allowed: frozenset[str]) -> None:
    if not isinstance(value, frozenset):
        raise TypeError(f"{name} must be a frozenset")
    if not value:
        raise ValueError(f"{name} must not be empty")
    extra = sorted(value - allowed)
    if extra:
        raise AlgorithmForbidden(f"{name} may only narrow the built-in strong set; refused: {', '.join(extra)}")


DEFAULT_POLICY = SignaturePolicy()
"""The secure default policy used when the caller passes none."""


def check_public_key(certificate: x509.Certificate, policy: SignaturePolicy, *, path: str | None = None) -> None:
    """Raise :class:`AlgorithmForbidden` unless the certificate's key is RSA or EC and strong enough for ``policy``."""
    # Found by object identity first, without hashing the certificate's DER and the policy's fields.
    problem = _SEEN.get((certificate, policy), lambda: _key_problem(certificate, policy))
    if problem is not None:
        raise AlgorithmForbidden(problem, path=path)


_SEEN: IdentityMemo[str | None] = IdentityMemo(1024)


# The verdict depends only on the certificate (hashed and compared by its DER bytes) and the frozen policy, and
# the same signer certificates are checked for every message; loading the public key is the costly part.
@functools.lru_cache(maxsize=1024)
def _key_problem(certificate: x509.Certificate, policy: SignaturePolicy) -> str | None:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < policy.min_rsa_bits:
            return f"RSA key of {key.key_size} bits is below the policy minimum {policy.min_rsa_bits}"
        return None
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in policy.ec_curves:
            return f"EC curve {key.curve.name} is not allowed by the policy"
        return None
    return f"key type {type(key).__name__} is not allowed (RSA or EC only)"
