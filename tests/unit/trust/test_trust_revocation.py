"""CRL import (load_crl) and CRL checks during verification, with the reject / warn policies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from trust_testkit import AT, Pki

from trust import (
    CertificateRevoked,
    CertificateRole,
    CertificateState,
    CrlInvalid,
    RevocationUnknown,
    SignaturePolicy,
    TrustStore,
    load_crl,
    sign_xml,
    validate_path,
    verify_xml,
)
from trust.devpki import create_ca, issue_crl

DOC = b"<r><v>1</v></r>"
WARN = SignaturePolicy(revocation_unknown="warn")


def _path(pki: Pki, crl_der: bytes, *, at=AT, policy=SignaturePolicy()):  # type: ignore[no-untyped-def]
    crl = load_crl(crl_der, issuers=[pki.intermediate.certificate, pki.root.certificate])
    trust = pki.trust(crls=(crl,))
    return validate_path(pki.signer_ec.certificate, [pki.intermediate.certificate], trust=trust, at=at, policy=policy)


def test_load_crl_verifies_against_issuer(pki: Pki) -> None:
    der = issue_crl(pki.intermediate, [(pki.signer_rsa.certificate, AT)], at=AT - timedelta(days=1))
    info = load_crl(der, issuers=[pki.root.certificate, pki.intermediate.certificate])
    assert info.issuer == pki.intermediate.certificate.subject
    assert info.revoked_serials == {pki.signer_rsa.certificate.serial_number: AT}
    assert info.next_update == AT + timedelta(days=6)
    pem = b"-----BEGIN X509 CRL-----\n" + __import__("base64").encodebytes(der) + b"-----END X509 CRL-----\n"
    assert load_crl(pem, issuers=[pki.intermediate.certificate]).crl_number == info.crl_number


@pytest.mark.parametrize("case", ["unknown-issuer", "forged-issuer-name", "garbage", "ca-without-crlsign"])
def test_load_crl_refusals(pki: Pki, case: str) -> None:
    der = issue_crl(pki.intermediate, [], at=AT)
    issuers = [pki.intermediate.certificate]
    if case == "unknown-issuer":
        issuers = [pki.root.certificate]
    elif case == "forged-issuer-name":
        # Same subject name, different key: the signature must not verify.
        impostor = create_ca("SWGW Test Signing CA HK", at=AT - timedelta(days=1))
        issuers = [impostor.certificate]
    elif case == "garbage":
        der = b"not a crl"
    else:
        issuers = [pki.signer_ec.certificate]
        der = issue_crl(pki.signer_ec, [], at=AT)
    with pytest.raises(CrlInvalid) as caught:
        load_crl(der, issuers=issuers)
    assert caught.value.code == "CRL_INVALID"


def test_revoked_by_crl(pki: Pki) -> None:
    der = issue_crl(pki.intermediate, [(pki.signer_ec.certificate, AT - timedelta(hours=1))], at=AT - timedelta(days=1))
    with pytest.raises(CertificateRevoked):
        _path(pki, der)
    # Verification as of before the revocation date still succeeds: revocation is not retroactive.
    assert _path(pki, der, at=AT - timedelta(hours=2)).warnings == ()


def test_intermediate_revoked_by_root_crl(pki: Pki) -> None:
    der = issue_crl(pki.root, [(pki.intermediate.certificate, AT - timedelta(days=1))], at=AT - timedelta(days=1))
    with pytest.raises(CertificateRevoked):
        _path(pki, der)


def test_good_under_current_crl(pki: Pki) -> None:
    der = issue_crl(pki.intermediate, [(pki.signer_rsa.certificate, AT)], at=AT - timedelta(days=1))
    assert _path(pki, der).warnings == ()


def test_stale_crl_is_unknown_reject_or_warn(pki: Pki) -> None:
    stale = issue_crl(pki.intermediate, [], at=AT - timedelta(days=30), days=7)
    with pytest.raises(RevocationUnknown) as caught:
        _path(pki, stale)
    assert caught.value.code == "REVOCATION_UNKNOWN"
    path = _path(pki, stale, policy=WARN)
    assert len(path.warnings) == 1 and "no current CRL" in path.warnings[0]


def test_warning_reaches_verified_xml(pki: Pki) -> None:
    stale = load_crl(issue_crl(pki.intermediate, [], at=AT - timedelta(days=30)), issuers=[pki.intermediate.certificate])
    signed = sign_xml(DOC, pki.identity())
    verified = verify_xml(signed, trust=pki.trust(crls=(stale,)), at=AT, policy=WARN)
    assert verified.warnings and verified.warnings[0].startswith("no current CRL")


def test_pinned_leaf_is_checked_against_its_issuers_crl(pki: Pki) -> None:
    crl = load_crl(issue_crl(pki.intermediate, [(pki.signer_ec.certificate, AT - timedelta(days=1))], at=AT),
                   issuers=[pki.intermediate.certificate])
    trust = pki.trust(anchors=(), pinned=(pki.signer_ec.certificate,), intermediates=(pki.intermediate.certificate,),
                      crls=(crl,))
    with pytest.raises(CertificateRevoked):
        validate_path(pki.signer_ec.certificate, [], trust=trust, at=AT)


def test_store_passes_crls_of_partner_material_only(pki: Pki) -> None:
    crl = load_crl(issue_crl(pki.root, [], at=AT), issuers=[pki.root.certificate])
    store = (
        TrustStore()
        .add("HK", CertificateRole.ANCHOR, pki.root.certificate, state=CertificateState.ACTIVE)
        .add("SG", CertificateRole.ANCHOR, pki.other_root.certificate, state=CertificateState.ACTIVE)
        .with_crl(crl)
    )
    assert store.for_partner("HK", at=AT).crls == (crl,)
    assert store.for_partner("SG", at=AT).crls == ()


def test_crl_der_round_trip_is_der(pki: Pki) -> None:
    der = issue_crl(pki.root, [], at=AT)
    from cryptography import x509

    assert x509.load_der_x509_crl(der).public_bytes(serialization.Encoding.DER) == der
