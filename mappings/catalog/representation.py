"""Representation terms of catalog data elements and their value checks.

A representation is a short string stored with each data element:

``an..35`` / ``an3``    text up to / exactly N characters    ``a2``            exactly N letters
``digits:6..10``        a string of 6 to 10 digits            ``n..12,2``       decimal, 12 digits, 2 decimals
``n..5``                non-negative integer, up to 5 digits  ``date:YYYY-MM-DD`` ISO calendar date
``code:country``        a domestic code of that code table    ``enum:a|b|c``    one of the listed words
``locode``              a UN/LOCODE listed in the shipped table ``b64``         base64 binary content
``locode:1``            a listed UN/LOCODE whose functions include one of the given classifiers (1 port,
                        2 rail, 3 road, 4 airport, 5 postal, 6 multimodal, 7 fixed installation, B border)
``datetime``            ISO 8601 date-time with offset       ``sn..16,6``      decimal that may be negative

A field that always takes one kind of location says so through its term: a seaport field is ``locode:1``, so an
airport-only location (function 4) is refused there with ``LOCODE_FUNCTION``, and a code the table does not list
with ``LOCODE_UNKNOWN`` (see :func:`finding_code`). Where the kind depends on another element (a manifest's ports
on its mode of transport), a ``function_when`` rule says it (:mod:`mappings.catalog.rules`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from mappings.codelists.tables import get_codelist
from mappings.errors import SpecInvalid
from mappings.codelists.international import location_functions

__all__ = ["Representation", "finding_code", "parse_representation"]

# XML 1.0 cannot carry these control characters, so a record holding them could never be mapped.
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
_FUNCTIONS = re.compile(r"^[1-7B]+$")
_FUNCTION_NAMES = {"1": "port", "2": "rail", "3": "road", "4": "airport", "5": "postal exchange office",
                   "6": "multimodal", "7": "fixed transport installation", "B": "border crossing"}
_DECIMAL_TEXT = re.compile(r"^\d+(\.\d+)?$")
_SIGNED_DECIMAL_TEXT = re.compile(r"^-?\d+(\.\d+)?$")

Check = Callable[[object], str | None]
"""A check returns ``None`` when the value is acceptable, else the reason it is not."""


@dataclass(frozen=True)
class Representation:
    """A parsed representation term."""

    term: str
    """The term as written in the catalog."""
    kind: str
    """One of ``text``, ``alpha``, ``digits``, ``decimal``, ``integer``, ``date``, ``datetime``, ``code``,
    ``enum``, ``locode``, ``b64``."""
    codelist: str | None
    """The code list id for ``code:`` terms."""
    check: Check
    """The value check."""
    functions: str = ""
    """For ``locode:<functions>`` terms: the UN/LOCODE function classifiers of which the location needs one."""
    words: frozenset[str] | None = None
    """For ``code:`` and ``enum:`` terms: every string the check accepts (a set test where a call costs more)."""
    length: tuple[int, int] | None = None
    """For ``an`` terms: the shortest and longest text the check accepts."""


def _text(min_len: int, max_len: int, letters: bool) -> Check:
    def check(value: object) -> str | None:
        if not isinstance(value, str):
            return "must be a string"
        if not min_len <= len(value) <= max_len:
            return f"length {len(value)} outside {min_len}..{max_len}"
        # Every forbidden character is unprintable, so the common printable text skips the regex.
        if not value.isprintable() and _FORBIDDEN_CHARS.search(value):
            return "contains control characters that XML cannot carry"
        if letters and not (value.isascii() and value.isalpha()):
            return "must be ASCII letters"
        return None

    return check


def _digits(min_len: int, max_len: int) -> Check:
    def check(value: object) -> str | None:
        if not isinstance(value, str) or not value.isascii() or not value.isdigit():
            return "must be a string of digits"
        if not min_len <= len(value) <= max_len:
            return f"must have {min_len} to {max_len} digits"
        return None

    return check


def _decimal(precision: int, scale: int, signed: bool = False) -> Check:
    pattern = _SIGNED_DECIMAL_TEXT if signed else _DECIMAL_TEXT
    wrong = "must be a decimal like -1.5 or 1234.50" if signed else "must be a non-negative decimal like 1234.50"

    def check(value: object) -> str | None:
        if type(value) is str:
            text = value  # the common case, ahead of the isinstance checks
        elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return "must be a decimal string or a number"
        else:
            # Numbers are accepted for convenience; their canonical text form is what gets checked and mapped.
            text = value if isinstance(value, str) else format(Decimal(str(value)), "f")
        if not pattern.match(text):
            return wrong
        whole, _, frac = text.removeprefix("-").partition(".")
        if len(frac) > scale:
            return f"more than {scale} decimal places"
        if len(whole.lstrip("0")) + len(frac) > precision:
            return f"more than {precision} digits"
        return None

    return check


def _integer(precision: int) -> Check:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer"
        if value < 0 or len(str(value)) > precision:
            return f"must be a non-negative integer of at most {precision} digits"
        return None

    return check


def _date(value: object) -> str | None:
    if not isinstance(value, str) or not _DATE.match(value):
        return "must be a date YYYY-MM-DD"
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return "not a calendar date"
    return None


def _datetime(value: object) -> str | None:
    if not isinstance(value, str) or not _DATETIME.match(value):
        return "must be an ISO 8601 date-time with offset, e.g. 2025-03-01T10:00:00+08:00"
    try:
        _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return "not a valid date-time"
    return None


def _locode(required: str) -> Check:
    wanted = " or ".join(f"{c} ({_FUNCTION_NAMES[c]})" for c in required)

    def check(value: object) -> str | None:
        if not isinstance(value, str) or not _LOCODE.match(value):
            return "must be a UN/LOCODE such as CNSHA"
        functions = location_functions(value)
        if functions is None:
            return f"{value} is not in the UN/LOCODE table"
        if required and not set(required) & set(functions):
            return f"{value} has UN/LOCODE functions {functions}; this field needs function {wanted}"
        return None

    return check


def finding_code(rep: Representation, value: object) -> str:
    """The stable finding code for a ``value`` that ``rep.check`` refused.

    ``CODE_UNKNOWN`` for a code that is not in its code table, ``LOCODE_UNKNOWN`` for a well-formed UN/LOCODE the
    shipped table does not list, ``LOCODE_FUNCTION`` for a listed location without the function the field needs,
    ``FORMAT_INVALID`` otherwise.
    """
    if rep.kind == "code" and isinstance(value, str):
        return "CODE_UNKNOWN"
    if rep.kind == "locode" and isinstance(value, str) and _LOCODE.match(value):
        return "LOCODE_UNKNOWN" if location_functions(value) is None else "LOCODE_FUNCTION"
    return "FORMAT_INVALID"


def _b64(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return "must be a non-empty base64 string"
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "not valid base64"
    return None


def _code(codelist_id: str) -> Check:
    table = get_codelist(codelist_id)

    def check(value: object) -> str | None:
        if not isinstance(value, str):
            return "must be a code string"
        if not table.is_domestic(value):
            return f"unknown code in table {codelist_id!r} (edition {table.version})"
        return None

    return check


def _enum(words: tuple[str, ...]) -> Check:
    def check(value: object) -> str | None:
        if value not in words:
            return f"must be one of {', '.join(words)}"
        return None

    return check


_TEXT_TERM = re.compile(r"^(an|a)(\.\.)?(\d+)$")
_DECIMAL_TERM = re.compile(r"^n\.\.(\d+)(?:,(\d+))?$")
_SIGNED_TERM = re.compile(r"^sn\.\.(\d+),(\d+)$")
_DIGITS_TERM = re.compile(r"^digits:(\d+)\.\.(\d+)$")


def parse_representation(term: str, where: str) -> Representation:
    """Parse a representation ``term``; ``where`` names the catalog entry for :class:`SpecInvalid`."""
    if m := _TEXT_TERM.match(term):
        size = int(m.group(3))
        letters = m.group(1) == "a"
        low = 1 if m.group(2) else size
        return Representation(term, "alpha" if letters else "text", None, _text(low, size, letters),
                              length=None if letters else (low, size))
    if m := _DECIMAL_TERM.match(term):
        if m.group(2) is None:
            return Representation(term, "integer", None, _integer(int(m.group(1))))
        return Representation(term, "decimal", None, _decimal(int(m.group(1)), int(m.group(2))))
    if m := _SIGNED_TERM.match(term):
        # A signed decimal (temperatures of cold treatments are below zero).
        return Representation(term, "decimal", None, _decimal(int(m.group(1)), int(m.group(2)), signed=True))
    if m := _DIGITS_TERM.match(term):
        return Representation(term, "digits", None, _digits(int(m.group(1)), int(m.group(2))))
    if term == "date:YYYY-MM-DD":
        return Representation(term, "date", None, _date)
    if term == "datetime":
        return Representation(term, "datetime", None, _datetime)
    if term == "locode" or term.startswith("locode:"):
        functions = term.partition(":")[2]
        if term != "locode" and not _FUNCTIONS.match(functions):
            raise SpecInvalid(f"{term!r}: functions must be UN/LOCODE classifiers 1-7 or B", path=where)
        return Representation(term, "locode", None, _locode(functions), functions)
    if term == "b64":
        return Representation(term, "b64", None, _b64)
    if term.startswith("code:"):
        codelist_id = term.removeprefix("code:")
        return Representation(term, "code", codelist_id, _code(codelist_id),
                              words=frozenset(get_codelist(codelist_id).by_domestic))
    if term.startswith("enum:"):
        words = tuple(term.removeprefix("enum:").split("|"))
        if not all(words):
            raise SpecInvalid(f"empty word in {term!r}", path=where)
        return Representation(term, "enum", None, _enum(words), words=frozenset(words))
    raise SpecInvalid(f"unknown representation {term!r}", path=where)
