"""Errors raised by :mod:`trust`.

Every failure leaves ``trust`` as a :class:`TrustError` subclass carrying a stable, machine-readable ``code``
(a class attribute, never formatted into the message) plus the structured fields ``partner`` and ``path``.
The gateway maps ``code`` to its own taxonomy and to gRPC status in one place; ``trust`` never does.

Hierarchy::

    TrustError                      (code "TRUST_ERROR", never raised directly)
    ├── XmlMalformed                XML_MALFORMED
    ├── XmlHostile                  XML_HOSTILE                    DTD, entities, XInclude, oversized input
    ├── SignatureMissing            SIGNATURE_MISSING
    ├── SignatureInvalid            SIGNATURE_INVALID              digest or cryptographic mismatch
    ├── AlgorithmForbidden          SIGNATURE_ALGORITHM_FORBIDDEN  SHA-1, MD5, HMAC, weak key, unknown algorithm
    ├── ReferenceInvalid            SIGNATURE_REFERENCE_INVALID    not one whole-document reference, wrapping
    ├── CertificateUntrusted        CERTIFICATE_UNTRUSTED          no path to the partner's anchors, not pinned
    ├── CertificateExpired          CERTIFICATE_EXPIRED            outside its validity period at ``at``
    ├── CertificateRevoked          CERTIFICATE_REVOKED
    ├── RevocationUnknown           REVOCATION_UNKNOWN             no current CRL and the policy says reject
    ├── PdfSignatureInvalid         PDF_SIGNATURE_INVALID
    ├── CrlInvalid                  CRL_INVALID                    a CRL that does not parse or verify
    ├── DecryptionFailed            DECRYPTION_FAILED              an encrypted AS4 body that cannot be decrypted
    └── TrustStoreError             TRUST_STORE_CONFLICT           illegal trust store transition
        └── TrustAnchorNotCa        TRUST_ANCHOR_NOT_CA            an end-entity certificate as anchor/intermediate

Foreign exceptions (lxml, signxml, cryptography, pyHanko) are wrapped at the boundary with ``raise ... from e``.
"""

from __future__ import annotations

from typing import ClassVar, Self

__all__ = [
    "AlgorithmForbidden",
    "CertificateExpired",
    "CertificateRevoked",
    "CertificateUntrusted",
    "CrlInvalid",
    "DecryptionFailed",
    "PdfSignatureInvalid",
    "ReferenceInvalid",
    "RevocationUnknown",
    "SignatureInvalid",
    "SignatureMissing",
    "TrustAnchorNotCa",
    "TrustError",
    "TrustStoreError",
    "XmlHostile",
    "XmlMalformed",
]


class TrustError(Exception):
    """Root of every error raised by :mod:`trust`.

    ``code`` is fixed per subclass and stable across releases: callers switch on it, never on the message.
    """

    code: ClassVar[str] = "TRUST_ERROR"
    """Stable machine-readable error code of this class."""

    message: str
    """Human-readable explanation; may change between releases."""

    partner: str | None
    """Partner whose trust material was in use, when known."""

    path: str | None
    """Location inside the input (element path, certificate position, PDF field), when known."""

    def __init__(self, message: str, *, partner: str | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.partner = partner
        self.path = path

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def at(self, path: str) -> Self:
        """A new error of the same class, message and partner, located at ``path``: for a caller that knows where
        the checked input came from (an attachment, a request field). Raise it ``from`` this one; a raised error
        is never changed."""
        return type(self)(self.message, partner=self.partner, path=path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, partner={self.partner!r}, path={self.path!r})"

    def with_partner(self, partner: str) -> TrustError:
        """Return this error with ``partner`` filled in when it was unknown where it was raised."""
        if self.partner is None:
            self.partner = partner
        return self


class XmlMalformed(TrustError):
    """The input is not well-formed XML."""

    code = "XML_MALFORMED"


class XmlHostile(TrustError):
    """The input uses a construct refused on principle: DTD, entity, XInclude, or it is oversized."""

    code = "XML_HOSTILE"


class SignatureMissing(TrustError):
    """No signature where one is required."""

    code = "SIGNATURE_MISSING"


class SignatureInvalid(TrustError):
    """The signature or a digest does not match the signed content."""

    code = "SIGNATURE_INVALID"


class AlgorithmForbidden(TrustError):
    """An algorithm, key type or key size outside the :class:`~trust.policy.SignaturePolicy`."""

    code = "SIGNATURE_ALGORITHM_FORBIDDEN"


class ReferenceInvalid(TrustError):
    """The signature does not cover exactly the whole document (several references, partial reference, wrapping)."""

    code = "SIGNATURE_REFERENCE_INVALID"


class CertificateUntrusted(TrustError):
    """The signer certificate is neither pinned nor chains to one of the partner's anchors."""

    code = "CERTIFICATE_UNTRUSTED"


class CertificateExpired(TrustError):
    """A certificate of the path is outside its validity period at the verification time."""

    code = "CERTIFICATE_EXPIRED"


class CertificateRevoked(TrustError):
    """A certificate of the path is revoked with an effective time at or before the verification time."""

    code = "CERTIFICATE_REVOKED"


class RevocationUnknown(TrustError):
    """The revocation status cannot be established and the policy rejects that."""

    code = "REVOCATION_UNKNOWN"


class PdfSignatureInvalid(TrustError):
    """A PDF signature is missing, broken, does not cover the document, or is not acceptable."""

    code = "PDF_SIGNATURE_INVALID"


class CrlInvalid(TrustError):
    """A CRL cannot be parsed, is not signed by a known issuer, or its signature does not verify."""

    code = "CRL_INVALID"


class TrustStoreError(TrustError):
    """An illegal trust store operation (duplicate entry, forbidden state transition, unknown entry)."""

    code = "TRUST_STORE_CONFLICT"


class TrustAnchorNotCa(TrustStoreError):
    """A certificate offered as anchor or intermediate is not a CA certificate.

    Anchors and intermediates must carry basicConstraints cA=TRUE and, when keyUsage is present, keyCertSign. An
    end-entity certificate trusted as an anchor would end every path at itself, so neither its CA's revocation
    nor a CRL listing it would ever be consulted; such a certificate can be trusted only as ``pinned``.
    """

    code = "TRUST_ANCHOR_NOT_CA"


class DecryptionFailed(TrustError):
    """XML-encrypted content (an AS4 message body) that cannot be decrypted: a refused algorithm, no key for it, or
    a ciphertext that does not authenticate."""

    code = "DECRYPTION_FAILED"
