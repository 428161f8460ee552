"""Helpers for the trust tests: the fixed time, paths, tool/reference skips and the test PKI builder.

A uniquely named module (not conftest) so test files can import it without clashing with other packages' tests.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.reference_root import HINT, reference_root
from trust import PartnerTrust, SigningIdentity
from trust.devpki import IssuedCertificate, create_ca, issue_certificate, issue_intermediate

AT = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
"""The verification time used throughout; the PKI is issued relative to it."""

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "tests" / "vectors"
REFERENCE = reference_root()


def require_tool(name: str) -> str:
    """Path of an external tool; skip when absent, fail instead when SWGW_REQUIRE_TOOLS=1."""
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (apt-get install {'xmlsec1' if name == 'xmlsec1' else 'poppler-utils'})"
    if os.environ.get("SWGW_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{message} and SWGW_REQUIRE_TOOLS=1")
    pytest.skip(message)


def require_reference(*parts: str) -> Path:
    """A path under the reference folder (``tests/reference_root.py``); skip when the material is absent."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material not found at {path} ({HINT})")
    return path


@dataclass(frozen=True)
class Pki:
    """A small PKI: partner root + intermediate with EC and RSA signers, an unrelated root, odd certificates."""

    root: IssuedCertificate
    intermediate: IssuedCertificate
    signer_ec: IssuedCertificate
    signer_rsa: IssuedCertificate
    signer_direct: IssuedCertificate
    expired: IssuedCertificate
    not_yet_valid: IssuedCertificate
    tls: IssuedCertificate
    other_root: IssuedCertificate
    other_signer: IssuedCertificate

    def trust(self, partner: str = "HK", **kwargs: object) -> PartnerTrust:
        """PartnerTrust anchored at ``root`` (extra fields may be overridden)."""
        fields: dict[str, object] = {"partner": partner, "anchors": (self.root.certificate,)}
        fields.update(kwargs)
        return PartnerTrust(**fields)  # type: ignore[arg-type]

    def identity(self, issued: IssuedCertificate | None = None) -> SigningIdentity:
        """SigningIdentity of ``issued`` (default: the EC signer) with its chain."""
        return (issued or self.signer_ec).identity()


def build_pki() -> Pki:
    """Generate the test PKI (keys are fresh on every call)."""
    issued_at = AT - timedelta(days=30)
    root = create_ca("SWGW Test Root HK", at=issued_at, organization="HK Single Window (test)")
    intermediate = issue_intermediate(root, "SWGW Test Signing CA HK", at=issued_at)
    other_root = create_ca("Unrelated Root", at=issued_at)
    return Pki(
        root=root,
        intermediate=intermediate,
        signer_ec=issue_certificate(intermediate, "hk-signer-ec", at=issued_at, usage="signing"),
        signer_rsa=issue_certificate(intermediate, "hk-signer-rsa", at=issued_at, usage="signing", key="rsa"),
        signer_direct=issue_certificate(root, "hk-signer-direct", at=issued_at, usage="signing"),
        expired=issue_certificate(intermediate, "hk-expired", at=AT - timedelta(days=20), days=10, usage="signing"),
        not_yet_valid=issue_certificate(intermediate, "hk-future", at=AT + timedelta(days=1), usage="signing"),
        tls=issue_certificate(root, "hk-gw", at=issued_at, usage="tls", dns_names=["gw.hk.test"]),
        other_root=other_root,
        other_signer=issue_certificate(other_root, "intruder", at=issued_at, usage="signing"),
    )


def minimal_pdf(text: str = "Certificate of origin HK-2025-0001") -> bytes:
    """A one-page PDF with a line of Helvetica text, written with pyHanko's own writer."""
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

    writer = PdfFileWriter()
    font = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Font"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
            generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
        }
    )
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = generic.StreamObject(stream_data=f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1"))
    resources = generic.DictionaryObject(
        {generic.pdf_name("/Font"): generic.DictionaryObject({generic.pdf_name("/F1"): writer.add_object(font)})}
    )
    box = generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)])
    writer.insert_page(PageObject(contents=writer.add_object(content), media_box=box, resources=resources))
    output = BytesIO()
    writer.write(output)
    return output.getvalue()
