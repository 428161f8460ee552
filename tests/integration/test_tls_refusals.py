"""A partner without an acceptable client certificate is refused at the TLS handshake.

No gRPC call happens, so there is no status from the gateway: the caller's own gRPC library reports UNAVAILABLE
with no status details (the README's error table says so). Refusing at the handshake is deliberate: nothing of the
gateway is reachable without a certificate chaining to a partner's trust anchor.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from gateway._generated.swgw.v1 import partner_exchange_pb2 as ppb
from gateway._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
from gateway.transports.status_map import error_from_status
from tests.integration.network import Network, running_network
from trust import devpki


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    with running_network(tmp_path_factory.mktemp("net"), ("CN", "HK")) as net:
        yield net


def _cn_ca(net: Network) -> devpki.IssuedCertificate:
    keys = net.files["CN"].folder / "keys"
    return devpki.IssuedCertificate(
        certificate=x509.load_pem_x509_certificate((keys / "ca.cert.pem").read_bytes()),
        private_key=load_pem_private_key((keys / "ca.key.pem").read_bytes(), None),  # type: ignore[arg-type]
    )


def _client_certificate(net: Network, kind: str) -> tuple[bytes, bytes] | None:
    """(key, certificate chain) PEM presented by the caller, or None for no certificate."""
    now = datetime.now(UTC)
    name = "cn.gateway.test"
    if kind == "none":
        return None
    if kind == "self-signed":
        issued = devpki.create_ca(name, at=now)
    elif kind == "wrong-ca":
        issued = devpki.issue_certificate(devpki.create_ca("Unknown Window CA", at=now), name, at=now,
                                          usage="tls", dns_names=(name,))
    elif kind == "expired":
        # Issued by CN's own CA, the anchor HK trusts for CN, but valid only until yesterday.
        issued = devpki.issue_certificate(_cn_ca(net), name, at=now - timedelta(days=31), days=30, usage="tls",
                                          dns_names=(name,))
    elif kind == "not-yet-valid":
        issued = devpki.issue_certificate(_cn_ca(net), name, at=now + timedelta(days=2), days=30, usage="tls",
                                          dns_names=(name,))
    else:  # "valid": CN's real TLS certificate
        keys = net.files["CN"].folder / "keys"
        return (keys / "tls.key.pem").read_bytes(), (keys / "tls.cert.pem").read_bytes()
    return issued.key_pem(), issued.cert_pem()


def _get_receipt(net: Network, kind: str) -> ppb.GetReceiptResponse:
    client = _client_certificate(net, kind)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(net.files["HK"].folder / "keys" / "ca.cert.pem").read_bytes(),
        private_key=client[0] if client else None, certificate_chain=client[1] if client else None)
    with grpc.secure_channel(f"127.0.0.1:{net.apps['HK'].partner_port}", credentials,
                             options=[("grpc.ssl_target_name_override", "hk.gateway.test")]) as channel:
        stub = ppb_grpc.PartnerExchangeServiceStub(channel)
        response: ppb.GetReceiptResponse = stub.GetReceipt(
            ppb.GetReceiptRequest(message_id=str(uuid.uuid4())), timeout=10)
        return response


@pytest.mark.parametrize("kind", ["none", "self-signed", "wrong-ca", "expired", "not-yet-valid"])
def test_refused_at_the_handshake_with_unavailable_and_no_status(network: Network, kind: str) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        _get_receipt(network, kind)
    error = caught.value
    assert error.code() is grpc.StatusCode.UNAVAILABLE, error.details()  # type: ignore[attr-defined]
    trailers = dict(error.trailing_metadata() or ())  # type: ignore[attr-defined]
    assert "grpc-status-details-bin" not in trailers
    # Clients still get one readable line.
    code, message, path = error_from_status(error)
    assert code == "UNAVAILABLE" and message and "\n" not in message and path == ""


def test_after_the_handshake_errors_carry_their_code(network: Network) -> None:
    # The control: CN's own certificate passes the handshake, and the call's refusal has a stable code.
    with pytest.raises(grpc.RpcError) as caught:
        _get_receipt(network, "valid")
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
    assert error_from_status(caught.value)[0] == "MESSAGE_NOT_FOUND"
