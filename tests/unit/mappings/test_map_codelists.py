"""Code tables: internal consistency, and every international code checked against the official lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from maptest_support import reference

from mappings import CodeUnmapped, SpecInvalid, get_codelist, list_codelists
from mappings.codelists import tables as codelists
from mappings.codelists.international import get_international_list
from mappings.specs.transforms import TransformContext, get_transform

_GC = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"
_XSD = "http://www.w3.org/2001/XMLSchema"


def _genericode(path: Path) -> set[str]:
    doc = etree.parse(str(path))
    return {
        v.findtext("SimpleValue", default="").strip()
        for v in doc.iterfind(".//Row/Value")
        if v.get("ColumnRef") == "code"
    }


def _xsd_enum(path: Path) -> set[str]:
    return {e.get("value", "") for e in etree.parse(str(path)).iter(f"{{{_XSD}}}enumeration")}


# Each code list, with the official lists its international codes must all belong to (all must hold).
OFFICIAL = {
    "country": [
        ("ubl-2.4/cl/gc/CountryIdentificationCode-2.4.gc", _genericode),
        ("uncefact-d19a/identifierlist/standard/ISO_ISOTwo-letterCountryCode_SecondEdition2006.xsd", _xsd_enum),
    ],
    "currency": [
        ("ubl-2.4/cl/gc/CurrencyCode-2.4.gc", _genericode),
        ("uncefact-d19a/codelist/standard/ISO_ISO3AlphaCurrencyCode_2012-08-31.xsd", _xsd_enum),
    ],
    "unit": [("ubl-2.4/cl/gc/UnitOfMeasureCode-2.4.gc", _genericode)],
    "treatment-unit": [("ubl-2.4/cl/gc/UnitOfMeasureCode-2.4.gc", _genericode)],
    "transport-mode": [
        ("ubl-2.4/cl/gc/TransportModeCode-2.4.gc", _genericode),
        ("uncefact-d19a/codelist/standard/UNECE_TransportModeCode_2.xsd", _xsd_enum),
    ],
    "package-type": [
        ("ubl-2.4/cl/gc/PackagingTypeCode-2.4.gc", _genericode),
        ("uncefact-d19a/codelist/standard/UNECE_PackageTypeCode_2006.xsd", _xsd_enum),
    ],
}


@pytest.mark.parametrize(
    ("codelist_id", "source"),
    [(cid, src) for cid, sources in sorted(OFFICIAL.items()) for src, _ in sources],
)
def test_international_codes_exist_in_official_list(codelist_id: str, source: str) -> None:
    reader = dict(OFFICIAL[codelist_id])[source]
    official = reader(reference(source))
    assert len(official) > 5, f"{source} parsed to almost nothing"
    emitted = {e.international for e in get_codelist(codelist_id).entries if e.international is not None}
    assert emitted - official == set(), f"codes not in {source}"


def test_port_locodes_exist_in_un_locode() -> None:
    # The shipped UN/LOCODE table is checked against the official CSV files in tests/unit/tools.
    known = get_international_list("un-locode").codes
    emitted = {e.international for e in get_codelist("port").entries if e.international}
    assert emitted and emitted <= set(known)


@pytest.mark.parametrize("codelist_id", ["country", "currency", "package-type", "port", "transport-mode", "unit"])
def test_every_international_code_is_in_the_shipped_official_list(codelist_id: str) -> None:
    cl = get_codelist(codelist_id)
    assert cl.international_list is not None
    official = get_international_list(cl.international_list)
    assert official.edition and official.source and official.built
    assert {e.international for e in cl.entries if e.international is not None} <= set(official.codes)


@pytest.mark.parametrize(("codelist_id", "list_id"), [("country", "iso-3166-1"), ("currency", "iso-4217")])
def test_every_official_code_has_a_domestic_code(codelist_id: str, list_id: str) -> None:
    cl = get_codelist(codelist_id)
    missing = set(get_international_list(list_id).codes) - set(cl.by_international)
    assert missing == set()
    for entry in cl.entries:
        assert entry.confirmed or entry.note


def test_a_crosswalk_code_outside_its_official_list_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = codelists.load_toml

    def with_typo(relative: str) -> dict[str, Any]:
        doc = real(relative)
        doc["code"][0]["international"] = "XX"
        return doc

    monkeypatch.setattr(codelists, "load_toml", with_typo)
    with pytest.raises(SpecInvalid, match="'XX' is not in 'iso-3166-1'") as info:
        codelists._parse("codelists/country.toml")
    assert info.value.path == "mappings/data/codelists/country.toml [[code]] #1"


def test_every_list_is_versioned_and_sourced() -> None:
    ids = [cl.id for cl in list_codelists()]
    assert ids == sorted(ids)
    assert {"country", "currency", "package-type", "port", "transport-mode", "unit"} <= set(ids)
    for cl in list_codelists():
        assert cl.version and cl.domestic_source and cl.international_scheme and cl.international_edition
        for entry in cl.entries:
            assert entry.confirmed or entry.note, f"{cl.id} {entry.domestic} unconfirmed without a note"


def test_crosswalk_round_trips_on_reverse_rows() -> None:
    for cl in list_codelists():
        for entry in cl.entries:
            if entry.international is None:
                assert cl.to_international(entry.domestic) is None
                continue
            back = cl.to_domestic(entry.international)
            assert back is not None
            assert cl.to_international(back) == entry.international
            if entry.reverse:
                assert back == entry.domestic


def test_letter_codes_map_forward_but_hand_kept_rows_stay_the_way_back() -> None:
    country, currency = get_codelist("country"), get_codelist("currency")
    assert country.to_international("CHN") == country.to_international("142") == "CN"
    assert country.to_domestic("CN") == "142"
    assert currency.to_international("CNY") == currency.to_international("142") == "CNY"
    assert currency.to_domestic("CNY") == "142"


@pytest.mark.parametrize(
    ("transform", "domestic", "international"),
    [
        ("code:country", "142", "CN"),
        ("code:country", "110", "HK"),
        ("code:country", "121", "MO"),
        ("code:currency", "502", "USD"),
        ("code:unit", "035", "KGM"),
        ("code:transport-mode", "2", "1"),
        ("code:package-type", "22", "CT"),
        ("code:port", "0202", "CNTXG"),
        # Belt and Road economies beyond ASEAN/RCEP, in the letter code space (ISO alpha-3 -> alpha-2).
        ("code:country", "RUS", "RU"),
        ("code:country", "KAZ", "KZ"),
        ("code:country", "PAK", "PK"),
        ("code:country", "ARE", "AE"),
        ("code:country", "SAU", "SA"),
        ("code:country", "TUR", "TR"),
        ("code:country", "EGY", "EG"),
        ("code:currency", "INR", "INR"),
        ("code:currency", "KHR", "KHR"),
        ("code:currency", "LAK", "LAK"),
        ("code:currency", "MMK", "MMK"),
        ("code:currency", "RUB", "RUB"),
        # Bulk cargo: the Rec 21 bulk codes are domestic codes too (customs 00 does not say which bulk).
        ("code:package-type", "VY", "VY"),
        ("code:package-type", "VR", "VR"),
        ("code:package-type", "VO", "VO"),
        ("code:package-type", "VL", "VL"),
        ("code:package-type", "VQ", "VQ"),
    ],
)
def test_code_transforms(transform: str, domestic: str, international: str) -> None:
    t = get_transform(transform, "test")
    ctx = TransformContext()
    assert t.forward(domestic, "$.x", ctx) == international
    assert t.reverse(international, "/x", ctx) == domestic
    assert ctx.codelist_versions == {transform.removeprefix("code:"): get_codelist(transform[5:]).version}


@pytest.mark.parametrize(
    ("transform", "direction", "code"),
    [
        ("code:transport-mode", "forward", "9"),
        ("code:package-type", "forward", "00"),
        ("code:country", "reverse", "ZZ"),
        ("code:unit", "reverse", "XYZ"),
    ],
)
def test_unmapped_codes_name_the_path(transform: str, direction: str, code: str) -> None:
    t = get_transform(transform, "test")
    fn = t.forward if direction == "forward" else t.reverse
    with pytest.raises(CodeUnmapped) as info:
        fn(code, "$.somewhere", TransformContext())
    assert info.value.path == "$.somewhere"
