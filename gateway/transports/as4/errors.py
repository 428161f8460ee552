"""ebMS 3.0 error codes (EBMS:0001..0303): what each means, which gateway error becomes which, and whether a
sender should try again.

The one translation between swgw's stable error codes and ebMS errors, used by the inbound endpoint (answering a
refusal) and the outbound client (reading one), as ``status_map`` is for gRPC.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["EBMS_ERRORS", "EbmsError", "ebms_code_for"]


@dataclass(frozen=True)
class EbmsError:
    """One ebMS error code of the core specification (section 6.7) or the AS4 profile."""

    short_description: str
    """The shortDescription attribute."""
    category: str
    """Content, Unpackaging, Processing or Communication."""
    retryable: bool
    """Whether the same message may succeed later (a failure of the moment, not of the message)."""


EBMS_ERRORS = MappingProxyType({
    "EBMS:0001": EbmsError("ValueNotRecognized", "Content", False),
    "EBMS:0002": EbmsError("FeatureNotSupported", "Content", False),
    "EBMS:0003": EbmsError("ValueInconsistent", "Content", False),
    "EBMS:0004": EbmsError("Other", "Content", True),
    "EBMS:0005": EbmsError("ConnectionFailure", "Communication", True),
    "EBMS:0006": EbmsError("EmptyMessagePartitionChannel", "Communication", False),
    "EBMS:0007": EbmsError("MimeInconsistency", "Unpackaging", False),
    "EBMS:0008": EbmsError("FeatureNotSupported", "Unpackaging", False),
    "EBMS:0009": EbmsError("InvalidHeader", "Unpackaging", False),
    "EBMS:0010": EbmsError("ProcessingModeMismatch", "Processing", False),
    "EBMS:0011": EbmsError("ExternalPayloadError", "Content", False),
    "EBMS:0101": EbmsError("FailedAuthentication", "Processing", False),
    "EBMS:0102": EbmsError("FailedDecryption", "Processing", False),
    "EBMS:0103": EbmsError("PolicyNoncompliance", "Processing", False),
    "EBMS:0201": EbmsError("DysfunctionalReliability", "Processing", True),
    "EBMS:0202": EbmsError("DeliveryFailure", "Communication", True),
    "EBMS:0301": EbmsError("MissingReceipt", "Communication", True),
    "EBMS:0302": EbmsError("InvalidReceipt", "Communication", True),
    "EBMS:0303": EbmsError("DecompressionFailure", "Communication", False),
})
"""Every ebMS error code this gateway writes or reads; an unknown code read from a peer counts as EBMS:0004."""

_BY_GATEWAY_CODE = MappingProxyType({
    "PARTNER_UNAUTHENTICATED": "EBMS:0101",
    "SENDER_MISMATCH": "EBMS:0101",
    "ENVELOPE_SIGNATURE_INVALID": "EBMS:0101",
    "SIGNATURE_MISSING": "EBMS:0101",
    "SIGNATURE_INVALID": "EBMS:0101",
    "SIGNATURE_REFERENCE_INVALID": "EBMS:0101",
    "CERTIFICATE_UNTRUSTED": "EBMS:0101",
    "CERTIFICATE_EXPIRED": "EBMS:0101",
    "CERTIFICATE_REVOKED": "EBMS:0101",
    "SIGNATURE_ALGORITHM_FORBIDDEN": "EBMS:0103",
    "DECRYPTION_FAILED": "EBMS:0102",
    "PAYLOAD_TOO_LARGE": "EBMS:0103",
    "DOCUMENT_TYPE_NOT_AGREED": "EBMS:0010",
    "FORMAT_NOT_AGREED": "EBMS:0010",
    "ENVELOPE_INVALID": "EBMS:0009",
    "REQUEST_MALFORMED": "EBMS:0009",
    "XML_HOSTILE": "EBMS:0009",
    "XML_MALFORMED": "EBMS:0009",
    "REVOCATION_UNKNOWN": "EBMS:0101",
    "PAYLOAD_DIGEST_MISMATCH": "EBMS:0003",
    "DUPLICATE_CONFLICT": "EBMS:0003",
    "MESSAGE_STALE": "EBMS:0003",
})


def ebms_code_for(gateway_code: str) -> str:
    """The ebMS error that reports a refusal with ``gateway_code`` (EBMS:0004 Other for the rest, which carries
    the gateway code in eb:ErrorDetail)."""
    return _BY_GATEWAY_CODE.get(gateway_code, "EBMS:0004")
