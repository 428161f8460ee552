"""tools/refdata.py: the shipped tables are what the official files give, and the UN/LOCODE reader's rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import refdata

from mappings.codelists.international import get_international_list
from tests.reference_root import HINT, REFERENCE

DATA = Path(refdata.DATA)


def _body(text: str) -> list[str]:
    # Everything but the build date: rebuilding from the same files must give the same table.
    return [line for line in text.splitlines() if not line.startswith("#built:")]


def _need(relative: str) -> Path:
    path = REFERENCE / relative
    if not path.exists():
        pytest.skip(f"{relative} absent under {REFERENCE} ({HINT})")
    return path


@pytest.mark.parametrize(
    ("table", "source"),
    [
        ("iso-3166-1", "ubl-2.4/cl/gc/CountryIdentificationCode-2.4.gc"),
        ("iso-4217", "ubl-2.4/cl/gc/CurrencyCode-2.4.gc"),
        ("rec19", "ubl-2.4/cl/gc/TransportModeCode-2.4.gc"),
        ("rec20", "ubl-2.4/cl/gc/UnitOfMeasureCode-2.4.gc"),
        ("rec21", "ubl-2.4/cl/gc/PackagingTypeCode-2.4.gc"),
    ],
)
def test_shipped_table_is_rebuilt_identically_from_the_official_file(table: str, source: str) -> None:
    _need(source)
    builders = {
        "iso-3166-1": refdata.country_table,
        "iso-4217": refdata.currency_table,
    }
    if table in builders:
        rebuilt = builders[table]((REFERENCE,))
    else:
        shipped_title = get_international_list(table).title
        rebuilt = refdata.gc_table(table, shipped_title, source, (REFERENCE,))
    shipped = (DATA / "international" / f"{table}.tsv").read_text(encoding="utf-8")
    assert _body(refdata.table_text(rebuilt, "x")) == _body(shipped)


def test_shipped_tables_hold_the_belt_and_road_codes() -> None:
    countries = get_international_list("iso-3166-1").codes
    assert len(countries) == 249
    assert {"RU", "KZ", "PK", "AE", "SA", "TR", "EG", "UZ", "BY", "IR", "KE", "ET"} <= set(countries)
    currencies = get_international_list("iso-4217").codes
    assert {"INR", "KHR", "LAK", "MMK", "RUB", "KZT", "PKR", "AED", "SAR", "TRY", "EGP"} <= set(currencies)
    assert {"VY", "VR", "VO", "VL", "VQ", "VG"} <= set(get_international_list("rec21").codes)


def test_shipped_locode_table_matches_the_official_csv_of_every_country_at_hand() -> None:
    folder = REFERENCE / "codelists" / "un-locode"
    files = sorted(folder.glob("*.csv")) or sorted((REFERENCE / "codelists" / "un-locode-subset").glob("*.csv"))
    if not files:
        pytest.skip(f"no UN/LOCODE CSV under {REFERENCE} ({HINT})")
    official = refdata.read_locodes(files)
    covered = {code[:2] for code in official}
    shipped = {k: v for k, v in get_international_list("un-locode").codes.items() if k[:2] in covered}
    assert len(official) > 10_000
    assert {k: "".join(sorted(v, key="01234567B".index)) for k, v in official.items()} == shipped


def test_locode_reader_takes_both_layouts_and_merges_duplicates(tmp_path: Path) -> None:
    plain = tmp_path / "XA.csv"
    plain.write_bytes(
        b',"XA",,".EXAMPLE",,,,,,,,\n'
        b',"XA","PRT","Port","Port",,"1--45---","AI","0207",,,\n'
        b'"=","XA",,"Old = New","Old = New",,,,,,,\n'
        b',"XA","INL","Inland","Inland",,"0-------","RL","0207",,,\n'
        b'"X","XA","PRT","Port","Port",,"--3----B","XX","0207",,,\n'
        b',"XA","NAM","S\xe3o Tom\xe9","Sao Tome",,"-----6--","RL","0207",,,\n'
    )
    headed = tmp_path / "code-list.csv"
    headed.write_text(
        "Change,Country,Location,Name,NameWoDiacritics,Subdivision,Status,Function,Date,IATA,Coordinates,Remarks\n"
        ",XB,AIR,Airport,Airport,,AI,---4----,0207,,,\n"
    )
    assert refdata.read_locodes([plain, headed]) == {
        "XAPRT": {"1", "3", "4", "5", "B"},
        "XAINL": {"0"},
        "XANAM": {"6"},
        "XBAIR": {"4"},
    }


def test_build_refuses_an_input_with_fewer_countries(tmp_path: Path) -> None:
    for relative in ("CountryIdentificationCode", "CurrencyCode", "TransportModeCode", "UnitOfMeasureCode",
                     "PackagingTypeCode"):
        _need(f"ubl-2.4/cl/gc/{relative}-2.4.gc")
    data = tmp_path / "data"
    (data / "international").mkdir(parents=True)
    (data / "codelists").mkdir()
    (data / "international" / "un-locode.locode").write_text("#table: un-locode\nXA\t1\tPRT\nXB\t4\tAIR\n")
    only_xa = tmp_path / "XA.csv"
    only_xa.write_text(',"XA","PRT","Port","Port",,"1-------","AI","0207",,,\n')
    with pytest.raises(refdata.BuildError, match=r"lacks 1 countries of the shipped table \(XB\)"):
        refdata.build((REFERENCE,), data, "2026-01-01", [only_xa])
    written = refdata.build((REFERENCE,), data, "2026-01-01", [only_xa], "test edition", allow_fewer_countries=True)
    table = (data / "international" / "un-locode.locode").read_text()
    assert "#edition: test edition" in table and "#built: 2026-01-01" in table
    assert re.search(r"(?m)^XA\t1\tPRT$", table)
    assert len(written) == 6


def test_crosswalk_regeneration_keeps_hand_rows_and_their_reverse(tmp_path: Path) -> None:
    current = (
        '[codelist]\ninternational_edition = "old"\n\n'
        '[[code]]\ndomestic = "142"\ninternational = "CN"\nname_en = "China"\nconfirmed = false\nnote = "n"\n\n'
        + refdata.MARKER + '\n\n[[code]]\ndomestic = "STALE"\n'
    )
    table = refdata.Table("iso-3166-1", "t", "s", "new", ("alpha2", "alpha3", "numeric", "name"),
                          (("CN", "CHN", "156", "China"), ("RU", "RUS", "643", "Russian Federation (the)")))
    text = refdata.crosswalk_text(current, refdata.country_rows(table, current), "new")
    assert 'international_edition = "new"' in text
    assert "STALE" not in text
    assert text.count(refdata.MARKER) == 1
    chn = text[text.index('domestic = "CHN"'):].split("\n\n")[0]
    rus = text[text.index('domestic = "RUS"'):].split("\n\n")[0]
    assert "reverse = false" in chn  # the hand-kept 142 stays the way back to CN
    assert "reverse" not in rus
