"""Configuration is parsed strictly: unknown keys and wrong types are refused naming the key."""

from __future__ import annotations

import copy
from pathlib import Path, PurePath
from typing import Any

import pytest
import tomli_w

from gateway.core.domain import DocumentType
from gateway.core.errors import ConfigInvalid
from gateway.core.settings import parse_settings, parse_settings_toml
from gateway.tools.cli import main

BASE: dict[str, Any] = {
    "gateway": {"party": "CN"},
    "signing": {"key": "k.pem", "certificate": "c.pem"},
    "partner_listener": {"address": "127.0.0.1:0", "tls_key": "t.key", "tls_certificate": "t.pem"},
    "domestic_listener": {"address": "127.0.0.1:0"},
    "partners": [{
        "party": "HK", "endpoint": "127.0.0.1:9", "tls_server_name": "hk.gateway.test",
        "trust_anchors": ["hk.pem"], "documents": {"certificate-of-origin": "coo-ubl24-cepa-hk"},
        "retry": {"strategy": "constant", "initial_delay_seconds": 2, "max_attempts": 3},
    }],
}


def _with(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    node: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    node[keys[-1]] = value
    return data


def test_valid_configuration_parses_with_defaults() -> None:
    settings = parse_settings(BASE, PurePath("/etc/swgw"))
    assert settings.party.value == "CN"
    assert settings.database_url == "sqlite:////etc/swgw/data/swgw.db"
    hk = settings.partner("HK")
    assert hk.mapping_profile(DocumentType.CERTIFICATE_OF_ORIGIN) == "coo-ubl24-cepa-hk"
    assert hk.trust_anchor_files == ("/etc/swgw/hk.pem",)
    assert hk.trust_pinned_files == ()
    assert hk.retry.strategy == "constant" and hk.retry.max_attempts == 3
    assert settings.metrics is None
    # The optional paths are off unless agreed: unary Deliver, attachments in the envelope.
    assert (hk.streaming, hk.stream_window, hk.max_attachment_bytes) == (False, 64, 0)
    assert settings.blob_dir == "/etc/swgw/data/blobs"


def test_timestamping_is_optional_and_parsed() -> None:
    assert parse_settings(BASE, PurePath("/etc/swgw")).timestamping is None
    assert parse_settings(BASE, PurePath("/etc/swgw")).partner("HK").signature_level == "B-B"
    data = _with("timestamping", {"anchors": "tsa.pem", "url": "https://tsa.test/tsr", "level": "B-LTA",
                                  "validation_certificates": "ltv.pem", "crls": ["ca.crl"], "timeout_seconds": 5})
    data["partners"][0]["signature_level"] = "B-T"
    settings = parse_settings(data, PurePath("/etc/swgw"))
    assert settings.timestamping is not None
    assert (settings.timestamping.anchors, settings.timestamping.level) == ("/etc/swgw/tsa.pem", "B-LTA")
    assert settings.timestamping.crls == ("/etc/swgw/ca.crl",) and settings.timestamping.timeout_seconds == 5
    assert settings.partner("HK").signature_level == "B-T"


def test_metrics_endpoint_is_optional_and_parsed() -> None:
    settings = parse_settings(_with("metrics", {"address": "127.0.0.1:9464"}), PurePath("/etc/swgw"))
    assert settings.metrics is not None and settings.metrics.address == "127.0.0.1:9464"


@pytest.mark.parametrize(("path", "value", "field"), [
    ("gateway.colour", "blue", "gateway.colour"),
    ("partners.0.documents.invoice", "x", "partners[0].documents.invoice"),
    ("partners.0.retry.strategy", "random", "partners[0].retry"),
    ("partners.0.retry.max_attempts", "3", "partners[0].retry.max_attempts"),
    ("partners.0.max_payload_bytes", True, "partners[0].max_payload_bytes"),
    ("partners.0.surprise", 1, "partners[0].surprise"),
    ("delivery", {"tick_seconds": -1}, "delivery.tick_seconds"),
    ("delivery", {"tick_seconds": float("nan")}, "delivery.tick_seconds"),
    ("delivery", {"claim_timeout_seconds": 1e300}, "delivery.claim_timeout_seconds"),
    ("partners.0.retry.multiplier", float("nan"), "partners[0].retry.multiplier"),
    ("partners.0.retry.max_delay_seconds", float("inf"), "partners[0].retry.max_delay_seconds"),
    ("partner_listener", {"address": "127.0.0.1:0"}, "partner_listener.tls_certificate"),
    ("extra", {}, "extra"),
    ("metrics", {"address": "9464"}, "metrics.address"),
    ("metrics", {"address": "127.0.0.1:http"}, "metrics.address"),
    ("metrics", {"address": "127.0.0.1:9464", "path": "/m"}, "metrics.path"),
    ("metrics", {"port": 9464}, "metrics.address"),
    ("timestamping", {"url": "http://tsa.test/"}, "timestamping.anchors"),
    ("timestamping", {"anchors": "tsa.pem", "url": "ftp://tsa.test/"}, "timestamping.url"),
    ("timestamping", {"anchors": "tsa.pem", "level": "B-LTA+"}, "timestamping.level"),
    ("timestamping", {"anchors": "tsa.pem", "url": "http://tsa.test/", "level": "B-LT"},
     "timestamping.validation_certificates"),
    ("timestamping", {"anchors": "tsa.pem", "crls": "a.crl"}, "timestamping.crls"),
    ("timestamping", {"anchors": "tsa.pem", "policy": "x"}, "timestamping.policy"),
    ("partners.0.signature_level", "B-LTA", "partners[0].signature_level"),
    ("partners.0.streaming", "yes", "partners[0].streaming"),
    ("partners.0.stream_window", 0, "partners[0].stream_window"),
    ("partners.0.stream_window", 5000, "partners[0].stream_window"),
    ("partners.0.max_attachment_bytes", -1, "partners[0].max_attachment_bytes"),
    ("gateway.blob_dir", 7, "gateway.blob_dir"),
])
def test_bad_configuration_names_the_key(path: str, value: Any, field: str) -> None:
    with pytest.raises(ConfigInvalid) as caught:
        parse_settings(_with(path, value), PurePath("/etc/swgw"))
    assert caught.value.field_path == field
    assert caught.value.code == "CONFIG_INVALID"


def test_missing_required_key_is_named() -> None:
    data = copy.deepcopy(BASE)
    del data["signing"]["key"]
    with pytest.raises(ConfigInvalid) as caught:
        parse_settings(data, PurePath("/"))
    assert caught.value.field_path == "signing.key"


def test_partner_cannot_be_configured_twice_or_be_ourselves() -> None:
    twice = copy.deepcopy(BASE)
    twice["partners"].append(copy.deepcopy(twice["partners"][0]))
    with pytest.raises(ConfigInvalid):
        parse_settings(twice, PurePath("/"))
    with pytest.raises(ConfigInvalid):
        parse_settings(_with("partners.0.party", "CN"), PurePath("/"))


def test_trust_pinned_files_are_parsed() -> None:
    settings = parse_settings(_with("partners.0.trust_pinned", ["hk-signing.pem"]), PurePath("/etc/swgw"))
    assert settings.partner("HK").trust_pinned_files == ("/etc/swgw/hk-signing.pem",)
    with pytest.raises(ConfigInvalid) as caught:
        parse_settings(_with("partners.0.trust_pinned", [1]), PurePath("/etc/swgw"))
    assert caught.value.field_path == "partners[0].trust_pinned"


def test_edifact_interchange_defaults_to_our_party_and_theirs_in_unoc_version_4() -> None:
    hk = parse_settings(BASE, PurePath("/")).partner("HK")
    interchange = hk.interchange(parse_settings(BASE, PurePath("/")).party)
    assert (interchange.sender, interchange.recipient, interchange.sender_qualifier) == ("CN", "HK", None)
    assert (interchange.syntax_identifier, interchange.syntax_version) == ("UNOC", 4)
    assert "UNOW" in interchange.accept and "UNOC" in interchange.accept


def test_edifact_interchange_is_configured_per_agreement() -> None:
    edifact = {"syntax_identifier": "UNOW", "syntax_version": 4, "accept": ["UNOW", "UNOY"],
               "sender_id": "CNSW", "sender_qualifier": "ZZZ", "recipient_id": "HKSW", "recipient_qualifier": "ZZZ"}
    settings = parse_settings(_with("partners.0.edifact", edifact), PurePath("/"))
    interchange = settings.partner("HK").interchange(settings.party)
    assert (interchange.sender, interchange.sender_qualifier) == ("CNSW", "ZZZ")
    assert (interchange.recipient, interchange.recipient_qualifier) == ("HKSW", "ZZZ")
    assert interchange.syntax_identifier == "UNOW" and interchange.accept == ("UNOW", "UNOY")


@pytest.mark.parametrize(("edifact", "field"), [
    ({"charset": "UNOC"}, "partners[0].edifact.charset"),
    ({"syntax_identifier": "UTF8"}, "partners[0].edifact.syntax_identifier"),
    ({"syntax_identifier": "UNOW", "syntax_version": 3}, "partners[0].edifact.syntax_identifier"),
    ({"syntax_version": 2}, "partners[0].edifact.syntax_version"),
    ({"syntax_version": "4"}, "partners[0].edifact.syntax_version"),
    ({"accept": []}, "partners[0].edifact.accept"),
    ({"accept": ["UNOC", "LATIN1"]}, "partners[0].edifact.accept"),
    ({"sender_id": "CN+SW"}, "partners[0].edifact.sender_id"),
    ({"recipient_id": "X" * 36}, "partners[0].edifact.recipient_id"),
    ({"recipient_qualifier": "TOOLONG"}, "partners[0].edifact.recipient_qualifier"),
])
def test_bad_edifact_settings_name_the_key(edifact: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigInvalid) as caught:
        parse_settings(_with("partners.0.edifact", edifact), PurePath("/"))
    assert caught.value.field_path == field


@pytest.mark.parametrize(("content", "message"), [
    (b'[gateway]\nparty = "CN\xff"\n', "not UTF-8"),
    (b"[gateway\nparty = 1\n", "not valid TOML"),
    (b'[gateway]\nparty = "CN"\nparty = "HK"\n', "not valid TOML"),
])
def test_undecodable_or_invalid_toml_is_config_invalid(content: bytes, message: str) -> None:
    with pytest.raises(ConfigInvalid) as caught:
        parse_settings_toml(content, PurePath("/etc/swgw"))
    assert caught.value.field_path == "$" and message in caught.value.message


def test_cli_reports_a_non_utf8_configuration_with_its_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, tomllib's UnicodeDecodeError escaped load_settings: every command taking --config died in a traceback.
    config = tmp_path / "swgw.toml"
    config.write_bytes(b'[gateway]\nparty = "\xc3\x28"\n')
    assert main(["partners", "--config", str(config)]) == 1
    assert "CONFIG_INVALID" in capsys.readouterr().err


def test_toml_text_parses_like_its_mapping() -> None:
    settings = parse_settings_toml(tomli_w.dumps(BASE).encode(), PurePath("/etc/swgw"))
    assert settings == parse_settings(BASE, PurePath("/etc/swgw"))
