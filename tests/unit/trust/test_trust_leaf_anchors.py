"""Anchors are CA certificates only, and pinned leaves are revoked through their issuers (issue 10, item 2).

An end-entity certificate trusted as an anchor is a path of its own, so its CA's revocation and CRLs never reach
it. The model refuses it (TRUST_ANCHOR_NOT_CA) wherever an anchor or intermediate is formed, and a pinned leaf is
checked along the issuers the partner's material holds, each found by name and verified by signature.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from trust_testkit import AT, Pki

from trust import (
    CertificateRevoked,
    CertificateRole,
    CertificateState,
    PartnerTrust,
    TrustAnchorNotCa,
    TrustedCertificate,
    TrustStore,
    TrustStoreError,
    ca_problem,
    fingerprint,
    load_crl,
    validate_path,
)
from trust.devpki import create_ca, issue_crl

ANCHOR, INTERMEDIATE, PINNED = CertificateRole.ANCHOR, CertificateRole.INTERMEDIATE, CertificateRole.PINNED
ACTIVE = CertificateState.ACTIVE


def _self_signed(*, ca: bool | None, key_cert_sign: bool | None) -> x509.Certificate:
    """A self-signed certificate with the given basicConstraints cA (None: absent) and keyCertSign (None: no
    keyUsage at all)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "odd")])
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(AT - timedelta(days=1)).not_valid_after(AT + timedelta(days=1))
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    if key_cert_sign is not None:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=key_cert_sign, crl_sign=key_cert_sign, encipher_only=False,
            decipher_only=False), critical=True)
    return builder.sign(key, hashes.SHA256())


@pytest.mark.parametrize(("ca", "key_cert_sign", "problem"), [
    (True, True, None),
    (True, None, None),
    (True, False, "keyCertSign"),
    (False, None, "cA is not TRUE"),
    (None, None, "no basicConstraints"),
])
def test_ca_problem(ca: bool | None, key_cert_sign: bool | None, problem: str | None) -> None:
    found = ca_problem(_self_signed(ca=ca, key_cert_sign=key_cert_sign))
    assert (found is None) if problem is None else (found is not None and problem in found)


@pytest.mark.parametrize("role", [ANCHOR, INTERMEDIATE])
def test_a_leaf_is_refused_as_anchor_or_intermediate_in_the_store(pki: Pki, role: CertificateRole) -> None:
    for leaf in (pki.signer_ec.certificate, pki.tls.certificate):
        with pytest.raises(TrustAnchorNotCa) as caught:
            TrustStore().add("HK", role, leaf, state=ACTIVE)
        assert caught.value.code == "TRUST_ANCHOR_NOT_CA"
        assert isinstance(caught.value, TrustStoreError) and caught.value.partner == "HK"
        assert "pinned" in caught.value.message
    # The same certificate is fine pinned, and the CA fine as anchor.
    store = TrustStore().add("HK", PINNED, pki.signer_ec.certificate, state=ACTIVE)
    assert store.add("HK", role, pki.intermediate.certificate).entries[-1].role is role


def test_a_ca_without_keycertsign_is_refused_as_anchor() -> None:
    with pytest.raises(TrustAnchorNotCa, match="keyCertSign"):
        TrustedCertificate("HK", ANCHOR, _self_signed(ca=True, key_cert_sign=False))


@pytest.mark.parametrize("field", ["anchors", "intermediates", "known_cas"])
def test_partner_trust_refuses_a_leaf_as_ca(pki: Pki, field: str) -> None:
    with pytest.raises(TrustAnchorNotCa) as caught:
        PartnerTrust("HK", **{field: (pki.root.certificate, pki.signer_direct.certificate)})  # type: ignore[arg-type]
    assert caught.value.path == f"{field}[1]"


def _pinned(pki: Pki, **kwargs: object) -> PartnerTrust:
    """The EC signer pinned, with the intermediate and root in the material unless overridden."""
    fields: dict[str, object] = {"anchors": (pki.root.certificate,), "intermediates": (pki.intermediate.certificate,),
                                 "pinned": (pki.signer_ec.certificate,)}
    fields.update(kwargs)
    return PartnerTrust("HK", **fields)  # type: ignore[arg-type]


def test_pinned_leaf_verifies_and_its_own_revocation_applies(pki: Pki) -> None:
    leaf = pki.signer_ec.certificate
    assert validate_path(leaf, [], trust=_pinned(pki), at=AT).pinned
    revoked = _pinned(pki, revoked={fingerprint(leaf): AT - timedelta(hours=1)})
    with pytest.raises(CertificateRevoked) as caught:
        validate_path(leaf, [], trust=revoked, at=AT)
    assert caught.value.path == "leaf"


@pytest.mark.parametrize(("revoked_ca", "position"), [("intermediate", "chain[1]"), ("root", "chain[2]")])
def test_revoking_a_ca_above_a_pinned_leaf_stops_it(pki: Pki, revoked_ca: str, position: str) -> None:
    ca = getattr(pki, revoked_ca).certificate
    trust = _pinned(pki, revoked={fingerprint(ca): AT - timedelta(hours=1)})
    with pytest.raises(CertificateRevoked) as caught:
        validate_path(pki.signer_ec.certificate, [], trust=trust, at=AT)
    assert caught.value.path == position and caught.value.code == "CERTIFICATE_REVOKED"
    # Not retroactive: as of before the revocation the leaf still verifies.
    assert validate_path(pki.signer_ec.certificate, [], trust=trust, at=AT - timedelta(hours=2)).pinned


def test_crl_of_the_root_listing_the_pinned_leafs_ca_stops_it(pki: Pki) -> None:
    crl = load_crl(issue_crl(pki.root, [(pki.intermediate.certificate, AT - timedelta(hours=1))], at=AT),
                   issuers=[pki.root.certificate])
    with pytest.raises(CertificateRevoked):
        validate_path(pki.signer_ec.certificate, [], trust=_pinned(pki, crls=(crl,)), at=AT)


def test_a_ca_of_the_same_name_but_another_key_is_not_the_pinned_leafs_issuer(pki: Pki) -> None:
    impostor = create_ca("SWGW Test Signing CA HK", at=AT - timedelta(days=30)).certificate
    assert impostor.subject == pki.intermediate.certificate.subject
    trust = _pinned(pki, anchors=(), intermediates=(impostor,), revoked={fingerprint(impostor): AT - timedelta(1)})
    assert validate_path(pki.signer_ec.certificate, [], trust=trust, at=AT).pinned
    assert trust.pinned_issuers(pki.signer_ec.certificate) == ()


def test_store_hands_revoked_and_unused_cas_to_pinned_checks_for_sending_too(pki: Pki) -> None:
    leaf = pki.tls.certificate  # issued by the root directly
    store = (
        TrustStore()
        .add("HK", ANCHOR, pki.root.certificate, state=ACTIVE)
        .add("HK", PINNED, leaf, state=ACTIVE)
        .revoke("HK", fingerprint(pki.root.certificate), at=AT - timedelta(hours=1), reason="CA key compromise")
    )
    for purpose in ("receive", "send"):
        material = store.for_partner("HK", at=AT, purpose=purpose)  # type: ignore[arg-type]
        # For sending, the revoked CA is no anchor any more, yet it is still known as the pinned leaf's issuer.
        assert (pki.root.certificate in material.anchors) is (purpose == "receive")
        with pytest.raises(CertificateRevoked):
            validate_path(leaf, [], trust=material, at=AT, purpose="tls-server")
    with pytest.raises(CertificateRevoked):
        store.identify(leaf, at=AT, purpose="tls-client")


def test_pinned_leaf_without_its_ca_in_the_material(pki: Pki) -> None:
    trust = PartnerTrust("HK", pinned=(pki.signer_ec.certificate,),
                         revoked={fingerprint(pki.other_root.certificate): AT - timedelta(1)})
    assert validate_path(pki.signer_ec.certificate, [], trust=trust, at=AT).chain == (pki.signer_ec.certificate,)
