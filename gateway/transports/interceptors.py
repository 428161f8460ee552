"""Caller identity: the peer's TLS certificate -> partner (or domestic client) name; request logging; requests
that do not decode."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from cryptography import x509

import trust

from ..core.errors import GatewayError, PartnerUnauthenticated, RequestMalformed
from ..core.ports import Clock, TrustBook
from .status_map import abort, set_status

__all__ = ["LoggingInterceptor", "RequestDecodingInterceptor", "peer_certificate", "peer_partner"]

log = logging.getLogger("swgw.rpc")


def peer_certificate(context: grpc.ServicerContext) -> x509.Certificate | None:
    """The TLS client certificate of the caller, if it presented one."""
    pem = context.auth_context().get("x509_pem_cert")
    if not pem:
        return None
    return x509.load_pem_x509_certificate(pem[0])


def peer_partner(context: grpc.ServicerContext, trustbook: TrustBook, clock: Clock) -> str:
    """The partner the caller's certificate belongs to; raises PartnerUnauthenticated.

    The TLS layer already checked the chain against the union of all partners' anchors; this decides *which*
    partner it is, with the partner's own anchors, states and revocations at this moment.
    """
    leaf = peer_certificate(context)
    if leaf is None:
        raise PartnerUnauthenticated("no client certificate presented")
    try:
        return trustbook.identify(leaf, [], at=clock.now())
    except trust.TrustError as e:
        raise PartnerUnauthenticated(
            f"client certificate {leaf.subject.rfc4514_string()} belongs to no partner: {e.code}"
        ) from e


class LoggingInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """At DEBUG level on the ``swgw.rpc`` logger, one line per call when it ends: request id (the caller's
    ``x-request-id`` metadata, or a new one), method, status code and duration. Costs nothing per call otherwise:
    the level is checked when the call is dispatched."""

    def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Any], handler_call_details: grpc.HandlerCallDetails
    ) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or not log.isEnabledFor(logging.DEBUG):
            return handler
        metadata = dict(handler_call_details.invocation_metadata or ())
        request_id = str(metadata.get("x-request-id") or uuid.uuid4().hex[:12])
        return _timed(handler, request_id, handler_call_details.method)


def _finished(request_id: str, method: str, context: grpc.ServicerContext, started: float, failed: bool) -> None:
    # A handler that raised without setting a code ends as UNKNOWN (grpcio's rule); an abort has set its code.
    code = context.code() or (grpc.StatusCode.UNKNOWN if failed else grpc.StatusCode.OK)
    name = code.name if isinstance(code, grpc.StatusCode) else str(code)
    log.debug("rpc %s %s %s in %.1f ms", request_id, method, name, (time.perf_counter() - started) * 1000)


def _timed(handler: Any, request_id: str, method: str) -> Any:
    """The same handler, logging when each call ends (streams: when the response stream ends)."""

    def unary(behavior: Callable[[Any, grpc.ServicerContext], Any]) -> Callable[[Any, grpc.ServicerContext], Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            started, failed = time.perf_counter(), True
            try:
                response = behavior(request, context)
                failed = False
                return response
            finally:
                _finished(request_id, method, context, started, failed)

        return call

    def streaming(behavior: Callable[[Any, grpc.ServicerContext], Any]) -> Callable[[Any, grpc.ServicerContext], Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            started, failed = time.perf_counter(), True
            try:
                yield from behavior(request, context)
                failed = False
            finally:
                _finished(request_id, method, context, started, failed)

        return call

    options = {"request_deserializer": handler.request_deserializer,
               "response_serializer": handler.response_serializer}
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary), **options)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(unary(handler.stream_unary), **options)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(streaming(handler.unary_stream), **options)
    return grpc.stream_stream_rpc_method_handler(streaming(handler.stream_stream), **options)


class _Undecodable:
    """Stands in for a request message whose bytes did not decode, so that the handler can refuse it."""

    __slots__ = ("message_type",)

    def __init__(self, message_type: str) -> None:
        self.message_type = message_type


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None
    owner = getattr(deserializer, "__self__", None)
    descriptor = getattr(owner, "DESCRIPTOR", None)
    message_type = str(getattr(descriptor, "full_name", "")) or "request message"

    def deserialize(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception:  # noqa: BLE001 - protobuf's DecodeError, or anything else a parser raises on bad bytes
            return _Undecodable(message_type)

    return deserialize


class RequestDecodingInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Requests whose bytes are not the RPC's protobuf message (or carry strings that are not UTF-8) end with
    INVALID_ARGUMENT and REQUEST_MALFORMED, on every RPC of the server, unary and streaming.

    grpcio decodes requests itself and ends a failure as INTERNAL "Exception deserializing request!", which tells
    the caller nothing and reads as our fault. So the deserializer is wrapped to hand the handler a stand-in, and
    the handler refuses it through the one status translation (``status_map``).
    """

    def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Any], handler_call_details: grpc.HandlerCallDetails
    ) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        return _decoding(handler, handler_call_details.method)


def _refusal(method: str, request: _Undecodable) -> RequestMalformed:
    return RequestMalformed(f"the request to {method} is not a valid {request.message_type}", field_path="request")


def _decoding(handler: Any, method: str) -> Any:
    """The same handler, refusing requests that did not decode."""

    Behavior = Callable[[Any, grpc.ServicerContext], Any]

    def unary_unary(behavior: Behavior) -> Behavior:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            if isinstance(request, _Undecodable):
                abort(context, _refusal(method, request))
            return behavior(request, context)

        return call

    def unary_stream(behavior: Behavior) -> Behavior:
        def call(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            if isinstance(request, _Undecodable):
                abort(context, _refusal(method, request))
            yield from behavior(request, context)

        return call

    def stream_requests(behavior: Behavior) -> Behavior:
        def call(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
            return behavior(_decoded(requests, context, method), context)

        return call

    def stream_unary(behavior: Behavior) -> Behavior:
        # A client-streaming handler reads its requests in this thread and answers once: whatever it made of a
        # stream cut short by an undecodable request (an error of its own, or an answer), the call ends with
        # REQUEST_MALFORMED.
        def call(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
            refused: list[GatewayError] = []
            try:
                response = behavior(_decoded(requests, context, method, refused), context)
            except Exception:
                if refused:
                    abort(context, refused[0])
                raise
            if refused:
                abort(context, refused[0])
            return response

        return call

    options = {"request_deserializer": _tolerant(handler.request_deserializer),
               "response_serializer": handler.response_serializer}
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(unary_unary(handler.unary_unary), **options)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(unary_stream(handler.unary_stream), **options)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(stream_unary(handler.stream_unary), **options)
    return grpc.stream_stream_rpc_method_handler(stream_requests(handler.stream_stream), **options)


def _decoded(requests: Iterator[Any], context: grpc.ServicerContext, method: str,
             refused: list[GatewayError] | None = None) -> Iterator[Any]:
    """The request stream up to its first message that did not decode; that one ends the stream and records
    REQUEST_MALFORMED as the call's status. Recorded, not raised: request streams are often read on another thread
    (ReceiveInbound's acknowledgements), where an exception would reach no one; the handler sees the stream end
    and returns, and the call ends with the recorded status."""
    for request in requests:
        if isinstance(request, _Undecodable):
            refusal = _refusal(method, request)
            set_status(context, refusal)
            if refused is not None:
                refused.append(refusal)
            return
        yield request
