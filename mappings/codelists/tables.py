"""Domestic code tables and their crosswalks to international code lists.

Each table is one versioned TOML file in ``data/codelists/`` that records where its codes come from and which
edition it follows. A row maps one domestic customs code to at most one international code; several domestic codes
may share an international code, and exactly one of them (``reverse = true``) is used on the way back.

A table names the shipped international list its international side belongs to (``international_list``, see
:mod:`mappings.codelists.international`); every international code of the table must be in that list, checked at
load. Rows
below the ``GENERATED`` marker line of a file are written by ``tools/refdata.py`` (``make codelists``) from the
official lists; the rows above it are kept by hand.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mappings._data import list_data, load_toml, opt_bool, opt_str, req_list, req_str, strict_keys
from mappings.errors import SpecInvalid
from mappings.codelists.international import get_international_list

__all__ = ["CodeEntry", "CodeList", "get_codelist", "list_codelists"]


@dataclass(frozen=True)
class CodeEntry:
    """One row of a domestic code table."""

    domestic: str
    """The domestic (China Customs) code."""
    international: str | None
    """The international equivalent, or ``None`` when the domestic code has none (mapping it is an error)."""
    name_zh: str
    """Chinese name as in the domestic table; empty for generated rows (no official Chinese name was at hand)."""
    name_en: str
    """English name."""
    confirmed: bool
    """True when the row was checked against a published source; False rows are best knowledge, see ``note``."""
    note: str
    """Why a row is unconfirmed, or how the crosswalk was chosen."""
    reverse: bool
    """True when this row is the one used to map the international code back to a domestic code."""


@dataclass(frozen=True)
class CodeList:
    """A versioned domestic code table with its crosswalk."""

    id: str
    """Identifier used in catalog representations (``code:<id>``) and transforms."""
    title: str
    """Human-readable title."""
    version: str
    """Edition of this table as shipped by swgw; reported in ``MappingReport.codelist_versions``."""
    domestic_source: str
    """Where the domestic codes come from."""
    international_scheme: str
    """The international list the crosswalk targets (e.g. ISO 3166-1 alpha-2, UN/ECE Rec 20)."""
    international_edition: str
    """The edition of the international list the crosswalk was checked against."""
    international_list: str | None
    """The id of the shipped international list (:mod:`mappings.codelists.international`) every international code
    is in."""
    entries: tuple[CodeEntry, ...]
    """All rows in file order."""
    by_domestic: Mapping[str, CodeEntry]
    """Rows keyed by domestic code."""
    by_international: Mapping[str, CodeEntry]
    """The reverse-preferred row for each international code."""

    def is_domestic(self, code: str) -> bool:
        """True when ``code`` is a domestic code of this table (mapped or not)."""
        return code in self.by_domestic

    def to_international(self, code: str) -> str | None:
        """Return the international code for a domestic ``code``, or ``None`` when there is none."""
        entry = self.by_domestic.get(code)
        return entry.international if entry is not None else None

    def to_domestic(self, code: str) -> str | None:
        """Return the domestic code for an international ``code``, or ``None`` when there is none."""
        entry = self.by_international.get(code)
        return entry.domestic if entry is not None else None


def _parse(relative: str) -> CodeList:
    where = f"mappings/data/{relative}"
    doc = strict_keys(load_toml(relative), where, required=("codelist", "code"))
    head = strict_keys(
        doc["codelist"],
        f"{where} [codelist]",
        required=("id", "title", "version", "domestic_source", "international_scheme", "international_edition"),
        optional=("international_list",),
    )
    list_id = opt_str(head, "international_list", where)
    official = get_international_list(list_id).codes if list_id is not None else None
    entries: list[CodeEntry] = []
    by_dom: dict[str, CodeEntry] = {}
    by_int: dict[str, CodeEntry] = {}
    for i, row in enumerate(req_list(doc, "code", where)):
        rw = f"{where} [[code]] #{i + 1}"
        strict_keys(
            row,
            rw,
            required=("domestic", "name_en", "confirmed"),
            optional=("international", "name_zh", "note", "reverse"),
        )
        entry = CodeEntry(
            domestic=req_str(row, "domestic", rw),
            international=opt_str(row, "international", rw),
            name_zh=opt_str(row, "name_zh", rw) or "",
            name_en=req_str(row, "name_en", rw),
            confirmed=opt_bool(row, "confirmed", rw, False),
            note=opt_str(row, "note", rw) or "",
            reverse=opt_bool(row, "reverse", rw, True),
        )
        if entry.domestic in by_dom:
            raise SpecInvalid(f"duplicate domestic code {entry.domestic!r}", path=rw)
        if official is not None and entry.international is not None and entry.international not in official:
            raise SpecInvalid(f"international code {entry.international!r} is not in {list_id!r}", path=rw)
        if not entry.confirmed and not entry.note:
            raise SpecInvalid("an unconfirmed row must say why in 'note'", path=rw)
        by_dom[entry.domestic] = entry
        if entry.international is not None and entry.reverse:
            if entry.international in by_int:
                raise SpecInvalid(
                    f"international code {entry.international!r} has two reverse rows; set reverse = false on one",
                    path=rw,
                )
            by_int[entry.international] = entry
        entries.append(entry)
    orphans = {e.international for e in entries if e.international is not None} - set(by_int)
    if orphans:
        raise SpecInvalid(f"international codes without a reverse row: {sorted(orphans)}", path=where)
    return CodeList(
        id=req_str(head, "id", where),
        title=req_str(head, "title", where),
        version=req_str(head, "version", where),
        domestic_source=req_str(head, "domestic_source", where),
        international_scheme=req_str(head, "international_scheme", where),
        international_edition=req_str(head, "international_edition", where),
        international_list=list_id,
        entries=tuple(entries),
        by_domestic=MappingProxyType(by_dom),
        by_international=MappingProxyType(by_int),
    )


@functools.cache
def _all() -> Mapping[str, CodeList]:
    lists: dict[str, CodeList] = {}
    for relative in list_data("codelists", ".toml"):
        cl = _parse(relative)
        if cl.id in lists:
            raise SpecInvalid(f"duplicate code list id {cl.id!r}", path=f"mappings/data/{relative}")
        lists[cl.id] = cl
    return MappingProxyType(lists)


def list_codelists() -> tuple[CodeList, ...]:
    """Return every shipped code list, sorted by id (loaded once and cached)."""
    return tuple(cl for _, cl in sorted(_all().items()))


def get_codelist(codelist_id: str) -> CodeList:
    """Return the code list ``codelist_id``; an unknown id is a defect of the shipped data (:class:`SpecInvalid`)."""
    try:
        return _all()[codelist_id]
    except KeyError:
        raise SpecInvalid(f"unknown code list {codelist_id!r}", path="mappings/data/codelists") from None
