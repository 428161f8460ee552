"""Two gateways exchange SPS certificates through a local ePhyto Hub simulator (the hub's WSDL over HTTPS with
client certificates, every request validated against the WSDL's schema by lxml), in both directions; the hub's
delivery statuses become ours; refusals surface with stable codes; a lost acknowledgement records nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

import mappings
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.adapters.partners.ephyto_hub import HubClient, HubError
from gateway.core.domain import DocumentType, MessageStatus
from gateway.core.relay import RELAY_TLS_FORMAT
from gateway.core.partners import EphytoHubSettings
from tests.conftest import REFERENCE
from tests.integration.network import Network, record_bytes, running_network, wait_for
from gateway.tools.hubsim import HubPki, HubSimulator, RunningHub, running_hub, write_hub_pki

WSDL = REFERENCE / "sps-ephyto" / "hub-wsdl" / "ephyto.wsdl"
SAMPLE = REFERENCE / "sps-ephyto" / "SPSCertificateContent.xml"
SPS = DocumentType.SPS_CERTIFICATE

pytestmark = pytest.mark.skipif(not (WSDL.is_file() and SAMPLE.is_file()),
                                reason=f"the ePhyto Hub WSDL and sample ({WSDL.parent}) are absent")


@dataclass
class HubNetwork:
    net: Network
    hub: RunningHub
    pki: HubPki


def _hub_partner(pki: HubPki, url: str, me: str, other: str, party: str) -> dict[str, Any]:
    cert, key = pki.clients[me]
    return {
        "party": party, "transport": "ephyto-hub", "trust_anchors": [str(pki.ca)],
        "documents": {SPS.value: "sps-ephyto-17"},
        "retry": {"strategy": "constant", "initial_delay_seconds": 0.2, "max_delay_seconds": 0.2,
                  "max_attempts": 200, "jitter": 0.0},
        "ephyto_hub": {"url": url, "wsdl": str(WSDL), "client_certificate": str(cert), "client_key": str(key),
                       "country": me, "partner_country": other, "poll_interval_seconds": 0.2},
    }


@pytest.fixture(scope="module")
def hubnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubNetwork]:
    root = tmp_path_factory.mktemp("ephyto")
    pki = write_hub_pki(root / "hub", ("CN", "VN", "TH"), at=datetime.now(UTC) - timedelta(minutes=5),
                        unregistered=("ZZ",))
    simulator = HubSimulator(WSDL, pki.fingerprints)
    with running_hub(simulator, certificate=pki.server_certificate, key=pki.server_key, client_ca=pki.ca) as hub:
        def configure(party: str, data: dict[str, Any]) -> None:
            other = "VN" if party == "CN" else "CN"
            data["partners"] = [_hub_partner(pki, hub.url, party, other, other)]
            if party == "CN":
                # A partner NPPO without a gateway: the test speaks for it with a plain hub client.
                data["partners"].append(_hub_partner(pki, hub.url, "CN", "TH", "TH"))

        with running_network(root, ("CN", "VN"), {("CN", "VN"): {SPS.value: "sps-ephyto-17"}},
                             configure=configure) as net:
            yield HubNetwork(net, hub, pki)


def _record(number: str) -> bytes:
    record = mappings.map_reverse(SAMPLE.read_bytes(), "sps-ephyto-17").record
    record["certificate"]["id"] = number
    record["certificate"]["issue_datetime"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    return record_bytes(record)


def _client(pki: HubPki, url: str, country: str, *, cert: Path | None = None, key: Path | None = None) -> HubClient:
    own_cert, own_key = pki.clients.get(country, (cert, key))
    settings = EphytoHubSettings(url=url, wsdl=str(WSDL), client_certificate=str(cert or own_cert),
                                 client_key=str(key or own_key), country=country, partner_country="CN")
    ca = pki.ca.read_bytes()
    return HubClient(settings, roots=lambda at: ca, now=lambda: datetime.now(UTC))


def _wait_status(net: Network, party: str, message_id: str, status: MessageStatus) -> Any:
    book = net.apps[party].repository
    return wait_for(lambda: (m := book.get(message_id)).status is status and m, timeout=30)


@pytest.mark.parametrize(("sender", "receiver"), [("CN", "VN"), ("VN", "CN")])
def test_sps_certificate_travels_through_the_hub(hubnet: HubNetwork, sender: str, receiver: str) -> None:
    net, hub = hubnet.net, hubnet.hub.hub
    number = f"{sender}-PHYTO-{receiver}-1"
    with net.client(sender) as client:
        message_id = client.submit(receiver, SPS, _record(number)).message_id
    sent = _wait_status(net, sender, message_id, MessageStatus.DELIVERED)
    # The receipt is the hub's: attested by its TLS certificate, which chains to the hub CA.
    assert sent.receipt.signature.format == RELAY_TLS_FORMAT
    delivered = [e for e in hub.envelopes.values() if e.header["NPPOCertificateNumber"] == number]
    assert [(e.header["From"], e.header["To"], e.header["CertificateType"], e.status) for e in delivered] == [
        (sender, receiver, "851", "Delivered")]
    # The hub carried exactly the document the sender signed and keeps.
    assert delivered[0].content.encode() == sent.envelope.payload
    with net.client(receiver) as client:
        documents = client.receive(max_documents=1, timeout=20)
    assert len(documents) == 1
    received = net.apps[receiver].repository.get(documents[0].message_id)
    assert received.partner == sender and received.envelope.payload == sent.envelope.payload
    assert received.status is MessageStatus.HANDED_OVER
    assert received.signer_subject is not None and "hub.ephyto.test" in received.signer_subject
    assert received.envelope.business_key.number == number
    assert not [r for r in hub.refused if "envelope invalid" in r]


def test_failed_delivery_at_the_importer_becomes_failed_with_its_reason(hubnet: HubNetwork) -> None:
    net = hubnet.net
    with net.client("CN") as client:
        message_id = client.submit("TH", SPS, _record("CN-PHYTO-TH-1")).message_id
    thailand = _client(hubnet.pki, hubnet.hub.url, "TH")
    headers = wait_for(lambda: thailand.call("GetImportEnvelopeHeaders").value, timeout=30)
    (header,) = headers
    pulled = thailand.call("PULLSingleImportEnvelope", hubTrackingNumber=header.hubDeliveryNumber).value
    assert pulled.NPPOCertificateNumber == "CN-PHYTO-TH-1" and "SPSCertificate" in pulled.Content
    thailand.call("AcknowledgeFailedEnvelopeReceipt", hubTrackingNumber=header.hubDeliveryNumber,
                  message="consignee unknown")
    failed = _wait_status(net, "CN", message_id, MessageStatus.FAILED)
    assert failed.last_error.code == "HUB_DELIVERY_FAILED"
    assert "consignee unknown" in failed.last_error.message
    with net.client("CN") as client:
        assert client.status(message_id).status == pb.MESSAGE_STATUS_FAILED
    # The operator resends it: a new hub envelope, which Thailand accepts this time.
    from gateway.core.ports import Actor, ActorKind

    net.apps["CN"].operations.resend(message_id, actor=Actor(ActorKind.CONFIGURATION, "test"))
    again = wait_for(lambda: [h for h in thailand.call("GetImportEnvelopeHeaders").value or []
                              if h.NPPOCertificateNumber == "CN-PHYTO-TH-1"], timeout=30)
    assert again[0].hubDeliveryNumber != header.hubDeliveryNumber
    thailand.call("AcknowledgeEnvelopeReceipt", hubTrackingNumber=again[0].hubDeliveryNumber)
    assert _wait_status(net, "CN", message_id, MessageStatus.DELIVERED).attempts >= 1


def test_lost_acknowledgement_records_the_certificate_once(hubnet: HubNetwork) -> None:
    net, hub = hubnet.net, hubnet.hub.hub
    hub.lose_acknowledgements = 1
    with net.client("CN") as client:
        message_id = client.submit("VN", SPS, _record("CN-PHYTO-VN-DUP")).message_id
    _wait_status(net, "CN", message_id, MessageStatus.DELIVERED)
    assert hub.lose_acknowledgements == 0  # the first acknowledgement was lost, the second one counted
    with net.client("VN") as client:
        documents = client.receive(max_documents=5, timeout=5)
    assert [d.message_id for d in documents if b"CN-PHYTO-VN-DUP" in d.signed_document] != []
    inbound = [m for m in net.apps["VN"].repository.list_messages()
               if m.envelope.business_key.number == "CN-PHYTO-VN-DUP"]
    assert len(inbound) == 1


def test_unknown_client_certificate_is_refused(hubnet: HubNetwork, tmp_path: Path) -> None:
    # Issued by another CA: the hub refuses the TLS handshake.
    stranger = write_hub_pki(tmp_path / "stranger", ("CN",), at=datetime.now(UTC) - timedelta(minutes=5))
    cert, key = stranger.clients["CN"]
    client = _client(hubnet.pki, hubnet.hub.url, "XX", cert=cert, key=key)
    with pytest.raises(HubError) as refused:
        client.call("GetImportEnvelopeHeaders")
    assert refused.value.code == "HUB_TLS_REFUSED" and not refused.value.retryable
    # Issued by the hub's CA but not registered for an NPPO: the hub answers with a HubWebException.
    with pytest.raises(HubError) as unregistered:
        _client(hubnet.pki, hubnet.hub.url, "ZZ").call("GetImportEnvelopeHeaders")
    assert unregistered.value.code == "HUB_ENVELOPE_REFUSED" and "not registered" in unregistered.value.message


def test_hub_refusals_surface_with_stable_codes(hubnet: HubNetwork) -> None:
    china = _client(hubnet.pki, hubnet.hub.url, "CN")
    envelope = {"From": "CN", "To": "ZZ", "CertificateType": 851, "CertificateStatus": 70,
                "NPPOCertificateNumber": "X", "Content": "<x/>"}
    with pytest.raises(HubError) as refused:
        china.call("DeliverEnvelope", env=envelope)
    assert refused.value.code == "HUB_ENVELOPE_REFUSED" and "ZZ is not an NPPO" in refused.value.message
    with pytest.raises(HubError) as spoofed:
        china.call("DeliverEnvelope", env={**envelope, "From": "VN", "To": "TH"})
    assert spoofed.value.code == "HUB_ENVELOPE_REFUSED" and "not the caller's NPPO" in spoofed.value.message
    # zeep sends a value the schema refuses as it is; the hub validates the envelope and refuses it.
    with pytest.raises(HubError) as invalid:
        china.call("DeliverEnvelope", env={**envelope, "To": "VN", "CertificateType": "not a number"})
    assert invalid.value.code == "HUB_ENVELOPE_REFUSED" and not invalid.value.retryable
    assert "envelope invalid" in invalid.value.message and "CertificateType" in invalid.value.message


def test_simulator_refuses_an_envelope_its_schema_refuses(hubnet: HubNetwork, tmp_path: Path) -> None:
    # Bytes no connector would send: the simulator validates them against the WSDL's schema and answers a fault.
    cert, key = hubnet.pki.clients["CN"]
    body = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<h:DeliverEnvelope xmlns:h="http://ephyto.ippc.int/" xmlns:e="http://ephyto.ippc.int/HUB.Entities"><h:env>'
        '<e:From>CN</e:From><e:To>VN</e:To><e:CertificateType>eight</e:CertificateType>'
        '<e:CertificateStatus>70</e:CertificateStatus><e:NPPOCertificateNumber>X</e:NPPOCertificateNumber>'
        '</h:env></h:DeliverEnvelope></soap:Body></soap:Envelope>'
    )
    response = requests.post(hubnet.hub.url, data=body.encode(), cert=(str(cert), str(key)), verify=str(hubnet.pki.ca),
                             headers={"Content-Type": "text/xml"}, timeout=10)
    assert response.status_code == 500
    assert b"envelope invalid" in response.content and b"CertificateType" in response.content
    assert b"HubWebException" in response.content


def test_the_served_wsdl_is_the_published_one(hubnet: HubNetwork) -> None:
    cert, key = hubnet.pki.clients["CN"]
    response = requests.get(hubnet.hub.url + "?wsdl", cert=(str(cert), str(key)), verify=str(hubnet.pki.ca),
                            timeout=10)
    assert response.content == WSDL.read_bytes()


def _from_thailand(hubnet: HubNetwork, content: str, number: str) -> tuple[HubClient, str]:
    thailand = _client(hubnet.pki, hubnet.hub.url, "TH")
    envelope = {"From": "TH", "To": "CN", "CertificateType": 851, "CertificateStatus": 70,
                "NPPOCertificateNumber": number, "Content": content}
    header = thailand.call("DeliverEnvelope", env=envelope).value
    assert header.HUBTrackingInfo == "PendingDelivery"
    return thailand, header.hubDeliveryNumber


def _tracking(client: HubClient, number: str) -> Any:
    return wait_for(lambda: (h := client.call("GetEnvelopeTrackingInfo", hubTrackingNumber=number).value)
                    .HUBTrackingInfo != "PendingDelivery" and h, timeout=30)


def test_certificate_from_an_nppo_without_swgw_is_recorded_and_acknowledged(hubnet: HubNetwork) -> None:
    # Thailand's NPPO speaks to the hub with a plain SOAP client: what reaches CN is only the hub envelope.
    record = mappings.map_reverse(SAMPLE.read_bytes(), "sps-ephyto-17").record
    record["certificate"]["id"] = "TH-PHYTO-CN-1"
    record["certificate"]["issue_datetime"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    document = mappings.map_forward(record, "sps-ephyto-17").document
    thailand, number = _from_thailand(hubnet, document.decode(), "TH-PHYTO-CN-1")
    assert _tracking(thailand, number).HUBTrackingInfo == "Delivered"
    inbound = [m for m in hubnet.net.apps["CN"].repository.list_messages(partner="TH")
               if m.envelope.business_key.number == "TH-PHYTO-CN-1"]
    assert [m.status for m in inbound] in ([MessageStatus.RECEIVED], [MessageStatus.HANDED_OVER])
    assert inbound[0].envelope.payload == document


def test_a_certificate_we_refuse_is_acknowledged_as_failed_with_our_code(hubnet: HubNetwork) -> None:
    thailand, number = _from_thailand(hubnet, "<not-an-sps-certificate/>", "TH-BROKEN-1")
    header = _tracking(thailand, number)
    assert header.HUBTrackingInfo == "FailedDelivery"
    assert header.hubDeliveryErrorMessage.startswith("DOCUMENT_MALFORMED: root element")
    refused = [m for m in hubnet.net.apps["CN"].repository.list_messages(partner="TH")
               if m.envelope.business_key.number == "TH-BROKEN-1"]
    assert [m.status for m in refused] == [MessageStatus.REJECTED]


def test_a_hub_certificate_cannot_speak_for_a_hub_partner_over_grpc(hubnet: HubNetwork) -> None:
    # The hub's CA is VN's trust anchor at CN, so an NPPO certificate it issued passes CN's partner handshake, but
    # it names no single partner (the hub's CA is TH's anchor too) and PartnerExchange takes nothing from it.
    import uuid

    import grpc

    from gateway._generated.swgw.v1 import partner_exchange_pb2 as ppb
    from gateway._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
    from gateway.core.domain import Action, BusinessKey, Envelope, PartyId, sha256_hex
    from gateway.tools.devsetup import server_name
    from gateway.transports import codec
    from gateway.transports.status_map import error_from_status

    net = hubnet.net
    cert, key = hubnet.pki.clients["VN"]
    payload = b"<x/>"
    envelope = Envelope(
        message_id=str(uuid.uuid4()), business_key=BusinessKey("VN", "1", 1), sender=PartyId("VN"),
        receiver=PartyId("CN"), document_type=SPS, document_format="urn:x", action=Action.ISSUE,
        created_at=datetime.now(UTC), payload=payload, payload_sha256=sha256_hex(payload))
    credentials = grpc.ssl_channel_credentials(
        root_certificates=net.files["CN"].ca_certificate.read_bytes(), private_key=key.read_bytes(),
        certificate_chain=cert.read_bytes())
    with grpc.secure_channel(f"127.0.0.1:{net.apps['CN'].partner_port}", credentials,
                             options=[("grpc.ssl_target_name_override", server_name("CN"))]) as channel:
        stub = ppb_grpc.PartnerExchangeServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Deliver(ppb.DeliverRequest(envelope=codec.envelope_to_proto(envelope)), timeout=10)
    assert error_from_status(caught.value)[0] == "PARTNER_UNAUTHENTICATED"
    assert net.apps["CN"].repository.find(envelope.message_id) is None
    # Had the certificate been attributed to VN, the pipeline itself refuses: VN's agreement names the hub.
    from gateway.core.errors import PartnerUnauthenticated

    with pytest.raises(PartnerUnauthenticated, match="names transport ephyto-hub"):
        net.apps["CN"].pipeline.receive(envelope, peer="VN")


def test_operators_see_hub_traffic_with_its_transport_named(hubnet: HubNetwork, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    import json

    from gateway.tools.cli import main

    net = hubnet.net
    with net.client("CN") as client:
        message_id = client.submit("VN", SPS, _record("CN-PHYTO-VN-OPS")).message_id
        _wait_status(net, "CN", message_id, MessageStatus.DELIVERED)
        summary = client.status(message_id)
    assert summary.transport == "ephyto-hub" and summary.status == pb.MESSAGE_STATUS_DELIVERED
    config = str(net.files["CN"].config)
    assert main(["messages", "show", "--json", "--config", config, message_id]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["transport"] == "ephyto-hub" and shown["status"] == "DELIVERED"
    assert [h["status"] for h in shown["history"]][-2:] == ["SENDING", "DELIVERED"]
    assert main(["partners", "--json", "--config", config]) == 0
    partners = {p["party"]: p for p in json.loads(capsys.readouterr().out)}
    assert partners["VN"]["transport"] == "ephyto-hub" and partners["TH"]["transport"] == "ephyto-hub"


def test_an_unchanged_resend_and_an_unknown_sender_are_answered_without_a_second_record(hubnet: HubNetwork) -> None:
    record = mappings.map_reverse(SAMPLE.read_bytes(), "sps-ephyto-17").record
    record["certificate"]["id"] = "TH-PHYTO-CN-TWICE"
    record["certificate"]["issue_datetime"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    document = mappings.map_forward(record, "sps-ephyto-17").document.decode()
    first_client, first = _from_thailand(hubnet, document, "TH-PHYTO-CN-TWICE")
    assert _tracking(first_client, first).HUBTrackingInfo == "Delivered"
    again_client, again = _from_thailand(hubnet, document, "TH-PHYTO-CN-TWICE")
    assert again != first and _tracking(again_client, again).HUBTrackingInfo == "Delivered"
    recorded = [m for m in hubnet.net.apps["CN"].repository.list_messages(partner="TH")
                if m.envelope.business_key.number == "TH-PHYTO-CN-TWICE"]
    assert len(recorded) == 1
    # VN has no agreement with Thailand: its gateway tells the hub so, and records nothing.
    thailand = _client(hubnet.pki, hubnet.hub.url, "TH")
    envelope = {"From": "TH", "To": "VN", "CertificateType": 851, "CertificateStatus": 70,
                "NPPOCertificateNumber": "TH-PHYTO-VN-1", "Content": document}
    number = thailand.call("DeliverEnvelope", env=envelope).value.hubDeliveryNumber
    header = _tracking(thailand, number)
    assert header.HUBTrackingInfo == "FailedDelivery"
    assert header.hubDeliveryErrorMessage.startswith("PARTNER_UNKNOWN")


def test_delivered_with_warnings_keeps_the_importer_warning(hubnet: HubNetwork) -> None:
    net = hubnet.net
    with net.client("CN") as client:
        message_id = client.submit("TH", SPS, _record("CN-PHYTO-TH-WARN")).message_id
    thailand = _client(hubnet.pki, hubnet.hub.url, "TH")
    headers = wait_for(lambda: [h for h in thailand.call("GetImportEnvelopeHeaders").value or []
                                if h.NPPOCertificateNumber == "CN-PHYTO-TH-WARN"], timeout=30)
    thailand.call("AdvancedAcknowledgeEnvelopeReceipt", hubTrackingNumber=headers[0].hubDeliveryNumber,
                  warningMessage="treatment date missing")
    delivered = _wait_status(net, "CN", message_id, MessageStatus.DELIVERED)
    assert [(e.code, e.message) for e in delivered.receipt.errors] == [
        ("HUB_DELIVERED_WITH_WARNINGS", "treatment date missing")]


def test_a_hub_outside_the_partner_trust_is_refused(hubnet: HubNetwork, tmp_path: Path) -> None:
    # Our client trusts another CA for the hub: the hub's real certificate does not chain to it.
    other = write_hub_pki(tmp_path / "other", (), at=datetime.now(UTC) - timedelta(minutes=5))
    cert, key = hubnet.pki.clients["CN"]
    settings = EphytoHubSettings(url=hubnet.hub.url, wsdl=str(WSDL), client_certificate=str(cert),
                                 client_key=str(key), country="CN", partner_country="VN")
    roots = other.ca.read_bytes()
    client = HubClient(settings, roots=lambda at: roots, now=lambda: datetime.now(UTC))
    with pytest.raises(HubError) as refused:
        client.call("GetImportEnvelopeHeaders")
    assert refused.value.code == "HUB_TLS_REFUSED" and "CERTIFICATE_VERIFY_FAILED" in refused.value.message


def test_an_exported_hub_message_verifies_offline_with_the_hub_attestation(
    hubnet: HubNetwork, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import shutil

    from gateway.tools.cli import main

    net = hubnet.net
    with net.client("CN") as client:
        message_id = client.submit("VN", SPS, _record("CN-PHYTO-VN-EXPORT")).message_id
    _wait_status(net, "CN", message_id, MessageStatus.DELIVERED)
    exported = tmp_path / "message.json"
    assert main(["messages", "export", "--config", str(net.files["CN"].config), message_id,
                 "--out", str(exported)]) == 0
    folder = tmp_path / "trust"
    folder.mkdir()
    shutil.copy(net.files["CN"].ca_certificate, folder / "CN.pem")
    shutil.copy(hubnet.pki.ca, folder / "VN.pem")  # what CN trusts for VN: the hub's CA
    capsys.readouterr()
    assert main(["verify", str(exported), "--trust", str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True
    assert any("attested by the relay CN=hub.ephyto.test, ACCEPTED" in c for c in report["checks"])
    # Another CA for VN: the attestation does not verify.
    shutil.copy(net.files["VN"].ca_certificate, folder / "VN.pem")
    assert main(["verify", str(exported), "--trust", str(folder), "--json"]) != 0
    report = json.loads(capsys.readouterr().out)
    assert any(c.startswith("receipt from VN: FAILED (CERTIFICATE_UNTRUSTED)") for c in report["checks"])


def test_another_certificate_under_a_known_number_is_refused(hubnet: HubNetwork) -> None:
    record = mappings.map_reverse(SAMPLE.read_bytes(), "sps-ephyto-17").record
    record["certificate"]["id"] = "TH-PHYTO-CN-SAME"
    record["certificate"]["issue_datetime"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    first = mappings.map_forward(record, "sps-ephyto-17").document.decode()
    client, number = _from_thailand(hubnet, first, "TH-PHYTO-CN-SAME")
    assert _tracking(client, number).HUBTrackingInfo == "Delivered"
    record["consignee"]["name"] = "Someone else SA"  # same issuer, number and version: the same business key
    second = mappings.map_forward(record, "sps-ephyto-17").document.decode()
    assert second != first
    client, number = _from_thailand(hubnet, second, "TH-PHYTO-CN-SAME")
    header = _tracking(client, number)
    assert header.HUBTrackingInfo == "FailedDelivery"
    assert header.hubDeliveryErrorMessage.startswith("DUPLICATE_CONFLICT")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("wsdl", "missing.wsdl", "cannot read"),
    ("wsdl", str(SAMPLE), "not the ePhyto Hub's WSDL"),  # absolute: tmp_path / it is the sample itself
    ("client_key", "missing.key", "cannot read"),
])
def test_start_refuses_unreadable_hub_files_naming_the_key(hubnet: HubNetwork, tmp_path: Path, field: str,
                                                            value: str, message: str) -> None:
    import dataclasses

    from gateway.app import build_app
    from gateway.core.errors import ConfigInvalid
    from gateway.tools.cli import load_settings

    settings = load_settings(hubnet.net.files["CN"].config)
    index = next(i for i, p in enumerate(settings.partners) if p.name == "VN")
    partner = settings.partners[index]
    assert partner.ephyto_hub is not None
    broken = dataclasses.replace(partner, ephyto_hub=dataclasses.replace(partner.ephyto_hub,
                                                                         **{field: str(tmp_path / value)}))
    partners = (*settings.partners[:index], broken, *settings.partners[index + 1:])
    with pytest.raises(ConfigInvalid) as refused:
        build_app(dataclasses.replace(settings, partners=partners,
                                      database_url=f"sqlite:///{tmp_path}/never-opened.db"))
    assert refused.value.field_path == f"partners[{index}].ephyto_hub.{field}"
    assert message in refused.value.message
    assert not (tmp_path / "never-opened.db").exists()
