"""Two gateways that reach each other over AS4: certificates of origin both ways, duplicate elimination by ebMS
MessageId, a tampered message refused with an ebMS error, and an ebMS error mapped to the message's state."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from prometheus_client import generate_latest

from trust import sign_soap

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.tools.cli import main
from gateway.transports.as4.ebms import build_user_message
from gateway.transports.as4.namespaces import EB, SOAP, SWGW, q
from gateway.transports.as4.signals import ErrorSignal, read_signal

from tests.integration.network import Network, example, record_bytes, running_network, wait_for

COO = DocumentType.CERTIFICATE_OF_ORIGIN
AGREEMENT: dict[tuple[str, str], dict[str, Any]] = {
    ("CN", "VN"): {"certificate-of-origin": ["coo-ubl24-acfta-forme", "coo-ubl24-rcep"]}}


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Network:
    def metrics(party: str, data: dict[str, Any]) -> None:
        data["metrics"] = {"address": "127.0.0.1:0"}

    with running_network(tmp_path_factory.mktemp("as4"), ("CN", "VN"), AGREEMENT, as4=[("CN", "VN")],
                         keys={"VN": "rsa"}, configure=metrics) as net:
        yield net  # type: ignore[misc]


def _final(network: Network, party: str, message_id: str) -> pb.MessageSummary:
    with network.client(party) as client:
        return wait_for(lambda: (s := client.status(message_id)).status in (
            pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED) and s)


def _send(network: Network, sender: str, receiver: str, name: str) -> str:
    with network.client(sender) as client:
        message_id: str = client.submit(receiver, COO, record_bytes(example(name))).message_id
    summary = _final(network, sender, message_id)
    assert summary.status == pb.MESSAGE_STATUS_DELIVERED, summary.last_error
    with network.client(receiver) as client:
        documents = client.receive(max_documents=1, timeout=10)
        assert [d.message_id for d in documents] == [message_id]
        assert client.status(message_id).status == pb.MESSAGE_STATUS_HANDED_OVER
    return message_id


def test_certificates_of_origin_travel_both_ways_over_as4(network: Network) -> None:
    to_vn = _send(network, "CN", "VN", "coo-cn-vn")
    to_cn = _send(network, "VN", "CN", "coo-vn-cn")
    # The receipt stored at the sender is the receiver's verified swgw receipt, carried in the AS4 receipt.
    stored = network.apps["CN"].repository.get(to_vn)
    assert stored.receipt is not None and stored.receipt.issuer.value == "VN"
    assert network.apps["VN"].repository.get(to_cn).receipt is not None


def test_operators_see_the_transport_in_status_messages_and_metrics(
        network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    with network.client("CN") as client:
        record = example("coo-cn-vn")
        record["certificate"]["number"] = "E254500000555"
        message_id = client.submit("VN", COO, record_bytes(record)).message_id
        assert _final(network, "CN", message_id).transport == "as4"
    assert main(["messages", "show", "--json", "--config", str(network.files["CN"].config), message_id]) == 0
    assert json.loads(capsys.readouterr().out)["transport"] == "as4"
    assert main(["partners", "--json", "--config", str(network.files["CN"].config)]) == 0
    [vn] = json.loads(capsys.readouterr().out)
    assert (vn["party"], vn["transport"]) == ("VN", "as4") and vn["endpoint"].startswith("https://127.0.0.1:")
    assert vn["documents"] == {"certificate-of-origin": ["coo-ubl24-acfta-forme", "coo-ubl24-rcep"]}
    metrics = network.apps["CN"].metrics
    assert metrics is not None
    exposition = generate_latest(metrics.registry).decode()
    assert 'swgw_partner_transport{partner="VN",transport="as4"} 1.0' in exposition


def test_one_agreement_carries_form_e_and_rcep_each_by_its_own_profile(network: Network) -> None:
    for name, customization in (("coo-cn-vn-rcep", "rcep"), ("coo-cn-vn", "acfta-forme")):
        record = example(name)
        record["certificate"]["number"] += "9"
        with network.client("CN") as client:
            message_id = client.submit("VN", COO, record_bytes(record)).message_id
        assert _final(network, "CN", message_id).status == pb.MESSAGE_STATUS_DELIVERED
        received = network.apps["VN"].repository.get(message_id)
        assert f":coo:{customization}:" in received.envelope.document_format
        assert json.loads(received.record_json or "{}")["certificate"]["fta"] == record["certificate"]["fta"]


def test_a_resent_message_id_gets_the_stored_receipt_and_nothing_new(network: Network) -> None:
    with network.client("CN") as client:
        record = example("coo-cn-vn")
        record["certificate"]["number"] = "E254500000999"
        message_id = client.submit("VN", COO, record_bytes(record)).message_id
    assert _final(network, "CN", message_id).status == pb.MESSAGE_STATUS_DELIVERED
    cn = network.apps["CN"]
    stored = cn.repository.get(message_id)
    # The same User Message again (same ebMS MessageId), as a sender does when a receipt was lost.
    again = cn.transport.deliver(cn.settings.partner("VN"), stored.envelope)
    assert stored.receipt is not None and again.receipt_id == stored.receipt.receipt_id
    assert [m.message_id for m in network.apps["VN"].repository.list_messages(partner="CN", limit=100)
            ].count(message_id) == 1


def _post(network: Network, sender: str, receiver: str, body: bytes, *, chunked: bool = False) -> bytes:
    window = network.files[sender]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=str(network.files[receiver].ca_certificate))
    context.load_cert_chain(str(window.folder / "keys" / "tls.cert.pem"), str(window.folder / "keys" / "tls.key.pem"))
    connection = http.client.HTTPSConnection("127.0.0.1", network.apps[receiver].as4_port, context=context,
                                             timeout=20)
    try:
        if chunked:
            # As CXF-based access points (Domibus) may send it: no Content-Length, the body in chunks.
            connection.request("POST", "/as4", body=iter([body[:100], body[100:]]), encode_chunked=True,
                               headers={"Content-Type": "application/soap+xml", "Transfer-Encoding": "chunked"})
        else:
            connection.request("POST", "/as4", body=body, headers={"Content-Type": "application/soap+xml"})
        response = connection.getresponse()
        assert response.status == 200
        return response.read()
    finally:
        connection.close()


def _signal(answer: bytes) -> Any:
    root = etree.fromstring(answer)
    return read_signal(root.find(f"{q(SOAP, 'Header')}/{q(EB, 'Messaging')}"))  # type: ignore[arg-type]


def test_a_tampered_user_message_is_refused_with_failed_authentication(network: Network) -> None:
    cn = network.apps["CN"]
    with network.client("CN") as client:
        record = example("coo-cn-vn")
        record["certificate"]["number"] = "E254500000777"
        message_id = client.submit("VN", COO, record_bytes(record)).message_id
    assert _final(network, "CN", message_id).status == pb.MESSAGE_STATUS_DELIVERED
    envelope = cn.repository.get(message_id).envelope
    pmode = cn.settings.partner("VN").as4
    assert pmode is not None
    root = build_user_message(envelope, pmode, at=cn.clock.now())
    sign_soap(root, cn.identity, id_prefix="id-tampered")
    part = root.find(f"{q(SOAP, 'Body')}/{q(SWGW, 'Part')}")
    assert part is not None
    part.text = base64.b64encode(envelope.payload.replace(b"E254500000777", b"E254500000778")).decode()
    signal = _signal(_post(network, "CN", "VN", etree.tostring(root), chunked=True))
    assert isinstance(signal, ErrorSignal)
    assert (signal.ebms_code, signal.detail) == ("EBMS:0101", "SIGNATURE_INVALID")
    assert signal.ref_to_message_id == message_id


def test_garbage_is_answered_with_an_ebms_error_and_the_endpoint_keeps_running(network: Network) -> None:
    signal = _signal(_post(network, "CN", "VN", b"<not-soap/>"))
    assert isinstance(signal, ErrorSignal) and signal.ebms_code == "EBMS:0009"
    signal = _signal(_post(network, "CN", "VN", b"<!DOCTYPE x [<!ENTITY a 'a'>]><x>&a;</x>"))
    assert isinstance(signal, ErrorSignal) and signal.ebms_code == "EBMS:0009"
    # The endpoint still serves the partner.
    with network.client("VN") as client:
        record = example("coo-vn-cn")
        record["certificate"]["number"] = "VN-CN 25/01/0999"
        message_id = client.submit("CN", COO, record_bytes(record)).message_id
    assert _final(network, "VN", message_id).status == pb.MESSAGE_STATUS_DELIVERED


def test_an_ebms_processing_mode_mismatch_fails_the_message_without_retries(tmp_path: Path) -> None:
    def configure(party: str, data: dict[str, Any]) -> None:
        if party == "CN":
            # CN's P-Mode names an action VN's does not know.
            data["partners"][0]["as4"]["actions"]["certificate-of-origin"] = "urn:swgw:action:unknown"

    with running_network(tmp_path, ("CN", "VN"), AGREEMENT, as4=[("CN", "VN")], configure=configure) as net:
        with net.client("CN") as client:
            message_id = client.submit("VN", COO, record_bytes(example("coo-cn-vn"))).message_id
        summary = _final(net, "CN", message_id)
        assert summary.status == pb.MESSAGE_STATUS_FAILED
        assert summary.last_error.code == "DOCUMENT_TYPE_NOT_AGREED"
        assert "EBMS:0010 ProcessingModeMismatch" in summary.last_error.message
        assert summary.attempts == 1


def _encrypted_to(tmp_path: Path, parties: tuple[str, ...]) -> Any:
    def configure(party: str, data: dict[str, Any]) -> None:
        if party not in parties:
            return
        other = "VN" if party == "CN" else "CN"
        # The partner's (RSA) signing certificate is what payloads are encrypted to; both sides sign with RSA.
        certificate = tmp_path / other.lower() / "keys" / "signing.cert.pem"
        data["partners"][0]["as4"]["encryption_certificate"] = str(certificate)
    return configure


def test_encrypted_payloads_travel_both_ways(tmp_path: Path) -> None:
    with running_network(tmp_path, ("CN", "VN"), AGREEMENT, as4=[("CN", "VN")], keys={"CN": "rsa", "VN": "rsa"},
                         configure=_encrypted_to(tmp_path, ("CN", "VN"))) as net:
        _send(net, "CN", "VN", "coo-cn-vn")
        _send(net, "VN", "CN", "coo-vn-cn")


def test_an_unencrypted_message_where_the_pmode_requires_encryption_fails(tmp_path: Path) -> None:
    with running_network(tmp_path, ("CN", "VN"), AGREEMENT, as4=[("CN", "VN")], keys={"CN": "rsa", "VN": "rsa"},
                         configure=_encrypted_to(tmp_path, ("VN",))) as net:
        with net.client("CN") as client:
            message_id = client.submit("VN", COO, record_bytes(example("coo-cn-vn"))).message_id
        summary = _final(net, "CN", message_id)
        assert summary.status == pb.MESSAGE_STATUS_FAILED
        assert summary.last_error.code == "ENVELOPE_INVALID"
        assert "EBMS:0103 PolicyNoncompliance" in summary.last_error.message


def _swa(tmp_path: Path, *, encrypted: bool, compress: bool) -> Any:
    encrypt = _encrypted_to(tmp_path, ("CN", "VN"))

    def configure(party: str, data: dict[str, Any]) -> None:
        # The eDelivery AS4 profile's packaging: payloads as (gzip-compressed) MIME parts, agreed on both sides.
        data["partners"][0]["as4"].update({"packaging": "swa", "compress": compress})
        data["partners"][0]["attach_pdf"] = True  # a second payload, the PAdES-signed PDF, in a part of its own
        if encrypted:
            encrypt(party, data)
    return configure


@pytest.mark.parametrize(("encrypted", "compress"), [(False, True), (True, True), (True, False)],
                         ids=["signed", "signed-and-encrypted", "encrypted-xml-parts-uncompressed"])
def test_soap_with_attachments_travels_both_ways(tmp_path: Path, encrypted: bool, compress: bool) -> None:
    # Uncompressed, the document part is application/xml: its reference digests its exclusive C14N (SwA 5.4.2),
    # under the type EncryptedData/@MimeType restores once the octets on the wire are decrypted.
    with running_network(tmp_path, ("CN", "VN"), AGREEMENT, as4=[("CN", "VN")], keys={"CN": "rsa", "VN": "rsa"},
                         configure=_swa(tmp_path, encrypted=encrypted, compress=compress)) as net:
        to_vn = _send(net, "CN", "VN", "coo-cn-vn")
        _send(net, "VN", "CN", "coo-vn-cn")
        # What VN stored is what CN signed, attachments (the PDF) included, each carried by its own MIME part.
        sent, received = net.apps["CN"].repository.get(to_vn), net.apps["VN"].repository.get(to_vn)
        assert received.envelope.payload == sent.envelope.payload
        assert sent.envelope.attachments and received.envelope.attachments == sent.envelope.attachments


def test_a_mime_message_where_the_pmode_says_body_is_an_external_payload_error(tmp_path: Path) -> None:
    def configure(party: str, data: dict[str, Any]) -> None:
        if party == "CN":
            data["partners"][0]["as4"]["packaging"] = "swa"

    with running_network(tmp_path, ("CN", "VN"), AGREEMENT, as4=[("CN", "VN")], configure=configure) as net:
        with net.client("CN") as client:
            message_id = client.submit("VN", COO, record_bytes(example("coo-cn-vn"))).message_id
        summary = _final(net, "CN", message_id)
        assert summary.status == pb.MESSAGE_STATUS_FAILED
        assert "EBMS:0011 ExternalPayloadError" in summary.last_error.message
