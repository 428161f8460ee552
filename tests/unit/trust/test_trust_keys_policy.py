"""SigningIdentity loading, SignaturePolicy validation and the development PKI profile."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from trust_testkit import AT, Pki

from trust import (
    DEFAULT_POLICY,
    AlgorithmForbidden,
    CertificateUntrusted,
    SignaturePolicy,
    SigningIdentity,
    TrustError,
    fingerprint,
    sign_jws,
    verify_jws,
)
from trust.devpki import create_ca, issue_certificate
from trust.keys import load_der_certificate


def test_from_pem_round_trip(pki: Pki) -> None:
    issued = pki.signer_ec
    chain_pem = pki.intermediate.cert_pem() + pki.root.cert_pem()
    identity = SigningIdentity.from_pem(issued.key_pem(), issued.cert_pem(), chain_pem)
    assert identity.certificate == issued.certificate
    assert identity.chain == (pki.intermediate.certificate, pki.root.certificate)
    assert identity.fingerprint == fingerprint(issued.certificate) and len(identity.fingerprint) == 64


def test_from_pem_with_password(pki: Pki) -> None:
    encrypted = pki.signer_rsa.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret"),
    )
    identity = SigningIdentity.from_pem(encrypted, pki.signer_rsa.cert_pem(), password=b"s3cret")
    assert identity.chain == ()
    with pytest.raises(TrustError):
        SigningIdentity.from_pem(encrypted, pki.signer_rsa.cert_pem(), password=b"wrong")


def test_key_must_match_certificate(pki: Pki) -> None:
    with pytest.raises(TrustError, match="does not match"):
        SigningIdentity.from_pem(pki.signer_ec.key_pem(), pki.signer_rsa.cert_pem())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"digest_algorithms": frozenset({"http://www.w3.org/2000/09/xmldsig#sha1"})},
        {"signature_algorithms": frozenset({"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"})},
        {"signature_algorithms": frozenset({"http://www.w3.org/2001/04/xmldsig-more#rsa-md5"})},
        {"jws_algorithms": frozenset({"RS256"})},
        {"ec_curves": frozenset({"secp192r1"})},
        {"min_rsa_bits": 1024},
    ],
    ids=["sha1-digest", "hmac", "md5", "rs256-jws", "p192", "rsa-1024"],
)
def test_policy_cannot_be_weakened(kwargs: dict[str, object]) -> None:
    with pytest.raises(AlgorithmForbidden):
        SignaturePolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"digest_algorithms": frozenset()},
        {"max_clock_skew": timedelta(hours=2)},
        {"max_clock_skew": timedelta(seconds=-1)},
        {"revocation_unknown": "ignore"},
    ],
    ids=["empty-digests", "skew-too-large", "skew-negative", "unknown-revocation-mode"],
)
def test_policy_rejects_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SignaturePolicy(**kwargs)  # type: ignore[arg-type]


def test_default_policy() -> None:
    assert DEFAULT_POLICY.min_rsa_bits == 2048
    assert DEFAULT_POLICY.ec_curves == frozenset({"secp256r1", "secp384r1"})
    assert DEFAULT_POLICY.revocation_unknown == "reject"
    assert all("sha1" not in uri for uri in DEFAULT_POLICY.digest_algorithms | DEFAULT_POLICY.signature_algorithms)


def test_devpki_profiles(pki: Pki) -> None:
    ca = pki.root.certificate
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    signing = pki.signer_ec.certificate
    usage = signing.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    with pytest.raises(x509.ExtensionNotFound):
        signing.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    tls = issue_certificate(pki.root, "gw", at=AT, usage="tls", dns_names=["gw.test"], ip_addresses=["127.0.0.1"])
    eku = tls.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    san = tls.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["gw.test"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert tls.certificate.not_valid_before_utc == AT
    assert pki.signer_ec.chain == (pki.intermediate.certificate,)


def test_devpki_rsa_and_naive_time() -> None:
    ca = create_ca("rsa root", at=AT, key="rsa", organization="Org")
    assert ca.certificate.public_key().key_size == 2048  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        create_ca("x", at=AT.replace(tzinfo=None))


def test_load_der_certificate_refuses_garbage(pki: Pki) -> None:
    der = pki.root.certificate.public_bytes(serialization.Encoding.DER)
    assert load_der_certificate(der) == pki.root.certificate
    with pytest.raises(ValueError):
        load_der_certificate(b"\x30\x03\x02\x01\x00")


def _with_key_off_the_curve(certificate: x509.Certificate) -> bytes:
    der = certificate.public_bytes(serialization.Encoding.DER)
    point = certificate.public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)
    assert der.count(point) == 1
    broken = bytearray(point)
    broken[-1] ^= 1  # the point's y no longer matches its x: the DER still parses, the key does not
    return der.replace(point, bytes(broken))


def test_load_der_certificate_refuses_a_key_that_does_not_load(pki: Pki) -> None:
    # cryptography parses the key lazily; the key check deep in path validation raised ValueError (xml-verify
    # fuzz finding). Loading now loads the key, so every caller sees its documented ValueError.
    with pytest.raises(ValueError, match="Invalid key|key"):
        load_der_certificate(_with_key_off_the_curve(pki.signer_ec.certificate))


def _with_first_x5c(jws: str, der: bytes) -> str:
    """``jws`` with another first ``x5c`` certificate (its signature no longer matters: the chain is read first)."""
    header, payload, signature = jws.split(".")
    fields = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    fields["x5c"][0] = base64.b64encode(der).decode()
    encoded = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    return f"{encoded}.{payload}.{signature}"


def test_jws_with_a_broken_signer_key_is_untrusted(pki: Pki) -> None:
    identity = pki.identity()
    jws = sign_jws({"a": 1}, identity, typ="t+jws")
    broken = _with_first_x5c(jws, _with_key_off_the_curve(identity.certificate))
    with pytest.raises(CertificateUntrusted):
        verify_jws(broken, {"a": 1}, typ="t+jws", trust=pki.trust(), at=AT)


@pytest.mark.parametrize("tag", [0x08, 0x03])
def test_jws_whose_signer_name_does_not_parse_is_untrusted(pki: Pki, tag: int) -> None:
    # cryptography parses names lazily and raises KeyError (type 8) or TypeError (a BIT STRING where the OID
    # wants text); path validation then raised it while formatting its message (codec-envelope fuzz finding).
    identity = pki.identity(pki.signer_direct)
    der = identity.certificate.public_bytes(serialization.Encoding.DER)
    common_name = b"\x0c\x10hk-signer-direct"
    assert der.count(common_name) == 1
    jws = sign_jws({"a": 1}, identity, typ="t+jws")
    broken = _with_first_x5c(jws, der.replace(common_name, bytes([tag]) + common_name[1:]))
    with pytest.raises(CertificateUntrusted):
        verify_jws(broken, {"a": 1}, typ="t+jws", trust=pki.trust(), at=AT)


def test_a_key_verdict_follows_the_policy_it_was_asked_under(pki: Pki) -> None:
    # check_public_key remembers verdicts by certificate and policy object: asking alternately under two policies
    # must give each policy's own answer every time.
    from trust.policy import check_public_key

    narrow = SignaturePolicy(ec_curves=frozenset({"secp384r1"}))
    certificate = pki.identity().certificate  # P-256
    for _ in range(2):
        check_public_key(certificate, DEFAULT_POLICY)
        with pytest.raises(AlgorithmForbidden):
            check_public_key(certificate, narrow)
