"""What makes a certificate a CA, and how a certificate's issuers are found among known CA certificates.

Anchors and intermediates must be CA certificates (RFC 5280, 4.2.1.9 and 4.2.1.3): basicConstraints with cA=TRUE
and, when keyUsage is present, keyCertSign. The rule matters beyond form: a path that reaches an anchor stops
there, so an end-entity certificate trusted as an anchor is its own whole path and neither its CA's revocation nor
a CRL listing it is ever consulted. Such a certificate may be trusted only as *pinned*, and a pinned certificate's
revocation is checked along :func:`issuer_chain`.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from trust.errors import TrustAnchorNotCa

__all__ = ["ca_problem", "check_ca", "issuer_chain"]

#: Longest issuer walk; partners' hierarchies are two or three levels deep, and a loop must end.
_MAX_DEPTH = 8


def ca_problem(certificate: x509.Certificate) -> str | None:
    """Why ``certificate`` is not a CA certificate, or ``None`` when it is one."""
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return "it has no basicConstraints extension (an end-entity certificate)"
    except ValueError as e:  # a malformed extension
        return f"its extensions do not parse: {e}"
    if not constraints.ca:
        return "basicConstraints cA is not TRUE (an end-entity certificate)"
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if not usage.key_cert_sign:
        return "keyUsage does not allow keyCertSign"
    return None


def check_ca(certificate: x509.Certificate, *, role: str, partner: str | None = None, path: str | None = None) -> None:
    """Raise :class:`~trust.errors.TrustAnchorNotCa` unless ``certificate`` may serve as ``role`` (a CA role)."""
    problem = ca_problem(certificate)
    if problem is not None:
        subject = certificate.subject.rfc4514_string() or f"serial {certificate.serial_number:x}"
        raise TrustAnchorNotCa(
            # The remedy first: bounded error channels (gRPC trailers) may cut a long message short.
            f"not a CA, so not an {role}: add it as pinned, or its CA as anchor ({subject}: {problem})",
            partner=partner,
            path=path,
        )


def issuer_chain(certificate: x509.Certificate, candidates: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """The issuers of ``certificate`` found among ``candidates``, nearest first, each verified by its signature.

    The walk follows issuer names and keeps a candidate only when it really signed the certificate below it (a CA
    with the same name but another key is not its issuer); it ends at a self-issued certificate, at an issuer not
    among ``candidates``, or after a few levels.
    """
    chain: list[x509.Certificate] = []
    current = certificate
    for _ in range(_MAX_DEPTH):
        if current.issuer == current.subject and chain:
            break
        issuer = _direct_issuer(current, candidates)
        if issuer is None or issuer == current or issuer in chain:
            break
        chain.append(issuer)
        current = issuer
    return tuple(chain)


def _direct_issuer(certificate: x509.Certificate, candidates: Sequence[x509.Certificate]) -> x509.Certificate | None:
    for candidate in candidates:
        if candidate.subject != certificate.issuer or ca_problem(candidate) is not None:
            continue
        try:
            certificate.verify_directly_issued_by(candidate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return candidate
    return None
