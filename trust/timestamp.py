"""RFC 3161 time-stamp tokens: the port a signer obtains them through, and their verification.

A long-term signature carries a token from a time-stamping authority (TSA) over its signature value. The token
proves the signature existed at the token's ``genTime``; the signer's certificate is then judged at that time
instead of the time of verification, so a certificate that expired or was revoked *after* it still verifies and
one revoked *before* it does not.

Obtaining a token is I/O, so :mod:`trust` never does it itself: signing functions take a :class:`Timestamper`
(the HTTP implementation lives in ``gateway.adapters``, tests use pyHanko's ``DummyTimeStamper`` behind the same
port). Verifying one is pure: :func:`verify_timestamp` checks that the token covers the expected digest, that its
CMS signature is intact (pyHanko's integrity check) and that the TSA certificate chains, for the
``timestamping`` purpose, to the anchors of the TSA trust given (an operator's explicit choice, never the system
store) at the time the token states.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

from asn1crypto import cms  # type: ignore[import-untyped]
from cryptography import x509

from trust.chain import validate_path
from trust.errors import (
    AlgorithmForbidden,
    CertificateUntrusted,
    TimestampInvalid,
    TimestampUnavailable,
    TrustError,
)
from trust.keys import load_der_certificate
from trust.partner import PartnerTrust
from trust.policy import DEFAULT_POLICY, SignaturePolicy
from trust.revocation import CrlInfo, load_crl

__all__ = ["DIGEST_ALGORITHMS", "LEVELS", "LongTerm", "Timestamper", "UNTRUSTED_TIMESTAMP", "VerifiedTimestamp",
           "check_timestamp", "embedded_crls", "signature_timestamp", "token_digest_algorithm", "verify_timestamp"]

#: Message-imprint and token digest algorithms accepted (asn1crypto names); SHA-1 and MD5 never are.
DIGEST_ALGORITHMS = frozenset({"sha256", "sha384", "sha512"})
_SIGNATURE_MECHANISMS = frozenset({"rsassa_pkcs1v15", "rsassa_pss", "ecdsa"})

#: The warning a verification returns when a signature carries a time-stamp but no TSA is trusted.
#: How the warning starts that a verification returns for a time-stamp no trusted TSA made (then it proves nothing).
UNTRUSTED_TIMESTAMP = "time-stamp not trusted"


class Timestamper(Protocol):
    """Obtains RFC 3161 time-stamp tokens (the I/O port of long-term signing)."""

    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        """A DER ``TimeStampToken`` (CMS ``ContentInfo``) whose message imprint is ``digest``, computed with
        ``algorithm`` (asn1crypto name, e.g. ``"sha256"``). Raises ``OSError`` when the TSA cannot be reached or
        refuses."""
        ...


Level = Literal["B-T", "B-LT", "B-LTA"]
#: The long-term levels a signer may be asked for, weakest first. XML stops at B-LT (see :mod:`trust.xades`).
LEVELS: tuple[Level, ...] = ("B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class LongTerm:
    """How to make a signature long-term: where time-stamps come from and what validation data to embed."""

    timestamper: Timestamper
    """The time-stamping authority's port."""

    level: Level = "B-T"
    """``B-T``: a signature time-stamp. ``B-LT``: plus the certificates and CRLs below. ``B-LTA`` (PDF only; XML
    gets B-LT): plus a document time-stamp over the whole, validation data included."""

    validation_certificates: tuple[x509.Certificate, ...] = ()
    """Certificates to embed from B-LT on: the signer's chain up to and including its root, and the TSA's."""

    crls: tuple[bytes, ...] = ()
    """DER CRLs to embed from B-LT on: those of the signer's and the TSA's issuers, current at signing time."""

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"long-term level must be one of {', '.join(LEVELS)}, not {self.level!r}")


@dataclass(frozen=True)
class VerifiedTimestamp:
    """A time-stamp token that verified: the time it proves, and who proves it."""

    time: datetime
    """The token's genTime (UTC): the data existed at this time."""

    tsa: x509.Certificate
    """The TSA's certificate."""

    chain: tuple[x509.Certificate, ...]
    """The TSA's validated path, TSA first, anchor last."""

    token: bytes
    """The DER token itself."""

    @property
    def authority(self) -> str:
        """The TSA's subject, for reports."""
        return self.tsa.subject.rfc4514_string()


def signature_timestamp(timestamper: Timestamper, signature_value: bytes) -> bytes:
    """A token over SHA-256 of ``signature_value`` (what XAdES and CAdES signature time-stamps cover), from
    ``timestamper``; ``OSError`` from the port is reported as :class:`~trust.errors.TimestampUnavailable`."""
    try:
        return timestamper.timestamp(hashlib.sha256(signature_value).digest(), "sha256")
    except OSError as e:
        raise TimestampUnavailable(f"the time-stamping authority did not answer: {e}") from e


def _signer_certificate(signed_data: Any, signer_info: Any) -> tuple[Any, list[Any]]:
    sid = signer_info["sid"]
    certificates = [c.chosen for c in signed_data["certificates"] or () if c.name == "certificate"]
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            matches = (certificate.issuer == sid.chosen["issuer"]
                       and certificate.serial_number == sid.chosen["serial_number"].native)
        else:
            matches = certificate.key_identifier == sid.chosen.native
        if matches:
            return certificate, [c for c in certificates if c is not certificate]
    raise TimestampInvalid("the time-stamp token does not carry its TSA's certificate")


def verify_timestamp(
    token: bytes,
    digest: bytes,
    *,
    tsa_trust: PartnerTrust,
    policy: SignaturePolicy = DEFAULT_POLICY,
    extra_certificates: Sequence[x509.Certificate] = (),
) -> VerifiedTimestamp:
    """Verify ``token`` as a time-stamp over ``digest`` by a TSA that chains to ``tsa_trust`` at its genTime.

    The imprint algorithm must be SHA-256/384/512 and ``digest`` must have been computed with it (see
    :func:`token_digest_algorithm`).
    Raises :class:`~trust.errors.TimestampInvalid` for a token that does not parse, does not cover ``digest`` or
    is not intact, and the path errors of :func:`trust.chain.validate_path` for its TSA.
    """
    # Imported here: pyHanko's signing package costs ~19 MB resident, and only a gateway that meets time-stamps
    # (long-term signatures, [timestamping]) gets this far.
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    try:
        content_info = cms.ContentInfo.load(token)
        if content_info["content_type"].native != "signed_data":
            raise TimestampInvalid("the time-stamp token is not CMS SignedData")
        signed_data = content_info["content"]
        encapsulated = signed_data["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            raise TimestampInvalid("the time-stamp token does not encapsulate a TSTInfo")
        tst_info = encapsulated["content"].parsed
        imprint = tst_info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in DIGEST_ALGORITHMS:
            raise AlgorithmForbidden(f"time-stamp imprint algorithm {algorithm} is not allowed")
        if imprint["hashed_message"].native != digest:
            raise TimestampInvalid("the time-stamp token covers other data than this signature")
        gen_time: datetime = tst_info["gen_time"].native.astimezone(timezone.utc)
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise TimestampInvalid(f"expected one signer in the time-stamp token, found {len(signer_infos)}")
        signer_info = signer_infos[0]
        if signer_info["digest_algorithm"]["algorithm"].native not in DIGEST_ALGORITHMS:
            raise AlgorithmForbidden("the time-stamp token is signed with a weak digest")
        if signer_info["signature_algorithm"].signature_algo not in _SIGNATURE_MECHANISMS:
            raise AlgorithmForbidden("the time-stamp token's signature mechanism is not allowed")
        tsa_asn1, others_asn1 = _signer_certificate(signed_data, signer_info)
        content_digest = hashlib.new(signer_info["digest_algorithm"]["algorithm"].native,
                                     bytes(encapsulated["content"])).digest()
        intact, valid = validate_sig_integrity(signer_info, tsa_asn1, "tst_info", content_digest)
        tsa = load_der_certificate(tsa_asn1.dump())
        others = [load_der_certificate(c.dump()) for c in others_asn1]
    except TrustError:
        raise
    except Exception as e:  # asn1crypto and pyHanko raise ValueError, KeyError, TypeError and their own errors
        if isinstance(e, (ValueError, KeyError, TypeError)) or type(e).__module__.startswith(("pyhanko", "asn1")):
            raise TimestampInvalid(f"the time-stamp token cannot be read: {e}") from e
        raise
    if not (intact and valid):
        raise TimestampInvalid("the time-stamp token's signature does not verify")
    path = validate_path(tsa, [*others, *extra_certificates], trust=tsa_trust, at=gen_time, purpose="timestamping",
                         policy=policy)
    return VerifiedTimestamp(time=gen_time, tsa=tsa, chain=path.chain, token=token)


def check_timestamp(
    token: bytes,
    digest_of: Callable[[str], bytes],
    *,
    tsa_trust: PartnerTrust | None,
    at: datetime,
    policy: SignaturePolicy = DEFAULT_POLICY,
    extra_certificates: Sequence[x509.Certificate] = (),
) -> tuple[VerifiedTimestamp | None, str | None]:
    """A time-stamp as evidence: ``(verified, None)``, or ``(None, warning)`` when no TSA of ``tsa_trust`` made it
    (then it proves nothing and the signer is judged at ``at``). ``digest_of(algorithm)`` is the digest of the
    time-stamped data with the token's imprint algorithm.

    A token that does not cover the data, is not intact, is later than ``at`` or whose TSA was expired or revoked
    at its time raises :class:`~trust.errors.TimestampInvalid`: a broken time-stamp is refused, not ignored.
    """
    if tsa_trust is None:
        return None, f"{UNTRUSTED_TIMESTAMP}: no time-stamping authority is configured"
    digest = digest_of(token_digest_algorithm(token))
    try:
        verified = verify_timestamp(token, digest, tsa_trust=tsa_trust, policy=policy,
                                    extra_certificates=extra_certificates)
    except CertificateUntrusted as e:
        return None, f"{UNTRUSTED_TIMESTAMP}: {e.message}"
    except TimestampInvalid:
        raise
    except TrustError as e:
        raise TimestampInvalid(f"the time-stamping authority at its time: {e.code}: {e.message}") from e
    if verified.time > at + policy.max_clock_skew:
        raise TimestampInvalid(f"the time-stamp ({verified.time.isoformat()}) is later than {at.isoformat()}")
    return verified, None


def token_digest_algorithm(token: bytes) -> str:
    """The imprint algorithm a token states (asn1crypto name), to compute the digest it must cover; raises
    :class:`~trust.errors.TimestampInvalid` for an unreadable token, :class:`~trust.errors.AlgorithmForbidden`
    for a weak algorithm."""
    try:
        tst_info = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed
        algorithm: str = tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise TimestampInvalid(f"the time-stamp token cannot be read: {e}") from e
    if algorithm not in DIGEST_ALGORITHMS:
        raise AlgorithmForbidden(f"time-stamp imprint algorithm {algorithm} is not allowed")
    return algorithm


def embedded_crls(crls: Sequence[bytes], trust: PartnerTrust, certificates: Sequence[x509.Certificate]
                  ) -> tuple[CrlInfo, ...]:
    """The embedded ``crls`` that verify against a CA of the partner's material (embedded CAs count only when
    they chain there, which path validation checks for the signer; a CRL of an unknown issuer is ignored: it
    could only revoke, never vouch, for a certificate outside the partner's trust)."""
    issuers = (*trust.anchors, *trust.intermediates, *trust.known_cas, *certificates)
    loaded = []
    for crl in crls:
        try:
            loaded.append(load_crl(crl, issuers=issuers))
        except TrustError:
            continue
    return tuple(loaded)
