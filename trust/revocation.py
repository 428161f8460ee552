"""Certificate revocation from imported CRLs. No fetching: CRLs arrive as bytes through the operator or gateway.

A CRL is verified once, on import (:func:`load_crl`), against an issuer certificate from the partner's trust
material, and kept as a :class:`CrlInfo`. At verification time :func:`check_revocation` is asked about each
certificate of a validated path:

* a serial listed with a revocation date at or before ``at`` raises :class:`~trust.errors.CertificateRevoked`,
  whatever the age of the CRL (revocation is permanent);
* an issuer with at least one imported CRL is *CRL-covered*: if none of its CRLs is current at ``at`` (``at`` past
  every nextUpdate, beyond the policy's clock skew) the status is unknown, which raises
  :class:`~trust.errors.RevocationUnknown` or, with ``revocation_unknown="warn"``, returns a warning string;
* an issuer without any CRL is not CRL-covered; only the operator's fingerprint revocations apply to it.

Partitioned and delta CRLs (issuingDistributionPoint, deltaCRLIndicator) are refused on import: treating a
partial list as complete would report revoked certificates as good.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes

from trust.errors import AlgorithmForbidden, CertificateRevoked, CrlInvalid, RevocationUnknown
from trust.keys import fingerprint
from trust.policy import SignaturePolicy

__all__ = ["CrlInfo", "check_revocation", "load_crl"]

_STRONG_HASHES = (hashes.SHA256, hashes.SHA384, hashes.SHA512)
# What cryptography raises while parsing a malformed CRL, at load or lazily on first access (see load_crl).
_PARSE_ERRORS = (ValueError, KeyError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion, x509.DuplicateExtension,
                 x509.UnsupportedGeneralNameType)


@dataclass(frozen=True, eq=False)
class CrlInfo:
    """A CRL whose signature has been verified against a known issuer certificate."""

    issuer: x509.Name
    """Issuer name of the CRL (equal to the issuer certificate's subject)."""

    issuer_fingerprint: str
    """SHA-256 fingerprint of the certificate whose key verified the CRL signature."""

    this_update: datetime
    """thisUpdate, UTC."""

    next_update: datetime | None
    """nextUpdate, UTC; ``None`` when the CRL states none (then it never goes stale)."""

    revoked_serials: Mapping[int, datetime]
    """Serial number -> revocation date (UTC) of every listed certificate."""

    crl_number: int | None
    """The cRLNumber extension, when present."""


def load_crl(data: bytes, *, issuers: Iterable[x509.Certificate]) -> CrlInfo:
    """Parse a DER or PEM CRL and verify its signature against one of ``issuers`` (matched by subject name).

    Raises :class:`~trust.errors.CrlInvalid` when it does not parse, no issuer matches, the signature fails or it
    is a partitioned/delta CRL, and :class:`~trust.errors.AlgorithmForbidden` for a weak signature hash.
    """
    try:
        crl = (
            x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----BEGIN") else x509.load_der_x509_crl(data)
        )
        return _verified(crl, issuers)
    except _PARSE_ERRORS as e:
        # cryptography parses the issuer, extensions and entries lazily, on first access: a malformed field
        # raises there, not in load_*_crl (the crl-import fuzz harness found issuers that did: ValueError for a
        # bad encoding, KeyError for a string type cryptography has no name for, TypeError for a value type the
        # attribute's OID does not allow, DuplicateExtension for an extension listed twice); InvalidVersion is
        # raised by the load itself for versions past v2.
        raise CrlInvalid(f"CRL does not parse: {e}") from e


def _verified(crl: x509.CertificateRevocationList, issuers: Iterable[x509.Certificate]) -> CrlInfo:
    if not isinstance(crl.signature_hash_algorithm, _STRONG_HASHES):
        raise AlgorithmForbidden("CRL signature hash is not SHA-256/384/512")
    for ext_type in (x509.IssuingDistributionPoint, x509.DeltaCRLIndicator):
        try:
            crl.extensions.get_extension_for_class(ext_type)
        except x509.ExtensionNotFound:
            continue
        raise CrlInvalid(f"{ext_type.__name__} CRLs are not supported")
    for issuer in issuers:
        if issuer.subject != crl.issuer:
            continue
        if _may_sign_crls(issuer) and crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
            return _info(crl, fingerprint(issuer))
    raise CrlInvalid(f"no known issuer verifies the CRL of {crl.issuer.rfc4514_string()}")


def _may_sign_crls(issuer: x509.Certificate) -> bool:
    try:
        usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.crl_sign


def _info(crl: x509.CertificateRevocationList, issuer_fingerprint: str) -> CrlInfo:
    try:
        number: int | None = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        number = None
    return CrlInfo(
        issuer=crl.issuer,
        issuer_fingerprint=issuer_fingerprint,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        revoked_serials=MappingProxyType({r.serial_number: r.revocation_date_utc for r in crl}),
        crl_number=number,
    )


def check_revocation(
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    crls: Iterable[CrlInfo],
    *,
    at: datetime,
    policy: SignaturePolicy,
    partner: str | None = None,
) -> str | None:
    """Check ``certificate`` (issued by ``issuer``) against the CRLs of that issuer at ``at``.

    Returns ``None`` when good or not CRL-covered, a warning when the status is unknown and the policy says
    ``warn``; raises :class:`~trust.errors.CertificateRevoked` or :class:`~trust.errors.RevocationUnknown`.
    """
    issuer_fp = fingerprint(issuer)
    relevant = [c for c in crls if c.issuer_fingerprint == issuer_fp]
    if not relevant:
        return None
    for crl in relevant:
        revoked_at = crl.revoked_serials.get(certificate.serial_number)
        if revoked_at is not None and revoked_at <= at:
            # The subject is formatted only here: rendering a name costs more than the whole look-up.
            subject = certificate.subject.rfc4514_string()
            raise CertificateRevoked(
                f"{subject} (serial {certificate.serial_number:x}) revoked by CRL at {revoked_at.isoformat()}",
                partner=partner,
            )
    if any(c.next_update is None or at <= c.next_update + policy.max_clock_skew for c in relevant):
        return None
    message = f"no current CRL for issuer {issuer.subject.rfc4514_string()} at {at.isoformat()}"
    if policy.revocation_unknown == "warn":
        return message
    raise RevocationUnknown(message, partner=partner)
