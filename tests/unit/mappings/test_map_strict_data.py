"""Strict parsing of the shipped data: unknown keys are rejected naming the key and the file."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mappings import SpecInvalid
from mappings._data import load_json, load_toml
from mappings.catalog.elements import _parse_document
from mappings.codelists.tables import _parse as parse_codelist
from mappings.specs.profiles import _check_against_catalog
from mappings.catalog.elements import load_catalog
from mappings.specs.language import parse_spec

SPEC_FILE = "specs/coo-ubl24-cepa-hk.json"


def _spec_raw() -> dict[str, Any]:
    raw = load_json(SPEC_FILE)
    assert isinstance(raw, dict)
    return raw


def _expect(fn: Any, *args: Any, key: str, where: str) -> None:
    with pytest.raises(SpecInvalid) as info:
        fn(*args)
    assert key in info.value.message
    assert info.value.path is not None and where in info.value.path


def test_shipped_spec_parses() -> None:
    spec = parse_spec(_spec_raw(), SPEC_FILE)
    assert spec.profile.id == "coo-ubl24-cepa-hk" and spec.template.name == "CertificateOfOrigin"


def test_spec_unknown_top_level_key() -> None:
    raw = _spec_raw()
    raw["colour"] = "blue"
    _expect(parse_spec, raw, SPEC_FILE, key="'colour'", where="coo-ubl24-cepa-hk.json")


def test_spec_states_its_signature_placement() -> None:
    assert parse_spec(_spec_raw(), SPEC_FILE).profile.signature == "ubl-extension"
    raw = _spec_raw()
    del raw["signature"]
    _expect(parse_spec, raw, SPEC_FILE, key="'signature'", where="coo-ubl24-cepa-hk.json")
    for wrong in ("xades", "none"):  # an XML format is signed in some place; "none" is for EDIFACT only
        raw = _spec_raw()
        raw["signature"] = wrong
        _expect(parse_spec, raw, SPEC_FILE, key=repr(wrong), where="signature")


def test_spec_unknown_node_key_names_the_node() -> None:
    raw = _spec_raw()
    raw["template"]["children"][3]["form"] = "certificate.number"
    _expect(parse_spec, raw, SPEC_FILE, key="'form'", where="CertificateOfOrigin")


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"transform": "code:colour"}, "colour"),
        ({"transform": "uppercase"}, "uppercase"),
        ({"const": "x"}, "not both"),
    ],
    ids=["unknown-code-list", "unknown-transform", "from-and-const"],
)
def test_spec_bad_nodes(patch: dict[str, Any], message: str) -> None:
    raw = _spec_raw()
    raw["template"]["children"][3].update(patch)
    with pytest.raises(SpecInvalid) as info:
        parse_spec(raw, SPEC_FILE)
    assert message in info.value.message


def test_spec_from_must_name_a_catalog_element() -> None:
    raw = _spec_raw()
    raw["template"]["children"][3]["from"] = "certificate.numbr"
    spec = parse_spec(raw, SPEC_FILE)
    with pytest.raises(SpecInvalid) as info:
        _check_against_catalog(spec, load_catalog())
    assert "certificate.numbr" in info.value.message


def test_spec_undeclared_prefix() -> None:
    raw = _spec_raw()
    raw["template"]["children"][3]["el"] = "xyz:ID"
    _expect(parse_spec, raw, SPEC_FILE, key="'xyz'", where="xyz:ID")


def test_catalog_unknown_element_key(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = load_toml("catalog/certificate-of-origin.toml")
    bad = copy.deepcopy(raw)
    bad["element"][4]["mandatory"] = True
    monkeypatch.setattr("mappings.catalog.elements.load_toml", lambda _: bad)
    _expect(_parse_document, "catalog/certificate-of-origin.toml", key="'mandatory'", where="[[element]] #5")


def test_catalog_unknown_representation(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = copy.deepcopy(load_toml("catalog/certificate-of-origin.toml"))
    bad["element"][0]["representation"] = "string(35)"
    monkeypatch.setattr("mappings.catalog.elements.load_toml", lambda _: bad)
    _expect(_parse_document, "catalog/certificate-of-origin.toml", key="string(35)", where="#1")


def test_catalog_unknown_rule_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = copy.deepcopy(load_toml("catalog/certificate-of-origin.toml"))
    bad["rule"][0]["kind"] = "sometimes"
    monkeypatch.setattr("mappings.catalog.elements.load_toml", lambda _: bad)
    _expect(_parse_document, "catalog/certificate-of-origin.toml", key="sometimes", where="[[rule]] #1")


def test_codelist_unknown_row_key(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = copy.deepcopy(load_toml("codelists/country.toml"))
    bad["code"][0]["iso"] = "CN"
    monkeypatch.setattr("mappings.codelists.tables.load_toml", lambda _: bad)
    _expect(parse_codelist, "codelists/country.toml", key="'iso'", where="country.toml [[code]] #1")


def test_codelist_two_reverse_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = copy.deepcopy(load_toml("codelists/unit.toml"))
    for row in bad["code"]:
        row.pop("reverse", None)
    monkeypatch.setattr("mappings.codelists.tables.load_toml", lambda _: bad)
    _expect(parse_codelist, "codelists/unit.toml", key="two reverse rows", where="unit.toml")


def test_codelist_unconfirmed_row_needs_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = copy.deepcopy(load_toml("codelists/country.toml"))
    del bad["code"][0]["note"]
    monkeypatch.setattr("mappings.codelists.tables.load_toml", lambda _: bad)
    _expect(parse_codelist, "codelists/country.toml", key="note", where="#1")


def _manifest_with_rule(rule: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(load_toml("catalog/cargo-manifest.toml"))
    bad["rule"] = [rule]
    return bad


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "function_when", "element": "CM0012", "when": "CM0007", "values": ["2"]}, "needs 'functions'"),
        ({"kind": "function_when", "element": "CM0012", "when": "CM0007", "values": ["2"], "functions": "19"},
         "classifiers 1-7 or B"),
        ({"kind": "function_when", "element": "CM0008", "when": "CM0007", "values": ["2"], "functions": "1"},
         "locode element only"),
        ({"kind": "minimum", "element": "CM0004", "value": 1, "functions": "1"}, "belongs to 'function_when'"),
    ],
)
def test_catalog_bad_function_rule(monkeypatch: pytest.MonkeyPatch, rule: dict[str, Any], message: str) -> None:
    bad = _manifest_with_rule(rule)
    monkeypatch.setattr("mappings.catalog.elements.load_toml", lambda _: bad)
    _expect(_parse_document, "catalog/cargo-manifest.toml", key=message, where="[[rule]] #1")


@pytest.mark.parametrize("term", ["locode:", "locode:19", "locode:port"])
def test_catalog_bad_locode_function_term(monkeypatch: pytest.MonkeyPatch, term: str) -> None:
    bad = copy.deepcopy(load_toml("catalog/cargo-manifest.toml"))
    bad["rule"] = []
    next(e for e in bad["element"] if e["id"] == "CM0012")["representation"] = term
    monkeypatch.setattr("mappings.catalog.elements.load_toml", lambda _: bad)
    _expect(_parse_document, "catalog/cargo-manifest.toml", key="classifiers 1-7 or B", where="cargo-manifest.toml")
