"""Requests that do not decode, and records that are not text or nest too deep, get a stable code on every RPC.

Before, grpcio ended an undecodable request as INTERNAL "Exception deserializing request!", and a record holding a
lone surrogate or nested 1,000 deep ended Submit and Validate as INTERNAL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import mappings
from gateway._generated.swgw.v1 import domestic_exchange_pb2 as dpb
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway._generated.swgw.v1 import operator_pb2, partner_exchange_pb2
from gateway.core.domain import DocumentType
from gateway.tools.client import ClientError
from gateway.transports.status_map import error_from_status
from tests.integration.network import Network, running_network

# Field 1, length-delimited, announcing 5 bytes where 2 follow: no protobuf message decodes from this.
TRUNCATED = b"\x0a\x05ab"
# Field 1 holding bytes that are not UTF-8: refused by every message whose field 1 is a string.
NOT_UTF8 = b"\x0a\x02\xff\xfe"


def _streaming(party: str, data: dict[str, object]) -> None:
    # DeliverStream is refused (STREAMING_NOT_AGREED), and UploadAttachment (PAYLOAD_TOO_LARGE), before any request
    # is read unless an agreement enables them.
    for partner in data["partners"]:  # type: ignore[attr-defined]
        partner["streaming"] = True
        partner["max_attachment_bytes"] = 1 << 20


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    with running_network(tmp_path_factory.mktemp("net"), ("CN", "HK"), configure=_streaming) as net:
        yield net


def _partner_channel(net: Network) -> grpc.Channel:
    """CN's mutual-TLS channel to HK's partner port."""
    keys = net.files["CN"].folder / "keys"
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(net.files["HK"].folder / "keys" / "ca.cert.pem").read_bytes(),
        private_key=(keys / "tls.key.pem").read_bytes(), certificate_chain=(keys / "tls.cert.pem").read_bytes())
    return grpc.secure_channel(f"127.0.0.1:{net.apps['HK'].partner_port}", credentials,
                               options=[("grpc.ssl_target_name_override", "hk.gateway.test")])


def _methods() -> list[tuple[str, str, bool, bool]]:
    """(port, method path, client streaming, server streaming) of every RPC the gateway serves."""
    out = []
    for port, module in (("partner", partner_exchange_pb2), ("domestic", dpb), ("domestic", operator_pb2)):
        for service in module.DESCRIPTOR.services_by_name.values():
            for m in service.methods:
                out.append((port, f"/{service.full_name}/{m.name}", m.client_streaming, m.server_streaming))
    return out


def _call_raw(channel: grpc.Channel, method: str, client_streaming: bool, server_streaming: bool,
              messages: list[bytes]) -> None:
    """Send ``messages`` as they are (no serializer) and read every response."""
    if client_streaming:
        for _ in channel.stream_stream(method)(iter(messages), timeout=10):
            pass
    elif server_streaming:
        for _ in channel.unary_stream(method)(messages[0], timeout=10):
            pass
    else:
        channel.unary_unary(method)(messages[0], timeout=10)


@pytest.mark.parametrize(("port", "method", "client_streaming", "server_streaming"), _methods(),
                         ids=[m[1].rsplit(".", 1)[-1] for m in _methods()])
@pytest.mark.parametrize("garbage", [TRUNCATED, NOT_UTF8], ids=["truncated", "not-utf8"])
def test_undecodable_request_is_request_malformed(network: Network, port: str, method: str,
                                                  client_streaming: bool, server_streaming: bool,
                                                  garbage: bytes) -> None:
    if garbage is NOT_UTF8:
        # Only messages whose field 1 is a string refuse these bytes; the others decode them (as bytes or as an
        # unknown field), which is correct.
        module = partner_exchange_pb2 if port == "partner" else dpb if "Domestic" in method else operator_pb2
        service = next(s for s in module.DESCRIPTOR.services_by_name.values() if method.startswith(f"/{s.full_name}/"))
        fields = service.methods_by_name[method.rsplit("/", 1)[1]].input_type.fields_by_number
        if 1 not in fields or fields[1].type != fields[1].TYPE_STRING:
            pytest.skip("field 1 of this request is not a string")
    channel = _partner_channel(network) if port == "partner" else \
        grpc.insecure_channel(f"127.0.0.1:{network.apps['HK'].domestic_port}")
    with channel:
        with pytest.raises(grpc.RpcError) as caught:
            _call_raw(channel, method, client_streaming, server_streaming, [garbage])
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
        code, message, field_path = error_from_status(caught.value)
        assert (code, field_path) == ("REQUEST_MALFORMED", "request")
        assert method in message
        # The server is unharmed.
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING


# The UTF-8 form of the lone surrogate U+D800 (what a sender that encodes with 'surrogatepass' produces): the same
# length as the placeholder "@@@" it replaces in a valid request.
SURROGATE_BYTES = b"\xed\xa0\x80"


def _with_surrogate(message: object) -> bytes:
    data = message.SerializeToString()  # type: ignore[attr-defined]
    assert data.count(b"@@@") == 1
    return data.replace(b"@@@", SURROGATE_BYTES)


@pytest.mark.parametrize(("port", "method", "request_bytes"), [
    ("domestic", "/swgw.v1.DomesticExchangeService/Submit",
     lambda: _with_surrogate(dpb.SubmitRequest(receiver=pb.PartyId(value="@@@"), record_json=b"{}"))),
    ("domestic", "/swgw.v1.DomesticExchangeService/Submit",
     lambda: _with_surrogate(dpb.SubmitRequest(receiver=pb.PartyId(value="HK"), idempotency_key="@@@"))),
    ("domestic", "/swgw.v1.DomesticExchangeService/GetStatus",
     lambda: _with_surrogate(dpb.GetStatusRequest(business_key=pb.BusinessKey(issuer="@@@", number="1")))),
    ("domestic", "/swgw.v1.OperatorService/ListTrustCertificates",
     lambda: _with_surrogate(operator_pb2.ListTrustCertificatesRequest(partner="@@@"))),
    ("partner", "/swgw.v1.PartnerExchangeService/Deliver",
     lambda: _with_surrogate(partner_exchange_pb2.DeliverRequest(envelope=pb.Envelope(
         message_id="m1", business_key=pb.BusinessKey(issuer="@@@", number="1"))))),
], ids=["submit-receiver", "submit-idempotency-key", "status-business-key", "operator-partner", "deliver-envelope"])
def test_text_fields_that_are_not_utf8_are_request_malformed(network: Network, port: str, method: str,
                                                             request_bytes: object) -> None:
    # Partner names, business keys, idempotency keys and envelope fields reach lxml and .encode(), which a lone
    # surrogate crashes; protobuf refuses them as they are decoded, so they never get that far.
    channel = _partner_channel(network) if port == "partner" else \
        grpc.insecure_channel(f"127.0.0.1:{network.apps['HK'].domestic_port}")
    with channel, pytest.raises(grpc.RpcError) as caught:
        channel.unary_unary(method)(request_bytes(), timeout=10)  # type: ignore[operator]
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_from_status(caught.value)[0] == "REQUEST_MALFORMED"


def test_undecodable_acknowledgement_ends_receive_inbound_with_request_malformed(network: Network) -> None:
    subscribe = dpb.ReceiveInboundRequest(subscribe=dpb.InboundSubscription()).SerializeToString()
    with grpc.insecure_channel(f"127.0.0.1:{network.apps['HK'].domestic_port}") as channel:
        with pytest.raises(grpc.RpcError) as caught:
            _call_raw(channel, "/swgw.v1.DomesticExchangeService/ReceiveInbound", True, True,
                      [subscribe, TRUNCATED])
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_from_status(caught.value)[0] == "REQUEST_MALFORMED"


def _spoiled(kind: str) -> tuple[bytes, str]:
    record = mappings.load_example("coo-cn-hk")
    if kind == "surrogate-value":
        record["exporter"]["name"] = "A\ud800B"
        return json.dumps(record).encode(), "$.exporter.name"
    if kind == "surrogate-key":
        record["certificate"]["A\ud800B"] = "x"
        return json.dumps(record).encode(), "$.certificate"
    if kind == "surrogate-business-key":
        record["certificate"]["number"] = "K\udfff1"
        return json.dumps(record).encode(), "$.certificate.number"
    return ('{"a": ' * 1_000 + "1" + "}" * 1_000).encode(), "$" + ".a" * mappings.MAX_RECORD_DEPTH


@pytest.mark.parametrize("kind", ["surrogate-value", "surrogate-key", "surrogate-business-key", "deep"])
def test_malformed_record_is_refused_on_submit_and_reported_by_validate(network: Network, kind: str) -> None:
    record_json, path = _spoiled(kind)
    with network.client("CN") as client:
        with pytest.raises(ClientError) as caught:
            client.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN, record_json, idempotency_key=f"bad-{kind}")
        assert (caught.value.code, caught.value.field_path) == ("RECORD_MALFORMED", path)
        report = client.validate("HK", DocumentType.CERTIFICATE_OF_ORIGIN, record_json).report
        assert not report.ok
        assert [(f.code, f.path) for f in report.findings] == [("RECORD_MALFORMED", path)]


def _hundred_bad_units() -> bytes:
    record = mappings.load_example("coo-cn-hk")
    item = record["goods_items"][0]
    record["goods_items"] = [
        {**item, "sequence": i + 1, "quantity_unit": "ZZ9", "description": f"{item['description']} lot {i}"}
        for i in range(100)
    ]
    record["certificate"]["number"] = "K100BADUNITS"
    return json.dumps(record, ensure_ascii=False).encode()


def test_a_hundred_findings_arrive_bounded_with_their_code(network: Network) -> None:
    record_json = _hundred_bad_units()
    with network.client("CN") as client:
        # The raw call, to see what travels: the status, the code first, within the client's metadata limit.
        request = dpb.SubmitRequest(receiver=pb.PartyId(value="HK"),
                                    document_type=pb.DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN,
                                    record_json=record_json, idempotency_key="hundred")
        with pytest.raises(grpc.RpcError) as caught:
            client.domestic.Submit(request, timeout=20)
        error = caught.value
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT, error.details()
        code, message, path = error_from_status(error)
        assert code in ("RECORD_INVALID", "CODE_UNMAPPED") and error.details().startswith(f"{code}: ")
        assert "Validate returns the full report" in error.details()
        trailers = sum(len(k) + len(v) for k, v in error.trailing_metadata())
        assert trailers < 4 * 1024, trailers
        # Through the client the CLI uses.
        with pytest.raises(ClientError) as refused:
            client.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN, record_json, idempotency_key="hundred-2")
        assert refused.value.code == code
        # Validate answers with the whole report.
        report = client.validate("HK", DocumentType.CERTIFICATE_OF_ORIGIN, record_json).report
        bad = {f.path for f in report.findings if f.path.endswith(".quantity_unit")}
        assert len(bad) == 100 and report.findings_total == len(report.findings) and not report.ok
