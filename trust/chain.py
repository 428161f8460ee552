"""Certificate path validation against one partner's trust material at a given time.

Path building and signature checks are cryptography's ``x509.verification`` (RFC 5280 path building, WebPKI
algorithm set: no SHA-1, RSA >= 2048). Its store is always the partner's anchors, never the system store.
``trust`` adds what that verifier does not know about: pinned leaves, operator revocations, CRLs, and the
mapping of its errors to stable codes.

A path that validated is remembered on the ``PartnerTrust`` (see :mod:`trust.pathcache`) and reused only at
times when every certificate on it is inside its validity; the leaf's own checks and revocation are evaluated
on every call.

Extension profile (partners run their own PKIs, so CA rules are those of RFC 5280 rather than the CA/B Forum):

* CA certificates: basicConstraints with cA=TRUE is required; keyUsage, when present, must allow keyCertSign. The
  same holds for the partner's anchors and intermediates themselves (``PartnerTrust`` refuses others with
  ``TRUST_ANCHOR_NOT_CA``): a leaf among the anchors would be a path of its own, out of reach of revocation.
* Pinned leaves skip path building, not revocation: they are checked along their issuers found in the partner's
  material (:meth:`~trust.partner.PartnerTrust.pinned_issuers`), operator revocations and CRLs alike.
* ``signing`` leaves: keyUsage must allow digitalSignature or nonRepudiation; extendedKeyUsage is not examined.
* ``timestamping`` leaves (a time-stamping authority): keyUsage as for ``signing`` and extendedKeyUsage
  timeStamping (RFC 3161, 2.3).
* ``tls-client`` / ``tls-server`` leaves: keyUsage digitalSignature and extendedKeyUsage clientAuth / serverAuth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from cryptography import x509
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID

from trust.errors import CertificateExpired, CertificateRevoked, CertificateUntrusted
from trust.keys import fingerprint
from trust.partner import PartnerTrust
from trust.policy import DEFAULT_POLICY, SignaturePolicy, check_public_key
from trust.revocation import check_revocation

__all__ = ["Purpose", "ValidatedPath", "validate_chain", "validate_path"]

Purpose = Literal["signing", "timestamping", "tls-client", "tls-server"]
"""What the leaf certificate is validated for."""


@dataclass(frozen=True)
class ValidatedPath:
    """The outcome of a successful path validation."""

    chain: tuple[x509.Certificate, ...]
    """The validated path, leaf first, ending with the anchor (or only the leaf when it is pinned; a pinned leaf's
    revocation is still checked along its issuers found in the partner's material)."""

    pinned: bool
    """True when the leaf was accepted because it is pinned, without path building."""

    warnings: tuple[str, ...] = ()
    """Non-fatal findings, such as an unknown revocation status under a ``warn`` policy."""


def _ca_basic_constraints(_policy: Any, _cert: x509.Certificate, value: x509.BasicConstraints | None) -> None:
    if value is None or not value.ca:
        raise ValueError("issuer is not a CA (basicConstraints cA is not TRUE)")


def _ca_key_usage(_policy: Any, _cert: x509.Certificate, value: x509.KeyUsage | None) -> None:
    if value is not None and not value.key_cert_sign:
        raise ValueError("issuer keyUsage does not allow keyCertSign")


def _signing_key_usage(_policy: Any, _cert: x509.Certificate, value: x509.KeyUsage | None) -> None:
    if value is None or not (value.digital_signature or value.content_commitment):
        raise ValueError("keyUsage allows neither digitalSignature nor nonRepudiation")


def _tls_key_usage(_policy: Any, _cert: x509.Certificate, value: x509.KeyUsage | None) -> None:
    if value is None or not value.digital_signature:
        raise ValueError("keyUsage does not allow digitalSignature")


def _eku(oid: x509.ObjectIdentifier) -> Any:
    def check(_policy: Any, _cert: x509.Certificate, value: x509.ExtendedKeyUsage | None) -> None:
        if value is None or oid not in value:
            raise ValueError(f"extendedKeyUsage lacks {oid.dotted_string}")

    return check


_AGNOSTIC = verification.Criticality.AGNOSTIC
_CA_POLICY = (
    verification.ExtensionPolicy.permit_all()
    .require_present(x509.BasicConstraints, _AGNOSTIC, _ca_basic_constraints)
    .may_be_present(x509.KeyUsage, _AGNOSTIC, _ca_key_usage)
)
_EE_POLICIES: dict[str, verification.ExtensionPolicy] = {
    "signing": verification.ExtensionPolicy.permit_all().require_present(x509.KeyUsage, _AGNOSTIC, _signing_key_usage),
    "timestamping": verification.ExtensionPolicy.permit_all()
    .require_present(x509.KeyUsage, _AGNOSTIC, _signing_key_usage)
    .require_present(x509.ExtendedKeyUsage, _AGNOSTIC, _eku(ExtendedKeyUsageOID.TIME_STAMPING)),
    "tls-client": verification.ExtensionPolicy.permit_all()
    .require_present(x509.KeyUsage, _AGNOSTIC, _tls_key_usage)
    .require_present(x509.ExtendedKeyUsage, _AGNOSTIC, _eku(ExtendedKeyUsageOID.CLIENT_AUTH)),
    "tls-server": verification.ExtensionPolicy.permit_all()
    .require_present(x509.KeyUsage, _AGNOSTIC, _tls_key_usage)
    .require_present(x509.ExtendedKeyUsage, _AGNOSTIC, _eku(ExtendedKeyUsageOID.SERVER_AUTH)),
}


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    return at.astimezone(timezone.utc)


def _describe(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string() or f"serial {certificate.serial_number:x}"


def _check_validity(
    certificate: x509.Certificate, at: datetime, policy: SignaturePolicy, partner: str, path: str
) -> None:
    # Skew only widens notBefore: a certificate issued "just now" by a partner whose clock runs ahead is fine,
    # an expired one is never extended.
    if at + policy.max_clock_skew < certificate.not_valid_before_utc:
        raise CertificateExpired(
            f"{_describe(certificate)} is not valid before {certificate.not_valid_before_utc.isoformat()}",
            partner=partner,
            path=path,
        )
    if at > certificate.not_valid_after_utc:
        raise CertificateExpired(
            f"{_describe(certificate)} expired at {certificate.not_valid_after_utc.isoformat()}",
            partner=partner,
            path=path,
        )


def validate_path(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    *,
    trust: PartnerTrust,
    at: datetime,
    purpose: Purpose = "signing",
    policy: SignaturePolicy = DEFAULT_POLICY,
) -> ValidatedPath:
    """Validate ``leaf`` for ``purpose`` against ``trust`` at ``at`` and return the path with any warnings.

    The leaf is accepted when it is pinned (by SHA-256 fingerprint) or chains to one of ``trust.anchors``
    through ``intermediates`` and ``trust.intermediates``. Raises :class:`~trust.errors.CertificateUntrusted`,
    :class:`~trust.errors.CertificateExpired`, :class:`~trust.errors.CertificateRevoked`,
    :class:`~trust.errors.RevocationUnknown` or :class:`~trust.errors.AlgorithmForbidden` (leaf key).
    """
    at = _utc(at)
    partner = trust.partner
    check_public_key(leaf, policy, path="leaf")
    _check_validity(leaf, at, policy, partner, "leaf")
    # Without pinned certificates there is nothing to match, so the leaf's fingerprint is not even computed.
    pinned = bool(trust.pinned) and fingerprint(leaf) in trust.pinned_fingerprints
    if pinned:
        chain: tuple[x509.Certificate, ...] = (leaf,)
    else:
        chain = _cached_build(leaf, intermediates, trust=trust, at=at, purpose=purpose, policy=policy)
    warnings = _revocation(chain, trust=trust, at=at, policy=policy, pinned=pinned)
    return ValidatedPath(chain=chain, pinned=pinned, warnings=warnings)


def validate_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    *,
    trust: PartnerTrust,
    at: datetime,
    purpose: Purpose = "signing",
    policy: SignaturePolicy = DEFAULT_POLICY,
) -> tuple[x509.Certificate, ...]:
    """Like :func:`validate_path`, returning only the validated path (leaf first, anchor last)."""
    return validate_path(leaf, intermediates, trust=trust, at=at, purpose=purpose, policy=policy).chain


def _cached_build(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    *,
    trust: PartnerTrust,
    at: datetime,
    purpose: Purpose,
    policy: SignaturePolicy,
) -> tuple[x509.Certificate, ...]:
    """:func:`_build`, reusing a chain this ``trust`` already validated for the same inputs.

    Path building depends on the anchors and known intermediates (fixed per ``PartnerTrust``, which owns the
    cache), the leaf, the supplied intermediates, the purpose, the policy (key checks on the path) and the time.
    All but the time form the key; the time is handled by the cache's validity window, evaluated at the same
    ``verify_at`` as :func:`_build` uses. Refusals raise before anything is stored, so they are never cached.
    """
    verify_at = max(at, leaf.not_valid_before_utc)
    supplied = tuple(intermediates)
    key = (leaf, supplied, purpose, policy)
    cache = trust.path_cache
    chain = cache.get(key, verify_at)
    if chain is None:
        chain = _build(leaf, supplied, trust=trust, at=at, purpose=purpose, policy=policy)
        cache.put(key, chain)
    return chain


def _build(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    *,
    trust: PartnerTrust,
    at: datetime,
    purpose: Purpose,
    policy: SignaturePolicy,
) -> tuple[x509.Certificate, ...]:
    store = trust.anchor_store
    if store is None:
        raise CertificateUntrusted(f"partner {trust.partner} has no trust anchors", partner=trust.partner)
    # The leaf's own notBefore may sit inside the skew window; evaluate the path at a time the leaf accepts.
    verify_at = max(at, leaf.not_valid_before_utc)
    builder = (
        verification.PolicyBuilder()
        .store(store)
        .time(verify_at)
        .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICIES[purpose])
    )
    untrusted = [*intermediates, *trust.intermediates]
    try:
        verified = builder.build_client_verifier().verify(leaf, untrusted)
    except verification.VerificationError as e:
        if "not valid at validation time" in str(e):
            raise CertificateExpired(
                f"a certificate on the path of {_describe(leaf)} is outside its validity at {at.isoformat()}",
                partner=trust.partner,
            ) from e
        raise CertificateUntrusted(
            f"{_describe(leaf)} does not chain to an anchor of {trust.partner}: {e}", partner=trust.partner
        ) from e
    chain = tuple(verified.chain)
    # cryptography enforces RSA >= 2048 on the path; a stricter policy (or the curve list) is applied here.
    for index, certificate in enumerate(chain[1:], start=1):
        check_public_key(certificate, policy, path=f"chain[{index}]")
    return chain


def _revocation(
    chain: tuple[x509.Certificate, ...],
    *,
    trust: PartnerTrust,
    at: datetime,
    policy: SignaturePolicy,
    pinned: bool,
) -> tuple[str, ...]:
    # Both loops below are skipped outright when the material holds no revocations or no CRLs: they could not
    # find anything then, and fingerprints and issuer look-ups are most of their cost.
    if not trust.revoked and not trust.crls:
        return ()
    if pinned:
        # A pinned leaf is accepted without a path, but it is no less revocable than a chained one: its issuers
        # found in the partner's material (signature-verified) form the path revocation is checked along, so
        # revoking its CA, or that CA's CRL listing it, stops it exactly as it stops a chained leaf.
        chain = (chain[0], *trust.pinned_issuers(chain[0]))
    for index, certificate in enumerate(chain if trust.revoked else ()):
        revoked_at = trust.revoked.get(fingerprint(certificate))
        if revoked_at is not None and revoked_at <= at:
            raise CertificateRevoked(
                f"{_describe(certificate)} revoked at {revoked_at.isoformat()}",
                partner=trust.partner,
                path="leaf" if index == 0 else f"chain[{index}]",
            )
    warnings: list[str] = []
    # Each certificate is checked against the CRLs of its issuer; the last one has no issuer on the path.
    for certificate, issuer in zip(chain, chain[1:]) if trust.crls else ():
        warning = check_revocation(certificate, issuer, trust.crls, at=at, policy=policy, partner=trust.partner)
        if warning is not None:
            warnings.append(warning)
    return tuple(warnings)
