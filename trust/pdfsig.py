"""PAdES signatures on PDF documents over pyHanko, without any online fetching.

:func:`sign_pdf` adds one PAdES B-B signature (``/ETSI.CAdES.detached``, SHA-256, the signer certificate and its
chain embedded, no timestamp, no revocation data, nothing fetched).

:func:`verify_pdf` accepts one profile: exactly one signature, of type ``/Sig`` and subfilter
``/ETSI.CAdES.detached`` or ``/adbe.pkcs7.detached``, that covers the *entire file* (no incremental update after
signing, so no question of which later changes are "allowed"), whose digest and signature check out (pyHanko's
integrity check) with SHA-2 and RSA/ECDSA as in the :class:`~trust.policy.SignaturePolicy`, and whose signer
passes :func:`trust.chain.validate_path` against the partner's trust material at ``at``. pyHanko's own path
validation (pyhanko-certvalidator) is not used: trust decisions are made in one place for XML, detached and PDF
signatures alike.

With a :class:`~trust.timestamp.LongTerm`, :func:`sign_pdf` uses pyHanko's own long-term support: a signature
time-stamp from the port (PAdES B-T), the validation data in a DSS (B-LT: certificates and the CRLs given, never
fetched) and a document time-stamp over the whole (B-LTA). :func:`verify_pdf` then also accepts, after the one
``/Sig``, the incremental updates pyHanko's difference analysis classes as LTA updates (DSS, document
time-stamps) and nothing else; the signature time-stamp is verified against the TSA trust given and the signer
judged at the time it proves, with the DSS CRLs that verify against the partner's CAs.

pyHanko's synchronous signing API runs its own event loop (``asyncio.run``): call :func:`sign_pdf` from a worker
thread, not from inside a running event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from typing import Any

import hashlib

from asn1crypto import cms  # type: ignore[import-untyped]
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel, SuspiciousModification
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.status import SignatureCoverageLevel

from trust.chain import validate_path
from trust.errors import (
    AlgorithmForbidden,
    PdfSignatureInvalid,
    SignatureMissing,
    TimestampInvalid,
    TimestampUnavailable,
    TrustError,
)
from trust.keys import Signer, load_der_certificate
from trust.partner import PartnerTrust
from trust.policy import DEFAULT_POLICY, SignaturePolicy, check_public_key
from trust.timestamp import LongTerm, Timestamper, VerifiedTimestamp, check_timestamp, embedded_crls

__all__ = ["VerifiedPdf", "sign_pdf", "verify_pdf"]

# Digest names (asn1crypto spelling) for the XML-DSig digest URIs a policy may allow.
_DIGESTS = {
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_SIGNATURE_MECHANISMS = frozenset({"rsassa_pkcs1v15", "rsassa_pss", "ecdsa"})
_SUBFILTERS = frozenset({"/ETSI.CAdES.detached", "/adbe.pkcs7.detached"})


@dataclass(frozen=True)
class VerifiedPdf:
    """A verified PDF: the bytes that were signed, and who signed them."""

    signed_pdf: bytes
    """The verified document. The signature covers the entire file, so this is the whole input."""

    coverage: str
    """pyHanko's coverage level; always ``"ENTIRE_FILE"`` (anything less is refused)."""

    field_name: str
    """Name of the signature form field."""

    signer: x509.Certificate
    """The signer's certificate."""

    chain: tuple[x509.Certificate, ...]
    """The validated path, signer first, anchor last (only the signer when it is pinned)."""

    claimed_signing_time: datetime | None = None
    """The signing time the signer states (``/M`` or the CMS attribute); a claim, not a proof."""

    warnings: tuple[str, ...] = ()
    """Non-fatal findings (e.g. unknown revocation status under a ``warn`` policy)."""

    level: str = "B-B"
    """What was verified: ``B-B``, ``B-T`` (a verified signature time-stamp), ``B-LT`` (plus a DSS) or
    ``B-LTA`` (plus a verified document time-stamp)."""

    timestamp: VerifiedTimestamp | None = None
    """The verified signature time-stamp; the signer was judged at its time."""

    archive_timestamps: tuple[VerifiedTimestamp, ...] = ()
    """The verified document time-stamps (B-LTA), oldest first."""


class _PortTimeStamper(TimeStamper):
    """pyHanko's TimeStamper over :class:`~trust.timestamp.Timestamper`, the port: pyHanko asks, the port answers."""

    def __init__(self, port: Timestamper) -> None:
        super().__init__(include_nonce=False)  # type: ignore[no-untyped-call]  # pyHanko leaves it unannotated
        self._port = port

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        try:
            return cms.ContentInfo.load(self._port.timestamp(message_digest, md_algorithm))
        except OSError as e:
            raise TimestampUnavailable(f"the time-stamping authority did not answer: {e}") from e


def _validation_context(long_term: LongTerm, at: datetime) -> ValidationContext:
    # The validation data pyHanko embeds comes from here only: nothing is fetched, roots are the given ones.
    der = [c.public_bytes(serialization.Encoding.DER) for c in long_term.validation_certificates]
    certificates = [asn1_x509.Certificate.load(d) for d in der]
    roots = [c for c in certificates if c.self_signed]
    return ValidationContext(
        trust_roots=roots, other_certs=[c for c in certificates if not c.self_signed], crls=list(long_term.crls),
        allow_fetching=False, moment=at, revocation_mode="soft-fail",
    )


class _TimedPdfSigner(signers.PdfSigner):
    """PdfSigner whose signing session uses a given time instead of reading the clock."""

    def __init__(self, *args: Any, signing_time: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        # pyHanko takes the time from the system clock unless told otherwise; trust/ never reads the clock.
        session.system_time = self._signing_time
        return session


def sign_pdf(
    pdf: bytes,
    identity: Signer,
    *,
    at: datetime,
    field_name: str = "swgw-signature",
    policy: SignaturePolicy = DEFAULT_POLICY,
    long_term: LongTerm | None = None,
) -> bytes:
    """Add a PAdES B-B signature in a new invisible field ``field_name`` and return the signed PDF; with
    ``long_term`` PAdES B-T, B-LT or B-LTA (module docstring).

    ``at`` is the signing time written into the signature (the caller's clock).
    """
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    check_public_key(identity.certificate, policy, path="signer")
    if "http://www.w3.org/2001/04/xmlenc#sha256" not in policy.digest_algorithms:
        raise AlgorithmForbidden("the policy does not allow SHA-256")
    key_der = identity.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    der = [c.public_bytes(serialization.Encoding.DER) for c in (identity.certificate, *identity.chain)]
    registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]  # pyhanko-certvalidator leaves it unannotated
    for chain_der in der[1:]:
        registry.register(asn1_x509.Certificate.load(chain_der))
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(der[0]),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=registry,
    )
    embed = long_term is not None and long_term.level != "B-T"
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=embed,
        use_pades_lta=long_term is not None and long_term.level == "B-LTA",
        validation_context=_validation_context(long_term, at) if long_term is not None and embed else None,
    )
    timestamper = _PortTimeStamper(long_term.timestamper) if long_term is not None else None
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=True)
        output = _TimedPdfSigner(meta, signer=signer, signing_time=at, timestamper=timestamper).sign_pdf(writer)
    except (PdfError, SigningError, ValueError, KeyError) as e:
        raise PdfSignatureInvalid(f"cannot sign the PDF: {e}") from e
    return bytes(output.getvalue())


def verify_pdf(
    pdf: bytes, *, trust: PartnerTrust, at: datetime, policy: SignaturePolicy = DEFAULT_POLICY,
    tsa_trust: PartnerTrust | None = None,
) -> VerifiedPdf:
    """Verify the single signature of ``pdf`` for the partner in ``trust`` at ``at`` (profile in module docstring).

    Raises :class:`~trust.errors.SignatureMissing` for an unsigned PDF, :class:`~trust.errors.PdfSignatureInvalid`
    for anything outside the profile or not intact, and the algorithm and path errors of the other verifiers.
    Time-stamps are verified against ``tsa_trust``; without it they prove nothing and the signer is judged at
    ``at``.
    """
    try:
        return _verify(pdf, trust=trust, at=at, policy=policy, tsa_trust=tsa_trust)
    except TrustError as e:
        e.with_partner(trust.partner)
        raise


def _verify(pdf: bytes, *, trust: PartnerTrust, at: datetime, policy: SignaturePolicy,
            tsa_trust: PartnerTrust | None) -> VerifiedPdf:
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=True)
        if reader.encrypted:
            raise PdfSignatureInvalid("encrypted PDFs are not accepted")
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as e:
        raise PdfSignatureInvalid(f"cannot read the PDF signatures: {e}") from e
    if not signatures:
        raise SignatureMissing("the PDF carries no signature")
    # One signature, then only document time-stamps (B-LTA); pyHanko lists them in signing order.
    signature, archives = signatures[0], signatures[1:]
    name = str(signature.field_name)
    if signature.sig_object_type != "/Sig":
        raise PdfSignatureInvalid(f"signature object type {signature.sig_object_type} is not /Sig", path=name)
    if any(s.sig_object_type != "/DocTimeStamp" for s in archives):
        raise PdfSignatureInvalid(f"expected exactly one signature, found {1 + len(archives)}")
    subfilter = str(signature.sig_object.get("/SubFilter"))
    if subfilter not in _SUBFILTERS:
        raise PdfSignatureInvalid(f"subfilter {subfilter} is not accepted", path=name)
    _check_algorithms(signature, policy, name)
    try:
        coverage = _coverage(signature, name)
        digest = signature.compute_digest()
        intact, valid = validate_sig_integrity(signature.signer_info, signature.signer_cert, "data", digest)
    except (PdfError, ValueError, KeyError, TypeError) as e:
        raise PdfSignatureInvalid(f"signature cannot be checked: {e}", path=name) from e
    except Exception as e:  # pyHanko's own validation errors share no base class with the above
        if type(e).__module__.startswith("pyhanko"):
            raise PdfSignatureInvalid(f"signature rejected: {e}", path=name) from e
        raise
    if not (intact and valid):
        raise PdfSignatureInvalid("digest or signature does not match the document", path=name)
    try:
        signer = load_der_certificate(signature.signer_cert.dump())
        others = [load_der_certificate(c.dump()) for c in signature.other_embedded_certs]
    except ValueError as e:
        raise PdfSignatureInvalid(f"unreadable certificate in the signature: {e}", path=name) from e
    long_term = _long_term(reader, signature, archives, trust=trust, tsa_trust=tsa_trust, at=at, policy=policy)
    path = validate_path(signer, [*others, *long_term.certificates], trust=long_term.trust, at=long_term.at,
                         purpose="signing", policy=policy)
    return VerifiedPdf(
        signed_pdf=pdf,
        coverage=coverage,
        field_name=name,
        signer=signer,
        chain=path.chain,
        claimed_signing_time=signature.self_reported_timestamp,
        warnings=(*long_term.warnings, *path.warnings),
        level=long_term.level,
        timestamp=long_term.timestamp,
        archive_timestamps=long_term.archives,
    )


def _coverage(signature: Any, name: str) -> str:
    """The signature must cover the entire file, or its revision followed by LTA updates only (DSS, document
    time-stamps), as pyHanko's difference analysis classes them."""
    signature.compute_integrity_info(DEFAULT_DIFF_POLICY, skip_diff=True)
    coverage = signature.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return str(coverage.name)
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        raise PdfSignatureInvalid(f"signature covers {coverage.name}, not the entire file", path=name)
    result = signature.evaluate_modifications(DEFAULT_DIFF_POLICY)
    if isinstance(result, SuspiciousModification) or result.modification_level > ModificationLevel.LTA_UPDATES:
        raise PdfSignatureInvalid(f"signature covers {coverage.name}, not the entire file, and what follows is "
                                  "more than validation data and time-stamps", path=name)
    return str(coverage.name)


@dataclass(frozen=True)
class _LongTerm:
    at: datetime
    trust: PartnerTrust
    certificates: tuple[x509.Certificate, ...]
    level: str
    timestamp: VerifiedTimestamp | None
    archives: tuple[VerifiedTimestamp, ...]
    warnings: tuple[str, ...]


def _long_term(reader: Any, signature: Any, archives: list[Any], *, trust: PartnerTrust,
               tsa_trust: PartnerTrust | None, at: datetime, policy: SignaturePolicy) -> _LongTerm:
    attributes = signature.signer_info["unsigned_attrs"]
    tokens = [v.dump() for a in attributes or () if a["type"].native == "signature_time_stamp_token"
              for v in a["values"]]
    if len(tokens) > 1:
        raise TimestampInvalid("more than one signature time-stamp is not supported", path=str(signature.field_name))
    if not tokens:
        return _LongTerm(at, trust, (), "B-B", None, (), ())
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        certificates = tuple(load_der_certificate(c.dump()) for c in dss.load_certs())
        crls = tuple(ref.get_object().data for ref in dss.crls)
    except (KeyError, ValueError, PdfError):
        dss, certificates, crls = None, (), ()  # no DSS: B-T
    value = signature.signer_info["signature"].native
    timestamp, warning = check_timestamp(tokens[0], lambda a: hashlib.new(a, value).digest(), tsa_trust=tsa_trust,
                                         at=at, policy=policy, extra_certificates=certificates)
    if timestamp is None:
        return _LongTerm(at, trust, certificates, "B-B", None, (), (warning,) if warning else ())
    verified_archives, warnings = [], []
    for archive in archives:
        _coverage(archive, str(archive.field_name))
        # A document time-stamp's token is the signature itself; its imprint is the digest of the signed range.
        token = cms.ContentInfo({"content_type": "signed_data", "content": archive.signed_data}).dump()
        verified, warning = check_timestamp(token, archive.compute_digest, tsa_trust=tsa_trust, at=at, policy=policy,
                                            extra_certificates=certificates)
        if verified is not None:
            verified_archives.append(verified)
        elif warning:
            warnings.append(f"document {warning}")
    level = "B-LTA" if verified_archives else "B-LT" if dss is not None else "B-T"
    extra = embedded_crls(crls, trust, certificates)
    return _LongTerm(timestamp.time, replace(trust, crls=(*trust.crls, *extra)) if extra else trust, certificates,
                     level, timestamp, tuple(verified_archives), tuple(warnings))


def _check_algorithms(signature: Any, policy: SignaturePolicy, name: str) -> None:
    allowed = {_DIGESTS[uri] for uri in policy.digest_algorithms}
    if signature.md_algorithm not in allowed:
        raise AlgorithmForbidden(f"digest {signature.md_algorithm} is not allowed by the policy", path=name)
    algorithm = signature.signer_info["signature_algorithm"]
    mechanism = algorithm.signature_algo
    if mechanism not in _SIGNATURE_MECHANISMS:
        raise AlgorithmForbidden(f"signature mechanism {mechanism} is not allowed", path=name)
    try:
        bound_hash = algorithm.hash_algo
    except ValueError:
        bound_hash = None  # a bare rsaEncryption / ecdsa OID: the digest algorithm above applies
    if bound_hash is not None and bound_hash not in allowed:
        raise AlgorithmForbidden(f"signature hash {bound_hash} is not allowed by the policy", path=name)
    if signature.signed_data["encap_content_info"]["content"].native is not None:
        raise PdfSignatureInvalid("a detached PDF signature must not encapsulate content", path=name)
    signed_attrs = signature.signer_info["signed_attrs"]
    if not signed_attrs:
        raise PdfSignatureInvalid("CMS signature without signed attributes is not accepted", path=name)
    try:
        cert = load_der_certificate(signature.signer_cert.dump())
    except ValueError as e:
        raise PdfSignatureInvalid(f"unreadable signer certificate: {e}", path=name) from e
    check_public_key(cert, policy, path=name)
