"""The streaming RPCs' servicer bodies: partner ``DeliverStream`` and domestic ``SubmitStream``.

Both read their request stream through :func:`gateway.pipeline.streaming.batches` (a bounded window: the receiver's
flow control) and hand each batch to :class:`~gateway.pipeline.streaming.GroupCommit`, which runs the unary steps
per document and stores the batch in one commit. Answers go out in request order, one per request, after the
commit. A request that cannot be decoded, or that the pipeline refuses, is answered with its ErrorDetail in place
and the stream goes on; only errors about the stream as a whole (the caller, the agreement) end it with a status.
A request stream that breaks off ends the call: what was committed stays committed, and the caller resends what it
has no answer for (idempotency keys and message ids make that safe).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from .._generated.swgw.v1 import domestic_exchange_pb2 as dpb
from .._generated.swgw.v1 import partner_exchange_pb2 as ppb
from ..core.domain import Envelope, Receipt
from ..core.errors import EnvelopeInvalid, GatewayError, as_gateway_error
from ..pipeline.results import SubmitResult
from ..pipeline.steps import SubmitCommand
from ..pipeline.streaming import Broken, GroupCommit, batches
from . import codec
from .large_service import refuse_large

__all__ = ["STREAM_WINDOW", "deliver_stream", "submit_stream"]

log = logging.getLogger(__name__)

#: Requests a stream may have read but not yet answered on the receiving side; beyond it, reading pauses and
#: HTTP/2 flow control holds the sender back.
STREAM_WINDOW = 256


def _error(error: Exception) -> GatewayError:
    translated = as_gateway_error(error)
    if translated is None:
        raise error
    return translated


def deliver_stream(
    group: GroupCommit, requests: Iterator[ppb.DeliverStreamRequest], *, peer: str
) -> Iterator[ppb.DeliverStreamResponse]:
    """Receive envelopes from ``peer`` (authenticated, streaming agreed) in group commits; one answer each."""
    for batch in batches(requests, window=STREAM_WINDOW):
        if isinstance(batch, Broken):
            log.info("DeliverStream from %s broke off: %s", peer, batch.error)
            return
        decoded: list[Envelope | GatewayError] = []
        for request in batch:
            try:
                if not request.HasField("envelope"):
                    raise EnvelopeInvalid("request carries no envelope", partner=peer, field_path="envelope")
                envelope = codec.envelope_from_proto(request.envelope)
                refuse_large(envelope, peer)
                decoded.append(envelope)
            except Exception as e:
                decoded.append(_error(e))
        received = iter(group.receive([d for d in decoded if isinstance(d, Envelope)], peer=peer))
        for request, item in zip(batch, decoded, strict=True):
            answer: Receipt | GatewayError = next(received) if isinstance(item, Envelope) else item
            response = ppb.DeliverStreamResponse(message_id=request.envelope.message_id)
            if isinstance(answer, Receipt):
                response.receipt.CopyFrom(codec.receipt_to_proto(answer))
            else:
                response.error.CopyFrom(codec.error_detail(answer))
            yield response


def submit_stream(
    group: GroupCommit,
    requests: Iterator[dpb.SubmitStreamRequest],
    *,
    command: Callable[[dpb.SubmitRequest], SubmitCommand],
    response: Callable[[SubmitResult], dpb.SubmitResponse],
) -> Iterator[dpb.SubmitStreamResponse]:
    """Submit records in group commits; one answer per request. ``command`` decodes a request (as Submit does)
    and ``response`` encodes a result (as Submit does)."""
    for batch in batches(requests, window=STREAM_WINDOW):
        if isinstance(batch, Broken):
            log.info("SubmitStream broke off: %s", batch.error)
            return
        decoded: list[SubmitCommand | GatewayError] = []
        for request in batch:
            try:
                decoded.append(command(request.submit))
            except Exception as e:
                decoded.append(_error(e))
        submitted = iter(group.submit([d for d in decoded if isinstance(d, SubmitCommand)]))
        for request, item in zip(batch, decoded, strict=True):
            answer = next(submitted) if isinstance(item, SubmitCommand) else item
            out = dpb.SubmitStreamResponse(idempotency_key=request.submit.idempotency_key)
            if isinstance(answer, SubmitResult):
                out.result.CopyFrom(response(answer))
            else:
                out.error.CopyFrom(codec.error_detail(answer))
            yield out
