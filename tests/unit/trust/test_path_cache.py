"""The validated-path cache on PartnerTrust: reused when it may be, never when the answer could differ."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from trust_testkit import AT, Pki

import trust.chain
from trust import (
    AlgorithmForbidden,
    CertificateExpired,
    CertificateRevoked,
    CertificateUntrusted,
    PartnerTrust,
    SignatureInvalid,
    SignaturePolicy,
    fingerprint,
    load_crl,
    sign_jws,
    sign_xml,
    validate_path,
    verify_jws,
    verify_xml,
)
from trust.devpki import IssuedCertificate, issue_certificate, issue_crl, issue_intermediate
from trust.pathcache import PathCache

DOC = b"<r><v>1</v></r>"
HEADER = {"header": "fields"}


class BuildCounter:
    """Wraps trust.chain._build and counts the full path validations actually performed."""

    def __init__(self, build: Callable[..., Any]) -> None:
        self.build = build
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
        return self.build(*args, **kwargs)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[BuildCounter]:
    counter = BuildCounter(trust.chain._build)
    monkeypatch.setattr(trust.chain, "_build", counter)
    yield counter


@pytest.fixture(scope="module")
def short_ca(pki: Pki) -> IssuedCertificate:
    """An intermediate valid from AT - 5 days to AT + 5 days: shorter-lived than the leaves it issues."""
    return issue_intermediate(pki.root, "short-lived CA", at=AT - timedelta(days=5), days=10)


@pytest.fixture(scope="module")
def outliving(short_ca: IssuedCertificate) -> IssuedCertificate:
    """A signer issued by ``short_ca`` before the CA's own notBefore and valid long after its notAfter."""
    return issue_certificate(short_ca, "outliving signer", at=AT - timedelta(days=30), usage="signing")


def _validate(issued: IssuedCertificate, material: PartnerTrust, **kwargs: Any) -> trust.chain.ValidatedPath:
    kwargs.setdefault("at", AT)
    return validate_path(issued.certificate, list(issued.chain), trust=material, **kwargs)


def test_second_validation_reuses_the_chain(pki: Pki, builds: BuildCounter) -> None:
    material = pki.trust()
    first = _validate(pki.signer_ec, material)
    second = _validate(pki.signer_ec, material, at=AT + timedelta(days=3))
    assert builds.calls == 1
    assert second.chain == first.chain == (pki.signer_ec.certificate, pki.intermediate.certificate,
                                           pki.root.certificate)
    assert (material.path_cache.hits, material.path_cache.misses) == (1, 1)


def test_verify_xml_and_verify_jws_share_the_partner_cache(pki: Pki, builds: BuildCounter) -> None:
    material = pki.trust()
    signed = sign_xml(DOC, pki.identity())
    signature = sign_jws(HEADER, pki.identity(), typ="t")
    for _ in range(3):
        assert verify_xml(signed, trust=material, at=AT).signed_xml == DOC
        assert verify_jws(signature, HEADER, typ="t", trust=material, at=AT).signer == pki.signer_ec.certificate
    assert builds.calls == 1


def test_new_partner_trust_starts_empty(pki: Pki, builds: BuildCounter) -> None:
    _validate(pki.signer_ec, pki.trust())
    _validate(pki.signer_ec, pki.trust())
    assert builds.calls == 2


def test_time_past_a_chain_certificate_not_after_is_refused_after_a_cached_success(
    pki: Pki, short_ca: IssuedCertificate, outliving: IssuedCertificate, builds: BuildCounter
) -> None:
    material = pki.trust()
    _validate(outliving, material)
    # The leaf itself is still valid; only its issuing CA has expired, which the leaf-only checks cannot see.
    later = short_ca.certificate.not_valid_after_utc + timedelta(seconds=1)
    assert outliving.certificate.not_valid_after_utc > later
    with pytest.raises(CertificateExpired):
        _validate(outliving, material, at=later)
    assert builds.calls == 2
    # Back inside the window the cached chain serves again.
    _validate(outliving, material, at=AT + timedelta(days=4))
    assert builds.calls == 2


def test_time_before_a_chain_certificate_not_before_is_refused_after_a_cached_success(
    pki: Pki, short_ca: IssuedCertificate, outliving: IssuedCertificate
) -> None:
    material = pki.trust()
    _validate(outliving, material)
    with pytest.raises(CertificateExpired):
        _validate(outliving, material, at=short_ca.certificate.not_valid_before_utc - timedelta(seconds=1))


def test_leaf_checks_run_on_every_call(pki: Pki) -> None:
    material = pki.trust()
    leaf = pki.signer_ec.certificate
    _validate(pki.signer_ec, material)
    _validate(pki.signer_ec, material)
    assert material.path_cache.hits == 1
    with pytest.raises(CertificateExpired):
        _validate(pki.signer_ec, material, at=leaf.not_valid_after_utc + timedelta(seconds=1))
    # Beyond the clock skew before notBefore is refused by the leaf check: the path would be evaluated at
    # notBefore, a time the cached window covers, so only the leaf check stands in the way.
    with pytest.raises(CertificateExpired):
        _validate(pki.signer_ec, material, at=leaf.not_valid_before_utc - timedelta(minutes=6))
    # Inside the skew the path is evaluated at notBefore, which the cached window covers.
    _validate(pki.signer_ec, material, at=leaf.not_valid_before_utc - timedelta(minutes=4))


def test_refusals_are_not_cached(
    pki: Pki, short_ca: IssuedCertificate, outliving: IssuedCertificate, builds: BuildCounter
) -> None:
    material = pki.trust()
    expired_at = short_ca.certificate.not_valid_after_utc + timedelta(days=1)
    for _ in range(2):
        with pytest.raises(CertificateExpired):
            _validate(outliving, material, at=expired_at)
    assert len(material.path_cache) == 0 and builds.calls == 2
    _validate(outliving, material)
    assert builds.calls == 3

    foreign = pki.trust()
    for _ in range(2):
        with pytest.raises(CertificateUntrusted):
            _validate(pki.other_signer, foreign)
    assert len(foreign.path_cache) == 0


def test_revocation_in_new_partner_trust_refuses(pki: Pki) -> None:
    _validate(pki.signer_ec, pki.trust())
    revoked = pki.trust(revoked={fingerprint(pki.intermediate.certificate): AT - timedelta(days=1)})
    with pytest.raises(CertificateRevoked):
        _validate(pki.signer_ec, revoked)


def test_revocation_time_reached_refuses_a_cached_chain(pki: Pki, builds: BuildCounter) -> None:
    material = pki.trust(revoked={fingerprint(pki.intermediate.certificate): AT + timedelta(days=1)})
    _validate(pki.signer_ec, material)
    with pytest.raises(CertificateRevoked):
        _validate(pki.signer_ec, material, at=AT + timedelta(days=2))
    assert builds.calls == 1 and material.path_cache.hits == 1


def test_crl_revocation_time_reached_refuses_a_cached_chain(pki: Pki) -> None:
    der = issue_crl(pki.intermediate, [(pki.signer_ec.certificate, AT + timedelta(hours=1))], at=AT - timedelta(days=1))
    material = pki.trust(crls=(load_crl(der, issuers=[pki.intermediate.certificate]),))
    _validate(pki.signer_ec, material)
    with pytest.raises(CertificateRevoked):
        _validate(pki.signer_ec, material, at=AT + timedelta(hours=2))


def test_purpose_is_part_of_the_key(pki: Pki) -> None:
    material = pki.trust()
    _validate(pki.signer_ec, material, purpose="signing")
    with pytest.raises(CertificateUntrusted):
        _validate(pki.signer_ec, material, purpose="tls-client")


def test_supplied_intermediates_are_part_of_the_key(pki: Pki) -> None:
    material = pki.trust()
    _validate(pki.signer_ec, material)
    with pytest.raises(CertificateUntrusted):
        validate_path(pki.signer_ec.certificate, [], trust=material, at=AT)


def test_policy_is_part_of_the_key(pki: Pki) -> None:
    rsa_ca = issue_intermediate(pki.root, "RSA CA", at=AT - timedelta(days=30), key="rsa")
    leaf = issue_certificate(rsa_ca, "ec under rsa", at=AT - timedelta(days=30), usage="signing")
    material = pki.trust()
    _validate(leaf, material)
    with pytest.raises(AlgorithmForbidden):
        _validate(leaf, material, policy=SignaturePolicy(min_rsa_bits=3072))


def test_signatures_are_still_checked_on_a_cache_hit(pki: Pki) -> None:
    material = pki.trust()
    signature = sign_jws(HEADER, pki.identity(), typ="t")
    verify_jws(signature, HEADER, typ="t", trust=material, at=AT)
    with pytest.raises(SignatureInvalid):
        verify_jws(signature, {"header": "other"}, typ="t", trust=material, at=AT)
    signed = sign_xml(DOC, pki.identity())
    verify_xml(signed, trust=material, at=AT)
    with pytest.raises(SignatureInvalid):
        verify_xml(signed.replace(b"<v>1</v>", b"<v>2</v>"), trust=material, at=AT)
    assert material.path_cache.hits == 3


def test_window_bounds_are_inclusive_and_exact(pki: Pki) -> None:
    cache = PathCache()
    chain = (pki.signer_ec.certificate, pki.intermediate.certificate, pki.root.certificate)
    cache.put("key", chain)
    start = max(c.not_valid_before_utc for c in chain)
    end = min(c.not_valid_after_utc for c in chain)
    assert cache.get("key", start) == chain and cache.get("key", end) == chain
    assert cache.get("key", start - timedelta(microseconds=1)) is None
    assert cache.get("key", end + timedelta(microseconds=1)) is None
    assert cache.get("other", AT) is None


def test_size_is_bounded(pki: Pki) -> None:
    cache = PathCache(max_entries=3)
    chain = (pki.root.certificate,)
    for index in range(10):
        cache.put(index, chain)
        assert len(cache) <= 3
    assert cache.get(9, AT) == chain


def test_concurrent_validation(pki: Pki, builds: BuildCounter) -> None:
    material = pki.trust()
    signers = [pki.signer_ec, pki.signer_rsa, pki.signer_direct]

    def work(index: int) -> tuple[Any, ...]:
        return _validate(signers[index % 3], material, at=AT + timedelta(minutes=index)).chain

    with ThreadPoolExecutor(max_workers=8) as pool:
        chains = list(pool.map(work, range(300)))
    assert all(chain[0] == signers[i % 3].certificate for i, chain in enumerate(chains))
    # Concurrent first lookups may each build; afterwards every call is a hit.
    assert builds.calls < 30 and len(material.path_cache) == 3
    assert material.path_cache.hits + material.path_cache.misses == 300
