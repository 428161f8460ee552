"""Seed inputs, built at run time from the repository's examples and test vectors (nothing is copied).

Signed inputs (XML documents, CRLs, envelopes) are signed with :data:`PKI`, a development PKI made at import with
:mod:`trust.devpki` from fixed keys: the harnesses trust its CA, so seeds reach the cryptographic checks, and a
saved finding signed in one process still verifies in the next.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import tomli_w
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import mappings
import trust
from gateway.pipeline import signatures
from trust import devpki

__all__ = ["AT", "INTERCHANGE", "PKI", "REPO", "FuzzPki", "crl_seeds", "codec_seeds", "record_seeds", "reverse_seeds",
           "settings_seeds", "xml_seeds"]

REPO = Path(__file__).resolve().parent.parent
VECTORS = REPO / "tests" / "vectors"
REFERENCE = REPO.parent / "shared" / "reference"

#: The EDIFACT envelope of the CUSCAR seeds (an agreement's, as the gateway passes it to the mapping).
INTERCHANGE = mappings.Interchange(sender="CN", recipient="HK")

AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
"""The fixed verification time of every harness (never the clock: the same input must give the same outcome)."""

EXAMPLES = ("coo-cn-hk", "coo-cn-jp", "coo-cn-mo", "coo-cn-vn", "coo-hk-cn", "coo-invalid", "manifest-cn-mo",
            "manifest-cn-mo-single")

# No example of an SPS certificate ships with the mappings; this small one (catalog-valid, two items) stands in, so
# that the SPS harnesses start from a document the profile reads.
_SPS_RECORD: dict[str, Any] = {
    "certificate": {"id": "AR-2025-0042", "version": 1, "type_code": "851", "status_code": "70",
                    "issue_datetime": "2025-06-12T08:30:00+00:00",
                    "issuer_name": "Servicio Nacional de Sanidad y Calidad Agroalimentaria"},
    "consignor": {"name": "Frutas del Sur S.A."},
    "consignee": {"name": "Shanghai Fresh Import Co., Ltd."},
    "consignment": {"export_country": "AR", "import_country": "CN"},
    "items": [{"sequence": 1, "description": "Fresh pears"}, {"sequence": 2, "description": "Fresh apples"}],
}


@dataclass(frozen=True)
class FuzzPki:
    """The fuzzing partner's trust: a root CA, a signer and a revoked signer under it, the CRL, the PartnerTrust."""

    ca: devpki.IssuedCertificate
    signer: devpki.IssuedCertificate
    revoked: devpki.IssuedCertificate
    crl: bytes
    partner: trust.PartnerTrust


def _key(label: str) -> ec.EllipticCurvePrivateKey:
    # Fixed keys (31 bytes of a hash: below the P-256 order): certificates are re-issued in every process, with
    # other serials and signature bytes, but under the same keys, so a saved finding still verifies later.
    return ec.derive_private_key(int.from_bytes(hashlib.sha256(label.encode()).digest()[:31], "big"), ec.SECP256R1())


def _pki() -> FuzzPki:
    day = timedelta(days=1)
    ca = devpki.create_ca("Fuzz Partner Root CA", at=AT - 30 * day, organization="swgw fuzz",
                          private_key=_key("swgw fuzz root"))
    signer = devpki.issue_certificate(ca, "Fuzz Partner Signer", at=AT - day, usage="signing",
                                      private_key=_key("swgw fuzz signer"))
    revoked = devpki.issue_certificate(ca, "Fuzz Revoked Signer", at=AT - day, usage="signing",
                                       private_key=_key("swgw fuzz revoked"))
    crl = devpki.issue_crl(ca, [(revoked.certificate, AT - timedelta(hours=1))], at=AT - timedelta(hours=1))
    info = trust.load_crl(crl, issuers=[ca.certificate])
    partner = trust.PartnerTrust(partner="FUZZ", anchors=(ca.certificate,), crls=(info,))
    return FuzzPki(ca=ca, signer=signer, revoked=revoked, crl=crl, partner=partner)


PKI = _pki()
"""The fuzzing PKI, made at import with the development PKI of :mod:`trust.devpki` and fixed keys."""


def _example_records() -> Iterator[tuple[str, dict[str, Any]]]:
    from tests.unit.mappings.maptest_support import apply_edits

    for name in EXAMPLES:
        yield name, mappings.load_example(name)
    yield "sps-minimal", copy.deepcopy(_SPS_RECORD)
    # The catalog and mapping vectors' edits make records that reach other branches (replacements, absent groups).
    for path in sorted((VECTORS / "mappings").glob("*/*.toml")):
        for case in tomllib.loads(path.read_text("utf-8")).get("case", []):
            if case.get("direction", "forward") == "forward" and "example" in case:
                try:
                    yield case["name"], apply_edits(mappings.load_example(case["example"]), case)
                except (KeyError, IndexError, TypeError):
                    continue


def record_seeds() -> list[tuple[str, bytes]]:
    """Every example record and every forward vector's edited record, as JSON."""
    return [(name, json.dumps(record, ensure_ascii=False).encode()) for name, record in _example_records()]


@cache
def _forward_documents() -> tuple[tuple[str, str, bytes], ...]:
    """(profile, example, document) for every example that maps forward under a profile."""
    out: list[tuple[str, str, bytes]] = []
    records = [(name, mappings.load_example(name)) for name in EXAMPLES] + [("sps-minimal", _SPS_RECORD)]
    for profile in mappings.list_profiles():
        for name, record in records:
            try:
                out.append((profile.id, name, mappings.map_forward(record, profile.id, interchange=INTERCHANGE).document))
            except mappings.MappingError:
                continue
    return tuple(out)


def _xml_vectors() -> Iterator[tuple[str, bytes]]:
    for path in sorted((VECTORS / "mappings" / "xml").glob("*/input.xml")):
        yield f"xml-{path.parent.name}", path.read_bytes()
    hostile = tomllib.loads((VECTORS / "xmldsig" / "hostile" / "cases.toml").read_text("utf-8"))
    for case in hostile["case"]:
        if "xml" in case and "repeat" not in case:
            yield f"hostile-{case['name']}", case["xml"].encode(case.get("encoding", "utf-8"))


def reverse_seeds(profile_id: str) -> list[tuple[str, bytes]]:
    """The profile's forward documents, the reverse vectors' edits of them, and the hardened-parser vectors."""
    seeds = [(f"forward-{name}", doc) for pid, name, doc in _forward_documents() if pid == profile_id]
    if profile_id == "sps-ephyto-17":
        # No shipped SPS example: the hub's sample (reference material, read in place) when it is present.
        sample = REFERENCE / "sps-ephyto" / "SPSCertificateContent.xml"
        if sample.is_file():
            seeds.append(("hub-sample", sample.read_bytes()))
    seeds += _xml_vectors()
    return seeds


def edifact_seeds() -> list[tuple[str, bytes]]:
    """The CUSCAR profile's forward interchanges, and a few broken envelopes."""
    seeds = [(f"forward-{name}", doc) for pid, name, doc in _forward_documents() if pid == "manifest-cuscar-d96b"]
    if seeds:
        first = seeds[0][1]
        seeds.append(("no-una", re.sub(rb"^UNA[^U]*", b"", first)))
        seeds.append(("truncated", first[: len(first) // 2]))
    return seeds


def xml_seeds() -> list[tuple[str, bytes]]:
    """Forward documents signed by the fuzzing signer, unsigned, and the hardened-parser vectors."""
    identity = PKI.signer.identity()
    document = (VECTORS / "xmldsig" / "document.xml").read_bytes()
    seeds = [("xmldsig-document", trust.sign_xml(document, identity)),
             ("xmldsig-document-revoked-signer", trust.sign_xml(document, PKI.revoked.identity()))]
    for pid, name, doc in _forward_documents():
        if pid.startswith("manifest-cuscar"):
            continue
        seeds.append((f"signed-{pid}-{name}", trust.sign_xml(doc, identity)))
        seeds.append((f"unsigned-{pid}-{name}", doc))
    seeds += _xml_vectors()
    return seeds


def crl_seeds() -> list[tuple[str, bytes]]:
    """The fuzzing CA's CRLs (DER and PEM, empty and with an entry)."""
    der = PKI.crl
    empty = devpki.issue_crl(PKI.ca, [], at=AT)
    pem = serialization.Encoding.PEM
    from cryptography import x509

    return [
        ("crl-der", der),
        ("crl-empty-der", empty),
        ("crl-pem", x509.load_der_x509_crl(der).public_bytes(pem)),
        ("crl-empty-pem", x509.load_der_x509_crl(empty).public_bytes(pem)),
    ]


def inquiry_seeds(kind: str) -> list[tuple[str, bytes]]:
    """Inquiries (by number, by digest) in InquireCertificateRequest, or signed answers (valid, withdrawn, unknown)
    in InquireCertificateResponse."""
    from gateway._generated.swgw.v1 import certificate_ledger_pb2 as lpb
    from gateway.core.domain import Action, BusinessKey, PartyId, sha256_hex
    from gateway.core.ledger import AnsweredVersion, CertificateInquiry, CertificateStatus, InquiryAnswer
    from gateway.transports import ledger_codec

    questions = [CertificateInquiry("fuzz-q1", business_key=BusinessKey("CCPIT", "N1", 0)),
                 CertificateInquiry("fuzz-q2", document_sha256=sha256_hex(b"document"))]
    if kind == "inquiry":
        return [(f"inquiry-{q.inquiry_id}", lpb.InquireCertificateRequest(
            inquiry=ledger_codec.inquiry_to_proto(q)).SerializeToString()) for q in questions]
    seeds: list[tuple[str, bytes]] = []
    history = (AnsweredVersion(1, Action.ISSUE, sha256_hex(b"v1"), AT), AnsweredVersion(2, Action.WITHDRAW,
                                                                                     sha256_hex(b"v2"), AT))
    for question, status in zip(questions, (CertificateStatus.WITHDRAWN, CertificateStatus.UNKNOWN), strict=True):
        known = status is not CertificateStatus.UNKNOWN
        answer = InquiryAnswer(
            inquiry_id=question.inquiry_id, answerer=PartyId("HK"), asker=PartyId("CN"), inquiry=question,
            status=status, certificate=BusinessKey("CCPIT", "N1", 2) if known else None,
            current=BusinessKey("CCPIT", "N1", 2) if known else None, history=history if known else (),
            answered_at=AT)
        signed = signatures.sign_inquiry_answer(answer, PKI.signer.identity())
        seeds.append((f"answer-{status.value.lower()}", lpb.InquireCertificateResponse(
            answer=ledger_codec.answer_to_proto(signed)).SerializeToString()))
    return seeds


def codec_seeds(kind: str) -> list[tuple[str, bytes]]:
    """Signed envelopes (one per forward document, with and without attachments) or receipts, serialised."""
    from gateway.core.domain import (Action, Attachment, BusinessKey, DocumentType, Envelope, ErrorInfo, PartyId, Receipt,
                                ReceiptOutcome, sha256_hex)
    from gateway.transports import codec

    identity = PKI.signer.identity()
    seeds: list[tuple[str, bytes]] = []
    if kind == "envelope":
        for index, (pid, name, doc) in enumerate(_forward_documents()):
            profile = mappings.get_profile(pid)
            attachments = (Attachment("rendering.pdf", "application/pdf", b"%PDF-1.7 fuzz"),) if index % 2 else ()
            envelope = Envelope(
                message_id=f"fuzz-{index}", business_key=BusinessKey("CCPIT", f"N{index}", 1 + index % 2),
                sender=PartyId("HK"), receiver=PartyId("CN"), document_type=DocumentType(profile.document_type),
                document_format=profile.format, action=(Action.ISSUE, Action.REPLACE)[index % 2],
                created_at=AT, payload=doc, payload_sha256=sha256_hex(doc), attachments=attachments,
                refers_to=BusinessKey("CCPIT", f"N{index}", 1) if index % 2 else None,
            )
            signed = signatures.sign_envelope(envelope, identity)
            seeds.append((f"envelope-{pid}-{name}", codec.envelope_to_proto(signed).SerializeToString()))
        return seeds
    for outcome, errors in ((ReceiptOutcome.ACCEPTED, ()),
                            (ReceiptOutcome.REJECTED, (ErrorInfo("SIGNATURE_INVALID", "bad", "/a/b"),))):
        receipt = Receipt(message_id="fuzz-1", receipt_id="r-1", issuer=PartyId("HK"), outcome=outcome,
                          payload_sha256=sha256_hex(b"payload"), received_at=AT, errors=errors)
        signed_receipt = signatures.sign_receipt(receipt, identity)
        seeds.append((f"receipt-{outcome.value.lower()}", codec.receipt_to_proto(signed_receipt).SerializeToString()))
    return seeds


def _readme_toml() -> Iterator[str]:
    readme = (REPO / "README.md").read_text("utf-8")
    yield from re.findall(r"```toml\n(.*?)```", readme, flags=re.DOTALL)


def settings_seeds() -> list[tuple[str, bytes]]:
    """The README's configuration, ``swgw init``'s and the settings tests' base configuration, as TOML."""
    from gateway.tools import devsetup

    seeds = [(f"readme-{i}", text.encode()) for i, text in enumerate(_readme_toml())]
    partner = {
        "party": "HK", "endpoint": "127.0.0.1:9", "tls_server_name": "hk.gateway.test",
        "trust_anchors": ["hk.pem"], "documents": {"certificate-of-origin": "coo-ubl24-cepa-hk",
                                                   "cargo-manifest": "manifest-cuscar-d96b"},
        "retry": {"strategy": "constant", "initial_delay_seconds": 2, "max_attempts": 3},
    }
    config = devsetup.gateway_config("CN", partner_port=7443, domestic_port=7080, partners=[partner])
    seeds.append(("devsetup", tomli_w.dumps(config).encode()))
    config["metrics"] = {"address": "127.0.0.1:9464"}
    config["operators"] = {"ca": "operators-ca.pem"}
    config["domestic_listener"] = {"address": "0.0.0.0:7080", "tls_key": "d.key", "tls_certificate": "d.pem",
                                   "client_ca": "clients.pem"}
    config["domestic_clients"] = [{"name": "hub", "default": True, "partners": ["HK"],
                                  "document_types": ["certificate-of-origin"]}]
    seeds.append(("devsetup-full", tomli_w.dumps(config).encode()))
    return seeds
