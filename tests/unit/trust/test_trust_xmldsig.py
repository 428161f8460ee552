"""sign_xml / verify_xml: round trips and the phase-1 refusals (tamper, wrong CA, expiry, revocation, hostile)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from trust_testkit import AT, Pki

from trust import (
    AlgorithmForbidden,
    CertificateExpired,
    CertificateRevoked,
    CertificateUntrusted,
    PartnerTrust,
    SignatureInvalid,
    SignatureMissing,
    SignaturePolicy,
    XmlHostile,
    fingerprint,
    sign_xml,
    verify_xml,
)

DOC = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<coo:Certificate xmlns:coo="urn:swgw:test:coo"><coo:Number>HK-2025-0001</coo:Number>'
    b"<coo:Exporter>\xe5\x8d\x8e\xe5\x8d\x97 Trading Ltd</coo:Exporter><coo:Value>1000.00</coo:Value></coo:Certificate>"
)


@pytest.mark.parametrize("signer", ["signer_ec", "signer_rsa", "signer_direct"])
def test_round_trip_returns_signed_bytes_and_path(pki: Pki, signer: str) -> None:
    issued = getattr(pki, signer)
    signed = sign_xml(DOC, pki.identity(issued))
    verified = verify_xml(signed, trust=pki.trust(), at=AT)
    assert verified.signer == issued.certificate
    assert verified.chain[0] == issued.certificate
    assert verified.chain[-1] == pki.root.certificate
    assert b"Signature" not in verified.signed_xml
    assert etree.fromstring(verified.signed_xml).findtext("{urn:swgw:test:coo}Number") == "HK-2025-0001"
    assert verified.warnings == ()


def test_signature_profile(pki: Pki) -> None:
    root = etree.fromstring(sign_xml(DOC, pki.identity(pki.signer_rsa)))
    ns = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
    assert root.xpath("ds:Signature/ds:SignedInfo/ds:SignatureMethod/@Algorithm", namespaces=ns) == [
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    ]
    assert root.xpath("ds:Signature/ds:SignedInfo/ds:Reference/@URI", namespaces=ns) == [""]
    assert len(root.xpath("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=ns)) == 2


def test_tampered_content_is_signature_invalid(pki: Pki) -> None:
    signed = sign_xml(DOC, pki.identity())
    with pytest.raises(SignatureInvalid) as caught:
        verify_xml(signed.replace(b"1000.00", b"9000.00"), trust=pki.trust(), at=AT)
    assert caught.value.code == "SIGNATURE_INVALID"
    assert caught.value.partner == "HK"


def test_unsigned_is_signature_missing(pki: Pki) -> None:
    with pytest.raises(SignatureMissing):
        verify_xml(DOC, trust=pki.trust(), at=AT)


def test_other_ca_is_untrusted(pki: Pki) -> None:
    signed = sign_xml(DOC, pki.identity(pki.other_signer))
    with pytest.raises(CertificateUntrusted):
        verify_xml(signed, trust=pki.trust(), at=AT)


def test_no_anchors_is_untrusted(pki: Pki) -> None:
    signed = sign_xml(DOC, pki.identity())
    with pytest.raises(CertificateUntrusted):
        verify_xml(signed, trust=PartnerTrust(partner="HK"), at=AT)


def test_pinned_leaf_is_trusted_without_anchor(pki: Pki) -> None:
    signed = sign_xml(DOC, pki.identity(pki.other_signer))
    verified = verify_xml(signed, trust=PartnerTrust(partner="MO", pinned=(pki.other_signer.certificate,)), at=AT)
    assert verified.chain == (pki.other_signer.certificate,)


@pytest.mark.parametrize("when", [AT + timedelta(days=3000), AT - timedelta(days=60)])
def test_outside_validity_is_expired(pki: Pki, when: object) -> None:
    signed = sign_xml(DOC, pki.identity())
    with pytest.raises(CertificateExpired):
        verify_xml(signed, trust=pki.trust(), at=when)  # type: ignore[arg-type]


def test_expired_signer_is_expired(pki: Pki) -> None:
    signed = sign_xml(DOC, pki.identity(pki.expired))
    with pytest.raises(CertificateExpired) as caught:
        verify_xml(signed, trust=pki.trust(), at=AT)
    assert caught.value.code == "CERTIFICATE_EXPIRED"
    # The same signature verifies at a time inside the validity period: history stays checkable.
    verify_xml(signed, trust=pki.trust(), at=AT - timedelta(days=15))


def test_clock_skew_tolerates_a_fresh_certificate(pki: Pki) -> None:
    signed = sign_xml(DOC, pki.identity(pki.not_yet_valid))
    with pytest.raises(CertificateExpired):
        verify_xml(signed, trust=pki.trust(), at=AT)
    at_just_before = pki.not_yet_valid.certificate.not_valid_before_utc - timedelta(minutes=2)
    verify_xml(signed, trust=pki.trust(), at=at_just_before)


@pytest.mark.parametrize("what", ["signer_ec", "intermediate", "root"])
def test_revoked_certificate_on_path(pki: Pki, what: str) -> None:
    signed = sign_xml(DOC, pki.identity())
    revoked_fp = fingerprint(getattr(pki, what).certificate)
    trust = pki.trust(revoked={revoked_fp: AT - timedelta(hours=1)})
    with pytest.raises(CertificateRevoked) as caught:
        verify_xml(signed, trust=trust, at=AT)
    assert caught.value.code == "CERTIFICATE_REVOKED"
    # Before the revocation's effective time the signature was good.
    verify_xml(signed, trust=trust, at=AT - timedelta(hours=2))


def test_weak_rsa_policy_refuses_2048(pki: Pki) -> None:
    signed = sign_xml(DOC, pki.identity(pki.signer_rsa))
    with pytest.raises(AlgorithmForbidden):
        verify_xml(signed, trust=pki.trust(), at=AT, policy=SignaturePolicy(min_rsa_bits=3072))


def test_policy_without_ecdsa_refuses_ec_signature(pki: Pki) -> None:
    rsa_only = SignaturePolicy(signature_algorithms=frozenset({"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"}))
    signed = sign_xml(DOC, pki.identity())
    with pytest.raises(AlgorithmForbidden):
        verify_xml(signed, trust=pki.trust(), at=AT, policy=rsa_only)
    with pytest.raises(AlgorithmForbidden):
        sign_xml(DOC, pki.identity(), policy=rsa_only)


@pytest.mark.parametrize(
    "prefix",
    [
        b'<!DOCTYPE d [<!ENTITY x "boom">]>',
        b'<!DOCTYPE d SYSTEM "http://example.invalid/d.dtd">',
        b"<!DOCTYPE d>",
    ],
)
def test_doctype_is_hostile_before_any_signature_check(pki: Pki, prefix: bytes) -> None:
    signed = sign_xml(DOC, pki.identity())
    body = signed.split(b"?>", 1)[1]
    with pytest.raises(XmlHostile):
        verify_xml(prefix + body, trust=pki.trust(), at=AT)


def test_sign_refuses_already_signed(pki: Pki) -> None:
    signed = sign_xml(DOC, pki.identity())
    with pytest.raises(Exception) as caught:
        sign_xml(signed, pki.identity())
    assert getattr(caught.value, "code", None) == "SIGNATURE_REFERENCE_INVALID"


def test_naive_time_is_refused(pki: Pki) -> None:
    signed = sign_xml(DOC, pki.identity())
    with pytest.raises(ValueError):
        verify_xml(signed, trust=pki.trust(), at=AT.replace(tzinfo=None))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # Surrogates, control and unassigned/noncharacter code points cannot appear in XML 1.0 text at all.
    text=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=200),
    attribute=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=50),
)
def test_round_trip_preserves_arbitrary_text(pki: Pki, text: str, attribute: str) -> None:
    root = etree.Element("{urn:swgw:test}Doc", note=attribute)
    etree.SubElement(root, "{urn:swgw:test}Text").text = text
    signed = sign_xml(etree.tostring(root, encoding="UTF-8"), pki.identity())
    verified = verify_xml(signed, trust=pki.trust(), at=AT)
    parsed = etree.fromstring(verified.signed_xml)
    assert (parsed.findtext("{urn:swgw:test}Text") or "") == text
    assert parsed.get("note") == attribute
