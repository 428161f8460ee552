"""Several authenticated domestic platforms on one gateway, each seeing only its own traffic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
import pytest

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.tools.client import ClientError, GatewayClient
from gateway.tools.devsetup import DomesticTls, domestic_tls_config, write_domestic_tls
from tests.integration.network import Network, example, record_bytes, running_network, wait_for

AGREEMENTS = {
    ("CN", "HK"): {"certificate-of-origin": "coo-ubl24-cepa-hk"},
    ("CN", "MO"): {"certificate-of-origin": "coo-ubl24-cepa-mo"},
}
COO = DocumentType.CERTIFICATE_OF_ORIGIN


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Network, DomesticTls]:
    root = tmp_path_factory.mktemp("clients")
    material: dict[str, DomesticTls] = {}

    def clients(party: str, data: dict[str, Any]) -> None:
        if party != "CN":
            return
        material["CN"] = write_domestic_tls(root / "cn", "CN", at=datetime.now(UTC), extra_hubs=("CN-GD",))
        domestic_tls_config(data)
        data["domestic_clients"] = [
            {"name": "CN-NATIONAL", "default": True},
            {"name": "CN-GD", "partners": ["HK"], "document_types": ["certificate-of-origin"]},
        ]

    with running_network(root, ("CN", "HK", "MO"), AGREEMENTS, configure=clients) as net:
        yield net, material["CN"]  # type: ignore[misc]


def _as(net: Network, tls: DomesticTls, name: str) -> GatewayClient:
    key, cert = (tls.hub_key, tls.hub_certificate) if name == "CN-NATIONAL" else \
        (tls.operator_key, tls.operator_certificate) if name == "operator" else tls.hubs[name]
    credentials = grpc.ssl_channel_credentials(root_certificates=tls.server_ca.read_bytes(),
                                               private_key=key.read_bytes(), certificate_chain=cert.read_bytes())
    return GatewayClient(f"127.0.0.1:{net.apps['CN'].domestic_port}", credentials=credentials)


def _deliver(net: Network, sender: str, name: str) -> str:
    with net.client(sender) as client:
        response = client.submit("CN", COO, record_bytes(example(name)))
        wait_for(lambda: client.status(response.message_id).status == pb.MESSAGE_STATUS_DELIVERED)
    return response.message_id


def test_inbound_documents_are_routed_and_each_client_sees_only_its_own(
        setup: tuple[Network, DomesticTls]) -> None:
    net, tls = setup
    from_hk = _deliver(net, "HK", "coo-hk-cn")
    record = example("coo-cn-mo")
    record["certificate"]["number"] = "MO20250001"
    with net.client("MO") as mo:
        response = mo.submit("CN", COO, record_bytes(record))
        wait_for(lambda: mo.status(response.message_id).status == pb.MESSAGE_STATUS_DELIVERED)
    from_mo = response.message_id

    with _as(net, tls, "CN-GD") as gd, _as(net, tls, "CN-NATIONAL") as national:
        assert [d.message_id for d in gd.receive(max_documents=2, timeout=3)] == [from_hk]
        assert [d.message_id for d in national.receive(max_documents=2, timeout=3)] == [from_mo]
        assert gd.status(from_hk).status == pb.MESSAGE_STATUS_HANDED_OVER
        with pytest.raises(ClientError) as caught:
            gd.status(from_mo)
        assert caught.value.code == "MESSAGE_NOT_FOUND"
        watched = {e.message_id for e in gd.watch(0, timeout=2)}
        assert from_hk in watched and from_mo not in watched

        # What one client submits, the other does not see.
        sent = gd.submit("HK", COO, record_bytes(example("coo-cn-hk")))
        assert net.apps["CN"].repository.get(sent.message_id).domestic_client == "CN-GD"
        with pytest.raises(ClientError):
            national.status(sent.message_id)


def test_a_certificate_of_no_configured_client_is_refused(setup: tuple[Network, DomesticTls]) -> None:
    net, tls = setup
    with _as(net, tls, "operator") as stranger:
        with pytest.raises(ClientError) as caught:
            stranger.submit("HK", COO, record_bytes(example("coo-cn-hk")))
    assert caught.value.code == "CLIENT_UNAUTHENTICATED"


@pytest.mark.parametrize(("clients", "field"), [
    ([{"name": "A"}, {"name": "B"}], "domestic_clients"),
    ([{"name": "A", "default": True}, {"name": "A", "default": True}], "domestic_clients"),
    ([{"name": "A", "default": True, "colour": "red"}], "domestic_clients[0].colour"),
])
def test_client_configuration_is_checked(clients: list[dict[str, Any]], field: str) -> None:
    from pathlib import PurePath

    from gateway.core.errors import ConfigInvalid
    from gateway.core.settings import parse_settings
    from tests.unit.gateway.test_settings import _with

    data = _with("domestic_listener", {"address": "127.0.0.1:0", "tls_key": "k", "tls_certificate": "c",
                                       "client_ca": "ca"})
    data["domestic_clients"] = clients
    with pytest.raises(ConfigInvalid) as caught:
        parse_settings(data, PurePath("/"))
    assert caught.value.field_path == field




def test_cli_submits_as_a_configured_client_over_tls(setup: tuple[Network, DomesticTls], tmp_path_factory: pytest.TempPathFactory,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from gateway.tools.cli import main

    net, tls = setup
    record = tmp_path_factory.mktemp("cli") / "co.json"
    data = example("coo-cn-hk")
    data["certificate"]["number"] = "CLI-TLS-1"
    record.write_text(json.dumps(data))
    key, cert = tls.hubs["CN-GD"]
    code = main(["submit", str(record), "--partner", "HK", "--type", "certificate-of-origin", "--gateway",
                 f"127.0.0.1:{net.apps['CN'].domestic_port}", "--tls-ca", str(tls.server_ca), "--tls-cert",
                 str(cert), "--tls-key", str(key), "--json"])
    message_id = json.loads(capsys.readouterr().out)["message_id"]
    assert code == 0
    assert net.apps["CN"].repository.get(message_id).domestic_client == "CN-GD"
