"""Caller identity: the peer's TLS certificate -> partner (or domestic client) name; request logging."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import grpc
from cryptography import x509

import trust

from ..errors import PartnerUnauthenticated
from ..ports import Clock
from ..trustbook import TrustBook

__all__ = ["LoggingInterceptor", "peer_certificate", "peer_partner"]

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
    """Logs each call with a request id, its method and duration."""

    def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Any], handler_call_details: grpc.HandlerCallDetails
    ) -> Any:
        request_id = dict(handler_call_details.invocation_metadata or ()).get("x-request-id") or uuid.uuid4().hex[:12]
        started = time.perf_counter()
        handler = continuation(handler_call_details)
        log.debug("rpc %s %s started", request_id, handler_call_details.method)
        elapsed = (time.perf_counter() - started) * 1000
        log.debug("rpc %s %s dispatched in %.1f ms", request_id, handler_call_details.method, elapsed)
        return handler
