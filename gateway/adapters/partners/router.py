"""The partner transport that dispatches on the agreement's transport: swgw gRPC, AS4 or the ePhyto Hub.

The dispatcher sees one :class:`~gateway.core.ports.PartnerTransport`; which wire a message takes follows the
partner's profile (``transport`` in ``[[partners]]``), never anything in the message.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...core.domain import Envelope, Receipt
from ...core.errors import DeliveryFailed
from ...core.partners import PartnerProfile
from ...core.ports import PartnerTransport

__all__ = ["RoutingPartnerTransport"]


class RoutingPartnerTransport:
    """A :class:`~gateway.core.ports.PartnerTransport` handing each call to the transport its partner agreed."""

    def __init__(self, transports: Mapping[str, PartnerTransport]) -> None:
        self._transports = dict(transports)

    def _for(self, partner: PartnerProfile) -> PartnerTransport:
        transport = self._transports.get(partner.transport)
        if transport is None:
            # A configuration this gateway build cannot serve: no retry will change that.
            raise DeliveryFailed(f"no {partner.transport} transport in this gateway for {partner.name}",
                                 retryable=False, partner=partner.name, code="TRANSPORT_UNAVAILABLE")
        return transport

    def deliver(self, partner: PartnerProfile, envelope: Envelope) -> Receipt:
        """Deliver over the partner's transport."""
        return self._for(partner).deliver(partner, envelope)

    def get_receipt(self, partner: PartnerProfile, message_id: str) -> Receipt:
        """Ask again over the partner's transport."""
        return self._for(partner).get_receipt(partner, message_id)

    def close(self) -> None:
        """Close every transport that can be closed."""
        for transport in self._transports.values():
            close = getattr(transport, "close", None)
            if close is not None:
                close()
