"""Pull mode: fetch the envelopes waiting for us at the hub, hand them to the inbound pipeline, acknowledge them.

Per hub connection, one pass asks ``GetImportEnvelopeHeaders``, then for each waiting envelope
``PULLSingleImportEnvelope``, hands it to the same inbound pipeline as the gRPC PartnerExchange service (through
``receive``: verification by the hub's TLS certificate against the partner's trust, mapping through the SPS
profile, storage, our receipt), and tells the hub the outcome: ``AcknowledgeEnvelopeReceipt`` when we recorded
the certificate, ``AcknowledgeFailedEnvelopeReceipt`` with the stable code and reason when we refused it. An
envelope is acknowledged only after it is stored; if the acknowledgement is lost, the hub offers it again and the
pipeline answers with the stored receipt (same message id), so nothing is lost or recorded twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol

from cryptography import x509

from ....core.domain import Envelope, PartyId, Receipt, ReceiptOutcome
from ....core.errors import GatewayError
from ....core.partners import PartnerProfile
from ....core.ports import Clock
from .client import HubClient, HubError
from .envelopes import relayed_envelope
from .transport import HubConnections

__all__ = ["HubPuller", "RelayedReceiver"]


log = logging.getLogger(__name__)


class RelayedReceiver(Protocol):
    """The inbound pipeline's door for relayed envelopes (:meth:`gateway.pipeline.runner.Pipeline.receive_relayed`)."""

    def __call__(self, envelope: Envelope, *, peer: str, relay_chain: Sequence[x509.Certificate]) -> Receipt:
        """Record the envelope (or find it recorded) and return our receipt; raises GatewayError."""
        ...


class HubPuller:
    """Polls every hub connection in pull mode; :meth:`poll` runs one pass, :meth:`start` a thread of passes."""

    def __init__(self, connections: HubConnections, *, receive: RelayedReceiver, me: PartyId, clock: Clock) -> None:
        self._connections = connections
        self._receive = receive
        self._me = me
        self._clock = clock
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        groups = [g for _, g in connections.groups()]
        intervals = [p.ephyto_hub.poll_interval for g in groups for p in g if p.ephyto_hub is not None]
        self._interval = min(intervals, default=timedelta(seconds=30))

    @property
    def active(self) -> bool:
        """Whether any partner is reached through the hub (otherwise nothing is polled)."""
        return bool(self._connections.groups())

    def poll(self) -> int:
        """One pass over every hub connection; returns how many envelopes were acknowledged (either way)."""
        done = 0
        for client, partners in self._connections.groups():
            try:
                done += self._poll_one(client, partners)
            except HubError as e:
                log.warning("ePhyto Hub poll failed (%s): %s", e.code, e.message)
        return done

    def _poll_one(self, client: HubClient, partners: list[PartnerProfile]) -> int:
        by_country = {p.ephyto_hub.partner_country: p for p in partners if p.ephyto_hub is not None}
        headers = client.call("GetImportEnvelopeHeaders").value
        done = 0
        for header in _items(headers, "EnvelopeHeader"):
            number = str(header.hubDeliveryNumber or "")
            if not number:
                continue
            try:
                if self._take(client, by_country, header, number):
                    done += 1
            except HubError as e:
                # This envelope stays waiting at the hub; the next pass takes it again.
                log.warning("ePhyto Hub envelope %s: %s (%s)", number, e.message, e.code)
        return done

    def _take(self, client: HubClient, by_country: dict[str, PartnerProfile], header: Any, number: str) -> bool:
        partner = by_country.get(str(header.From))
        if partner is None:
            client.call("AcknowledgeFailedEnvelopeReceipt", hubTrackingNumber=number,
                        message=f"PARTNER_UNKNOWN: no agreement with the NPPO of {header.From}")
            return True
        answer = client.call("PULLSingleImportEnvelope", hubTrackingNumber=number)
        if answer.value is None:
            return False
        relay = x509.load_der_x509_certificate(answer.peer_certificate)
        envelope = relayed_envelope(answer.value, partner=partner, me=self._me, at=self._clock.now())
        try:
            receipt = self._receive(envelope, peer=partner.name, relay_chain=(relay,))
        except GatewayError as e:
            log.info("refused hub envelope %s from %s: %s", number, partner.name, e)
            client.call("AcknowledgeFailedEnvelopeReceipt", hubTrackingNumber=number, message=f"{e.code}: {e.message}")
            return True
        if receipt.outcome is ReceiptOutcome.ACCEPTED:
            client.call("AcknowledgeEnvelopeReceipt", hubTrackingNumber=number)
        else:
            error = receipt.errors[0] if receipt.errors else None
            reason = f"{error.code}: {error.message}" if error else "REJECTED"
            client.call("AcknowledgeFailedEnvelopeReceipt", hubTrackingNumber=number, message=reason)
        return True

    def wake(self) -> None:
        """Poll now (thread-safe)."""
        self._wake.set()

    def start(self) -> None:
        """Start polling in a thread, when any partner is reached through the hub."""
        if not self.active:
            return
        self._thread = threading.Thread(target=self._loop, name="swgw-ephyto-hub", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - the poller must survive anything; the next pass tries again.
                log.exception("ePhyto Hub poll failed")
            self._wake.wait(self._interval.total_seconds())
            self._wake.clear()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling and wait for a pass under way."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)


def _items(value: Any, name: str) -> list[Any]:
    """The entries of a hub ``ArrayOf...`` answer (zeep gives None, the array object, or a list)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    inner = getattr(value, name, None)
    return list(inner or [])
