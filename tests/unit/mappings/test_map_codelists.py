"""Code tables: internal consistency, and every international code checked against the official lists."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from lxml import etree
from maptest_support import reference

from mappings import CodeUnmapped, get_codelist, list_codelists
from mappings.transforms import TransformContext, get_transform

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


def _locodes() -> set[str]:
    folder = reference("codelists/un-locode-subset")
    out: set[str] = set()
    for csv_path in folder.glob("*.csv"):
        with csv_path.open(encoding="utf-8", errors="replace", newline="") as f:
            for row in csv.reader(f):
                if len(row) > 2 and row[2]:
                    out.add(row[1] + row[2])
    return out


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
    known = _locodes()
    emitted = {e.international for e in get_codelist("port").entries if e.international}
    # The reference subset covers CN among others; every port crosswalk so far targets a Chinese location.
    assert emitted - known == set()


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
