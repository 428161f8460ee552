"""The one translation of gateway errors to gRPC status (google.rpc.Status with an ErrorDetail).

Servicer methods are wrapped with :func:`translate_errors`. A :class:`~gateway.core.errors.GatewayError` (or a
mappings/trust error that escaped the pipeline) becomes its mapped status code with the ErrorDetail attached;
anything else becomes INTERNAL with nothing leaked, and is logged. What travels is bounded (status and details go
in trailers, limited by clients): the code first, the first :data:`TRAILER_FINDINGS` findings of a report with
``findings_total``, and texts cut short.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, status_pb2
from grpc_status import rpc_status

from ..core.errors import GatewayError, as_gateway_error
from . import codec

__all__ = [
    "STATUS_BY_CODE", "TRAILER_FINDINGS", "abort", "error_from_status", "set_status", "status_for", "translate_errors",
]

log = logging.getLogger(__name__)

C = grpc.StatusCode
#: Findings of a report that travel with an error. Status and details travel in trailers, which gRPC clients
#: refuse above 8 KiB by default (RESOURCE_EXHAUSTED, with the code lost): a report of 100 findings took ~15 kB.
#: With texts cut to ``codec.MAX_TEXT_BYTES``, ten findings stay under about 4 KiB on the wire.
TRAILER_FINDINGS = 10
#: Stable error code -> gRPC status code. Codes not listed map by family (see :func:`status_for`).
STATUS_BY_CODE: dict[str, grpc.StatusCode] = {
    "PARTNER_UNAUTHENTICATED": C.UNAUTHENTICATED,
    "PARTNER_UNKNOWN": C.FAILED_PRECONDITION,
    "SENDER_MISMATCH": C.PERMISSION_DENIED,
    "DOCUMENT_TYPE_NOT_AGREED": C.PERMISSION_DENIED,
    "FORMAT_NOT_AGREED": C.PERMISSION_DENIED,
    "ENVELOPE_INVALID": C.INVALID_ARGUMENT,
    "REQUEST_MALFORMED": C.INVALID_ARGUMENT,
    "ENVELOPE_SIGNATURE_INVALID": C.PERMISSION_DENIED,
    "SIGNATURE_FORMAT_UNSUPPORTED": C.INVALID_ARGUMENT,
    "PAYLOAD_DIGEST_MISMATCH": C.INVALID_ARGUMENT,
    "PAYLOAD_TOO_LARGE": C.RESOURCE_EXHAUSTED,
    "ATTACHMENT_INCOMPLETE": C.INVALID_ARGUMENT,
    "MESSAGE_STALE": C.FAILED_PRECONDITION,
    "STREAMING_NOT_AGREED": C.FAILED_PRECONDITION,
    "MESSAGE_NOT_FOUND": C.NOT_FOUND,
    "DUPLICATE_CONFLICT": C.ALREADY_EXISTS,
    "INVALID_TRANSITION": C.FAILED_PRECONDITION,
    "DELIVERY_FAILED": C.UNAVAILABLE,
    "CONFIG_INVALID": C.FAILED_PRECONDITION,
    "TRUST_STORE_CONFLICT": C.FAILED_PRECONDITION,
    "TRUST_ANCHOR_NOT_CA": C.INVALID_ARGUMENT,
    "CRL_INVALID": C.INVALID_ARGUMENT,
    # Our own TSA did not answer while signing: nothing was queued, the caller may submit again.
    "TIMESTAMP_UNAVAILABLE": C.UNAVAILABLE,
    "OPERATOR_UNAUTHENTICATED": C.UNAUTHENTICATED,
    "CLIENT_UNAUTHENTICATED": C.UNAUTHENTICATED,
    "INQUIRY_INVALID": C.INVALID_ARGUMENT,
    # The partner's answer to our inquiry could not be trusted: the operator's request was fine, the partner
    # is not.
    "INQUIRY_ANSWER_INVALID": C.FAILED_PRECONDITION,
}
_TRUST_CODES_DENIED = {
    "SIGNATURE_MISSING", "SIGNATURE_INVALID", "SIGNATURE_ALGORITHM_FORBIDDEN", "SIGNATURE_REFERENCE_INVALID",
    "CERTIFICATE_UNTRUSTED", "CERTIFICATE_EXPIRED", "CERTIFICATE_REVOKED", "REVOCATION_UNKNOWN",
    "PDF_SIGNATURE_INVALID", "TIMESTAMP_INVALID",
}


def status_for(code: str) -> grpc.StatusCode:
    """The gRPC status for a stable error code."""
    if code in STATUS_BY_CODE:
        return STATUS_BY_CODE[code]
    if code in _TRUST_CODES_DENIED:
        return C.PERMISSION_DENIED
    # Record, document and mapping problems are the caller's input.
    return C.INVALID_ARGUMENT


def _status(exc: BaseException) -> grpc.Status | None:
    """The gRPC status (code, message and trailers with the ErrorDetail) for ``exc``; None when unexpected."""
    error = as_gateway_error(exc)
    if error is None:
        return None
    grpc_code = status_for(error.code)
    bounded = codec.error_detail(error, max_findings=TRAILER_FINDINGS)
    message = f"{error.code}: {bounded.message}{_cut_short_note(bounded)}"
    detail = any_pb2.Any()
    detail.Pack(bounded)
    status = status_pb2.Status(code=getattr(code_pb2, grpc_code.name), message=message, details=[detail])
    return rpc_status.to_status(status)


def abort(context: grpc.ServicerContext, exc: BaseException) -> NoReturn:
    """Abort the RPC with the status for ``exc`` (never returns)."""
    status = _status(exc)
    if status is None:
        log.error("internal error", exc_info=exc)
        context.abort(C.INTERNAL, "internal error")
        raise AssertionError("unreachable")  # pragma: no cover
    context.abort_with_status(status)
    raise AssertionError("unreachable")  # pragma: no cover


def _cut_short_note(detail: Any) -> str:
    """Where the rest is, when ``detail`` carries only the first findings of its report ("" otherwise)."""
    total, kept = detail.report.findings_total, len(detail.report.findings)
    if total <= kept:
        return ""
    return f" ({total} findings; the first {kept} are in the error details; Validate returns the full report)"


def set_status(context: grpc.ServicerContext, exc: GatewayError) -> None:
    """Record the status for ``exc`` without raising: the call ends with it when its handler returns. For code
    that must not raise into the handler, e.g. a request stream read on another thread."""
    status = _status(exc)
    assert status is not None  # a GatewayError always has one
    context.set_trailing_metadata(status.trailing_metadata)
    context.set_code(status.code)
    context.set_details(status.details)


F = TypeVar("F", bound=Callable[..., Any])


def translate_errors(method: F) -> F:
    """Decorate a servicer method (unary or server-streaming) so that errors leave as gRPC status."""
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def stream(self: Any, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            try:
                yield from method(self, request, context)
            except Exception as e:  # noqa: BLE001 - the one place where every error is translated
                if _is_abort(e):
                    raise
                abort(context, e)

        return stream  # type: ignore[return-value]

    @functools.wraps(method)
    def unary(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except Exception as e:  # noqa: BLE001 - the one place where every error is translated
            if _is_abort(e):
                raise
            abort(context, e)

    return unary  # type: ignore[return-value]


def _is_abort(exc: BaseException) -> bool:
    # grpc's context.abort() raises a bare ``Exception()`` after recording the status; let it through untouched.
    return type(exc) is Exception and not exc.args


_STATUS_DETAILS_KEY = "grpc-status-details-bin"


def error_from_status(error: grpc.RpcError) -> tuple[str, str, str]:
    """(code, message, field_path) of any failed call, for clients; never raises.

    The gateway's ErrorDetail when the trailers carry one; otherwise (a refusal at the TLS handshake, an
    unreachable gateway, a deadline, trailers over the client's limit, details that do not parse) the gRPC status
    name and its details on one line, e.g. ``("UNAVAILABLE", "failed to connect to all addresses ...", "")``.
    """
    detail = _error_detail(error)
    if detail is not None and detail.code:
        return detail.code, _one_line(detail.message) + _cut_short_note(detail), detail.field_path
    try:
        code = error.code() if callable(getattr(error, "code", None)) else None
    except Exception:  # noqa: BLE001 - a broken error object still gets a readable line
        code = None
    try:
        # A call's repr (str) is a multi-line dump with debug strings: used only for errors that are not calls.
        text = error.details() if callable(getattr(error, "details", None)) else str(error)
    except Exception:  # noqa: BLE001
        text = None
    name = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
    return name, _one_line(str(text or "")) or "no details", ""


def _error_detail(error: grpc.RpcError) -> Any:
    """The first swgw.v1.ErrorDetail in the call's google.rpc.Status trailer, or None (absent or unreadable)."""
    from .._generated.swgw.v1 import envelope_pb2

    try:
        trailers = error.trailing_metadata() if callable(getattr(error, "trailing_metadata", None)) else None
        for key, value in trailers or ():
            if key != _STATUS_DETAILS_KEY:
                continue
            # Parsed directly rather than with rpc_status.from_call, which raises when the trailer's code differs
            # from the call's (e.g. a proxy rewrote the status).
            status = status_pb2.Status.FromString(value if isinstance(value, bytes) else str(value).encode())
            for packed in status.details:
                info = envelope_pb2.ErrorDetail()
                if packed.Unpack(info):
                    return info
    except Exception:  # noqa: BLE001 - garbage in the trailers falls back to the status code
        return None
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())
