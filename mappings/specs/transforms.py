"""Named, pure value transforms used by mapping specs.

A transform converts a record value into the target's text (``forward``) and the target's text back into a record
value (``reverse``). Reverse transforms are lenient about format (they hand the raw text on, so that catalog
validation reports it against the record path), but strict about codes: an international code without a domestic
equivalent raises :class:`CodeUnmapped` naming the document path.

Names: ``text``, ``integer``, ``decimal``, ``date``, ``date:edifact`` (CCYYMMDD), ``datetime``,
``datetime:edifact`` (CCYYMMDDHHMM in UTC), ``datetime:unb-date`` / ``datetime:unb-time`` (CCYYMMDD / HHMM in UTC,
forward only; the EDIFACT writer shortens the date to YYMMDD for a syntax version 3 interchange),
``datetime:efti205`` (CCYYMMDDHHMMZHHMM), ``digest14`` (forward only: a 14-character reference derived from a
value), ``base64`` (reverse drops whitespace and restores padding), ``means-id:d96b`` / ``means-id:d96b-list`` /
``means-id:d96b-agency`` (an IMO ship number as TDT C222: the seven digits, code list 146 "means of transport
identification", agency 11 "Lloyd's register"; another identifier as it is with both left empty),
``if-present:<text>`` (forward only: writes ``<text>`` whenever the source value is present, e.g. the code list
qualifier that goes with a code), ``code:<codelist id>``, and ``code:<codelist id>:<code>|<code>...`` which also refuses (CODE_UNMAPPED) every
international code outside the listed subset, e.g. a target schema's enumeration.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mappings.codelists.tables import get_codelist
from mappings.errors import CodeUnmapped, SpecInvalid

__all__ = ["Transform", "TransformContext", "get_transform"]


@dataclass
class TransformContext:
    """Mutable per-mapping state the transforms report into (one instance per mapping call)."""

    codelist_versions: dict[str, str] = field(default_factory=dict)
    """Code-list id -> edition, for every code list consulted."""


Forward = Callable[[Any, str, TransformContext], str]
Reverse = Callable[[str, str, TransformContext], Any]


@dataclass(frozen=True)
class Transform:
    """A named pair of conversions; ``path`` arguments name the record or document position for errors."""

    name: str
    """The transform's name as written in specs."""
    forward: Forward
    """Record value -> target text."""
    reverse: Reverse
    """Target text -> record value."""


def _text_fwd(value: Any, path: str, ctx: TransformContext) -> str:
    return str(value)


def _text_rev(text: str, path: str, ctx: TransformContext) -> Any:
    return text


def _int_rev(text: str, path: str, ctx: TransformContext) -> Any:
    stripped = text.strip()
    return int(stripped) if stripped.isascii() and stripped.isdigit() else text


def _decimal_fwd(value: Any, path: str, ctx: TransformContext) -> str:
    # Decimal strings pass through unchanged so that "1250.00" keeps its scale; numbers get a plain form.
    return value if isinstance(value, str) else format(Decimal(str(value)), "f")


def _decimal_rev(text: str, path: str, ctx: TransformContext) -> Any:
    return text.strip()


_XSD_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?$")


def _date_rev(text: str, path: str, ctx: TransformContext) -> Any:
    # xsd:date may carry a time zone; the catalog's date is a plain calendar date, so the zone is not kept.
    m = _XSD_DATE.match(text.strip())
    return m.group(1) if m else text


def _edi_date_fwd(value: Any, path: str, ctx: TransformContext) -> str:
    return str(value).replace("-", "")


def _edi_date_rev(text: str, path: str, ctx: TransformContext) -> Any:
    t = text.strip()
    return f"{t[:4]}-{t[4:6]}-{t[6:8]}" if len(t) == 8 and t.isdigit() else text


def _instant(value: Any) -> _dt.datetime | None:
    try:
        parsed = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _edi_dt_fwd(value: Any, path: str, ctx: TransformContext) -> str:
    # D.96B has no format with a UTC offset that both sides read the same way, so EDIFACT carries UTC
    # (format 203, CCYYMMDDHHMM); the instant survives, the sender's offset and the seconds do not.
    instant = _instant(value)
    return instant.astimezone(_dt.timezone.utc).strftime("%Y%m%d%H%M") if instant else str(value)


def _edi_dt_rev(text: str, path: str, ctx: TransformContext) -> Any:
    t = text.strip()
    if len(t) == 12 and t.isdigit():
        return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:00+00:00"
    return text


def _unb_date(value: Any, path: str, ctx: TransformContext) -> str:
    instant = _instant(value)
    return instant.astimezone(_dt.timezone.utc).strftime("%Y%m%d") if instant else str(value)


def _unb_time(value: Any, path: str, ctx: TransformContext) -> str:
    instant = _instant(value)
    return instant.astimezone(_dt.timezone.utc).strftime("%H%M") if instant else str(value)


def _efti205_fwd(value: Any, path: str, ctx: TransformContext) -> str:
    # eFTI format 205 is CCYYMMDDHHMMZHHMM: the offset travels, the seconds do not.
    instant = _instant(value)
    return instant.strftime("%Y%m%d%H%M%z") if instant else str(value)


_EFTI205 = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})([+-])(\d{2})(\d{2})$")


def _efti205_rev(text: str, path: str, ctx: TransformContext) -> Any:
    m = _EFTI205.match(text.strip())
    if not m:
        return text
    y, mo, d, h, mi, sign, oh, om = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:00{sign}{oh}:{om}"


def _b64_rev(text: str, path: str, ctx: TransformContext) -> Any:
    # Attachments arrive wrapped in whitespace or without their final padding; both are restored so that the
    # catalog's strict base64 check judges the content, not the layout.
    compact = "".join(text.split())
    return compact + "=" * (-len(compact) % 4) if compact else text


def _digest14(value: Any, path: str, ctx: TransformContext) -> str:
    # A deterministic 14-character reference (EDIFACT 0020/0062 are an..14) derived from a longer record value,
    # so interchange references need neither a counter nor a clock.
    return hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:14].upper()


_IMO = re.compile(r"^(?:IMO ?)?([0-9]{7})$")


def _imo(value: Any) -> str | None:
    """The seven digits of an IMO ship identification number (check digit verified), else None."""
    m = _IMO.match(str(value).strip())
    if not m:
        return None
    digits = m.group(1)
    return digits if sum(int(d) * (7 - i) for i, d in enumerate(digits[:6])) % 10 == int(digits[6]) else None


def _means_id_fwd(value: Any, path: str, ctx: TransformContext) -> str:
    # D.96B's TDT C222 8213 is an..9: "IMO9876543" does not fit, the seven digits qualified as a Lloyd's
    # means-of-transport identification do.
    return _imo(value) or str(value)


def _means_id_rev(text: str, path: str, ctx: TransformContext) -> Any:
    digits = _imo(text)
    return f"IMO{digits}" if digits is not None else text


def _means_list(value: Any, path: str, ctx: TransformContext) -> str:
    return "146" if _imo(value) else ""


def _means_agency(value: Any, path: str, ctx: TransformContext) -> str:
    return "11" if _imo(value) else ""


def _code(codelist_id: str, subset: tuple[str, ...] | None = None) -> Transform:
    table = get_codelist(codelist_id)

    def fwd(value: Any, path: str, ctx: TransformContext) -> str:
        ctx.codelist_versions[codelist_id] = table.version
        code = table.to_international(str(value))
        if code is None:
            raise CodeUnmapped(
                f"domestic {codelist_id} code {value!r} has no {table.international_scheme} equivalent", path=path
            )
        if subset is not None and code not in subset:
            raise CodeUnmapped(
                f"domestic {codelist_id} code {value!r} is {table.international_scheme} {code}, which the target "
                f"does not allow (only {', '.join(subset)})", path=path
            )
        return code

    def rev(text: str, path: str, ctx: TransformContext) -> Any:
        ctx.codelist_versions[codelist_id] = table.version
        code = table.to_domestic(text.strip())
        if code is None:
            raise CodeUnmapped(
                f"{table.international_scheme} code {text.strip()!r} has no domestic {codelist_id} equivalent",
                path=path,
            )
        return code

    name = f"code:{codelist_id}" + (f":{'|'.join(subset)}" if subset is not None else "")
    return Transform(name, fwd, rev)


_FIXED: dict[str, Transform] = {
    "text": Transform("text", _text_fwd, _text_rev),
    "integer": Transform("integer", _text_fwd, _int_rev),
    "decimal": Transform("decimal", _decimal_fwd, _decimal_rev),
    "date": Transform("date", _text_fwd, _date_rev),
    "datetime": Transform("datetime", _text_fwd, _text_rev),
    "date:edifact": Transform("date:edifact", _edi_date_fwd, _edi_date_rev),
    "datetime:edifact": Transform("datetime:edifact", _edi_dt_fwd, _edi_dt_rev),
    "datetime:unb-date": Transform("datetime:unb-date", _unb_date, _text_rev),
    "datetime:unb-time": Transform("datetime:unb-time", _unb_time, _text_rev),
    "datetime:efti205": Transform("datetime:efti205", _efti205_fwd, _efti205_rev),
    "digest14": Transform("digest14", _digest14, _text_rev),
    "base64": Transform("base64", _text_fwd, _b64_rev),
    "means-id:d96b": Transform("means-id:d96b", _means_id_fwd, _means_id_rev),
    "means-id:d96b-list": Transform("means-id:d96b-list", _means_list, _text_rev),
    "means-id:d96b-agency": Transform("means-id:d96b-agency", _means_agency, _text_rev),
}


def get_transform(name: str, where: str) -> Transform:
    """Return the transform called ``name``; ``where`` names the spec position for :class:`SpecInvalid`."""
    if name in _FIXED:
        return _FIXED[name]
    if name.startswith("if-present:") and name != "if-present:":
        text = name.removeprefix("if-present:")
        return Transform(name, lambda value, path, ctx: text, _text_rev)
    if name.startswith("code:"):
        codelist_id, _, subset = name.removeprefix("code:").partition(":")
        if not subset:
            return _code(codelist_id)
        codes = tuple(subset.split("|"))
        if not all(codes):
            raise SpecInvalid(f"empty code in transform {name!r}", path=where)
        return _code(codelist_id, codes)
    raise SpecInvalid(f"unknown transform {name!r}", path=where)
