"""swgw trust: signatures, certificates and trust anchors. Pure: no I/O, no clock, no gateway imports.

Verification raises a :class:`TrustError` subclass (stable ``code``) or returns a frozen result carrying only
what was verified. Time always comes in as ``at``.
"""

from __future__ import annotations

from trust.chain import ValidatedPath, validate_chain, validate_path
from trust.detached import DetachedSignature, VerifiedSigner, canonical_header, sign_detached, verify_detached
from trust.errors import (
    AlgorithmForbidden,
    CertificateExpired,
    CertificateRevoked,
    CertificateUntrusted,
    CrlInvalid,
    PdfSignatureInvalid,
    ReferenceInvalid,
    RevocationUnknown,
    SignatureInvalid,
    SignatureMissing,
    TrustAnchorNotCa,
    TrustError,
    TrustStoreError,
    XmlHostile,
    XmlMalformed,
)
from trust.issuers import ca_problem
from trust.keys import Signer, SigningIdentity, fingerprint, load_der_certificate
from trust.partner import PartnerTrust
from trust.pdfsig import VerifiedPdf, sign_pdf, verify_pdf
from trust.placement import DETACHED_REFERENCE_URI, SignaturePlacement
from trust.policy import DEFAULT_POLICY, SignaturePolicy
from trust.revocation import CrlInfo, load_crl
from trust.store import CertificateRole, CertificateState, TrustedCertificate, TrustStore
from trust.xmldsig import VerifiedXml, sign_xml, sign_xml_detached, verify_xml, verify_xml_detached
from trust.xmlparse import parse_xml

__all__ = [
    "AlgorithmForbidden",
    "CertificateExpired",
    "CertificateRevoked",
    "CertificateRole",
    "CertificateState",
    "CertificateUntrusted",
    "CrlInfo",
    "CrlInvalid",
    "DEFAULT_POLICY",
    "DETACHED_REFERENCE_URI",
    "DetachedSignature",
    "PartnerTrust",
    "PdfSignatureInvalid",
    "ReferenceInvalid",
    "RevocationUnknown",
    "SignatureInvalid",
    "SignatureMissing",
    "SignaturePlacement",
    "SignaturePolicy",
    "Signer",
    "SigningIdentity",
    "TrustAnchorNotCa",
    "TrustError",
    "TrustStore",
    "TrustStoreError",
    "TrustedCertificate",
    "ValidatedPath",
    "VerifiedPdf",
    "VerifiedSigner",
    "VerifiedXml",
    "XmlHostile",
    "XmlMalformed",
    "ca_problem",
    "canonical_header",
    "fingerprint",
    "load_crl",
    "load_der_certificate",
    "parse_xml",
    "sign_detached",
    "sign_pdf",
    "sign_xml",
    "sign_xml_detached",
    "validate_chain",
    "validate_path",
    "verify_detached",
    "verify_pdf",
    "verify_xml",
    "verify_xml_detached",
]
