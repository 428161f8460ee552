"""``swgw verify``'s report on long-term signatures: when the document was signed, by whose time-stamp, and what
happened to the signer's certificate since (expired, revoked after the time-stamp); refused when revoked before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.pipeline.signatures import timestamping_trust
from gateway.tools.verify_offline import summary, verify_bytes
from trust import PartnerTrust, SignaturePlacement, load_crl, sign_xml
from trust.devpki import DevTimestamper, IssuedCertificate, create_ca, issue_certificate, issue_crl
from trust.timestamp import LongTerm

SIGNED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
LATER = SIGNED + timedelta(days=4 * 365)
DOC = b"<Certificate><Number>CN-2026-0042</Number></Certificate>"


@pytest.fixture(scope="module")
def pki() -> dict[str, IssuedCertificate]:
    ca = create_ca("CN Signing CA", at=SIGNED - timedelta(days=10))
    tsa_ca = create_ca("TSA Root", at=SIGNED - timedelta(days=10))
    return {
        "ca": ca,
        "signer": issue_certificate(ca, "CN signer", at=SIGNED - timedelta(days=10), days=365, usage="signing"),
        "tsa_ca": tsa_ca,
        "tsa": issue_certificate(tsa_ca, "Example TSA", at=SIGNED - timedelta(days=10), days=3650,
                                 usage="timestamping", key="rsa"),
    }


def _signed(pki: dict[str, IssuedCertificate]) -> bytes:
    return sign_xml(DOC, pki["signer"].identity(), placement=SignaturePlacement.ENVELOPED,
                    long_term=LongTerm(DevTimestamper(pki["tsa"], at=SIGNED)), at=SIGNED)


def _partner(pki: dict[str, IssuedCertificate], revoked_at: datetime | None = None) -> PartnerTrust:
    crls = ()
    if revoked_at is not None:
        crl = issue_crl(pki["ca"], [(pki["signer"].certificate, revoked_at)], at=LATER - timedelta(days=1))
        crls = (load_crl(crl, issuers=[pki["ca"].certificate]),)
    return PartnerTrust(partner="CN", anchors=(pki["ca"].certificate,), crls=crls)


def test_expired_since_signing(pki: dict[str, IssuedCertificate]) -> None:
    report = verify_bytes(_signed(pki), {"CN": _partner(pki)}, at=LATER,
                          tsa_trust=timestamping_trust([pki["tsa_ca"].certificate]))
    assert report.valid and report.level == "B-T"
    expired = pki["signer"].certificate.not_valid_after_utc.isoformat()
    assert summary(report) == (f"valid (B-T): signed at {SIGNED.isoformat()} (timestamp by CN=Example TSA), "
                               f"signer certificate expired since {expired}")


def test_revoked_after_signing_is_valid_and_says_so(pki: dict[str, IssuedCertificate]) -> None:
    revoked = SIGNED + timedelta(days=30)
    report = verify_bytes(_signed(pki), {"CN": _partner(pki, revoked)}, at=LATER,
                          tsa_trust=timestamping_trust([pki["tsa_ca"].certificate]))
    assert report.valid, report.error
    assert f"signer certificate revoked since {revoked.isoformat()}" in report.since


def test_revoked_before_signing_is_refused(pki: dict[str, IssuedCertificate]) -> None:
    report = verify_bytes(_signed(pki), {"CN": _partner(pki, SIGNED - timedelta(days=1))}, at=LATER,
                          tsa_trust=timestamping_trust([pki["tsa_ca"].certificate]))
    assert not report.valid and report.error_code == "CERTIFICATE_REVOKED"
    assert summary(report).startswith("invalid: CERTIFICATE_REVOKED")


def test_without_tsa_trust_the_time_stamp_proves_nothing(pki: dict[str, IssuedCertificate]) -> None:
    report = verify_bytes(_signed(pki), {"CN": _partner(pki)}, at=SIGNED + timedelta(days=1))
    assert report.valid and report.level == "B-B" and report.signed_at is None
    assert summary(report).startswith("valid (B-B): no trusted time-stamp")
