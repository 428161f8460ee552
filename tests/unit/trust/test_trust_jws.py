"""Envelope and receipt signatures: JWS (RFC 7515) over RFC 8785 canonical JSON with the chain in x5c.

The attacks are built by hand (base64url, hmac, cryptography), not with a JOSE library, so that what reaches
``verify_jws`` is exactly the hostile token and not what a library is willing to produce.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st
from trust_testkit import AT, Pki

from trust import (
    JWS_FORMAT,
    AlgorithmForbidden,
    CertificateExpired,
    CertificateRevoked,
    CertificateUntrusted,
    SignatureInvalid,
    SignatureMissing,
    SignaturePolicy,
    canonical_json,
    fingerprint,
    load_crl,
    sign_jws,
    verify_jws,
)
from trust.devpki import IssuedCertificate, issue_certificate, issue_crl

TYP = "swgw-envelope+jws"
FIELDS: dict[str, Any] = {
    "message_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "sender": {"scheme": "urn:swgw:party", "value": "CN"},
    "receiver": {"scheme": "urn:swgw:party", "value": "HK"},
    "payload_sha256": "ab" * 32,
    "attachments": [{"name": "co.pdf", "media_type": "application/pdf", "sha256": "cd" * 32}],
    "refers_to": None,
    "note": "货物",
}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parts(jws: str) -> tuple[dict[str, Any], bytes, bytes]:
    header, payload, signature = jws.split(".")
    return json.loads(_unb64url(header)), _unb64url(payload), _unb64url(signature)


def _x5c(*issued: IssuedCertificate) -> list[str]:
    return [base64.b64encode(i.certificate.public_bytes(serialization.Encoding.DER)).decode() for i in issued]


def _forge(header: dict[str, Any], payload: bytes, sign: Any) -> str:
    """A compact JWS whose signature is ``sign(signing_input)``."""
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(payload)}"
    return f"{signing_input}.{_b64url(sign(signing_input.encode()))}"


def _es256(key: ec.EllipticCurvePrivateKey) -> Any:
    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return sign


def _verify(jws: str, pki: Pki, fields: dict[str, Any] = FIELDS, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"typ": TYP, "trust": pki.trust(), "at": AT}
    options.update(kwargs)
    return verify_jws(jws, fields, **options)


# --- canonical JSON (RFC 8785) ---------------------------------------------------------------------------------


def test_canonical_json_is_rfc8785() -> None:
    assert canonical_json({"b": 2, "a": "é", "c": [True, None, {"z": 1, "y": "\u2028"}]}) == (
        '{"a":"é","b":2,"c":[true,null,{"y":"\u2028","z":1}]}'.encode()
    )
    # RFC 8785 3.2.3 sorts keys by UTF-16 code units, not by code points: the surrogate pair of U+1F600
    # (0xD83D ...) sorts before U+FB33, although its code point is larger. Python's sorted() would disagree.
    assert canonical_json({"\ufb33": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ufb33":1}'.encode()


_TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from("\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f\"\\/\u2028"
                                                                 "\ufb33\uffff\U0001f600"))
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_TEXT, _JSON, max_size=6))
def test_canonical_json_equals_the_rfc8785_library(fields: dict[str, Any]) -> None:
    # canonical_json writes plain values with the standard library's encoder: byte for byte what rfc8785 writes.
    assert canonical_json(fields) == rfc8785.dumps(fields)


def test_canonical_json_of_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValueError):
        canonical_json({"a": "\ud800"})


class _Dict(dict[str, Any]):
    pass


def _general(value: Any) -> Any:
    """``value`` rebuilt from containers that miss canonical_json's fast paths (a dict subclass, tuples)."""
    if isinstance(value, dict):
        return _Dict({k: _general(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_general(v) for v in value)
    return value


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_TEXT, _JSON, max_size=6))
def test_canonical_json_fast_and_general_paths_agree(fields: dict[str, Any]) -> None:
    # Built-in dicts and lists are checked on a fast path; other types take the general checks.
    assert canonical_json(_general(fields)) == canonical_json(fields)


@pytest.mark.parametrize("value", [1.5, float("nan"), 2**53, b"bytes", {1: "a"}])
def test_canonical_json_refuses_what_does_not_interoperate(value: object) -> None:
    with pytest.raises(ValueError):
        canonical_json({"a": value})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        canonical_json({"a": [{"b": value}]})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        canonical_json(MappingProxyType({"a": (value,)}))  # type: ignore[dict-item]


# --- good signatures --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "alg"), [("ec", "ES256"), ("ec384", "ES384"), ("rsa", "PS256")])
def test_round_trip(pki: Pki, key: str, alg: str) -> None:
    signer = issue_certificate(pki.intermediate, f"hk-{key}", at=AT - timedelta(days=30), usage="signing",
                               key=key)  # type: ignore[arg-type]
    jws = sign_jws(FIELDS, signer.identity(), typ=TYP)
    header, payload, _ = _parts(jws)
    # Exactly these three parameters; x5c in standard base64 (RFC 7515 4.1.6), the signer first.
    assert header == {"alg": alg, "typ": TYP, "x5c": _x5c(signer, pki.intermediate)}
    assert payload == canonical_json(FIELDS)
    verified = _verify(jws, pki)
    assert (verified.algorithm, verified.signer, verified.payload) == (alg, signer.certificate, payload)
    assert verified.chain == (signer.certificate, pki.intermediate.certificate, pki.root.certificate)


def test_format_name() -> None:
    assert JWS_FORMAT == "jws-rfc7515+rfc8785/1"


# --- tampering --------------------------------------------------------------------------------------------------


def test_other_fields_are_refused_naming_the_field(pki: Pki) -> None:
    jws = sign_jws(FIELDS, pki.identity(), typ=TYP)
    with pytest.raises(SignatureInvalid, match="receiver") as caught:
        _verify(jws, pki, {**FIELDS, "receiver": {"scheme": "urn:swgw:party", "value": "MO"}})
    assert caught.value.path == "payload"
    with pytest.raises(SignatureInvalid, match="extra"):
        _verify(jws, pki, {**FIELDS, "extra": ""})


def test_spliced_payload_and_changed_signature_are_invalid(pki: Pki) -> None:
    jws = sign_jws(FIELDS, pki.identity(), typ=TYP)
    other = {**FIELDS, "payload_sha256": "00" * 32}
    header, _, signature = jws.split(".")
    with pytest.raises(SignatureInvalid):
        _verify(f"{header}.{_b64url(canonical_json(other))}.{signature}", pki, other)
    raw = bytearray(_unb64url(signature))
    raw[5] ^= 1
    with pytest.raises(SignatureInvalid):
        _verify(f"{header}.{jws.split('.')[1]}.{_b64url(bytes(raw))}", pki)


def test_signature_by_another_key_under_a_trusted_x5c_is_invalid(pki: Pki) -> None:
    # x5c names HK's signer, but the intruder's key signed: the key used is the validated leaf's, never a key
    # the token brings along.
    header = {"alg": "ES256", "typ": TYP, "x5c": _x5c(pki.signer_ec, pki.intermediate)}
    forged = _forge(header, canonical_json(FIELDS), _es256(pki.other_signer.private_key))  # type: ignore[arg-type]
    with pytest.raises(SignatureInvalid):
        _verify(forged, pki)


def test_receipt_signature_is_not_an_envelope_signature(pki: Pki) -> None:
    jws = sign_jws(FIELDS, pki.identity(), typ="swgw-receipt+jws")
    with pytest.raises(SignatureInvalid, match="typ"):
        _verify(jws, pki)


# --- algorithms ------------------------------------------------------------------------------------------------


def test_alg_changed_in_the_header_is_refused(pki: Pki) -> None:
    header, payload, _ = _parts(sign_jws(FIELDS, pki.identity(), typ=TYP))
    forged = _forge({**header, "alg": "ES384"}, payload, _es256(pki.signer_ec.private_key))  # type: ignore[arg-type]
    with pytest.raises(AlgorithmForbidden, match="does not match"):
        _verify(forged, pki)


def test_alg_none_is_refused(pki: Pki) -> None:
    header = {"alg": "none", "typ": TYP, "x5c": _x5c(pki.signer_ec, pki.intermediate)}
    with pytest.raises(AlgorithmForbidden):
        _verify(_forge(header, canonical_json(FIELDS), lambda _: b""), pki)


def test_hs256_with_the_public_key_as_secret_is_refused(pki: Pki) -> None:
    # The classic confusion: a verifier that takes alg from the token would use the (public) key as an HMAC secret.
    public_pem = pki.signer_rsa.certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": TYP, "x5c": _x5c(pki.signer_rsa, pki.intermediate)}
    forged = _forge(header, canonical_json(FIELDS), lambda data: hmac.new(public_pem, data, hashlib.sha256).digest())
    with pytest.raises(AlgorithmForbidden):
        _verify(forged, pki)


def test_rsa_pkcs1_v15_is_refused(pki: Pki) -> None:
    key = pki.signer_rsa.private_key
    assert isinstance(key, rsa.RSAPrivateKey)
    header = {"alg": "RS256", "typ": TYP, "x5c": _x5c(pki.signer_rsa, pki.intermediate)}
    forged = _forge(header, canonical_json(FIELDS), lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    with pytest.raises(AlgorithmForbidden):
        _verify(forged, pki)
    with pytest.raises(AlgorithmForbidden):
        SignaturePolicy(jws_algorithms=frozenset({"RS256"}))


def test_policy_narrows_algorithms_on_both_sides(pki: Pki) -> None:
    ps256_only = SignaturePolicy(jws_algorithms=frozenset({"PS256"}))
    jws = sign_jws(FIELDS, pki.identity(), typ=TYP)
    with pytest.raises(AlgorithmForbidden):
        _verify(jws, pki, policy=ps256_only)
    with pytest.raises(AlgorithmForbidden):
        sign_jws(FIELDS, pki.identity(), typ=TYP, policy=ps256_only)
    assert _verify(sign_jws(FIELDS, pki.identity(pki.signer_rsa), typ=TYP), pki, policy=ps256_only).algorithm == "PS256"


# --- header parameters and certificates ----------------------------------------------------------------------


@pytest.mark.parametrize("extra", [{"crit": ["exp"], "exp": 1}, {"jwk": {"kty": "EC"}}, {"b64": False},
                                   {"jku": "https://evil.test/keys"}])
def test_refused_header_parameters(pki: Pki, extra: dict[str, Any]) -> None:
    header, payload, _ = _parts(sign_jws(FIELDS, pki.identity(), typ=TYP))
    forged = _forge({**header, **extra}, payload, _es256(pki.signer_ec.private_key))  # type: ignore[arg-type]
    with pytest.raises(SignatureInvalid):
        _verify(forged, pki)


def test_other_registered_header_parameters_are_ignored_unregistered_refused(pki: Pki) -> None:
    header, payload, _ = _parts(sign_jws(FIELDS, pki.identity(), typ=TYP))
    sign = _es256(pki.signer_ec.private_key)  # type: ignore[arg-type]
    assert _verify(_forge({**header, "kid": "k1", "x5t#S256": "x"}, payload, sign), pki).algorithm == "ES256"
    with pytest.raises(SignatureInvalid):
        _verify(_forge({**header, "swgw_extension": 1}, payload, sign), pki)


def test_x5c_chaining_to_another_ca_is_untrusted(pki: Pki) -> None:
    with pytest.raises(CertificateUntrusted) as caught:
        _verify(sign_jws(FIELDS, pki.identity(pki.other_signer), typ=TYP), pki)
    assert caught.value.partner == "HK"


def test_expired_and_revoked_signers(pki: Pki) -> None:
    jws = sign_jws(FIELDS, pki.identity(), typ=TYP)
    with pytest.raises(CertificateExpired):
        _verify(jws, pki, at=AT + timedelta(days=900))
    crl = load_crl(issue_crl(pki.intermediate, [(pki.signer_ec.certificate, AT - timedelta(hours=1))],
                             at=AT - timedelta(days=1)), issuers=[pki.intermediate.certificate])
    with pytest.raises(CertificateRevoked):
        _verify(jws, pki, trust=pki.trust(crls=(crl,)))


def test_a_signer_verified_before_is_refused_at_once_when_revoked_or_untrusted(pki: Pki) -> None:
    # The x5c decoding and the signer's key are memoized across verifications; what the signer is worth is not.
    jws = sign_jws(FIELDS, pki.identity(), typ=TYP)
    assert _verify(jws, pki).signer == pki.signer_ec.certificate
    revoked = {fingerprint(pki.signer_ec.certificate): AT - timedelta(seconds=1)}
    with pytest.raises(CertificateRevoked):
        _verify(jws, pki, trust=pki.trust(revoked=revoked))
    with pytest.raises(CertificateUntrusted):
        _verify(jws, pki, trust=pki.trust(anchors=(pki.other_root.certificate,)))
    with pytest.raises(CertificateExpired):
        _verify(jws, pki, at=AT + timedelta(days=900))
    assert _verify(jws, pki).signer == pki.signer_ec.certificate


def test_signing_again_with_an_identity_writes_the_same_header(pki: Pki) -> None:
    # The protected header is prepared once per identity and typ: later signatures carry the same one, and a
    # signature by another identity or under another typ carries its own.
    first, second = (_parts(sign_jws(FIELDS, pki.identity(), typ=TYP)) for _ in range(2))
    assert first[0] == second[0] and first[1] == second[1]
    receipt = _parts(sign_jws(FIELDS, pki.identity(), typ="swgw-receipt+jws"))[0]
    assert receipt == {**first[0], "typ": "swgw-receipt+jws"}
    assert _parts(sign_jws(FIELDS, pki.identity(pki.signer_rsa), typ=TYP))[0]["x5c"][0] != first[0]["x5c"][0]


def test_x5c_must_be_standard_base64_der(pki: Pki) -> None:
    header, payload, _ = _parts(sign_jws(FIELDS, pki.identity(), typ=TYP))
    der = base64.b64decode(header["x5c"][0])
    urlsafe = base64.urlsafe_b64encode(der).decode()
    assert urlsafe != header["x5c"][0]  # the encodings differ for this certificate, so the check means something
    for x5c in ([urlsafe, *header["x5c"][1:]], [], ["bm90IGEgY2VydGlmaWNhdGU="], "MII", [1], header["x5c"] * 5):
        forged = _forge({**header, "x5c": x5c}, payload, _es256(pki.signer_ec.private_key))  # type: ignore[arg-type]
        with pytest.raises(CertificateUntrusted):
            _verify(forged, pki)
    unsigned = _forge({"alg": "ES256", "typ": TYP}, payload, _es256(pki.signer_ec.private_key))  # type: ignore[arg-type]
    with pytest.raises(CertificateUntrusted, match="x5c"):
        _verify(unsigned, pki)


@pytest.mark.parametrize("jws", ["a.b", "a.b.c.d", "!!.??.**", "é.é.é", "x" * 300_000])
def test_malformed_tokens_are_invalid(pki: Pki, jws: str) -> None:
    with pytest.raises(SignatureInvalid):
        _verify(jws, pki)


def test_empty_token_is_missing(pki: Pki) -> None:
    with pytest.raises(SignatureMissing):
        _verify("", pki)



def test_signing_checks_follow_the_policy_they_are_asked_under(pki: Pki) -> None:
    # sign_jws remembers what an identity under a policy needs by both objects: alternating policies, each one's
    # own verdict holds every time (ES256 allowed by the default policy, not by one narrowed to PS256).
    identity = pki.identity()
    narrow = SignaturePolicy(jws_algorithms=frozenset({"PS256"}))
    for _ in range(2):
        assert sign_jws({"a": "b"}, identity, typ="t").count(".") == 2
        with pytest.raises(AlgorithmForbidden):
            sign_jws({"a": "b"}, identity, typ="t", policy=narrow)
