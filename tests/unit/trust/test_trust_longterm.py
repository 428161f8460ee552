"""Long-term signatures: XAdES B-T/B-LT and PAdES B-T/B-LT/B-LTA, judged years later at the time-stamp's time.

The time-stamping authority is pyHanko's ``DummyTimeStamper`` behind the :class:`trust.timestamp.Timestamper` port
(:class:`trust.devpki.DevTimestamper`); the clock is moved by passing ``at``. Strangers' tools check the bytes:
xmlsec1 the XML-DSig core of the XAdES signature, xmllint the UBL document with its signature, pdfsig the PDF.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from trust_testkit import AT, Pki, minimal_pdf, require_reference, require_tool

import mappings
from trust import PartnerTrust, SignaturePlacement, TrustError, load_crl, sign_pdf, sign_xml, sign_xml_detached
from trust import verify_pdf, verify_xml, verify_xml_detached
from trust.devpki import DevTimestamper, IssuedCertificate, create_ca, issue_certificate, issue_crl
from trust.timestamp import LongTerm

SIGNED_AT = AT
LATER = AT + timedelta(days=5 * 365)  # the signer's certificate (825 days) has long expired
NS = {"ds": "http://www.w3.org/2000/09/xmldsig#", "xades": "http://uri.etsi.org/01903/v1.3.2#"}
DOC = b"<Certificate><Number>HK-2025-0001</Number></Certificate>"


@pytest.fixture(scope="module")
def tsa() -> tuple[IssuedCertificate, IssuedCertificate]:
    """A TSA root and the TSA (RSA: pyHanko's dummy TSA signs with RSA only)."""
    root = create_ca("SWGW Test TSA Root", at=AT - timedelta(days=30))
    return root, issue_certificate(root, "swgw-test-tsa", at=AT - timedelta(days=30), days=3650,
                                   usage="timestamping", key="rsa")


def _long_term(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate], level: str = "B-T",
               at: datetime = SIGNED_AT) -> LongTerm:
    crls = (issue_crl(pki.intermediate, [], at=at, days=30), issue_crl(pki.root, [], at=at, days=30))
    return LongTerm(DevTimestamper(tsa[1], at=at), level,  # type: ignore[arg-type]
                    validation_certificates=(pki.root.certificate, pki.intermediate.certificate,
                                             tsa[0].certificate), crls=crls)


def _tsa_trust(tsa: tuple[IssuedCertificate, IssuedCertificate]) -> PartnerTrust:
    return PartnerTrust(partner="tsa", anchors=(tsa[0].certificate,))


def _revoked_trust(pki: Pki, when: datetime) -> PartnerTrust:
    crl = issue_crl(pki.intermediate, [(pki.signer_ec.certificate, when)], at=LATER - timedelta(days=1), days=30)
    return pki.trust(intermediates=(pki.intermediate.certificate,),
                     crls=(load_crl(crl, issuers=[pki.intermediate.certificate]),))


@pytest.mark.parametrize("level", ["B-T", "B-LT"])
def test_xades_verifies_years_later_at_the_timestamp_time(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate],
                                                          level: str) -> None:
    signed = sign_xml(DOC, pki.identity(), long_term=_long_term(pki, tsa, level), at=SIGNED_AT)
    verified = verify_xml(signed, trust=pki.trust(), at=LATER, tsa_trust=_tsa_trust(tsa))
    assert verified.level == level
    assert verified.timestamp is not None and verified.timestamp.time == SIGNED_AT
    assert verified.signer.not_valid_after_utc < LATER
    assert b"HK-2025-0001" in verified.signed_xml


def test_xades_without_trusted_tsa_is_judged_now(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate]) -> None:
    signed = sign_xml(DOC, pki.identity(), long_term=_long_term(pki, tsa), at=SIGNED_AT)
    assert verify_xml(signed, trust=pki.trust(), at=SIGNED_AT).warnings[0].startswith("time-stamp not trusted")
    other_tsa = PartnerTrust(partner="tsa", anchors=(pki.other_root.certificate,))
    verified = verify_xml(signed, trust=pki.trust(), at=SIGNED_AT, tsa_trust=other_tsa)
    assert verified.level == "B-B" and verified.timestamp is None
    assert verified.warnings[0].startswith("time-stamp not trusted")
    for tsa_trust in (None, other_tsa):
        with pytest.raises(TrustError) as info:
            verify_xml(signed, trust=pki.trust(), at=LATER, tsa_trust=tsa_trust)
        assert info.value.code == "CERTIFICATE_EXPIRED"


def test_xades_revoked_after_signing_verifies_revoked_before_does_not(
    pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate]
) -> None:
    signed = sign_xml(DOC, pki.identity(), long_term=_long_term(pki, tsa), at=SIGNED_AT)
    after = _revoked_trust(pki, SIGNED_AT + timedelta(days=100))
    assert verify_xml(signed, trust=after, at=LATER, tsa_trust=_tsa_trust(tsa)).level == "B-T"
    before = _revoked_trust(pki, SIGNED_AT - timedelta(days=1))
    with pytest.raises(TrustError) as info:
        verify_xml(signed, trust=before, at=LATER, tsa_trust=_tsa_trust(tsa))
    assert info.value.code == "CERTIFICATE_REVOKED"


def test_xades_timestamp_over_other_data_is_refused(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate]) -> None:
    signed = sign_xml(DOC, pki.identity(), long_term=_long_term(pki, tsa), at=SIGNED_AT)
    other = sign_xml(DOC, pki.identity(), long_term=_long_term(pki, tsa), at=SIGNED_AT)
    token = etree.fromstring(other).find(".//xades:EncapsulatedTimeStamp", NS).text  # type: ignore[union-attr]
    root = etree.fromstring(signed)
    root.find(".//xades:EncapsulatedTimeStamp", NS).text = token  # type: ignore[union-attr]
    with pytest.raises(TrustError) as info:
        verify_xml(etree.tostring(root), trust=pki.trust(), at=LATER, tsa_trust=_tsa_trust(tsa))
    assert info.value.code == "TIMESTAMP_INVALID"


def test_xades_timestamp_later_than_verification_is_refused(pki: Pki,
                                                              tsa: tuple[IssuedCertificate, IssuedCertificate]) -> None:
    signed = sign_xml(DOC, pki.identity(), long_term=_long_term(pki, tsa, at=SIGNED_AT + timedelta(days=2)),
                      at=SIGNED_AT)
    with pytest.raises(TrustError) as info:
        verify_xml(signed, trust=pki.trust(), at=SIGNED_AT, tsa_trust=_tsa_trust(tsa))
    assert info.value.code == "TIMESTAMP_INVALID"


@pytest.mark.parametrize("attack", ["extra-object", "signed-properties-elsewhere", "fourth-reference"])
def test_xades_shape_is_enforced(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate], attack: str) -> None:
    root = etree.fromstring(sign_xml(DOC, pki.identity(), long_term=_long_term(pki, tsa), at=SIGNED_AT))
    signature = root.find("ds:Signature", NS)
    assert signature is not None
    if attack == "extra-object":
        etree.SubElement(signature, f"{{{NS['ds']}}}Object").text = "more"
    elif attack == "signed-properties-elsewhere":
        properties = signature.find(".//xades:SignedProperties", NS)
        assert properties is not None
        decoy = etree.SubElement(root, "Decoy")
        decoy.set("Id", properties.get("Id", ""))
    else:
        references = signature.findall("ds:SignedInfo/ds:Reference", NS)
        signed_info = signature.find("ds:SignedInfo", NS)
        assert signed_info is not None
        signed_info.append(etree.fromstring(etree.tostring(references[2])))
    with pytest.raises(TrustError) as info:
        verify_xml(etree.tostring(root), trust=pki.trust(), at=SIGNED_AT, tsa_trust=_tsa_trust(tsa))
    assert info.value.code == "SIGNATURE_REFERENCE_INVALID"


def test_xades_detached_b_lt(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate]) -> None:
    signature = sign_xml_detached(DOC, pki.identity(), long_term=_long_term(pki, tsa, "B-LT"), at=SIGNED_AT)
    verified = verify_xml_detached(DOC, signature, trust=pki.trust(), at=LATER, tsa_trust=_tsa_trust(tsa))
    assert verified.level == "B-LT"


def test_xades_embedded_crl_proves_status_at_signing(pki: Pki,
                                                     tsa: tuple[IssuedCertificate, IssuedCertificate]) -> None:
    """B-LT: the CRLs embedded at signing answer "not revoked then" although the partner's own CRL is stale."""
    signed = sign_xml(DOC, pki.identity(), long_term=_long_term(pki, tsa, "B-LT"), at=SIGNED_AT)
    stale = load_crl(issue_crl(pki.intermediate, [], at=SIGNED_AT - timedelta(days=60), days=7),
                     issuers=[pki.intermediate.certificate])
    partner = pki.trust(intermediates=(pki.intermediate.certificate,), crls=(stale,))
    assert verify_xml(signed, trust=partner, at=LATER, tsa_trust=_tsa_trust(tsa)).level == "B-LT"
    with pytest.raises(TrustError) as info:
        verify_xml(sign_xml(DOC, pki.identity(), long_term=_long_term(pki, tsa, "B-T"), at=SIGNED_AT),
                   trust=partner, at=LATER, tsa_trust=_tsa_trust(tsa))
    assert info.value.code == "REVOCATION_UNKNOWN"


def test_xmlsec1_verifies_the_xades_core(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate],
                                         tmp_path: Path) -> None:
    xmlsec1 = require_tool("xmlsec1")
    signed = sign_xml(DOC, pki.identity(), long_term=_long_term(pki, tsa, "B-LT"), at=SIGNED_AT)
    (tmp_path / "signed.xml").write_bytes(signed)
    (tmp_path / "ca.pem").write_bytes(pki.root.cert_pem())
    command = [xmlsec1, "--verify", "--enabled-key-data", "x509", "--trusted-pem", str(tmp_path / "ca.pem"),
               "--verification-gmt-time", SIGNED_AT.strftime("%Y-%m-%d %H:%M:%S"), str(tmp_path / "signed.xml")]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr
    root = etree.fromstring(signed)
    root.find(".//xades:SigningTime", NS).text = "2020-01-01T00:00:00+00:00"  # type: ignore[union-attr]
    (tmp_path / "signed.xml").write_bytes(etree.tostring(root))
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode != 0  # the signed properties are covered by the signature


def test_ubl_schema_still_validates_with_xades(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate],
                                                tmp_path: Path) -> None:
    xmllint = require_tool("xmllint")
    schema = require_reference("ubl-2.4", "xsd", "maindoc", "UBL-CertificateOfOrigin-2.4.xsd")
    document = mappings.map_forward(mappings.load_example("coo-cn-hk"), "coo-ubl24-cepa-hk", at=AT).document
    signed = sign_xml(document, pki.identity(), placement=SignaturePlacement.UBL_EXTENSION,
                      long_term=_long_term(pki, tsa, "B-LT"), at=SIGNED_AT)
    assert verify_xml(signed, trust=pki.trust(), at=LATER, placement=SignaturePlacement.UBL_EXTENSION,
                      tsa_trust=_tsa_trust(tsa)).level == "B-LT"
    (tmp_path / "coo.xml").write_bytes(signed)
    result = subprocess.run([xmllint, "--noout", "--nonet", "--schema", str(schema), str(tmp_path / "coo.xml")],
                            capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("level", ["B-T", "B-LT", "B-LTA"])
def test_pades_verifies_years_later(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate], level: str) -> None:
    signed = sign_pdf(minimal_pdf(), pki.identity(), at=SIGNED_AT, long_term=_long_term(pki, tsa, level))
    verified = verify_pdf(signed, trust=pki.trust(), at=LATER, tsa_trust=_tsa_trust(tsa))
    assert verified.level == level
    assert verified.timestamp is not None and verified.timestamp.time == SIGNED_AT
    assert len(verified.archive_timestamps) == (level == "B-LTA")
    with pytest.raises(TrustError) as info:
        verify_pdf(signed, trust=pki.trust(), at=LATER)
    assert info.value.code == "CERTIFICATE_EXPIRED"


def test_pades_revoked_before_signing_is_refused(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate]) -> None:
    signed = sign_pdf(minimal_pdf(), pki.identity(), at=SIGNED_AT, long_term=_long_term(pki, tsa, "B-LTA"))
    after = _revoked_trust(pki, SIGNED_AT + timedelta(days=100))
    assert verify_pdf(signed, trust=after, at=LATER, tsa_trust=_tsa_trust(tsa)).level == "B-LTA"
    with pytest.raises(TrustError) as info:
        verify_pdf(signed, trust=_revoked_trust(pki, SIGNED_AT - timedelta(days=1)), at=LATER,
                   tsa_trust=_tsa_trust(tsa))
    assert info.value.code == "CERTIFICATE_REVOKED"


def test_pades_change_after_signing_is_refused(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate]) -> None:
    """A second ordinary signature after the first is not an LTA update."""
    signed = sign_pdf(minimal_pdf(), pki.identity(), at=SIGNED_AT, long_term=_long_term(pki, tsa, "B-LT"))
    twice = sign_pdf(signed, pki.identity(), at=SIGNED_AT, field_name="second")
    with pytest.raises(TrustError) as info:
        verify_pdf(twice, trust=pki.trust(), at=SIGNED_AT, tsa_trust=_tsa_trust(tsa))
    assert info.value.code == "PDF_SIGNATURE_INVALID"


class _DownTsa:
    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        raise ConnectionRefusedError("connection refused")


@pytest.mark.parametrize("what", ["xml", "pdf"])
def test_an_unreachable_tsa_signs_nothing(pki: Pki, what: str) -> None:
    long_term = LongTerm(_DownTsa())
    with pytest.raises(TrustError) as info:
        if what == "xml":
            sign_xml(DOC, pki.identity(), long_term=long_term, at=SIGNED_AT)
        else:
            sign_pdf(minimal_pdf(), pki.identity(), at=SIGNED_AT, long_term=long_term)
    assert info.value.code == "TIMESTAMP_UNAVAILABLE"


def test_pdfsig_sees_signature_and_timestamp(pki: Pki, tsa: tuple[IssuedCertificate, IssuedCertificate],
                                             tmp_path: Path) -> None:
    pdfsig = require_tool("pdfsig")
    signed = sign_pdf(minimal_pdf(), pki.identity(), at=SIGNED_AT, long_term=_long_term(pki, tsa, "B-LTA"))
    (tmp_path / "lta.pdf").write_bytes(signed)
    result = subprocess.run([pdfsig, str(tmp_path / "lta.pdf")], capture_output=True, text=True, check=False,
                            timeout=60)
    out = result.stdout
    assert "Signature #1" in out and "Signature #2" in out, out + result.stderr
    first, second = out.split("Signature #2")
    assert "ETSI.CAdES.detached" in first and "Signature is Valid" in first
    assert "swgw-test-tsa" in second  # the document time-stamp, signed by the TSA
