"""PartnerExchangeService: what foreign single windows call, over mutual TLS."""

from __future__ import annotations

import grpc

from .._generated.swgw.v1 import certificate_ledger_pb2 as lpb
from .._generated.swgw.v1 import partner_exchange_pb2 as ppb
from .._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
from ..core.errors import EnvelopeInvalid, MessageNotFound
from ..core.ports import Clock, TrustBook
from ..pipeline.inquiries import CertificateLedgers
from ..pipeline.runner import Pipeline
from . import codec, ledger_codec
from .interceptors import peer_partner
from .status_map import translate_errors

__all__ = ["PartnerExchangeServicer"]


class PartnerExchangeServicer(ppb_grpc.PartnerExchangeServiceServicer):
    """Receives envelopes from partner gateways and answers with signed receipts."""

    def __init__(self, pipeline: Pipeline, trustbook: TrustBook, clock: Clock,
                 ledgers: CertificateLedgers | None = None) -> None:
        self._pipeline = pipeline
        self._ledgers = ledgers
        self._trustbook = trustbook
        self._clock = clock

    @translate_errors
    def Deliver(self, request: ppb.DeliverRequest, context: grpc.ServicerContext) -> ppb.DeliverResponse:  # noqa: N802
        peer = peer_partner(context, self._trustbook, self._clock)
        if not request.HasField("envelope"):
            raise EnvelopeInvalid("request carries no envelope", partner=peer, field_path="envelope")
        envelope = codec.envelope_from_proto(request.envelope)
        receipt = self._pipeline.receive(envelope, peer=peer)
        return ppb.DeliverResponse(receipt=codec.receipt_to_proto(receipt))

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
