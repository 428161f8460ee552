"""The one translation of gateway errors to gRPC status (google.rpc.Status with an ErrorDetail).

Servicer methods are wrapped with :func:`translate_errors`. A :class:`~gateway.errors.GatewayError` (or a
mappings/trust error that escaped the pipeline) becomes its mapped status code with the ErrorDetail attached;
anything else becomes INTERNAL with nothing leaked, and is logged.
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

import mappings
import trust

from ..errors import DocumentRejected, GatewayError
from . import codec

__all__ = ["STATUS_BY_CODE", "abort", "error_from_status", "status_for", "translate_errors"]

log = logging.getLogger(__name__)

C = grpc.StatusCode
#: Stable error code -> gRPC status code. Codes not listed map by family (see :func:`status_for`).
STATUS_BY_CODE: dict[str, grpc.StatusCode] = {
    "PARTNER_UNAUTHENTICATED": C.UNAUTHENTICATED,
    "PARTNER_UNKNOWN": C.FAILED_PRECONDITION,
    "SENDER_MISMATCH": C.PERMISSION_DENIED,
    "DOCUMENT_TYPE_NOT_AGREED": C.PERMISSION_DENIED,
    "ENVELOPE_INVALID": C.INVALID_ARGUMENT,
    "ENVELOPE_SIGNATURE_INVALID": C.PERMISSION_DENIED,
    "PAYLOAD_DIGEST_MISMATCH": C.INVALID_ARGUMENT,
    "PAYLOAD_TOO_LARGE": C.RESOURCE_EXHAUSTED,
    "MESSAGE_STALE": C.FAILED_PRECONDITION,
    "MESSAGE_NOT_FOUND": C.NOT_FOUND,
    "DUPLICATE_CONFLICT": C.ALREADY_EXISTS,
    "INVALID_TRANSITION": C.FAILED_PRECONDITION,
    "DELIVERY_FAILED": C.UNAVAILABLE,
    "CONFIG_INVALID": C.FAILED_PRECONDITION,
    "TRUST_STORE_CONFLICT": C.FAILED_PRECONDITION,
    "TRUST_ANCHOR_NOT_CA": C.INVALID_ARGUMENT,
    "CRL_INVALID": C.INVALID_ARGUMENT,
    "OPERATOR_UNAUTHENTICATED": C.UNAUTHENTICATED,
    "CLIENT_UNAUTHENTICATED": C.UNAUTHENTICATED,
}
_TRUST_CODES_DENIED = {
    "SIGNATURE_MISSING", "SIGNATURE_INVALID", "SIGNATURE_ALGORITHM_FORBIDDEN", "SIGNATURE_REFERENCE_INVALID",
    "CERTIFICATE_UNTRUSTED", "CERTIFICATE_EXPIRED", "CERTIFICATE_REVOKED", "REVOCATION_UNKNOWN",
    "PDF_SIGNATURE_INVALID",
}


def status_for(code: str) -> grpc.StatusCode:
    """The gRPC status for a stable error code."""
    if code in STATUS_BY_CODE:
        return STATUS_BY_CODE[code]
    if code in _TRUST_CODES_DENIED:
        return C.PERMISSION_DENIED
    # Record, document and mapping problems are the caller's input.
    return C.INVALID_ARGUMENT


def _as_gateway_error(exc: BaseException) -> GatewayError | None:
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, mappings.MappingError):
        return DocumentRejected(exc.message, code=exc.code, field_path=exc.path, report=exc.report)
    if isinstance(exc, trust.TrustError):
        return DocumentRejected(exc.message, code=exc.code, field_path=exc.path, partner=exc.partner)
    return None


def abort(context: grpc.ServicerContext, exc: BaseException) -> NoReturn:
    """Abort the RPC with the status for ``exc`` (never returns)."""
    error = _as_gateway_error(exc)
    if error is None:
        log.error("internal error", exc_info=exc)
        context.abort(C.INTERNAL, "internal error")
        raise AssertionError("unreachable")  # pragma: no cover
    grpc_code = status_for(error.code)
    detail = any_pb2.Any()
    detail.Pack(codec.error_detail(error))
    status = status_pb2.Status(
        code=getattr(code_pb2, grpc_code.name), message=f"{error.code}: {error.message}", details=[detail]
    )
    context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("unreachable")  # pragma: no cover


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


def error_from_status(error: grpc.RpcError) -> tuple[str, str, str]:
    """(code, message, field_path) from a failed call's google.rpc.Status details, for clients."""
    status = rpc_status.from_call(error)
    if status is not None:
        for detail in status.details:
            from .._generated.swgw.v1 import envelope_pb2

            info = envelope_pb2.ErrorDetail()
            if detail.Unpack(info):
                return info.code, info.message, info.field_path
    code = error.code() if hasattr(error, "code") else None
    return (code.name if code else "UNKNOWN"), (error.details() if hasattr(error, "details") else str(error)) or "", ""
