"""swgw trust: signatures, certificates and trust anchors. Pure: no I/O, no clock, no gateway imports.

Verification raises a :class:`TrustError` subclass (stable ``code``) or returns a frozen result carrying only
what was verified. Time always comes in as ``at``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trust.chain import ValidatedPath, validate_chain, validate_path
from trust.errors import (
    AlgorithmForbidden,
    CertificateExpired,
    CertificateRevoked,
    CertificateUntrusted,
    CrlInvalid,
    DecryptionFailed,
    PdfSignatureInvalid,
    ReferenceInvalid,
    RevocationUnknown,
    SignatureInvalid,
    SignatureMissing,
    TimestampInvalid,
    TimestampUnavailable,
    TrustAnchorNotCa,
    TrustError,
    TrustStoreError,
    XmlHostile,
    XmlMalformed,
)
from trust.issuers import ca_problem
from trust.jws import JWS_FORMAT, JsonValue, VerifiedJws, canonical_json, sign_jws, verify_jws
from trust.keys import Signer, SigningIdentity, fingerprint, load_der_certificate
from trust.partner import PartnerTrust
from trust.placement import DETACHED_REFERENCE_URI, SignaturePlacement
from trust.policy import DEFAULT_POLICY, SignaturePolicy
from trust.revocation import CrlInfo, load_crl
from trust.store import CertificateRole, CertificateState, TrustedCertificate, TrustStore
from trust.timestamp import LongTerm, Timestamper, VerifiedTimestamp, verify_timestamp
from trust.xmldsig import VerifiedXml, sign_xml, sign_xml_detached, verify_xml, verify_xml_detached
from trust.swa import decrypt_parts, encrypt_parts
from trust.xmlparse import parse_xml

if TYPE_CHECKING:
    from trust.pdfsig import VerifiedPdf, sign_pdf, verify_pdf
    from trust.wssec import (
        NRR_RECEIPT_FORMAT,
        SignedReference,
        VerifiedSoap,
        decrypt_body,
        encrypt_body,
        sign_soap,
        verify_nrr_receipt,
        verify_soap,
    )

#: Names whose module is imported on first use, by module. PAdES signing and verification bring pyHanko (~19 MB
#: resident, aiohttp included) and AS4's WS-Security brings xmlsec (~13 MB): a gateway that neither signs nor
#: receives PDFs, nor has an AS4 partner, never needs them.
_LAZY = {
    "pdfsig": frozenset({"VerifiedPdf", "sign_pdf", "verify_pdf"}),
    "wssec": frozenset({"NRR_RECEIPT_FORMAT", "SignedReference", "VerifiedSoap", "decrypt_body", "encrypt_body",
                        "sign_soap", "verify_nrr_receipt", "verify_soap"}),
}

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
    "DecryptionFailed",
    "JWS_FORMAT",
    "JsonValue",
    "LongTerm",
    "NRR_RECEIPT_FORMAT",
    "PartnerTrust",
    "PdfSignatureInvalid",
    "ReferenceInvalid",
    "RevocationUnknown",
    "SignatureInvalid",
    "SignatureMissing",
    "SignaturePlacement",
    "SignaturePolicy",
    "SignedReference",
    "Signer",
    "SigningIdentity",
    "TimestampInvalid",
    "TimestampUnavailable",
    "Timestamper",
    "TrustAnchorNotCa",
    "TrustError",
    "TrustStore",
    "TrustStoreError",
    "TrustedCertificate",
    "ValidatedPath",
    "VerifiedJws",
    "VerifiedPdf",
    "VerifiedSoap",
    "VerifiedTimestamp",
    "VerifiedXml",
    "XmlHostile",
    "XmlMalformed",
    "ca_problem",
    "canonical_json",
    "decrypt_body",
    "decrypt_parts",
    "encrypt_body",
    "encrypt_parts",
    "fingerprint",
    "load_crl",
    "load_der_certificate",
    "parse_xml",
    "sign_jws",
    "sign_pdf",
    "sign_soap",
    "sign_xml",
    "sign_xml_detached",
    "validate_chain",
    "validate_path",
    "verify_jws",
    "verify_nrr_receipt",
    "verify_pdf",
    "verify_soap",
    "verify_timestamp",
    "verify_xml",
    "verify_xml_detached",
]


def __getattr__(name: str) -> object:
    """A name of :data:`_LAZY`, importing its module the first time one of its names is asked for."""
    for module_name, names in _LAZY.items():
        if name in names:
            from importlib import import_module

            value: object = getattr(import_module(f"trust.{module_name}"), name)
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
