"""The partner transport of a gateway: each partner's deliveries go to the adapter its agreement names
(``transport`` in ``[[partners]]``: swgw's gRPC, AS4 or the ePhyto Hub)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from ...core.domain import Envelope, Receipt
from ...core.errors import DeliveryFailed
from ...core.partners import PartnerProfile

__all__ = ["ClosableTransport", "PartnerTransportRouter"]


class ClosableTransport(Protocol):
    """A :class:`~gateway.core.ports.PartnerTransport` that holds connections to release at shutdown."""

    def deliver(self, partner: PartnerProfile, envelope: Envelope) -> Receipt:
        """Deliver and return the partner's (unverified) receipt; raises DeliveryFailed."""
        ...

    def get_receipt(self, partner: PartnerProfile, message_id: str) -> Receipt:
        """Ask the partner again for the receipt of a message; raises DeliveryFailed."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class PartnerTransportRouter:
    """A :class:`~gateway.core.ports.PartnerTransport` dispatching on ``partner.transport``."""

    def __init__(self, transports: Mapping[str, ClosableTransport]) -> None:
        self._transports = dict(transports)

    def _for(self, partner: PartnerProfile) -> ClosableTransport:
        transport = self._transports.get(partner.transport)
        if transport is None:
            raise DeliveryFailed(f"no {partner.transport} transport in this gateway for {partner.name}",
                                 retryable=False, partner=partner.name, code="CONFIG_INVALID")
        return transport

    def deliver(self, partner: PartnerProfile, envelope: Envelope) -> Receipt:
        """Deliver through the partner's transport."""
        return self._for(partner).deliver(partner, envelope)

    def get_receipt(self, partner: PartnerProfile, message_id: str) -> Receipt:
        """Ask again through the partner's transport."""
        return self._for(partner).get_receipt(partner, message_id)

    def close(self) -> None:
        """Close every transport."""
        for transport in self._transports.values():
            transport.close()
