"""The ePhyto Hub transport on a stand-in hub client: each HUBTrackingInfo becomes our outcome with its code, a
delivery is tracked (not delivered again) on later attempts, and the hub envelope header is read from the
certificate itself."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

import mappings
from gateway.adapters.clock import ManualClock
from gateway.adapters.partners.ephyto_hub.client import HubAnswer, HubError
from gateway.adapters.partners.ephyto_hub.envelopes import hub_envelope
from gateway.adapters.partners.ephyto_hub.transport import EphytoHubTransport
from gateway.core.domain import Action, BusinessKey, DocumentType, Envelope, PartyId, ReceiptOutcome, sha256_hex
from gateway.core.errors import DeliveryFailed
from gateway.core.partners import EphytoHubSettings, PartnerProfile
from gateway.core.relay import RELAY_TLS_FORMAT, relay_chain
from tests.conftest import REFERENCE
from trust import devpki

NOW = datetime.now(UTC).replace(microsecond=0)
HUB_CERT = devpki.issue_certificate(devpki.create_ca("Hub CA", at=NOW - timedelta(hours=1)), "hub",
                                    at=NOW - timedelta(hours=1), usage="tls").certificate.public_bytes(Encoding.DER)
HUB = EphytoHubSettings(url="https://hub.test/hub", wsdl="ephyto.wsdl", client_certificate="c.pem",
                        client_key="c.key", country="CN", partner_country="VN")
PARTNER = PartnerProfile(party=PartyId("VN-NPPO"), endpoint="", tls_server_name="",
                         mapping_profiles={DocumentType.SPS_CERTIFICATE: "sps-ephyto-17"}, transport="ephyto-hub",
                         ephyto_hub=HUB)
SPS = (b'<rsm:SPSCertificate xmlns:rsm="urn:un:unece:uncefact:data:standard:SPSCertificate:17" '
       b'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21">'
       b'<rsm:SPSExchangedDocument><ram:ID>CN-1</ram:ID><ram:TypeCode>851</ram:TypeCode>'
       b'<ram:StatusCode>70</ram:StatusCode></rsm:SPSExchangedDocument></rsm:SPSCertificate>')


def _envelope(payload: bytes = SPS, **changes: Any) -> Envelope:
    envelope = Envelope(
        message_id="m-1", business_key=BusinessKey("CN", "CN-1", 1), sender=PartyId("CN"),
        receiver=PartyId("VN-NPPO"), document_type=DocumentType.SPS_CERTIFICATE, document_format="urn:x",
        action=Action.ISSUE, created_at=NOW, payload=payload, payload_sha256=sha256_hex(payload))
    return dataclasses.replace(envelope, **changes)


class StandInHub:
    """Answers DeliverEnvelope and GetEnvelopeTrackingInfo with the tracking statuses a test sets."""

    def __init__(self, *statuses: tuple[str, str | None]) -> None:
        self.statuses = list(statuses)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, operation: str, **arguments: Any) -> HubAnswer:
        self.calls.append((operation, arguments))
        status, reason = self.statuses.pop(0)
        return HubAnswer(SimpleNamespace(hubDeliveryNumber=f"CNVN-{len(self.calls)}", HUBTrackingInfo=status,
                                         hubDeliveryErrorMessage=reason), HUB_CERT)


def _transport(hub: StandInHub) -> EphytoHubTransport:
    connections = SimpleNamespace(client=lambda partner: hub)
    return EphytoHubTransport(connections, clock=ManualClock(NOW))  # type: ignore[arg-type]


def test_delivered_after_pending_is_tracked_not_delivered_again() -> None:
    hub = StandInHub(("PendingDelivery", None), ("PendingDelivery", None), ("Delivered", None))
    transport = _transport(hub)
    for _ in range(2):
        with pytest.raises(DeliveryFailed) as pending:
            transport.deliver(PARTNER, _envelope())
        assert pending.value.code == "HUB_PENDING_DELIVERY" and pending.value.retryable
    receipt = transport.deliver(PARTNER, _envelope())
    assert [op for op, _ in hub.calls] == ["DeliverEnvelope", "GetEnvelopeTrackingInfo", "GetEnvelopeTrackingInfo"]
    assert hub.calls[1][1] == {"hubTrackingNumber": "CNVN-1"}
    assert receipt.outcome is ReceiptOutcome.ACCEPTED and receipt.errors == ()
    assert receipt.payload_sha256 == sha256_hex(SPS) and receipt.issuer == PartyId("VN-NPPO")
    assert receipt.signature is not None and receipt.signature.format == RELAY_TLS_FORMAT
    assert relay_chain(receipt.signature) == [HUB_CERT]


@pytest.mark.parametrize(("status", "code", "retryable"), [
    ("FailedDelivery", "HUB_DELIVERY_FAILED", False),
    ("DeliveredNotReadable", "HUB_DELIVERED_NOT_READABLE", False),
    ("EnvelopeNotExists", "HUB_ENVELOPE_NOT_FOUND", True),
])
def test_hub_statuses_become_our_codes_and_the_next_attempt_delivers_anew(status: str, code: str,
                                                                          retryable: bool) -> None:
    hub = StandInHub(("PendingDelivery", None), (status, "consignee unknown"), ("PendingDelivery", None))
    transport = _transport(hub)
    with pytest.raises(DeliveryFailed):
        transport.deliver(PARTNER, _envelope())
    with pytest.raises(DeliveryFailed) as failed:
        transport.deliver(PARTNER, _envelope())
    assert (failed.value.code, failed.value.retryable) == (code, retryable)
    assert status in failed.value.message
    with pytest.raises(DeliveryFailed):
        transport.deliver(PARTNER, _envelope())  # after an operator's resend, or the retry
    assert [op for op, _ in hub.calls][-1] == "DeliverEnvelope"


def test_delivered_with_warnings_keeps_the_warning() -> None:
    receipt = _transport(StandInHub(("DeliveredWithWarnings", "date missing"),)).deliver(PARTNER, _envelope())
    assert receipt.outcome is ReceiptOutcome.ACCEPTED
    assert [(e.code, e.message) for e in receipt.errors] == [("HUB_DELIVERED_WITH_WARNINGS", "date missing")]


def test_hub_errors_keep_their_code_and_retryability() -> None:
    class Refusing:
        def call(self, operation: str, **arguments: Any) -> HubAnswer:
            raise HubError("TLS with the hub failed", code="HUB_TLS_REFUSED", retryable=False)

    transport = EphytoHubTransport(SimpleNamespace(client=lambda partner: Refusing()),  # type: ignore[arg-type]
                                   clock=ManualClock(NOW))
    with pytest.raises(DeliveryFailed) as refused:
        transport.deliver(PARTNER, _envelope())
    assert (refused.value.code, refused.value.retryable, refused.value.partner) == ("HUB_TLS_REFUSED", False,
                                                                                      "VN-NPPO")


def test_the_header_is_read_from_the_certificate() -> None:
    assert hub_envelope(_envelope(), HUB) == {
        "From": "CN", "To": "VN", "CertificateType": 851, "CertificateStatus": 70, "NPPOCertificateNumber": "CN-1",
        "Content": SPS.decode()}


@pytest.mark.parametrize(("envelope", "code", "message"), [
    (_envelope(SPS.replace(b"<ram:ID>CN-1</ram:ID>", b"")), "HUB_ENVELOPE_INVALID", "ID is missing"),
    (_envelope(SPS.replace(b">851<", b">PHYTO<")), "HUB_ENVELOPE_INVALID", "not the numeric code"),
    (_envelope(b"not xml"), "HUB_ENVELOPE_INVALID", "not XML"),
    (_envelope(document_type=DocumentType.CERTIFICATE_OF_ORIGIN), "HUB_ENVELOPE_INVALID", "SPS certificates"),
    (_envelope(action=Action.REPLACE, refers_to=BusinessKey("CN", "CN-0", 1)), "HUB_ACTION_UNSUPPORTED", "replace"),
])
def test_what_the_hub_envelope_cannot_carry_is_refused(envelope: Envelope, code: str, message: str) -> None:
    with pytest.raises(HubError) as refused:
        hub_envelope(envelope, HUB)
    assert refused.value.code == code and message in refused.value.message and not refused.value.retryable


def test_the_mapping_output_fills_the_header() -> None:
    # What sps-ephyto-17 writes carries what the header needs.
    sample = REFERENCE / "sps-ephyto" / "SPSCertificateContent.xml"
    if not sample.is_file():
        pytest.skip(f"the ePhyto sample {sample} is absent")
    record = mappings.map_reverse(sample.read_bytes(), "sps-ephyto-17").record
    document = mappings.map_forward(record, "sps-ephyto-17").document
    header = hub_envelope(_envelope(document), HUB)
    assert (header["NPPOCertificateNumber"], header["CertificateType"], header["CertificateStatus"]) == (
        "123ABC", 851, 70)
    assert header["Content"].encode() == document
