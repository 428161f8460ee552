"""Envelope and receipt signatures: JWS (RFC 7515) over RFC 8785 canonical JSON, signer chain in ``x5c``.

Format ``jws-rfc7515+rfc8785/1`` (:data:`JWS_FORMAT`), chosen so that a partner verifies swgw's signatures with
any JOSE library and produces its own with one:

* the payload is the RFC 8785 (JCS) canonical JSON of the signed fields, attached (JWS compact serialization),
  so the signed fields can be read from the JWS itself and the verifier compares them with the message's own;
* the protected header holds exactly ``alg``, ``typ`` and ``x5c``; ``alg`` follows the signer's key: ``ES256``
  (P-256), ``ES384`` (P-384) or ``PS256`` (RSA); the policy may narrow the set, never widen it (no ``none``, no
  HMAC, no RSA PKCS#1 v1.5);
* ``x5c`` (RFC 7515 4.1.6) is the signer's certificate then its chain, DER in standard base64. It is never
  trusted by itself: the path is validated with :func:`trust.chain.validate_path` against the partner's
  anchors, and the signature is verified with the key of the validated leaf.

The JOSE work (parsing, base64url, signature encoding) is done by ``joserfc``; canonical JSON by ``rfc8785``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Union, cast

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jws as jose_jws
from joserfc.errors import JoseError
from joserfc.jwa import JWSAlgModel
from joserfc.jwk import ECKey, RSAKey
from joserfc.jws import JWSRegistry
from joserfc.util import json_b64encode, urlsafe_b64encode

from trust.chain import validate_path
from trust.errors import AlgorithmForbidden, CertificateUntrusted, SignatureInvalid, SignatureMissing, TrustError
from trust.keys import Signer, SigningIdentity, load_der_certificate
from trust.memo import IdentityMemo
from trust.partner import PartnerTrust
from trust.policy import DEFAULT_POLICY, SignaturePolicy, check_public_key

__all__ = ["JWS_FORMAT", "JsonValue", "VerifiedJws", "canonical_json", "sign_jws", "verify_jws"]

JWS_FORMAT = "jws-rfc7515+rfc8785/1"
"""The name and version of the signature format, carried next to the JWS in every envelope and receipt."""

JsonValue = Union[str, int, bool, None, Sequence["JsonValue"], Mapping[str, "JsonValue"]]
"""What a signed field may hold: JSON without floats (RFC 8785 number formatting is never needed)."""

_MAX_CERTIFICATES = 8
# The signed fields are a few hundred bytes and a chain of eight 4096-bit RSA certificates under 20 kB: anything
# far larger is not ours to parse.
_MAX_JWS_CHARS = 256 * 1024
# Header parameters a verifier must not follow or that change how the payload is read: keys fetched from or
# embedded in the message (``jku``, ``jwk``, ``x5u``), critical extensions and RFC 7797 unencoded payloads.
_REFUSED_HEADER = frozenset({"crit", "b64", "jku", "jwk", "x5u", "zip", "enc"})


class _Registry(JWSRegistry):
    # joserfc's defaults (a 512-byte header) are sized for JWTs with a key id; an x5c chain is far longer.
    max_header_length = 128 * 1024
    max_payload_length = 64 * 1024
    max_signature_length = 2048


@functools.lru_cache(maxsize=8)
def _registry(algorithm: str) -> JWSRegistry:
    # Exactly one algorithm per call: the one the signer's key and the policy allow.
    return _Registry(algorithms=[algorithm])


_PARSER = _Registry(algorithms=sorted(("ES256", "ES384", "PS256")))


# json.dumps with these options builds an encoder per call; this one is built once (encode keeps no state
# between calls, so threads share it).
_CANONICAL_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def canonical_json(fields: Mapping[str, JsonValue]) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme) bytes of ``fields``: sorted keys, no whitespace, UTF-8.

    Raises ``ValueError`` for values JCS cannot represent (floats are refused outright: no signed field needs
    one, and their formatting is the one part of JCS implementations disagree on).
    """
    plain = _check_json(fields, "$")
    try:
        if plain:
            # For what _check_json admits (strings, booleans, null, integers within +-(2**53 - 1), lists, dicts)
            # the standard library's encoder writes exactly the RFC 8785 form: the same escapes (the two-character
            # ones, \u00xx in lower case for the other control characters, nothing else escaped), integers as
            # decimals; and sorting keys by code point equals RFC 8785's UTF-16 order while no key holds a
            # character beyond U+FFFF. It is a C encoder, several times faster than rfc8785's, which still writes
            # every other case (tests/unit/trust/test_trust_jws.py compares the two).
            return _CANONICAL_ENCODER.encode(fields).encode("utf-8")
        return rfc8785.dumps(fields)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as e:
        raise ValueError(f"signed fields are not canonical JSON: {e}") from e


# Exact types whose values are canonical JSON as they are: checked inline, without a call per leaf.
_PLAIN_LEAVES = frozenset({str, bool, type(None)})


def _check_json(value: object, path: str) -> bool:
    """Raise ``ValueError`` for a value JCS cannot carry; return whether the value is plain (built-in dicts, and no
    key with a character beyond U+FFFF), which the standard library's encoder writes in canonical form."""
    # Signed fields are built-in dicts, lists and strings: those exact types take the fast paths below (leaves
    # checked inline, the error path built only when raising); anything else (subclasses, other mappings and
    # sequences) goes through the general checks after them, which decide exactly as the fast paths do.
    kind = type(value)
    if kind in _PLAIN_LEAVES:
        return True
    if kind is dict:
        plain = True
        for key, item in cast(dict[object, object], value).items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: object keys must be strings")
            ok = type(item) in _PLAIN_LEAVES or _check_json(item, f"{path}.{key}")
            plain = ok and plain and (key.isascii() or max(key) <= "\uffff")
        return plain
    if kind is list:
        plain = True
        for index, item in enumerate(cast(list[object], value)):
            plain = (type(item) in _PLAIN_LEAVES or _check_json(item, f"{path}[{index}]")) and plain
        return plain
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise ValueError(f"{path}: integer outside the interoperable range")
        return True
    if isinstance(value, Mapping):
        plain = isinstance(value, dict)
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: object keys must be strings")
            plain = _check_json(item, f"{path}.{key}") and plain and (key.isascii() or max(key) <= "\uffff")
        return plain
    if isinstance(value, (list, tuple)):
        plain = True
        for index, item in enumerate(value):
            plain = _check_json(item, f"{path}[{index}]") and plain
        return plain
    raise ValueError(f"{path}: {type(value).__name__} is not a signed field value")


@dataclass(frozen=True)
class VerifiedJws:
    """What :func:`verify_jws` verified."""

    payload: bytes
    """The signed canonical JSON (equal to the canonical form of the expected fields)."""

    algorithm: str
    """The JWS ``alg``: ``ES256``, ``ES384`` or ``PS256``."""

    signer: x509.Certificate
    """The signer's certificate (the first ``x5c`` entry, validated)."""

    chain: tuple[x509.Certificate, ...]
    """The validated path, signer first, anchor last (only the signer when it is pinned)."""

    warnings: tuple[str, ...] = ()
    """Non-fatal findings (e.g. unknown revocation status under a ``warn`` policy)."""


def _algorithm_for(key: object) -> str:
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name == "secp256r1":
            return "ES256"
        if key.curve.name == "secp384r1":
            return "ES384"
        raise AlgorithmForbidden(f"no JWS algorithm for curve {key.curve.name}")
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        # PS256 only: RFC 7518's RS256 is RSA PKCS#1 v1.5, which this format does not allow.
        return "PS256"
    raise AlgorithmForbidden(f"no JWS algorithm for key type {type(key).__name__}")


def _jose_key(key: Any) -> ECKey | RSAKey:
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return ECKey.import_key(key)
    return RSAKey.import_key(key)


@dataclass(frozen=True)
class _SigningKey:
    """What signing with one identity under one ``typ`` needs besides the payload, prepared once."""

    header_segment: bytes
    """BASE64URL(UTF8(protected header)): ``alg``, ``typ`` and ``x5c``, encoded by joserfc."""

    alg: JWSAlgModel
    """joserfc's algorithm (it signs and encodes the signature as JWS wants it: R || S for ECDSA)."""

    key: ECKey | RSAKey
    """joserfc's key wrapping the identity's private key."""


def _signing_key(
    private_key: Any, certificates: tuple[x509.Certificate, ...], typ: str, algorithm: str
) -> _SigningKey:
    # An identity signs every envelope and receipt with the same header and key: the header's JSON and base64url,
    # the joserfc key (whose JWK form joserfc computes on first use, from the key's numbers) and the checks
    # serialize_compact made on them are done once. The memo is keyed by the private key object itself (kept
    # alive by the memo, so its identity cannot be reused), the certificates (hashed and compared by their DER)
    # and typ; a key object that is not hashable (a hardware wrapper defining equality) is prepared every time.
    if isinstance(private_key, Hashable):
        return _memo_signing_key(private_key, certificates, typ, algorithm)
    return _prepare_signing_key(private_key, certificates, typ, algorithm)


def _prepare_signing_key(
    private_key: Any, certificates: tuple[x509.Certificate, ...], typ: str, algorithm: str
) -> _SigningKey:
    x5c = [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in certificates]
    header = {"alg": algorithm, "typ": typ, "x5c": x5c}
    try:
        key = _jose_key(private_key)
    except (JoseError, TypeError, ValueError) as e:
        raise AlgorithmForbidden(f"the signing key cannot be used for {algorithm}: {e}") from e
    # What joserfc's serialize_compact checks on every call, and depends only on the header and the key.
    registry = _registry(algorithm)
    registry.check_header(header)
    alg = registry.get_alg(algorithm)
    alg.check_key(key)
    return _SigningKey(header_segment=json_b64encode(header), alg=alg, key=key)


# A process holds a handful of identities (its own, a rotation's successor) times three typs.
_memo_signing_key = functools.lru_cache(maxsize=32)(_prepare_signing_key)


def _prepared(identity: Signer, typ: str, policy: SignaturePolicy) -> _SigningKey:
    """The checks on the signer's key and what signing needs, for ``identity`` under ``policy``."""
    # A SigningIdentity is frozen and a process signs with a few: found by object identity. Other Signers are
    # checked and prepared each time.
    if type(identity) is SigningIdentity:
        return _PREPARED.get((identity, policy, typ), lambda: _prepare(identity, typ, policy))
    return _prepare(identity, typ, policy)


def _prepare(identity: Signer, typ: str, policy: SignaturePolicy) -> _SigningKey:
    check_public_key(identity.certificate, policy, path="signer")
    algorithm = _algorithm_for(identity.certificate.public_key())
    if algorithm not in policy.jws_algorithms:
        raise AlgorithmForbidden(f"JWS algorithm {algorithm} is not allowed by the policy")
    return _signing_key(identity.private_key, (identity.certificate, *identity.chain), typ, algorithm)


_PREPARED: IdentityMemo[_SigningKey] = IdentityMemo(64)


def sign_jws(
    payload_fields: Mapping[str, JsonValue], identity: Signer, *, typ: str, policy: SignaturePolicy = DEFAULT_POLICY
) -> str:
    """The JWS compact serialization of ``payload_fields`` (as RFC 8785 JSON) signed by ``identity``.

    ``typ`` names what is signed (``swgw-envelope+jws``, ``swgw-receipt+jws``); the algorithm follows the
    signer's key (see the module docstring) and must be allowed by ``policy``.
    """
    signing = _prepared(identity, typ, policy)
    # joserfc's compact signing (joserfc._rfc7515.compact.sign_compact) with the header segment prepared once:
    # header '.' payload, both base64url, signed by joserfc's algorithm, '.' base64url signature.
    signing_input = signing.header_segment + b"." + urlsafe_b64encode(canonical_json(payload_fields))
    signature = signing.alg.sign(signing_input, signing.key)
    return (signing_input + b"." + urlsafe_b64encode(signature)).decode("ascii")


def verify_jws(
    jws: str,
    expected_fields: Mapping[str, JsonValue],
    *,
    typ: str,
    trust: PartnerTrust,
    at: datetime,
    policy: SignaturePolicy = DEFAULT_POLICY,
) -> VerifiedJws:
    """Verify ``jws`` as a signature by the partner in ``trust`` at ``at`` over exactly ``expected_fields``.

    ``expected_fields`` are recomputed by the caller from the message as received (digests from the bytes), so
    a valid signature over other fields is refused. Raises :class:`~trust.errors.SignatureMissing` (empty),
    :class:`~trust.errors.SignatureInvalid` (malformed, wrong ``typ``, refused header parameter, bad signature,
    other fields), :class:`~trust.errors.AlgorithmForbidden` (``alg`` outside the policy or not matching the
    signer's key), :class:`~trust.errors.CertificateUntrusted` (unreadable ``x5c``) or the path errors of
    :func:`trust.chain.validate_path`.
    """
    try:
        return _verify(jws, expected_fields, typ=typ, trust=trust, at=at, policy=policy)
    except TrustError as e:
        e.with_partner(trust.partner)
        raise


def _verify(
    jws: str,
    expected_fields: Mapping[str, JsonValue],
    *,
    typ: str,
    trust: PartnerTrust,
    at: datetime,
    policy: SignaturePolicy,
) -> VerifiedJws:
    if not jws:
        raise SignatureMissing("empty JWS")
    if not isinstance(jws, str) or len(jws) > _MAX_JWS_CHARS:
        raise SignatureInvalid("the JWS is not a string of at most 256 KiB")
    try:
        parsed = jose_jws.extract_compact(jws.encode("ascii"), registry=_PARSER)
        header = parsed.headers()
    except (JoseError, UnicodeEncodeError, ValueError, TypeError) as e:
        raise SignatureInvalid(f"malformed JWS compact serialization: {e}") from e
    if not isinstance(header, dict):
        raise SignatureInvalid("the JWS protected header is not a JSON object")
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in policy.jws_algorithms:
        raise AlgorithmForbidden(f"JWS algorithm {algorithm!r} is not allowed by the policy", path="header.alg")
    if header.get("typ") != typ:
        raise SignatureInvalid(f"JWS typ {header.get('typ')!r} is not {typ!r}", path="header.typ")
    refused = sorted(_REFUSED_HEADER.intersection(header))
    if refused:
        raise SignatureInvalid(f"JWS header parameter {refused[0]!r} is not allowed", path=f"header.{refused[0]}")
    certificates = _certificates(header.get("x5c"))
    signer = certificates[0]
    if _signer_algorithm(signer) != algorithm:
        raise AlgorithmForbidden(f"JWS algorithm {algorithm} does not match the signer's key", path="header.alg")
    path = validate_path(signer, certificates[1:], trust=trust, at=at, purpose="signing", policy=policy)
    try:
        ok = jose_jws.validate_compact(parsed, _verifying_key(signer), registry=_registry(algorithm))
    except JoseError as e:
        raise SignatureInvalid(f"JWS signature refused: {e}") from e
    if not ok:
        raise SignatureInvalid("JWS signature does not verify with the signer's key")
    expected = canonical_json(expected_fields)
    if parsed.payload != expected:
        differing = _differences(parsed.payload, expected_fields)
        raise SignatureInvalid(f"the signed fields differ from the message's: {differing}", path="payload")
    return VerifiedJws(payload=parsed.payload, algorithm=algorithm, signer=signer, chain=path.chain,
                       warnings=path.warnings)


def _signer_algorithm(signer: x509.Certificate) -> str:
    # The JWS algorithm of a signer's key, found by object identity for the few certificates x5c decodes to.
    return _ALGORITHMS.get((signer,), lambda: _algorithm_for(signer.public_key()))


_ALGORITHMS: IdentityMemo[str] = IdentityMemo(256)


# joserfc computes a key's JWK form on first use, from the key's numbers; a partner signs with the same few
# certificates, so their joserfc keys are kept. Certificates hash and compare by their DER bytes: the memo cannot
# hand out another certificate's key.
@functools.lru_cache(maxsize=256)
def _verifying_key(certificate: x509.Certificate) -> ECKey | RSAKey:
    return _jose_key(certificate.public_key())


def _certificates(x5c: object) -> tuple[x509.Certificate, ...]:
    if not isinstance(x5c, list) or not x5c:
        raise CertificateUntrusted("the JWS header carries no x5c certificate chain", path="header.x5c")
    if len(x5c) > _MAX_CERTIFICATES:
        raise CertificateUntrusted(f"more than {_MAX_CERTIFICATES} certificates in x5c", path="header.x5c")
    # A partner sends the same x5c with every message. Decoding it is pure (the result depends on the strings
    # alone; what the certificates are worth is decided afterwards, on every call, by path validation at the
    # verification time against the current trust), so an x5c that decoded is remembered by its exact strings.
    # Only lists of strings are memoized; anything else is decoded, and refused, as it comes.
    if all(type(item) is str for item in x5c):
        return _memo_decode_x5c(tuple(x5c))
    return _decode_x5c(x5c)


def _decode_x5c(x5c: Sequence[object]) -> tuple[x509.Certificate, ...]:
    certificates = []
    for index, item in enumerate(x5c):
        try:
            if not isinstance(item, str):
                raise ValueError("not a string")
            # Standard base64 with padding (RFC 7515 4.1.6), not base64url.
            certificate = load_der_certificate(base64.b64decode(item, validate=True))
            # Names are parsed lazily; a malformed one (ValueError, KeyError or TypeError from cryptography) would
            # otherwise be raised later from path validation's error message (found by the codec fuzz harness).
            _ = (certificate.subject, certificate.issuer)
            certificates.append(certificate)
        except (ValueError, KeyError, TypeError, binascii.Error) as e:
            raise CertificateUntrusted(f"unreadable x5c certificate: {e}", path=f"header.x5c[{index}]") from e
    return tuple(certificates)


# Bounded by entries (each at most the header limit) since an x5c arrives before it is validated: a sender
# cycling through chains only evicts entries, it never changes what a lookup returns. Refusals are not stored.
_memo_decode_x5c = functools.lru_cache(maxsize=64)(_decode_x5c)


def _differences(payload: bytes, expected: Mapping[str, JsonValue]) -> str:
    # Only for the error message: which top-level fields differ, so a partner sees what to fix.
    try:
        signed = json.loads(payload)
    except ValueError:
        return "(payload is not JSON)"
    if not isinstance(signed, dict):
        return "(payload is not a JSON object)"
    plain = json.loads(canonical_json(expected))
    names = sorted(k for k in set(signed) | set(plain) if signed.get(k, ...) != plain.get(k, ...))
    return ",".join(names) or "(encoding)"
