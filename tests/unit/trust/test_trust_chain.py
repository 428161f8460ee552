"""validate_chain / validate_path: anchors, pinning, purposes, validity, revocation by fingerprint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from trust_testkit import AT, Pki

from trust.devpki import issue_certificate, issue_intermediate
from trust import (
    AlgorithmForbidden,
    CertificateExpired,
    CertificateRevoked,
    CertificateUntrusted,
    PartnerTrust,
    SignaturePolicy,
    fingerprint,
    validate_chain,
    validate_path,
)


def test_chain_through_supplied_intermediate(pki: Pki) -> None:
    chain = validate_chain(pki.signer_ec.certificate, [pki.intermediate.certificate], trust=pki.trust(), at=AT)
    assert chain == (pki.signer_ec.certificate, pki.intermediate.certificate, pki.root.certificate)


def test_chain_through_known_intermediate(pki: Pki) -> None:
    trust = pki.trust(intermediates=(pki.intermediate.certificate,))
    assert len(validate_chain(pki.signer_ec.certificate, [], trust=trust, at=AT)) == 3


def test_missing_intermediate_is_untrusted(pki: Pki) -> None:
    with pytest.raises(CertificateUntrusted):
        validate_chain(pki.signer_ec.certificate, [], trust=pki.trust(), at=AT)


def test_intermediate_as_anchor(pki: Pki) -> None:
    trust = PartnerTrust(partner="HK", anchors=(pki.intermediate.certificate,))
    assert validate_chain(pki.signer_ec.certificate, [], trust=trust, at=AT)[-1] == pki.intermediate.certificate


def test_pinned(pki: Pki) -> None:
    path = validate_path(pki.other_signer.certificate, [], trust=PartnerTrust("X", pinned=(pki.other_signer.certificate,)), at=AT)
    assert path.pinned and path.chain == (pki.other_signer.certificate,)


@pytest.mark.parametrize(("purpose", "ok"), [("signing", True), ("tls-client", False), ("tls-server", False)])
def test_signing_certificate_purposes(pki: Pki, purpose: str, ok: bool) -> None:
    args = (pki.signer_ec.certificate, [pki.intermediate.certificate])
    if ok:
        validate_chain(*args, trust=pki.trust(), at=AT, purpose=purpose)  # type: ignore[arg-type]
    else:
        with pytest.raises(CertificateUntrusted):
            validate_chain(*args, trust=pki.trust(), at=AT, purpose=purpose)  # type: ignore[arg-type]


@pytest.mark.parametrize("purpose", ["tls-client", "tls-server"])
def test_tls_certificate_purposes(pki: Pki, purpose: str) -> None:
    validate_chain(pki.tls.certificate, [], trust=pki.trust(), at=AT, purpose=purpose)  # type: ignore[arg-type]


def test_ca_certificate_is_not_a_leaf_for_signing(pki: Pki) -> None:
    with pytest.raises(CertificateUntrusted):
        validate_chain(pki.intermediate.certificate, [], trust=pki.trust(), at=AT)


def test_expired_intermediate(pki: Pki) -> None:
    # The leaf outlives its issuing CA: the leaf itself is in validity, the intermediate is not.
    short = issue_intermediate(pki.root, "short-lived CA", at=AT - timedelta(days=20), days=10)
    leaf = issue_certificate(short, "outliving leaf", at=AT - timedelta(days=15), usage="signing")
    with pytest.raises(CertificateExpired):
        validate_chain(leaf.certificate, [short.certificate], trust=pki.trust(), at=AT)
    validate_chain(leaf.certificate, [short.certificate], trust=pki.trust(), at=AT - timedelta(days=12))


def test_revoked_by_fingerprint_only_from_effective_time(pki: Pki) -> None:
    trust = pki.trust(revoked={fingerprint(pki.intermediate.certificate): AT})
    with pytest.raises(CertificateRevoked) as caught:
        validate_chain(pki.signer_ec.certificate, [pki.intermediate.certificate], trust=trust, at=AT)
    assert caught.value.path == "chain[1]"
    validate_chain(pki.signer_ec.certificate, [pki.intermediate.certificate], trust=trust,
                   at=AT - timedelta(seconds=1))


def test_revoked_mapping_is_frozen(pki: Pki) -> None:
    source = {fingerprint(pki.signer_ec.certificate): AT}
    trust = pki.trust(revoked=source)
    source.clear()
    with pytest.raises(CertificateRevoked):
        validate_chain(pki.signer_ec.certificate, [pki.intermediate.certificate], trust=trust, at=AT)


def test_leaf_key_policy(pki: Pki) -> None:
    with pytest.raises(AlgorithmForbidden):
        validate_chain(pki.signer_ec.certificate, [pki.intermediate.certificate], trust=pki.trust(), at=AT,
                       policy=SignaturePolicy(ec_curves=frozenset({"secp384r1"})))


def test_store_is_cached_per_partner_trust(pki: Pki) -> None:
    trust = pki.trust()
    assert trust.anchor_store is trust.anchor_store
