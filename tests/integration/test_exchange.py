"""End to end: a certificate of origin from the CN domestic hub to the HK domestic hub through two gateways."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from typing import Any

import grpc
import pytest

import mappings
from gateway._generated.swgw.v1 import domestic_exchange_pb2 as dpb
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.tools.cli import main
from gateway.tools.client import ClientError

from tests.integration.network import Network, example, record_bytes, running_network, wait_for

COO = DocumentType.CERTIFICATE_OF_ORIGIN


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Network:
    with running_network(tmp_path_factory.mktemp("net"), ("CN", "HK", "MO")) as net:
        yield net  # type: ignore[misc]


def _final(network: Network, party: str, message_id: str) -> pb.MessageSummary:
    with network.client(party) as client:
        return wait_for(lambda: (s := client.status(message_id)).status in (
            pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED) and s)


def test_certificate_of_origin_travels_cn_to_hk_and_is_handed_over(network: Network) -> None:
    record = example("coo-cn-hk")
    with network.client("CN") as cn:
        response = cn.submit("HK", COO, record_bytes(record), idempotency_key="demo-1")
    # A free delivery worker took the message as it was stored (see DeliveryHandoff).
    assert response.status == pb.MESSAGE_STATUS_SENDING
    summary = _final(network, "CN", response.message_id)
    assert summary.status == pb.MESSAGE_STATUS_DELIVERED, summary.last_error
    statuses = [e.status for e in summary.history]
    assert statuses == [pb.MESSAGE_STATUS_ACCEPTED, pb.MESSAGE_STATUS_QUEUED, pb.MESSAGE_STATUS_SENDING,
                        pb.MESSAGE_STATUS_DELIVERED]

    with network.client("HK") as hk:
        documents = hk.receive(max_documents=1, timeout=10)
        assert [d.message_id for d in documents] == [response.message_id]
        document = documents[0]
        assert document.sender.value == "CN"
        assert "CN Gateway Document Signing" in document.signer_subject
        received = json.loads(document.record_json)
        # What the target format carries comes back unchanged (the mapping tests check every field).
        assert mappings.business_key("certificate-of-origin", received) == mappings.business_key(
            "certificate-of-origin", record)
        assert hk.status(response.message_id).status == pb.MESSAGE_STATUS_HANDED_OVER
        # Handed over once: a new stream gets nothing more.
        assert hk.receive(max_documents=1, timeout=1) == []


def test_repeated_submit_with_same_idempotency_key_returns_first_message(network: Network) -> None:
    record = record_bytes(example("coo-cn-mo"))
    with network.client("CN") as cn:
        first = cn.submit("MO", COO, record, idempotency_key="idem-42")
        again = cn.submit("MO", COO, record, idempotency_key="idem-42")
    assert again.message_id == first.message_id
    assert _final(network, "CN", first.message_id).status == pb.MESSAGE_STATUS_DELIVERED


def test_hk_sends_to_cn(network: Network) -> None:
    with network.client("HK") as hk:
        response = hk.submit("CN", COO, record_bytes(example("coo-hk-cn")))
    assert _final(network, "HK", response.message_id).status == pb.MESSAGE_STATUS_DELIVERED
    with network.client("CN") as cn:
        documents = cn.receive(max_documents=1, timeout=10)
    assert [d.sender.value for d in documents] == ["HK"]


def test_invalid_record_is_refused_with_element_path(network: Network) -> None:
    with network.client("CN") as cn:
        with pytest.raises(ClientError) as caught:
            cn.submit("HK", COO, record_bytes(example("coo-invalid")))
        assert caught.value.code == "RECORD_INVALID"
        report = cn.validate("HK", COO, record_bytes(example("coo-invalid"))).report
    assert not report.ok
    assert all(f.path.startswith("$") for f in report.findings if f.severity == pb.SEVERITY_ERROR)


def test_malformed_record_json_is_refused(network: Network) -> None:
    with network.client("CN") as cn:
        with pytest.raises(ClientError) as caught:
            cn.submit("HK", COO, b"{not json")
    assert caught.value.code == "RECORD_MALFORMED"
    assert caught.value.field_path == "$"


def test_unknown_partner_and_unagreed_document_type_are_refused(network: Network) -> None:
    record = record_bytes(example("coo-cn-hk"))
    with network.client("CN") as cn:
        with pytest.raises(ClientError) as unknown:
            cn.submit("SG", COO, record)
        with pytest.raises(ClientError) as unagreed:
            cn.submit("HK", DocumentType.SPS_CERTIFICATE, record)
    assert unknown.value.code == "PARTNER_UNKNOWN"
    assert unagreed.value.code == "DOCUMENT_TYPE_NOT_AGREED"


def test_agreement_rules_are_checked_on_submit(network: Network) -> None:
    # A CEPA Hong Kong certificate can only go between the Mainland and Hong Kong.
    record = example("coo-cn-hk")
    record["certificate"]["destination_country"] = "116"  # Japan
    with network.client("CN") as cn:
        with pytest.raises(ClientError) as caught:
            cn.submit("HK", COO, record_bytes(record))
        report = cn.validate("HK", COO, record_bytes(record)).report
    assert caught.value.code == "AGREEMENT_VIOLATED"
    assert caught.value.field_path == "$.certificate.destination_country"
    assert [(f.code, f.path) for f in report.findings if f.code == "AGREEMENT_PARTIES"] == [
        ("AGREEMENT_PARTIES", "$.certificate.destination_country")]


def test_status_by_business_key(network: Network) -> None:
    record = example("coo-cn-hk")
    issuer, number, version = mappings.business_key("certificate-of-origin", record)
    with network.client("CN") as cn:
        found = wait_for(lambda: cn.status_by_key(issuer, number, version))
    assert all(s.business_key.number == number for s in found)


def test_health_and_reflection_are_served(network: Network) -> None:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{network.apps['CN'].domestic_port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "swgw.v1.DomesticExchangeService", "swgw.v1.OperatorService"):
            assert health.Check(health_pb2.HealthCheckRequest(service=service)).status == \
                health_pb2.HealthCheckResponse.SERVING
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = {s.name for r in responses for s in r.list_services_response.service}
    assert {"swgw.v1.DomesticExchangeService", "swgw.v1.OperatorService", "grpc.health.v1.Health"} <= names




def test_rsa_signing_for_a_partner_whose_agreement_asks_for_it(tmp_path_factory: pytest.TempPathFactory) -> None:
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from cryptography.x509 import load_pem_x509_certificate

    from trust import devpki

    root = tmp_path_factory.mktemp("rsa")

    def rsa_for_hk(party: str, data: dict) -> None:  # type: ignore[type-arg]
        if party != "CN":
            return
        keys = root / "cn" / "keys"
        ca = devpki.IssuedCertificate(
            certificate=load_pem_x509_certificate((keys / "ca.cert.pem").read_bytes()),
            private_key=load_pem_private_key((root / "cn" / "keys" / "ca.key.pem").read_bytes(), None),  # type: ignore[arg-type]
        )
        issued = devpki.issue_certificate(ca, "CN Gateway Document Signing (RSA)", at=datetime.now(UTC),
                                          usage="signing", key="rsa")
        (keys / "rsa.key.pem").write_bytes(issued.key_pem())
        (keys / "rsa.cert.pem").write_bytes(issued.cert_pem())
        data["partners"][0]["signing"] = {"key": "keys/rsa.key.pem", "certificate": "keys/rsa.cert.pem",
                                          "chain": "keys/ca.cert.pem"}

    with running_network(root, ("CN", "HK"), configure=rsa_for_hk) as net:
        with net.client("CN") as cn:
            response = cn.submit("HK", COO, record_bytes(example("coo-cn-hk")))
        assert _final(net, "CN", response.message_id).status == pb.MESSAGE_STATUS_DELIVERED
        payload = net.apps["CN"].repository.get(response.message_id).envelope.payload
        assert b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" in payload
        with net.client("HK") as hk:
            documents = hk.receive(max_documents=1, timeout=10)
        assert "(RSA)" in documents[0].signer_subject


def test_pdf_rendering_travels_pades_signed_and_pdfsig_reports_it_valid(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import subprocess

    from tests.conftest import require_tool

    pdfsig = require_tool("pdfsig")
    root = tmp_path_factory.mktemp("pdf")
    record = example("coo-cn-hk")
    # Sixty goods lines, numbered 1..60, run across several pages.
    record["goods_items"] = [dict(item, sequence=n + 1) for n, item in enumerate(record["goods_items"] * 30)]
    with running_network(root, ("CN", "HK")) as net:
        # Switch the agreement to "attach a PDF" on the running gateway (settings are read per call).
        import dataclasses

        settings = net.apps["CN"].settings
        hk = dataclasses.replace(settings.partners[0], attach_pdf=True)
        object.__setattr__(settings, "partners", (hk,))
        with net.client("CN") as cn:
            response = cn.submit("HK", COO, record_bytes(record))
        assert _final(net, "CN", response.message_id).status == pb.MESSAGE_STATUS_DELIVERED
        with net.client("HK") as hk_client:
            documents = hk_client.receive(max_documents=1, timeout=10)
    [attachment] = documents[0].attachments
    assert attachment.name == "certificate-of-origin.pdf" and attachment.media_type == "application/pdf"
    pdf = root / "received.pdf"
    pdf.write_bytes(attachment.content)
    result = subprocess.run([pdfsig, str(pdf)], capture_output=True, text=True)
    assert "Signature is Valid." in result.stdout, result.stdout
    assert "Total document signed" in result.stdout
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:"))) >= 3


def test_watch_status_resumes_from_a_cursor_without_gaps(network: Network) -> None:
    with network.client("CN") as cn:
        first = list(cn.watch(0, timeout=1.5))
        assert [e.sequence for e in first] == list(range(1, len(first) + 1))
        cursor = first[-1].sequence
        record = example("coo-cn-hk")
        record["certificate"]["number"] = "WATCH-1"
        response = cn.submit("HK", COO, record_bytes(record))
        _final(network, "CN", response.message_id)
        resumed = list(cn.watch(cursor, timeout=1.5))
    assert [e.sequence for e in resumed] == list(range(cursor + 1, cursor + 1 + len(resumed)))
    mine = [e.status for e in resumed if e.message_id == response.message_id]
    assert mine == [pb.MESSAGE_STATUS_ACCEPTED, pb.MESSAGE_STATUS_QUEUED, pb.MESSAGE_STATUS_SENDING,
                    pb.MESSAGE_STATUS_DELIVERED]


def _responses(cn: Any, request: Any) -> list[Any]:
    """Every WatchStatus response until the deadline ends the stream."""
    responses: list[Any] = []
    try:
        for response in cn.domestic.WatchStatus(request, timeout=1.5):
            responses.append(response)
    except grpc.RpcError as e:
        assert e.code() is grpc.StatusCode.DEADLINE_EXCEEDED, e
    return responses


def test_watch_status_in_batches_carries_the_same_events(network: Network) -> None:
    with network.client("CN") as cn:
        for n in range(3):
            record = example("coo-cn-hk")
            record["certificate"]["number"] = f"WATCH-BATCH-{n}"
            _final(network, "CN", cn.submit("HK", COO, record_bytes(record)).message_id)
        one_by_one = _responses(cn, dpb.WatchStatusRequest(after_sequence=0))
        batched = _responses(cn, dpb.WatchStatusRequest(after_sequence=0, max_events_per_response=5))
        via_client = list(cn.watch(0, timeout=1.5, batch=5))
    # Without a batch size each response carries one event in `event`, as before the field existed.
    assert all(r.HasField("event") and not r.events for r in one_by_one)
    events = [r.event for r in one_by_one]
    assert len(events) >= 12
    # With one, `events` holds up to that many, never none, and together they are the same stream.
    assert all(1 <= len(r.events) <= 5 and not r.HasField("event") for r in batched)
    assert any(len(r.events) > 1 for r in batched)
    assert [e for r in batched for e in r.events] == events
    assert list(via_client) == events


def _edifact_agreements(cn: dict[str, Any], mo: dict[str, Any]) -> Callable[[str, dict[str, Any]], None]:
    """A ``configure`` hook giving CN's agreement with MO the ``[partners.edifact]`` table ``cn``, MO's ``mo``."""

    def configure(party: str, data: dict[str, Any]) -> None:
        data["partners"][0]["edifact"] = cn if party == "CN" else mo

    return configure


def test_cargo_manifest_as_edifact_cuscar_travels_under_the_envelope_signature(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    agreements = {("CN", "MO"): {"cargo-manifest": "manifest-cuscar-d96b"}}
    manifest = example("manifest-cn-mo")
    manifest["consignments"][0]["consignee"]["name"] = "澳门示例超市有限公司"
    configure = _edifact_agreements(
        {"syntax_identifier": "UNOW", "sender_id": "CNSW0001", "sender_qualifier": "ZZZ", "recipient_qualifier": "ZZZ"},
        {"accept": ["UNOW", "UNOY"]},
    )
    root = tmp_path_factory.mktemp("cuscar")
    with running_network(root, ("CN", "MO"), agreements, configure=configure) as net:
        with net.client("CN") as cn:
            response = cn.submit("MO", DocumentType.CARGO_MANIFEST, record_bytes(manifest))
        assert _final(net, "CN", response.message_id).status == pb.MESSAGE_STATUS_DELIVERED
        payload = net.apps["CN"].repository.get(response.message_id).envelope.payload
        # The agreement's envelope: UTF-8, syntax version 4 with its CCYYMMDD date, our id and the partner's.
        assert payload.startswith(b"UNA:+.?*'UNB+UNOW:4+CNSW0001:ZZZ+MO:ZZZ+20250612:0130+")
        with net.client("MO") as mo:
            [document] = mo.receive(max_documents=1, timeout=10)
        # Offline verification of the exported message runs the inbound pipeline's steps: an EDIFACT payload has
        # no document signature of its own (the envelope signature covers it) and is never parsed as XML.
        export = root / "cuscar-message.json"
        assert main(["messages", "export", response.message_id, "--config", str(net.files["CN"].config),
                     "--out", str(export)]) == 0
        trusted = root / "cuscar-trust"
        trusted.mkdir()
        for party in ("CN", "MO"):
            shutil.copy(net.files[party].folder / "keys" / "ca.cert.pem", trusted / f"{party}.pem")
        capsys.readouterr()
        code = main(["verify", str(export), "--trust", str(trusted), "--json"])
        report = json.loads(capsys.readouterr().out)
        assert (code, report["valid"], report["error_code"]) == (0, True, None), report
        assert "envelope signature: valid" in report["checks"]
        assert any(c.startswith("receipt from MO: valid, ACCEPTED") for c in report["checks"]), report
    assert "CN Gateway Document Signing" in document.signer_subject
    received = json.loads(document.record_json)
    assert received["manifest"]["number"] == manifest["manifest"]["number"]
    assert received["consignments"][0]["consignee"]["name"] == "澳门示例超市有限公司"
    assert len(received["consignments"]) == len(manifest["consignments"])


def test_edifact_in_a_character_set_the_partner_does_not_accept_is_rejected(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    agreements = {("CN", "MO"): {"cargo-manifest": "manifest-cuscar-d96b"}}
    configure = _edifact_agreements({"syntax_identifier": "UNOC"}, {"accept": ["UNOW"]})
    with running_network(tmp_path_factory.mktemp("charset"), ("CN", "MO"), agreements, configure=configure) as net:
        with net.client("CN") as cn:
            response = cn.submit("MO", DocumentType.CARGO_MANIFEST, record_bytes(mappings.load_example("manifest-cn-mo")))
        final = _final(net, "CN", response.message_id)
    assert final.status == pb.MESSAGE_STATUS_REJECTED
    assert (final.last_error.code, final.last_error.field_path) == ("CHARSET_REFUSED", "UNB/e1/c1")
