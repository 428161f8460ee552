"""``transport = "ephyto-hub"`` with its ``[partners.ephyto_hub]`` table: parsed strictly, refused naming the key."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import PurePath
from typing import Any

import pytest

from gateway.core.errors import ConfigInvalid
from gateway.core.settings import parse_settings

HUB = {
    "url": "https://hub.ephytoexchange.org/hub/DeliveryService", "wsdl": "hub/ephyto.wsdl",
    "client_certificate": "keys/nppo.pem", "client_key": "keys/nppo.key", "country": "CN", "partner_country": "VN",
}
BASE: dict[str, Any] = {
    "gateway": {"party": "CN"},
    "signing": {"key": "k.pem", "certificate": "c.pem"},
    "partner_listener": {"address": "127.0.0.1:0", "tls_key": "t.key", "tls_certificate": "t.pem"},
    "domestic_listener": {"address": "127.0.0.1:0"},
    "partners": [{
        "party": "VN", "transport": "ephyto-hub", "trust_anchors": ["hub-ca.pem"],
        "documents": {"sps-certificate": "sps-ephyto-17"}, "ephyto_hub": HUB,
    }],
}


def _partner(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    partner = data["partners"][0]
    for key, value in changes.items():
        if value is None:
            partner.pop(key, None)
        else:
            partner[key] = value
    return data


def _hub(**changes: Any) -> dict[str, Any]:
    table = {k: v for k, v in {**HUB, **changes}.items() if v is not None}
    return _partner(ephyto_hub=table)


def test_hub_partner_parses_with_defaults_and_needs_no_grpc_endpoint() -> None:
    settings = parse_settings(BASE, PurePath("/etc/swgw"))
    vn = settings.partner("VN")
    assert vn.transport == "ephyto-hub" and vn.endpoint == "" and vn.tls_server_name == ""
    hub = vn.ephyto_hub
    assert hub is not None
    assert hub.url == HUB["url"] and hub.wsdl == "/etc/swgw/hub/ephyto.wsdl"
    assert hub.client_certificate == "/etc/swgw/keys/nppo.pem" and hub.client_key == "/etc/swgw/keys/nppo.key"
    assert (hub.country, hub.partner_country, hub.mode) == ("CN", "VN", "pull")
    assert hub.poll_interval == timedelta(seconds=30) and hub.timeout == timedelta(seconds=30)


def test_grpc_remains_the_default_transport() -> None:
    data = _partner(transport=None, ephyto_hub=None, endpoint="127.0.0.1:9", tls_server_name="vn.gateway.test")
    vn = parse_settings(data, PurePath("/etc/swgw")).partner("VN")
    assert vn.transport == "swgw-grpc" and vn.ephyto_hub is None


@pytest.mark.parametrize(("data", "field", "message"), [
    (_partner(transport="carrier-pigeon"), "partners[0].transport", "must be one of"),
    (_partner(ephyto_hub=None), "partners[0].ephyto_hub", "needs a"),
    (_partner(transport=None, endpoint="127.0.0.1:9", tls_server_name="vn"), "partners[0].ephyto_hub",
     'needs transport = "ephyto-hub"'),
    (_hub(url="http://hub.example/hub"), "partners[0].ephyto_hub.url", "https://"),
    (_hub(url=None), "partners[0].ephyto_hub.url", "missing required key"),
    (_hub(wsdl=None), "partners[0].ephyto_hub.wsdl", "missing required key"),
    (_hub(client_key=None), "partners[0].ephyto_hub.client_key", "missing required key"),
    (_hub(country="chn"), "partners[0].ephyto_hub.country", "two-letter"),
    (_hub(partner_country="CN"), "partners[0].ephyto_hub.partner_country", "our own country"),
    (_hub(mode="push"), "partners[0].ephyto_hub.mode", "must be one of pull"),
    (_hub(poll_interval_seconds=0), "partners[0].ephyto_hub.poll_interval_seconds", "positive"),
    (_hub(colour="blue"), "partners[0].ephyto_hub.colour", "unknown key"),
])
def test_bad_hub_settings_name_the_key(data: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ConfigInvalid) as refused:
        parse_settings(data, PurePath("/etc/swgw"))
    assert refused.value.code == "CONFIG_INVALID"
    assert refused.value.field_path == field
    assert message in refused.value.message


def test_a_grpc_partner_still_needs_its_endpoint() -> None:
    data = _partner(transport="swgw-grpc", ephyto_hub=None)
    with pytest.raises(ConfigInvalid) as refused:
        parse_settings(data, PurePath("/etc/swgw"))
    assert refused.value.field_path == "partners[0].endpoint"
