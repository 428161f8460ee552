"""PAdES sign_pdf / verify_pdf, pyHanko's reference PDFs as data, and poppler's pdfsig on our output."""

from __future__ import annotations

import subprocess
import tomllib
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from trust_testkit import AT, VECTORS, Pki, minimal_pdf, require_reference, require_tool

from trust import PartnerTrust, PdfSignatureInvalid, TrustError, ca_problem
from trust.devpki import create_ca, issue_certificate, issue_intermediate
from trust.keys import load_der_certificate
from trust.pdfsig import sign_pdf, verify_pdf

PDF = minimal_pdf()


@pytest.mark.parametrize("signer", ["signer_ec", "signer_rsa"])
def test_round_trip(pki: Pki, signer: str) -> None:
    issued = getattr(pki, signer)
    signed = sign_pdf(PDF, pki.identity(issued), at=AT)
    verified = verify_pdf(signed, trust=pki.trust(), at=AT + timedelta(minutes=1))
    assert verified.signer == issued.certificate
    assert verified.chain == (issued.certificate, pki.intermediate.certificate, pki.root.certificate)
    assert verified.coverage == "ENTIRE_FILE" and verified.field_name == "swgw-signature"
    assert verified.claimed_signing_time == AT
    assert verified.signed_pdf == signed


def test_custom_field_name(pki: Pki) -> None:
    signed = sign_pdf(PDF, pki.identity(), at=AT, field_name="coo")
    assert verify_pdf(signed, trust=pki.trust(), at=AT).field_name == "coo"


def _code(pdf: bytes, trust: PartnerTrust, at: datetime = AT) -> str:
    with pytest.raises(TrustError) as caught:
        verify_pdf(pdf, trust=trust, at=at)
    return caught.value.code


def test_refusals(pki: Pki) -> None:
    signed = sign_pdf(PDF, pki.identity(), at=AT)
    assert _code(PDF, pki.trust()) == "SIGNATURE_MISSING"
    assert _code(signed, PartnerTrust("HK", anchors=(pki.other_root.certificate,))) == "CERTIFICATE_UNTRUSTED"
    assert _code(signed, pki.trust(), AT + timedelta(days=2000)) == "CERTIFICATE_EXPIRED"
    assert _code(b"%PDF-1.7 nonsense", pki.trust()) == "PDF_SIGNATURE_INVALID"


def test_tampered_content_is_invalid(pki: Pki) -> None:
    signed = sign_pdf(PDF, pki.identity(), at=AT)
    assert b"HK-2025-0001" in signed
    assert _code(signed.replace(b"HK-2025-0001", b"HK-2025-0666"), pki.trust()) == "PDF_SIGNATURE_INVALID"


def test_update_after_signing_is_invalid(pki: Pki) -> None:
    signed = sign_pdf(PDF, pki.identity(), at=AT)
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    writer.root["/SneakyUpdate"] = writer.root.raw_get("/Pages")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    with pytest.raises(PdfSignatureInvalid, match="not the entire file"):
        verify_pdf(out.getvalue(), trust=pki.trust(), at=AT)


def test_second_signature_is_outside_the_profile(pki: Pki) -> None:
    once = sign_pdf(PDF, pki.identity(), at=AT)
    twice = sign_pdf(once, pki.identity(pki.signer_rsa), at=AT, field_name="second")
    assert _code(twice, pki.trust()) == "PDF_SIGNATURE_INVALID"


def test_sign_refuses_non_pdf(pki: Pki) -> None:
    with pytest.raises(TrustError) as caught:
        sign_pdf(b"not a pdf", pki.identity(), at=AT)
    assert caught.value.code == "PDF_SIGNATURE_INVALID"


REFERENCE_CASES: list[dict[str, Any]] = tomllib.loads((VECTORS / "pades" / "expectations.toml").read_text("utf-8"))["pdf"]


def _cms_roots(data: bytes) -> tuple[Any, ...]:
    roots = []
    try:
        for signature in PdfFileReader(BytesIO(data), strict=False).embedded_signatures:
            for cert in (signature.signer_cert, *signature.other_embedded_certs):
                if cert.self_signed in ("maybe", "yes"):  # asn1crypto answers with a string, never a bool
                    roots.append(load_der_certificate(cert.dump()))
    except Exception:  # noqa: BLE001 - an unreadable file simply yields no anchors; verify_pdf reports why
        return ()
    return tuple(roots)


@pytest.mark.parametrize("case", REFERENCE_CASES, ids=[c["path"].rsplit("/", 1)[-1] for c in REFERENCE_CASES])
def test_pyhanko_reference_pdf(case: dict[str, Any]) -> None:
    data = require_reference(*case["path"].split("/")).read_bytes()
    roots = _cms_roots(data) if case["anchor"] == "cms-roots" else ()
    # Self-signed CA certificates are anchors; a self-signed end-entity certificate can only be pinned.
    trust = PartnerTrust("REF", anchors=tuple(c for c in roots if ca_problem(c) is None),
                         pinned=tuple(c for c in roots if ca_problem(c) is not None))
    at = datetime.fromisoformat(case["at"]).replace(tzinfo=timezone.utc)
    if case["outcome"] == "valid":
        verified = verify_pdf(data, trust=trust, at=at)
        assert verified.coverage == case["coverage"] and len(verified.chain) == case["chain_length"]
        return
    assert _code(data, trust, at) == case["error"]


def test_every_reference_pdf_is_listed() -> None:
    root = require_reference("pades", "pyhanko", "pdf")
    on_disk = {f"pades/pyhanko/pdf/{p.relative_to(root)}" for p in root.rglob("*.pdf")}
    assert on_disk <= {c["path"] for c in REFERENCE_CASES}


def _pdfsig(pdfsig: str, tmp_path: Path, pdf: bytes) -> str:
    (tmp_path / "home").mkdir(exist_ok=True)
    (tmp_path / "doc.pdf").write_bytes(pdf)
    # HOME points at an empty directory so that no user NSS database (and its trust settings) is consulted.
    result = subprocess.run(
        [pdfsig, "-no-ocsp", str(tmp_path / "doc.pdf")],
        capture_output=True, text=True, check=False, timeout=60, env={"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
    )
    return result.stdout + result.stderr


def test_pdfsig_reports_our_signature_valid(tmp_path: Path) -> None:
    """pdfsig checks what it can without our CA: signature valid, whole document covered, SHA-256, PAdES type.

    Its "Certificate Validation" line reads "Certificate issuer is unknown." because pdfsig only trusts an NSS
    database; with an NSS database trusting the test root, poppler 22.12 reports "Unknown issue with Certificate
    or corrupted data." even for signatures pdfsig itself makes, so the trust decision is left to verify_pdf.
    pdfsig checks certificates at the current time, hence a PKI issued relative to now for this test.
    """
    pdfsig = require_tool("pdfsig")
    now = datetime.now(timezone.utc) - timedelta(hours=1)
    root = create_ca("pdfsig root", at=now)
    signer = issue_certificate(issue_intermediate(root, "pdfsig CA", at=now), "pdfsig signer", at=now, usage="signing")
    report = _pdfsig(pdfsig, tmp_path, sign_pdf(PDF, signer.identity(), at=now))
    assert "Signature Field Name: swgw-signature" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signing Hash Algorithm: SHA-256" in report
    assert "Total document signed" in report
    assert "Signature Validation: Signature is Valid." in report
    assert "Certificate Validation: Certificate issuer is unknown." in report


def test_pdfsig_detects_tampering(pki: Pki, tmp_path: Path) -> None:
    pdfsig = require_tool("pdfsig")
    tampered = sign_pdf(PDF, pki.identity(), at=AT).replace(b"HK-2025-0001", b"HK-2025-0666")
    report = _pdfsig(pdfsig, tmp_path, tampered)
    assert "Signature Validation: Signature is Valid." not in report
    assert "Digest Mismatch" in report or "Signature is Invalid" in report
