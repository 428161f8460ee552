"""PartnerExchangeService: what foreign single windows call, over mutual TLS."""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from .._generated.swgw.v1 import certificate_ledger_pb2 as lpb
from .._generated.swgw.v1 import partner_exchange_pb2 as ppb
from .._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
from ..core.errors import EnvelopeInvalid, MessageNotFound, StreamingNotAgreed
from ..core.ports import BlobStore, Clock, TrustBook
from ..pipeline.inquiries import CertificateLedgers
from ..pipeline.runner import Pipeline
from ..pipeline.streaming import GroupCommit
from . import codec, ledger_codec
from .interceptors import peer_partner
from .status_map import translate_errors
from .large_service import deliver_large, refuse_large
from .streaming_service import deliver_stream

__all__ = ["PartnerExchangeServicer"]


class PartnerExchangeServicer(ppb_grpc.PartnerExchangeServiceServicer):
    """Receives envelopes from partner gateways and answers with signed receipts."""

    def __init__(self, pipeline: Pipeline, trustbook: TrustBook, clock: Clock, blobs: BlobStore,
                 ledgers: CertificateLedgers | None = None) -> None:
        self._pipeline = pipeline
        self._blobs = blobs
        self._ledgers = ledgers
        self._trustbook = trustbook
        self._clock = clock

    @translate_errors
    def Deliver(self, request: ppb.DeliverRequest, context: grpc.ServicerContext) -> ppb.DeliverResponse:  # noqa: N802
        peer = peer_partner(context, self._trustbook, self._clock)
        if not request.HasField("envelope"):
            raise EnvelopeInvalid("request carries no envelope", partner=peer, field_path="envelope")
        envelope = codec.envelope_from_proto(request.envelope)
        refuse_large(envelope, peer)
        receipt = self._pipeline.receive(envelope, peer=peer)
        return ppb.DeliverResponse(receipt=codec.receipt_to_proto(receipt))

    @translate_errors
    def DeliverStream(  # noqa: N802
        self, request_iterator: Iterator[ppb.DeliverStreamRequest], context: grpc.ServicerContext
    ) -> Iterator[ppb.DeliverStreamResponse]:
        peer = peer_partner(context, self._trustbook, self._clock)
        if not self._pipeline.agreement(peer).streaming:
            raise StreamingNotAgreed(f"the agreement with {peer} does not enable DeliverStream", partner=peer)
        yield from deliver_stream(GroupCommit(self._pipeline), request_iterator, peer=peer)

    @translate_errors
    def DeliverLarge(  # noqa: N802
        self, request_iterator: Iterator[ppb.DeliverLargeRequest], context: grpc.ServicerContext
    ) -> ppb.DeliverLargeResponse:
        peer = peer_partner(context, self._trustbook, self._clock)
        receipt = deliver_large(self._pipeline, self._blobs, request_iterator, peer=peer)
        return ppb.DeliverLargeResponse(receipt=codec.receipt_to_proto(receipt))

    @translate_errors
    def GetReceipt(self, request: ppb.GetReceiptRequest, context: grpc.ServicerContext) -> ppb.GetReceiptResponse:  # noqa: N802
        peer = peer_partner(context, self._trustbook, self._clock)
        receipt = self._pipeline.get_receipt(request.message_id, peer=peer)
        return ppb.GetReceiptResponse(receipt=codec.receipt_to_proto(receipt))

    @translate_errors
    def InquireCertificate(  # noqa: N802
        self, request: lpb.InquireCertificateRequest, context: grpc.ServicerContext
    ) -> lpb.InquireCertificateResponse:
        peer = peer_partner(context, self._trustbook, self._clock)
        if self._ledgers is None:  # pragma: no cover - the composition root always passes the ledgers
            raise MessageNotFound("this gateway answers no inquiries", partner=peer)
        inquiry = ledger_codec.inquiry_from_proto(request.inquiry)
        answer = self._ledgers.answer(inquiry, peer=peer)
        return lpb.InquireCertificateResponse(answer=ledger_codec.answer_to_proto(answer))
