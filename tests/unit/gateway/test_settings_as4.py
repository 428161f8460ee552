"""A partner reached over AS4: ``transport = "as4"`` with its P-Mode in ``[partners.as4]``, parsed strictly."""

from __future__ import annotations

import copy
from pathlib import PurePath
from typing import Any

import pytest
import tomli_w

from gateway.core.domain import DocumentType
from gateway.core.errors import ConfigInvalid
from gateway.core.settings import parse_settings, parse_settings_toml

COO = DocumentType.CERTIFICATE_OF_ORIGIN
AS4: dict[str, Any] = {
    "gateway": {"party": "CN"},
    "signing": {"key": "k.pem", "certificate": "c.pem"},
    "partner_listener": {"address": "127.0.0.1:0", "tls_key": "t.key", "tls_certificate": "t.pem"},
    "domestic_listener": {"address": "127.0.0.1:0"},
    "as4_listener": {"address": "127.0.0.1:8443"},
    "partners": [{
        "party": "VN", "transport": "as4", "trust_anchors": ["vn.pem"],
        "documents": {"certificate-of-origin": "coo-ubl24-acfta-forme"},
        "as4": {
            "endpoint_url": "https://ap.vn.example:8443/domibus/services/msh",
            "partner_party_id": "vn-moit-ap", "our_party_id": "cn-swgw-ap",
            "service": "urn:asean:acfta:coo", "service_type": "urn:asean:service",
            "actions": {"certificate-of-origin": "SubmitFormE"},
            "agreement_ref": "urn:asean:agreement:cn-vn", "signing_certificates": ["vn-ap.pem"],
            "encryption_certificate": "vn-ap-enc.pem",
        },
    }],
}


def _changed(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(AS4)
    change(data)
    return data


def test_as4_partner_parses_into_its_pmode() -> None:
    settings = parse_settings(AS4, PurePath("/etc/swgw"))
    vn = settings.partner("VN")
    assert vn.transport == "as4" and vn.endpoint == "" and vn.as4 is not None
    assert vn.as4.partner_party_id == "vn-moit-ap" and vn.as4.our_party_id == "cn-swgw-ap"
    assert vn.as4.actions == {COO: "SubmitFormE"}
    assert vn.as4.signing_certificate_files == ("/etc/swgw/vn-ap.pem",)
    assert vn.as4.encryption_certificate_file == "/etc/swgw/vn-ap-enc.pem"
    assert vn.as4.mpc.endswith("/defaultMPC")
    assert settings.as4_listener is not None and settings.as4_listener.address == "127.0.0.1:8443"
    # The same from TOML text.
    assert parse_settings_toml(tomli_w.dumps(AS4).encode(), PurePath("/etc/swgw")).partner("VN") == vn


def test_the_pmode_names_the_peer_packaging_compression_and_sbdh() -> None:
    vn = parse_settings(AS4, PurePath("/")).partner("VN").as4
    assert vn is not None and (vn.peer, vn.packaging, vn.compress, vn.sbdh) == ("swgw", "body", False, False)

    def change(d: dict[str, Any]) -> None:
        _p(d)["as4"].update(peer="access-point", packaging="swa", compress=True, sbdh=True)
    vn = parse_settings(_changed(change), PurePath("/")).partner("VN").as4
    assert vn is not None and (vn.peer, vn.packaging, vn.compress, vn.sbdh) == ("access-point", "swa", True, True)


def test_party_ids_default_to_the_gateway_and_partner_names() -> None:
    def change(d: dict[str, Any]) -> None:
        del d["partners"][0]["as4"]["partner_party_id"], d["partners"][0]["as4"]["our_party_id"]
    pmode = parse_settings(_changed(change), PurePath("/")).partner("VN").as4
    assert pmode is not None and (pmode.our_party_id, pmode.partner_party_id) == ("CN", "VN")


def _p(d: dict[str, Any]) -> dict[str, Any]:
    partner: dict[str, Any] = d["partners"][0]
    return partner


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: _p(d).update(transport="smtp"), "partners[0].transport"),
    (lambda d: _p(d).pop("as4"), "partners[0].as4"),
    (lambda d: _p(d).update(transport="swgw-grpc", endpoint="127.0.0.1:9", tls_server_name="vn"), "partners[0].as4"),
    (lambda d: _p(d)["as4"].update(endpoint_url="http://ap.vn.example/msh"), "partners[0].as4.endpoint_url"),
    (lambda d: _p(d)["as4"].update(endpoint_url="https:///msh"), "partners[0].as4.endpoint_url"),
    (lambda d: _p(d)["as4"].update(colour="blue"), "partners[0].as4.colour"),
    (lambda d: _p(d)["as4"].update(actions={}), "partners[0].as4.actions.certificate-of-origin"),
    (lambda d: _p(d)["as4"]["actions"].update({"cargo-manifest": "X"}), "partners[0].as4.actions.cargo-manifest"),
    (lambda d: _p(d)["as4"]["actions"].update({"invoice": "X"}), "partners[0].as4.actions.invoice"),
    (lambda d: _p(d)["as4"].update(timeout_seconds=0), "partners[0].as4.timeout_seconds"),
    (lambda d: _p(d)["as4"].update(peer="domibus"), "partners[0].as4.peer"),
    (lambda d: _p(d)["as4"].update(packaging="mtom"), "partners[0].as4.packaging"),
    (lambda d: _p(d)["as4"].update(compress=True), "partners[0].as4.compress"),  # compression is of MIME parts
    (lambda d: _p(d)["as4"].update(sbdh=True), "partners[0].as4.sbdh"),  # swgw peers send the document itself
    (lambda d: _p(d)["as4"].update(compress="yes", packaging="swa"), "partners[0].as4.compress"),
    (lambda d: d.pop("as4_listener"), "as4_listener.address"),
    (lambda d: d.update(as4_listener={"address": "127.0.0.1:1", "tls_key": "x"}), "as4_listener.tls_key"),
])
def test_inconsistent_as4_tables_are_refused_naming_the_key(change: Any, field: str) -> None:
    with pytest.raises(ConfigInvalid) as caught:
        parse_settings(_changed(change), PurePath("/"))
    assert caught.value.code == "CONFIG_INVALID"
    assert caught.value.field_path == field


def test_a_document_type_may_have_several_profiles() -> None:
    def change(d: dict[str, Any]) -> None:
        _p(d)["documents"]["certificate-of-origin"] = ["coo-ubl24-acfta-forme", "coo-ubl24-rcep"]
    vn = parse_settings(_changed(change), PurePath("/")).partner("VN")
    assert vn.profiles_for(COO) == ("coo-ubl24-acfta-forme", "coo-ubl24-rcep")
    assert vn.profile_for_record(COO, {"certificate": {"fta": "RCEP"}}) == "coo-ubl24-rcep"
    assert vn.profile_for_record(COO, {"certificate": {"fta": "ACFTA"}}) == "coo-ubl24-acfta-forme"
    assert vn.profile_for_format(COO, "urn:other") is None


@pytest.mark.parametrize("value", [[], ["coo-ubl24-rcep", "coo-ubl24-rcep"], [1], 3])
def test_bad_profile_lists_are_refused(value: Any) -> None:
    def change(d: dict[str, Any]) -> None:
        _p(d)["documents"]["certificate-of-origin"] = value
    with pytest.raises(ConfigInvalid) as caught:
        parse_settings(_changed(change), PurePath("/"))
    assert caught.value.field_path == "partners[0].documents.certificate-of-origin"


def test_two_document_types_cannot_share_an_action() -> None:
    def change(d: dict[str, Any]) -> None:
        _p(d)["documents"]["cargo-manifest"] = "manifest-efti-consignment"
        _p(d)["as4"]["actions"]["cargo-manifest"] = "SubmitFormE"
    with pytest.raises(ConfigInvalid) as caught:
        parse_settings(_changed(change), PurePath("/"))
    assert caught.value.field_path == "partners[0].as4.actions"
