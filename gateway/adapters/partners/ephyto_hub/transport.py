"""The ePhyto Hub as a :class:`~gateway.core.ports.PartnerTransport`: deliver, then follow the hub's tracking.

``DeliverEnvelope`` hands our SPS certificate to the hub, which answers with its delivery number while the
envelope waits for the importing NPPO to pull it. Each later attempt of the same message asks
``GetEnvelopeTrackingInfo`` instead of delivering again, and the hub's status becomes ours:

=========================  ==================================================================================
hub ``HUBTrackingInfo``    our outcome
=========================  ==================================================================================
``PendingDelivery``        retry later (``RETRY_WAIT``, HUB_PENDING_DELIVERY), within the agreement's policy
``Delivered``              ``DELIVERED``, the receipt attested by the hub's TLS certificate
``DeliveredWithWarnings``  ``DELIVERED``; the importer's warning kept on the receipt (HUB_DELIVERED_WITH_WARNINGS)
``FailedDelivery``         ``FAILED`` (HUB_DELIVERY_FAILED) with the importer's reason
``DeliveredNotReadable``   ``FAILED`` (HUB_DELIVERED_NOT_READABLE)
``EnvelopeNotExists``      retry (HUB_ENVELOPE_NOT_FOUND): the next attempt delivers again
=========================  ==================================================================================
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from cryptography.hazmat.primitives.serialization import Encoding

from ....core.domain import Envelope, ErrorInfo, Receipt, ReceiptOutcome
from ....core.errors import DeliveryFailed
from ....core.partners import EphytoHubSettings, PartnerProfile
from ....core.ports import Clock, TrustBook
from ....core.relay import relay_attestation
from .client import HubAnswer, HubClient, HubError
from .envelopes import HUB_MESSAGE_IDS, hub_envelope

__all__ = ["EphytoHubTransport", "HubConnections"]

_Key = tuple[str, str, str, str]


def _key(hub: EphytoHubSettings) -> _Key:
    return (hub.url, hub.client_certificate, hub.client_key, hub.country)


class HubConnections:
    """One :class:`HubClient` per hub connection (address, our certificate, our country), shared by the transport
    and the puller; the hub's TLS certificate is checked against the trust of the partners reached through it."""

    def __init__(self, partners: Iterable[PartnerProfile], *, trustbook: TrustBook, clock: Clock) -> None:
        self._partners: dict[_Key, list[PartnerProfile]] = {}
        for partner in partners:
            if partner.transport == "ephyto-hub" and partner.ephyto_hub is not None:
                self._partners.setdefault(_key(partner.ephyto_hub), []).append(partner)
        self._clients: dict[_Key, HubClient] = {}
        for key, group in self._partners.items():
            hub = group[0].ephyto_hub
            assert hub is not None
            self._clients[key] = HubClient(hub, roots=partial(self._roots, tuple(group)), now=clock.now)
        self._trustbook = trustbook

    def _roots(self, group: tuple[PartnerProfile, ...], at: datetime) -> bytes:
        pem: list[bytes] = []
        for partner in group:
            material = self._trustbook.for_partner(partner.name, at=at, purpose="send")
            pem.extend(c.public_bytes(Encoding.PEM) for c in (*material.anchors, *material.pinned))
        return b"".join(dict.fromkeys(pem))

    def groups(self) -> list[tuple[HubClient, list[PartnerProfile]]]:
        """Every hub connection with the partners reached through it."""
        return [(self._clients[key], group) for key, group in self._partners.items()]

    def client(self, partner: PartnerProfile) -> HubClient:
        """The connection for ``partner``; raises DeliveryFailed when it is not reached through the hub."""
        hub = partner.ephyto_hub
        client = self._clients.get(_key(hub)) if hub is not None else None
        if client is None:
            raise DeliveryFailed(f"{partner.name} is not reached through the ePhyto Hub", retryable=False,
                                 partner=partner.name, code="CONFIG_INVALID")
        return client


class EphytoHubTransport:
    """Delivers SPS certificates through the ePhyto Hub and reports the hub's delivery status as receipts."""

    def __init__(self, connections: HubConnections, *, clock: Clock) -> None:
        self._connections = connections
        self._clock = clock
        self._lock = threading.Lock()
        # Our message id -> the hub's delivery number. After a restart a message still under way is delivered
        # again; a receiving swgw records the same certificate once (its message id is derived from the content).
        self._numbers: dict[str, str] = {}

    def deliver(self, partner: PartnerProfile, envelope: Envelope) -> Receipt:
        """Deliver (first attempt) or follow the hub's tracking (later attempts); raises DeliveryFailed."""
        hub = partner.ephyto_hub
        if hub is None:  # pragma: no cover - settings refuse a hub partner without its table
            raise DeliveryFailed(f"{partner.name} has no ephyto_hub settings", retryable=False, partner=partner.name)
        client = self._connections.client(partner)
        with self._lock:
            number = self._numbers.get(envelope.message_id)
        try:
            if number is None:
                answer = client.call("DeliverEnvelope", env=hub_envelope(envelope, hub))
                number = str(answer.value.hubDeliveryNumber or "")
                if not number:
                    raise HubError("the hub accepted the envelope without a delivery number", code="HUB_UNAVAILABLE",
                                   retryable=True)
                with self._lock:
                    self._numbers[envelope.message_id] = number
            else:
                answer = client.call("GetEnvelopeTrackingInfo", hubTrackingNumber=number)
        except HubError as e:
            raise DeliveryFailed(e.message, retryable=e.retryable, partner=partner.name, code=e.code) from e
        return self._outcome(partner, envelope, number, answer)

    def get_receipt(self, partner: PartnerProfile, message_id: str) -> Receipt:
        """The hub keeps no receipts to fetch again: its status of a delivery is read by the next attempt."""
        raise DeliveryFailed(f"the ePhyto Hub keeps no receipt of {message_id}; its delivery status is read on the "
                             f"next attempt", retryable=False, partner=partner.name, code="MESSAGE_NOT_FOUND")

    def close(self) -> None:
        """Nothing held open between calls beyond pooled HTTPS connections."""

    def _outcome(self, partner: PartnerProfile, envelope: Envelope, number: str, answer: HubAnswer) -> Receipt:
        header = answer.value
        status = str(header.HUBTrackingInfo or "PendingDelivery")
        reason = str(header.hubDeliveryErrorMessage or "")
        where = f"hub delivery {number} to {partner.ephyto_hub.partner_country if partner.ephyto_hub else '?'}"
        if status in ("Delivered", "DeliveredWithWarnings"):
            warnings = (ErrorInfo("HUB_DELIVERED_WITH_WARNINGS", reason or "delivered with warnings"),) \
                if status == "DeliveredWithWarnings" else ()
            return Receipt(
                message_id=envelope.message_id,
                receipt_id=str(uuid.uuid5(HUB_MESSAGE_IDS, f"receipt|{number}")),
                issuer=envelope.receiver,
                outcome=ReceiptOutcome.ACCEPTED,
                payload_sha256=envelope.payload_sha256,
                received_at=self._clock.now(),
                errors=warnings,
                signature=relay_attestation([answer.peer_certificate]),
            )
        if status in ("PendingDelivery", "EnvelopeNotExists"):
            code = "HUB_PENDING_DELIVERY" if status == "PendingDelivery" else "HUB_ENVELOPE_NOT_FOUND"
            if status == "EnvelopeNotExists":
                with self._lock:
                    self._numbers.pop(envelope.message_id, None)
            raise DeliveryFailed(f"{where}: {status}", retryable=True, partner=partner.name, code=code)
        code = "HUB_DELIVERED_NOT_READABLE" if status == "DeliveredNotReadable" else "HUB_DELIVERY_FAILED"
        # Final here; an operator's resend after fixing the cause is a new delivery, not this one tracked again.
        with self._lock:
            self._numbers.pop(envelope.message_id, None)
        raise DeliveryFailed(f"{where}: {status}{': ' + reason if reason else ''}", retryable=False,
                             partner=partner.name, code=code)
