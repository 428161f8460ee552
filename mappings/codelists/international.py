"""The international code lists themselves, as shipped in ``data/international/`` (generated, never hand-edited).

``tools/refdata.py`` (``make codelists``) writes one table per list from the official published files (OASIS UBL
genericode for ISO 3166-1, ISO 4217 and UN/ECE Rec 19, 20 and 21; the UN/LOCODE CSV files). Each table records its
source file with its sha256, the edition and the date it was built, in ``#key: value`` lines at its top, followed
by tab-separated rows. The UN/LOCODE table is compact: one line per country and set of functions,
``<country>\\t<functions>\\t<location> <location> ...``, where ``functions`` are the UN/LOCODE function
classifiers the location has (``1`` port, ``2`` rail, ``3`` road, ``4`` airport, ``5`` postal exchange office,
``6`` multimodal, ``7`` fixed transport installation, ``B`` border crossing, ``0`` not officially functional).

The crosswalks in ``codelists.py`` name the list their international side belongs to (``international_list``), and
every international code they emit is checked against it when they are loaded.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mappings._data import data_file, list_data
from mappings.errors import SpecInvalid

__all__ = ["InternationalList", "get_international_list", "list_international_lists", "location_functions"]

_META = ("table", "title", "source", "edition", "built")
_LOCODE_LIST = "un-locode"


@dataclass(frozen=True)
class InternationalList:
    """One international code list as shipped."""

    id: str
    """Identifier named by crosswalks (``international_list``) and reports, e.g. ``iso-3166-1``."""
    title: str
    """Human-readable title."""
    source: str
    """The official file it was built from, with that file's sha256."""
    edition: str
    """The edition of the list (as the official file states it)."""
    built: str
    """The date ``tools/refdata.py`` built the table (ISO 8601 date)."""
    codes: Mapping[str, str]
    """Every code with its name; for UN/LOCODE, every location with its function classifiers (e.g. ``"1345"``)."""

    def __contains__(self, code: object) -> bool:
        return code in self.codes


def _parse(relative: str) -> InternationalList:
    where = f"mappings/data/{relative}"
    meta: dict[str, str] = {}
    codes: dict[str, str] = {}
    locode = relative.endswith(".locode")
    for number, line in enumerate(data_file(relative).read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#"):
            key, sep, value = line[1:].partition(": ")
            if key in _META and sep:
                meta[key] = value
            continue
        cols = line.split("\t")
        if locode:
            if len(cols) != 3:
                raise SpecInvalid(f"line {number}: expected country, functions, locations", path=where)
            country, functions, locations = cols
            for location in locations.split(" "):
                codes[country + location] = functions
        else:
            if len(cols) < 2 or not cols[0]:
                raise SpecInvalid(f"line {number}: expected code and name", path=where)
            if cols[0] in codes:
                raise SpecInvalid(f"line {number}: duplicate code {cols[0]!r}", path=where)
            codes[cols[0]] = cols[-1]
    missing = [k for k in _META if k not in meta]
    if missing:
        raise SpecInvalid(f"missing header lines {missing}", path=where)
    return InternationalList(
        meta["table"], meta["title"], meta["source"], meta["edition"], meta["built"], MappingProxyType(codes)
    )


@functools.cache
def _all() -> Mapping[str, InternationalList]:
    lists: dict[str, InternationalList] = {}
    for relative in list_data("international", ".tsv") + list_data("international", ".locode"):
        table = _parse(relative)
        if table.id in lists:
            raise SpecInvalid(f"duplicate international list {table.id!r}", path=f"mappings/data/{relative}")
        lists[table.id] = table
    return MappingProxyType(lists)


def list_international_lists() -> tuple[InternationalList, ...]:
    """Every shipped international list, sorted by id (loaded once)."""
    return tuple(t for _, t in sorted(_all().items()))


def get_international_list(list_id: str) -> InternationalList:
    """The international list ``list_id``; an unknown id is a defect of the shipped data (:class:`SpecInvalid`)."""
    try:
        return _all()[list_id]
    except KeyError:
        raise SpecInvalid(f"unknown international list {list_id!r}", path="mappings/data/international") from None


def location_functions(locode: str) -> str | None:
    """The UN/LOCODE function classifiers of ``locode`` (e.g. ``"1345"``), or ``None`` when it is not listed."""
    return get_international_list(_LOCODE_LIST).codes.get(locode)
