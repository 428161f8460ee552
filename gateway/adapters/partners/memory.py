"""The in-memory twin of the partner transport: partners are functions in the same process.

Every envelope reaches its partner, and every receipt comes back, through the protobuf wire form, as over gRPC, so
a test or a benchmark exercises the codec the real client uses. A partner answers with a receipt or raises a
:class:`~gateway.core.errors.GatewayError`; that refusal comes back as the :class:`DeliveryFailed` the gRPC client
would raise for the same error code (retryable when its gRPC status is). A partner that is not connected fails
retryably, like one that cannot be reached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence

from ..._generated.swgw.v1 import certificate_ledger_pb2 as lpb
from ..._generated.swgw.v1 import partner_exchange_pb2 as ppb
from ...core.domain import Envelope, Receipt
from ...core.errors import DeliveryFailed, GatewayError, MessageNotFound
from ...core.ledger import CertificateInquiry, InquiryAnswer
from ...core.partners import PartnerProfile
from ...transports import codec, ledger_codec
from ...transports.status_map import status_for
from .grpc_client import RETRYABLE

__all__ = ["Answerer", "MemoryPartnerTransport", "Partner"]

Partner = Callable[[Envelope], Receipt]
"""A partner gateway as seen by the transport: it takes an envelope and answers with its receipt."""

Answerer = Callable[[CertificateInquiry], InquiryAnswer]
"""A partner gateway answering verification inquiries (its ``InquireCertificate`` minus gRPC)."""


class MemoryPartnerTransport:
    """A :class:`~gateway.core.ports.PartnerTransport` delivering to partners in the same process."""

    def __init__(self, partners: Mapping[str, Partner] | None = None) -> None:
        self._partners = dict(partners or {})
        self._answerers: dict[str, Answerer] = {}
        self._receipts: dict[tuple[str, str], Receipt] = {}
        self._lock = threading.Lock()
        self.delivered: list[tuple[str, Envelope]] = []
        """(partner, envelope) of every envelope a partner answered, in order."""

    def connect(self, name: str, partner: Partner) -> None:
        """Make ``partner`` reachable as ``name`` (replacing an earlier one)."""
        with self._lock:
            self._partners[name] = partner

    def connect_answerer(self, name: str, answerer: Answerer) -> None:
        """Make ``name`` answer inquiries with ``answerer``."""
        with self._lock:
            self._answerers[name] = answerer

    def inquire(self, partner: PartnerProfile, inquiry: CertificateInquiry) -> InquiryAnswer:
        """Ask the partner, question and answer through their wire form; raises DeliveryFailed."""
        with self._lock:
            answerer = self._answerers.get(partner.name)
        if answerer is None:
            raise DeliveryFailed(f"{partner.name} is not reachable", retryable=True, partner=partner.name)
        asked = ledger_codec.inquiry_from_proto(lpb.CertificateInquiry.FromString(
            ledger_codec.inquiry_to_proto(inquiry).SerializeToString()))
        try:
            answer = answerer(asked)
        except GatewayError as e:
            raise _refused(partner, e) from e
        return ledger_codec.answer_from_proto(lpb.InquiryAnswer.FromString(
            ledger_codec.answer_to_proto(answer).SerializeToString()))

    def deliver(self, partner: PartnerProfile, envelope: Envelope) -> Receipt:
        """Hand the envelope to the partner and return its (unverified) receipt; raises DeliveryFailed."""
        answer = self._partner(partner)
        try:
            receipt = _wire_receipt(answer(_wire_envelope(envelope)))
        except DeliveryFailed:
            raise
        except GatewayError as e:
            raise _refused(partner, e) from e
        with self._lock:
            self.delivered.append((partner.name, envelope))
            self._receipts[(partner.name, envelope.message_id)] = receipt
        return receipt

    def deliver_stream(
        self, partner: PartnerProfile, envelopes: Sequence[Envelope]
    ) -> Iterator[Receipt | DeliveryFailed]:
        """Deliver envelopes one by one, as a stream would; a refusal of one envelope is yielded in its place. An
        unreachable partner fails the stream as a whole."""
        self._partner(partner)
        for envelope in envelopes:
            try:
                yield self.deliver(partner, envelope)
            except DeliveryFailed as e:
                if e.code == "DELIVERY_FAILED":  # the partner is gone, not this envelope refused
                    raise
                yield e

    def get_receipt(self, partner: PartnerProfile, message_id: str) -> Receipt:
        """The receipt the partner gave for ``message_id`` earlier; raises DeliveryFailed when there is none."""
        self._partner(partner)
        with self._lock:
            receipt = self._receipts.get((partner.name, message_id))
        if receipt is None:
            raise _refused(partner, MessageNotFound(f"no message {message_id}"))
        return receipt

    def close(self) -> None:
        """Nothing to release."""

    def _partner(self, partner: PartnerProfile) -> Partner:
        with self._lock:
            answer = self._partners.get(partner.name)
        if answer is None:
            raise DeliveryFailed(f"{partner.name} is not reachable", retryable=True, partner=partner.name)
        return answer


def _refused(partner: PartnerProfile, error: GatewayError) -> DeliveryFailed:
    status = status_for(error.code)
    return DeliveryFailed(f"{partner.name} answered {status.name}: {error.message}", retryable=status in RETRYABLE,
                          partner=partner.name, code=error.code)


def _wire_envelope(envelope: Envelope) -> Envelope:
    data = ppb.DeliverRequest(envelope=codec.envelope_to_proto(envelope)).SerializeToString()
    return codec.envelope_from_proto(ppb.DeliverRequest.FromString(data).envelope)


def _wire_receipt(receipt: Receipt) -> Receipt:
    data = ppb.DeliverResponse(receipt=codec.receipt_to_proto(receipt)).SerializeToString()
    return codec.receipt_from_proto(ppb.DeliverResponse.FromString(data).receipt)
