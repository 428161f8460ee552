"""Offline verification of what swgw signs, for customs officers and importers: a signed XML document, a
PAdES-signed PDF, or an exported message (envelope, payload, attachments and receipt), against trust material
given as data. No gateway needs to run, and nothing is fetched.

A long-term signature (XAdES B-T/B-LT, PAdES B-T/B-LT/B-LTA) whose time-stamp a trusted TSA made is judged at the
time the time-stamp proves, so a document signed before its signer's certificate expired or was revoked stays
valid; the report says when it was signed, by whose time-stamp, and what happened to the certificate since.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from google.protobuf import json_format
from lxml import etree

import mappings
import trust
from trust import PartnerTrust

from .._generated.swgw.v1 import envelope_pb2 as pb
from ..core.domain import sha256_hex
from ..core.errors import SignatureFormatUnsupported
from ..core.relay import RELAY_TLS_FORMAT
from ..pipeline import signatures
from ..transports import codec
from ..transports.export import export_message

__all__ = ["VerifyReport", "export_message", "summary", "verify_bytes"]


_UBL_NAMESPACE = "urn:oasis:names:specification:ubl:schema:xsd:"
_SHAPES = {
    "enveloped": "enveloped under the root",
    "ubl-extension": "enveloped in the UBL extension block",
    "detached": "detached, beside the unchanged document",
}


@dataclass
class VerifyReport:
    """The outcome of an offline verification."""

    kind: str
    """"xml", "pdf" or "message"."""
    valid: bool = False
    """True only when every signature checked verified against the given trust."""
    partner: str | None = None
    """The partner whose trust the signer belongs to."""
    signer: str | None = None
    """Subject of the signing certificate."""
    fingerprint: str | None = None
    """Its SHA-256 fingerprint."""
    chain: list[str] = field(default_factory=list)
    """The validated path, leaf to anchor (subjects)."""
    validity: str | None = None
    """The signer certificate's validity period."""
    revocation: str | None = None
    """What is known of the signer's revocation status."""
    level: str | None = None
    """The baseline level verified: B-B, B-T, B-LT or B-LTA (the lowest of the document's signatures)."""
    signed_at: str | None = None
    """The time a trusted time-stamp proves the signature existed (ISO 8601); None without one."""
    timestamp_authority: str | None = None
    """The TSA whose time-stamp proves it."""
    since: list[str] = field(default_factory=list)
    """What happened to the signer's certificate after the time-stamp (expired, revoked), judged at ``at``."""
    checks: list[str] = field(default_factory=list)
    """Each check made, in order, with its result."""
    error_code: str | None = None
    """The stable code of the first failure."""
    error: str | None = None
    """Its explanation."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


def _describe_time(report: VerifyReport, partner: PartnerTrust, verified: trust.VerifiedXml | trust.VerifiedPdf,
                   at: datetime) -> None:
    """Level, trusted signing time and what happened to the signer's certificate after it."""
    ranks = ("B-B", "B-T", "B-LT", "B-LTA")
    report.level = verified.level if report.level is None else min(report.level, verified.level, key=ranks.index)
    stamp = verified.timestamp
    if stamp is None:
        return
    report.signed_at, report.timestamp_authority = stamp.time.isoformat(), stamp.authority
    signer = verified.signer
    if at > signer.not_valid_after_utc:
        report.since.append(f"signer certificate expired since {signer.not_valid_after_utc.isoformat()}")
    revoked = [partner.revoked.get(trust.fingerprint(signer))]
    revoked += [crl.revoked_serials.get(signer.serial_number) for crl in partner.crls
                if verified.chain[1:] and crl.issuer_fingerprint == trust.fingerprint(verified.chain[1])]
    for when in sorted(w for w in revoked if w is not None and stamp.time < w <= at):
        report.since.append(f"signer certificate revoked since {when.isoformat()}")


def summary(report: VerifyReport) -> str:
    """One line for an officer: the verdict, when it was signed by whose time-stamp, and what happened since."""
    if not report.valid:
        return f"invalid: {report.error_code}: {report.error}"
    if report.signed_at is None:
        return f"valid ({report.level or 'baseline'}): no trusted time-stamp, the signer was judged at the given time"
    line = f"valid ({report.level}): signed at {report.signed_at} (timestamp by {report.timestamp_authority})"
    return ", ".join([line, *report.since])


def _describe(report: VerifyReport, partner: PartnerTrust, signer: x509.Certificate,
              chain: tuple[x509.Certificate, ...], warnings: tuple[str, ...]) -> None:
    report.partner = partner.partner
    report.signer = signer.subject.rfc4514_string()
    report.fingerprint = trust.fingerprint(signer)
    report.chain = [c.subject.rfc4514_string() for c in chain]
    report.validity = f"{signer.not_valid_before_utc.isoformat()} .. {signer.not_valid_after_utc.isoformat()}"
    # A pinned signer's path is itself alone; its revocation was checked along its issuers in the material.
    issuers = chain[1:] or partner.pinned_issuers(signer)
    issuer_fp = trust.fingerprint(issuers[0]) if issuers else None
    crls = [c for c in partner.crls if c.issuer_fingerprint == issuer_fp]
    if warnings:
        report.revocation = "; ".join(warnings)
    elif crls:
        report.revocation = f"not revoked (CRL of {crls[0].issuer.rfc4514_string()}, " \
                            f"this update {crls[0].this_update.isoformat()})"
    else:
        report.revocation = "not checked: no CRL imported for the issuer"


def _first_trusted(
    report: VerifyReport, stores: Mapping[str, PartnerTrust], check: Callable[[PartnerTrust], Any]
) -> Any:
    """Run ``check`` with each partner's trust; the first that verifies wins. A failure other than "untrusted"
    (tampering, forbidden algorithm) is the more informative one to report."""
    best: trust.TrustError | None = None
    for partner in stores.values():
        try:
            return partner, check(partner)
        except trust.TrustError as e:
            if best is None or (best.code == "CERTIFICATE_UNTRUSTED" and e.code != "CERTIFICATE_UNTRUSTED"):
                best = e
    error = best or trust.CertificateUntrusted("no trust material given")
    report.error_code, report.error = error.code, error.message
    return None, None


def _placement_for(data: bytes) -> str:
    # A lone file comes without its agreement; an officer checks the shape swgw gives its format. Any shape is
    # held to the same rules (one signature, one reference over the whole document), so guessing cannot weaken it.
    try:
        namespace = etree.QName(trust.parse_xml(data)).namespace or ""
    except trust.TrustError:
        return "enveloped"  # verify_xml reports the parse error
    return "ubl-extension" if namespace.startswith(_UBL_NAMESPACE) else "enveloped"


def _verify_xml(report: VerifyReport, data: bytes, stores: Mapping[str, PartnerTrust], at: datetime,
                placement: str, signature: bytes | None = None, tsa_trust: PartnerTrust | None = None) -> bool:
    def check(t: PartnerTrust) -> trust.VerifiedXml:
        if signature is not None:
            return trust.verify_xml_detached(data, signature, trust=t, at=at, tsa_trust=tsa_trust)
        return trust.verify_xml(data, trust=t, at=at, placement=trust.SignaturePlacement(placement),
                                tsa_trust=tsa_trust)

    partner, verified = _first_trusted(report, stores, check)
    if verified is None:
        report.checks.append(f"XML signature: FAILED ({report.error_code})")
        return False
    _describe(report, partner, verified.signer, verified.chain, verified.warnings)
    _describe_time(report, partner, verified, at)
    shape = _SHAPES["detached" if signature is not None else placement]
    report.checks.append(f"XML signature: valid ({shape}, one reference over the whole document)")
    return True


def _verify_payload(report: VerifyReport, envelope: Any, stores: Mapping[str, PartnerTrust], at: datetime,
                    tsa_trust: PartnerTrust | None) -> bool:
    """The document signature of an exported message, at the placement of the profile its format names, through
    the same step the inbound pipeline runs."""
    placements = {p.signature for p in mappings.list_profiles() if p.format == envelope.document_format}
    if len(placements) != 1:
        report.checks.append(f"document signature: FAILED (no profile for format {envelope.document_format})")
        report.error_code, report.error = "FORMAT_UNKNOWN", f"no profile for format {envelope.document_format}"
        return False
    [placement] = placements
    if placement == "none":
        report.checks.append("document signature: none in this format (the envelope signature covers it)")
        return True
    partner, verified = _first_trusted(report, stores, lambda t: signatures.verify_document(
        envelope, placement, partner_trust=t, now=at, policy=trust.DEFAULT_POLICY, tsa_trust=tsa_trust))
    if verified is None:
        report.checks.append(f"XML signature: FAILED ({report.error_code})")
        return False
    _describe(report, partner, verified.signer, verified.chain, verified.warnings)
    _describe_time(report, partner, verified, at)
    report.checks.append(f"XML signature: valid ({_SHAPES[placement]}, one reference over the whole document)")
    return True


def _verify_pdf(report: VerifyReport, data: bytes, stores: Mapping[str, PartnerTrust], at: datetime,
                label: str = "PDF signature", tsa_trust: PartnerTrust | None = None) -> bool:
    partner, verified = _first_trusted(report, stores, lambda t: trust.verify_pdf(data, trust=t, at=at,
                                                                                   tsa_trust=tsa_trust))
    if verified is None:
        report.checks.append(f"{label}: FAILED ({report.error_code})")
        return False
    if report.signer is None:
        _describe(report, partner, verified.signer, verified.chain, verified.warnings)
        _describe_time(report, partner, verified, at)
    else:
        report.level = min(report.level or "B-LTA", verified.level, key=("B-B", "B-T", "B-LT", "B-LTA").index)
    coverage = "covers the entire file" if verified.coverage == "ENTIRE_FILE" else \
        "covers the file up to validation data and document time-stamps"
    archives = f", {len(verified.archive_timestamps)} document time-stamp(s)" if verified.archive_timestamps else ""
    report.checks.append(f"{label}: valid (PAdES {verified.level}, {coverage}{archives})")
    return True


def _verify_message(report: VerifyReport, data: bytes, stores: Mapping[str, PartnerTrust], at: datetime,
                    tsa_trust: PartnerTrust | None) -> bool:
    bundle = json.loads(data)
    envelope = codec.envelope_from_proto(json_format.ParseDict(bundle["envelope"], pb.Envelope()))
    ok = True
    if sha256_hex(envelope.payload) != envelope.payload_sha256:
        report.checks.append("payload digest: FAILED")
        report.error_code, report.error = "PAYLOAD_DIGEST_MISMATCH", "payload does not match payload_sha256"
        return False
    report.checks.append("payload digest: matches")
    sender = stores.get(envelope.sender.value)
    candidates = {envelope.sender.value: sender} if sender is not None else stores
    if envelope.signature is None:
        report.checks.append("envelope signature: MISSING")
        report.error_code, report.error = "ENVELOPE_SIGNATURE_INVALID", "envelope is not signed"
        return False
    try:
        _, signer = _first_trusted(report, candidates, lambda t: signatures.verify_envelope_jws(
            envelope, partner_trust=t, now=at, policy=trust.DEFAULT_POLICY))
    except SignatureFormatUnsupported as e:
        report.error_code, report.error, signer = e.code, e.message, None
    report.checks.append("envelope signature: " + ("valid" if signer is not None else f"FAILED ({report.error_code})"))
    ok = signer is not None and _verify_payload(report, envelope, candidates, at, tsa_trust) and ok
    for attachment in envelope.attachments:
        if attachment.media_type == "application/pdf":
            ok = _verify_pdf(report, attachment.content, candidates, at, f"attachment {attachment.name}",
                             tsa_trust) and ok
    if "receipt" in bundle:
        receipt = codec.receipt_from_proto(json_format.ParseDict(bundle["receipt"], pb.Receipt()))
        issuer = stores.get(receipt.issuer.value)
        if issuer is None or receipt.signature is None:
            report.checks.append(f"receipt from {receipt.issuer.value}: not checked (no trust for its issuer)")
        else:
            try:
                if receipt.signature.format == RELAY_TLS_FORMAT:
                    # Delivered through the ePhyto Hub: the hub's TLS certificate attests, validated to the trust
                    # given for the partner (the hub's CA).
                    relay = signatures.verify_relay_signature(receipt.signature, partner_trust=issuer, now=at,
                                                              policy=trust.DEFAULT_POLICY)
                    report.checks.append(f"receipt from {receipt.issuer.value}: attested by the relay "
                                         f"{relay.subject.rfc4514_string()}, {receipt.outcome.value}")
                else:
                    if receipt.signature.format == trust.NRR_RECEIPT_FORMAT:
                        # An AS4 access point's signed ebMS receipt, as the outbound pipeline verified it.
                        trust.verify_nrr_receipt(receipt.signature.value.encode("utf-8"), message_id=receipt.message_id,
                                                 partner_trust=issuer, at=at)
                    else:
                        signatures.verify_receipt_jws(receipt, issuer_trust=issuer, now=at,
                                                      policy=trust.DEFAULT_POLICY)
                    report.checks.append(f"receipt from {receipt.issuer.value}: valid, {receipt.outcome.value}")
            except (trust.TrustError, SignatureFormatUnsupported) as e:
                report.checks.append(f"receipt from {receipt.issuer.value}: FAILED ({e.code})")
                ok = False
    return ok


def verify_bytes(data: bytes, stores: Mapping[str, PartnerTrust], *, at: datetime, placement: str | None = None,
                 signature: bytes | None = None, tsa_trust: PartnerTrust | None = None) -> VerifyReport:
    """Verify a signed XML document, a signed PDF or an exported message against partner trust at ``at``.

    For an XML document, ``signature`` is its detached signature file (``document-signature.xml``), or
    ``placement`` names where its enveloped signature must be (a mapping profile's ``signature``; by default
    ``ubl-extension`` for UBL documents, else ``enveloped``). An exported message is checked at the placement of
    the profile its format names, its detached signature taken from its attachments. Time-stamps count only when
    a TSA of ``tsa_trust`` made them (the same rule as the inbound pipeline's).
    """
    stripped = data.lstrip()
    if stripped.startswith(b"%PDF"):
        report = VerifyReport(kind="pdf")
        report.valid = _verify_pdf(report, data, stores, at, tsa_trust=tsa_trust)
    elif stripped.startswith(b"{"):
        report = VerifyReport(kind="message")
        try:
            report.valid = _verify_message(report, data, stores, at, tsa_trust)
        except (ValueError, KeyError, json_format.ParseError) as e:
            report.error_code, report.error = "ENVELOPE_INVALID", f"not an exported swgw message: {e}"
    else:
        report = VerifyReport(kind="xml")
        report.valid = _verify_xml(report, data, stores, at, placement or _placement_for(data), signature,
                                   tsa_trust)
    if report.valid:
        report.error_code = report.error = None
    return report
