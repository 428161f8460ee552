"""The partner transport that dispatches on the agreement's transport: swgw gRPC, AS4 or the ePhyto Hub.

The dispatcher sees one :class:`~gateway.core.ports.PartnerTransport`; which wire a message takes follows the
partner's profile (``transport`` in ``[[partners]]``), never anything in the message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from ...core.domain import Envelope, Receipt
from ...core.ledger import CertificateInquiry, InquiryAnswer
from ...core.errors import DeliveryFailed
from ...core.partners import PartnerProfile
from ...core.ports import CertificateInquirer, PartnerTransport

__all__ = ["RoutingPartnerTransport", "WireTransport"]


class WireTransport(Protocol):
    """One kind of partner transport: every kind delivers and asks for receipts; swgw's gRPC also streams."""

    def deliver(self, partner: PartnerProfile, envelope: Envelope) -> Receipt:
        """Deliver and return the partner's (unverified) receipt; raises DeliveryFailed."""
        ...

    def get_receipt(self, partner: PartnerProfile, message_id: str) -> Receipt:
        """Ask the partner again for the receipt of a message; raises DeliveryFailed."""
        ...


class RoutingPartnerTransport:
    """A :class:`~gateway.core.ports.PartnerTransport` handing each call to the transport its partner agreed."""

    def __init__(self, transports: Mapping[str, WireTransport]) -> None:
        self._transports = dict(transports)

    def for_partner(self, partner: PartnerProfile) -> WireTransport:
        """The transport the partner's agreement names; TRANSPORT_UNAVAILABLE (final) when this gateway has none."""
        transport = self._transports.get(partner.transport)
        if transport is None:
            # A configuration this gateway build cannot serve: no retry will change that.
            raise DeliveryFailed(f"no {partner.transport} transport in this gateway for {partner.name}",
                                 retryable=False, partner=partner.name, code="TRANSPORT_UNAVAILABLE")
        return transport

    def deliver(self, partner: PartnerProfile, envelope: Envelope) -> Receipt:
        """Deliver over the partner's transport."""
        return self.for_partner(partner).deliver(partner, envelope)

    def get_receipt(self, partner: PartnerProfile, message_id: str) -> Receipt:
        """Ask again over the partner's transport."""
        return self.for_partner(partner).get_receipt(partner, message_id)

    def deliver_stream(
        self, partner: PartnerProfile, envelopes: Sequence[Envelope]
    ) -> Iterator[Receipt | DeliveryFailed]:
        """Stream over the partner's transport; the configuration agrees streaming for swgw's gRPC only."""
        transport = self.for_partner(partner)
        if not isinstance(transport, PartnerTransport):
            raise DeliveryFailed(f"the {partner.transport} transport to {partner.name} has no streaming delivery",
                                 retryable=False, partner=partner.name, code="TRANSPORT_UNAVAILABLE")
        return transport.deliver_stream(partner, envelopes)

    def inquire(self, partner: PartnerProfile, inquiry: CertificateInquiry) -> InquiryAnswer:
        """Ask about a certificate over the partner's transport, where that transport carries inquiries (swgw's
        gRPC does; AS4 and the ePhyto Hub have no such message)."""
        transport = self.for_partner(partner)
        if not isinstance(transport, CertificateInquirer):
            raise DeliveryFailed(f"the {partner.transport} transport to {partner.name} carries no verification "
                                 "inquiries", retryable=False, partner=partner.name, code="TRANSPORT_UNAVAILABLE")
        return transport.inquire(partner, inquiry)

    def close(self) -> None:
        """Close every transport that can be closed."""
        for transport in self._transports.values():
            close = getattr(transport, "close", None)
            if close is not None:
                close()
