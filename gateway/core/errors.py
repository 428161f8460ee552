"""The gateway's exception root and its stable error-code taxonomy.

Hierarchy::

    GatewayError                    code                        gRPC status
    ├── PartnerUnauthenticated      PARTNER_UNAUTHENTICATED     UNAUTHENTICATED
    ├── PartnerUnknown              PARTNER_UNKNOWN             FAILED_PRECONDITION
    ├── OperatorUnauthenticated     OPERATOR_UNAUTHENTICATED    UNAUTHENTICATED
    ├── ClientUnauthenticated       CLIENT_UNAUTHENTICATED      UNAUTHENTICATED
    ├── SenderMismatch              SENDER_MISMATCH             PERMISSION_DENIED
    ├── DocumentTypeNotAgreed       DOCUMENT_TYPE_NOT_AGREED    PERMISSION_DENIED
    ├── FormatNotAgreed             FORMAT_NOT_AGREED           PERMISSION_DENIED
    ├── EnvelopeInvalid             ENVELOPE_INVALID            INVALID_ARGUMENT
    ├── RequestMalformed            REQUEST_MALFORMED           INVALID_ARGUMENT
    ├── EnvelopeSignatureInvalid    ENVELOPE_SIGNATURE_INVALID  PERMISSION_DENIED
    ├── SignatureFormatUnsupported  SIGNATURE_FORMAT_UNSUPPORTED INVALID_ARGUMENT
    ├── PayloadDigestMismatch       PAYLOAD_DIGEST_MISMATCH     INVALID_ARGUMENT
    ├── PayloadTooLarge             PAYLOAD_TOO_LARGE           RESOURCE_EXHAUSTED
    ├── AttachmentIncomplete        ATTACHMENT_INCOMPLETE       INVALID_ARGUMENT
    ├── MessageStale                MESSAGE_STALE               FAILED_PRECONDITION
    ├── StreamingNotAgreed          STREAMING_NOT_AGREED        FAILED_PRECONDITION
    ├── MessageNotFound             MESSAGE_NOT_FOUND           NOT_FOUND
    ├── DuplicateConflict           DUPLICATE_CONFLICT          ALREADY_EXISTS
    ├── InvalidTransition           INVALID_TRANSITION          FAILED_PRECONDITION
    ├── ReceiptInvalid              RECEIPT_INVALID             (outbound only: recorded, retried)
    ├── DeliveryFailed              DELIVERY_FAILED             UNAVAILABLE
    ├── ConfigInvalid               CONFIG_INVALID              (start-up only)
    └── DocumentRejected            <code of the cause>         INVALID_ARGUMENT / PERMISSION_DENIED
            wraps a mappings.MappingError (RECORD_MALFORMED, RECORD_INVALID, AGREEMENT_VIOLATED, CODE_UNMAPPED,
            SCHEMA_INVALID, DOCUMENT_MALFORMED, CHARSET_REFUSED, XML_HOSTILE, PROFILE_UNKNOWN) or a
            trust.TrustError (XML_MALFORMED, XML_HOSTILE, SIGNATURE_MISSING, SIGNATURE_INVALID, SIGNATURE_ALGORITHM_FORBIDDEN,
            SIGNATURE_REFERENCE_INVALID, CERTIFICATE_UNTRUSTED, CERTIFICATE_EXPIRED, CERTIFICATE_REVOKED,
            REVOCATION_UNKNOWN), keeping its code, path and report.

:func:`as_gateway_error` is the one translation of an exception into a gateway error (the pipeline's steps and
the transports both use it); an error is never changed after it is raised: a caller that knows more raises a new
one ``from`` it. Anything else reaching a transport becomes INTERNAL with nothing leaked. The only translation to
gRPC status is ``gateway.transports.status_map``.
"""

from __future__ import annotations

from typing import ClassVar

import mappings
import trust
from mappings import ValidationReport

__all__ = [
    "AttachmentIncomplete",
    "ClientUnauthenticated",
    "ConfigInvalid",
    "DeliveryFailed",
    "DocumentRejected",
    "DocumentTypeNotAgreed",
    "DuplicateConflict",
    "EnvelopeInvalid",
    "EnvelopeSignatureInvalid",
    "FormatNotAgreed",
    "GatewayError",
    "InvalidTransition",
    "MessageNotFound",
    "MessageStale",
    "NO_ANSWER_CODES",
    "OperatorUnauthenticated",
    "PartnerUnauthenticated",
    "PartnerUnknown",
    "PayloadDigestMismatch",
    "PayloadTooLarge",
    "ReceiptInvalid",
    "RequestMalformed",
    "SenderMismatch",
    "SignatureFormatUnsupported",
    "StreamingNotAgreed",
    "as_gateway_error",
]


class GatewayError(Exception):
    """Root of every error the gateway raises on purpose. ``code`` is stable and documented."""

    code: ClassVar[str] = "INTERNAL"

    def __init__(
        self,
        message: str,
        *,
        partner: str | None = None,
        field_path: str | None = None,
        report: ValidationReport | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.partner = partner
        self.field_path = field_path
        self.report = report
        if code is not None:
            # Instances wrapping a foreign error carry the foreign code (DocumentRejected).
            self.code = code  # type: ignore[misc]

    def __str__(self) -> str:
        where = f" at {self.field_path}" if self.field_path else ""
        return f"{self.code}: {self.message}{where}"


class PartnerUnauthenticated(GatewayError):
    """The caller presented no certificate, or one that belongs to no partner."""

    code = "PARTNER_UNAUTHENTICATED"


class ClientUnauthenticated(GatewayError):
    """A domestic call without the certificate of a configured domestic client."""

    code = "CLIENT_UNAUTHENTICATED"


class OperatorUnauthenticated(GatewayError):
    """An Operator call without a client certificate issued by the operators' CA."""

    code = "OPERATOR_UNAUTHENTICATED"


class PartnerUnknown(GatewayError):
    """A request names a partner with no agreement."""

    code = "PARTNER_UNKNOWN"


class SenderMismatch(GatewayError):
    """The envelope names a sender other than the authenticated partner, or a receiver other than us."""

    code = "SENDER_MISMATCH"


class DocumentTypeNotAgreed(GatewayError):
    """The partner agreement does not cover this document type."""

    code = "DOCUMENT_TYPE_NOT_AGREED"


class FormatNotAgreed(GatewayError):
    """The envelope declares a document format other than the one the agreement names for its document type."""

    code = "FORMAT_NOT_AGREED"


class EnvelopeInvalid(GatewayError):
    """A required envelope field is missing or malformed."""

    code = "ENVELOPE_INVALID"


class RequestMalformed(GatewayError):
    """A request that cannot be decoded: bytes that are not the RPC's protobuf message (or hold text that is not
    UTF-8), or command-line text that is not Unicode. ``field_path`` names the RPC or the argument."""

    code = "REQUEST_MALFORMED"


class EnvelopeSignatureInvalid(GatewayError):
    """The envelope signature does not verify against the sender's trust."""

    code = "ENVELOPE_SIGNATURE_INVALID"


class SignatureFormatUnsupported(GatewayError):
    """The envelope's signature names a format other than ``jws-rfc7515+rfc8785/1`` (``trust.JWS_FORMAT``)."""

    code = "SIGNATURE_FORMAT_UNSUPPORTED"


class PayloadDigestMismatch(GatewayError):
    """The payload or an attachment does not match its declared SHA-256."""

    code = "PAYLOAD_DIGEST_MISMATCH"


class PayloadTooLarge(GatewayError):
    """The payload exceeds the configured limit."""

    code = "PAYLOAD_TOO_LARGE"


class AttachmentIncomplete(GatewayError):
    """A large attachment's chunks ended before its declared size, or ran past it (a truncated or broken
    transfer); nothing of it is kept."""

    code = "ATTACHMENT_INCOMPLETE"


class MessageStale(GatewayError):
    """The envelope was created too long ago, or too far in the future."""

    code = "MESSAGE_STALE"


class StreamingNotAgreed(GatewayError):
    """A partner opened a streaming RPC that its agreement does not enable (``streaming = true``)."""

    code = "STREAMING_NOT_AGREED"


class MessageNotFound(GatewayError):
    """No message with that id (or business key) is known."""

    code = "MESSAGE_NOT_FOUND"


class DuplicateConflict(GatewayError):
    """An id or business key arrived again with different content."""

    code = "DUPLICATE_CONFLICT"


class InvalidTransition(GatewayError):
    """A message state change the state machine does not allow."""

    code = "INVALID_TRANSITION"


class ReceiptInvalid(GatewayError):
    """A partner's receipt failed verification or does not match the message."""

    code = "RECEIPT_INVALID"


class DeliveryFailed(GatewayError):
    """A delivery attempt failed; ``retryable`` says whether another attempt may succeed."""

    code = "DELIVERY_FAILED"

    def __init__(self, message: str, *, retryable: bool, partner: str | None = None, code: str | None = None):
        super().__init__(message, partner=partner, code=code)
        self.retryable = retryable


#: The error codes a delivery that got no answer is recorded with: the transports' own (DELIVERY_FAILED: no
#: connection, no HTTP answer) and the gRPC status names of a call that never reached the partner's gateway or
#: never came back from it (the partner's own refusals carry the gateway error codes instead).
NO_ANSWER_CODES = frozenset({DeliveryFailed.code, "UNAVAILABLE", "DEADLINE_EXCEEDED"})


class ConfigInvalid(GatewayError):
    """The configuration is invalid; ``field_path`` names the key."""

    code = "CONFIG_INVALID"


class DocumentRejected(GatewayError):
    """A document or record failed mapping, validation or signature verification; carries the cause's code."""

    code = "DOCUMENT_REJECTED"


def as_gateway_error(exc: BaseException) -> GatewayError | None:
    """The gateway error an exception stands for, or None for an unexpected one (a bug: INTERNAL on the wire).

    A :class:`mappings.MappingError` or :class:`trust.TrustError` becomes :class:`DocumentRejected` with its code,
    path, partner and report; a :class:`GatewayError` is itself. The result is new; ``exc`` is left as raised.
    """
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, mappings.MappingError):
        return DocumentRejected(exc.message, code=exc.code, field_path=exc.path, report=exc.report)
    if isinstance(exc, trust.TrustError):
        return DocumentRejected(exc.message, code=exc.code, field_path=exc.path, partner=exc.partner)
    return None
