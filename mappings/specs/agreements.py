"""The business rules of a trade agreement, declared as data in a profile's spec (``agreement_rules``).

A profile maps a catalog record to a partner format *under an agreement*: a CEPA Hong Kong certificate must go
between the Mainland and Hong Kong, name origin criteria the agreement knows, carry the boxes the agreement's form
requires, and is valid for the period the agreement sets. The catalog cannot know this (its elements serve every
agreement), so each spec states its agreement's rules, and the same check runs on Submit and on receipt.

Rule kinds (JSON objects in the spec's ``agreement_rules`` list; every rule has ``kind`` and an optional ``note``):

``parties``      ``from`` and ``to`` (record paths holding domestic country codes) must both name members of the
                 agreement, given as ISO 3166-1 alpha-2 ``members`` and translated through the ``country``
                 code list, and differ from each other. Finding code ``AGREEMENT_PARTIES``.
``one_of``       the value at ``path`` (``goods_items[].origin_criterion`` reads every entry) is one of ``values``.
                 Finding code ``AGREEMENT_CODE_NOT_ALLOWED``.
``required``     every path in ``paths`` holds a value (in every entry of a list). Finding code
                 ``AGREEMENT_FIELD_MISSING``.
``validity``     the date at ``date`` plus ``days`` days has not passed at the time of the check, and the date
                 does not lie in the future (a day of slack for time zones). Finding code ``AGREEMENT_VALIDITY``.
                 Checked only when the caller gives the time: the module never reads the clock.

Any ERROR finding makes :func:`mappings.map_forward` and :func:`mappings.map_reverse` raise
:class:`~mappings.errors.AgreementViolated` with the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mappings._data import strict_keys
from mappings.errors import SpecInvalid
from mappings.records.paths import find_entries
from mappings.report import Finding, Severity

__all__ = ["AgreementRule", "check_agreement", "parse_agreement_rules"]

_KEYS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind -> (required keys, optional keys) besides "kind" and "note"
    "parties": (("from", "to", "members"), ()),
    "one_of": (("path", "values"), ()),
    "required": (("paths",), ()),
    "validity": (("date", "days"), ()),
}

#: Slack for an issue date "in the future": the issuer's calendar day may be ahead of ours by a time zone.
_FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class AgreementRule:
    """One business rule of an agreement (see the module docstring for the kinds)."""

    kind: str
    """``parties``, ``one_of``, ``required`` or ``validity``."""
    paths: tuple[str, ...]
    """Record paths the rule reads: (from, to) for ``parties``, one path for ``one_of`` and ``validity``."""
    values: tuple[str, ...] = ()
    """Allowed values (``one_of``) or member countries in ISO 3166-1 alpha-2 (``parties``)."""
    days: int = 0
    """Validity period in days (``validity``)."""
    note: str = ""
    """Where the rule comes from (the agreement's article or form), for people."""


def _strings(raw: object, what: str, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) and v for v in raw):
        raise SpecInvalid(f"{what} must be a non-empty list of strings", path=where)
    return tuple(raw)


def _string(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise SpecInvalid(f"'{key}' must be a non-empty string", path=where)
    return value


def parse_agreement_rules(raw: object, where: str) -> tuple[AgreementRule, ...]:
    """Parse a spec's ``agreement_rules`` list strictly; raise :class:`SpecInvalid` naming the entry."""
    if not isinstance(raw, list):
        raise SpecInvalid("'agreement_rules' must be a list of rules", path=where)
    rules = []
    for index, entry in enumerate(raw):
        at = f"{where} agreement_rules[{index}]"
        if not isinstance(entry, dict) or entry.get("kind") not in _KEYS:
            raise SpecInvalid(f"a rule needs a kind, one of {', '.join(_KEYS)}", path=at)
        kind = entry["kind"]
        required, optional = _KEYS[kind]
        strict_keys(entry, at, required=("kind", *required), optional=("note", *optional))
        note = entry.get("note", "")
        if not isinstance(note, str):
            raise SpecInvalid("'note' must be a string", path=at)
        if kind == "parties":
            members = _strings(entry["members"], "'members'", at)
            if any(len(m) != 2 or not m.isupper() for m in members):
                raise SpecInvalid("'members' are ISO 3166-1 alpha-2 codes", path=at)
            rule = AgreementRule(kind, (_string(entry, "from", at), _string(entry, "to", at)), members, note=note)
        elif kind == "one_of":
            rule = AgreementRule(kind, (_string(entry, "path", at),), _strings(entry["values"], "'values'", at),
                                 note=note)
        elif kind == "required":
            rule = AgreementRule(kind, _strings(entry["paths"], "'paths'", at), note=note)
        else:
            days = entry["days"]
            if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
                raise SpecInvalid("'days' must be a positive whole number", path=at)
            rule = AgreementRule(kind, (_string(entry, "date", at),), days=days, note=note)
        rules.append(rule)
    return tuple(rules)


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def check_agreement(
    rules: Sequence[AgreementRule],
    record: Mapping[str, Any],
    *,
    agreement: str,
    country_to_iso: Callable[[str], str | None],
    at: datetime | date | None,
) -> list[Finding]:
    """The ERROR findings of ``record`` against ``rules``; ``country_to_iso`` translates domestic country codes.

    ``at`` is the time of the check (Submit or receipt); the ``validity`` rules are skipped without it.
    """
    findings: list[Finding] = []
    today = at.date() if isinstance(at, datetime) else at
    for rule in rules:
        if rule.kind == "parties":
            (from_path, origin), *_ = find_entries(record, rule.paths[0], missing=True)
            (to_path, destination), *_ = find_entries(record, rule.paths[1], missing=True)
            for path, code in ((from_path, origin), (to_path, destination)):
                iso = country_to_iso(str(code)) if code is not None else None
                if iso is not None and iso not in rule.values:
                    findings.append(Finding(Severity.ERROR, "AGREEMENT_PARTIES", path,
                                            f"{iso} is not a party to {agreement} ({', '.join(rule.values)})"))
            if origin is not None and origin == destination:
                findings.append(Finding(Severity.ERROR, "AGREEMENT_PARTIES", to_path,
                                        f"under {agreement} the destination must differ from the issuing party"))
        elif rule.kind == "one_of":
            for path, value in find_entries(record, rule.paths[0], missing=True):
                if value is not None and str(value) not in rule.values:
                    findings.append(Finding(Severity.ERROR, "AGREEMENT_CODE_NOT_ALLOWED", path,
                                            f"{agreement} allows {', '.join(rule.values)}, not {value!r}"))
        elif rule.kind == "required":
            for required in rule.paths:
                for path, value in find_entries(record, required, missing=True):
                    if not _present(value):
                        findings.append(Finding(Severity.ERROR, "AGREEMENT_FIELD_MISSING", path,
                                                f"{agreement} requires this field"))
        elif today is not None:
            for path, value in find_entries(record, rule.paths[0], missing=True):
                findings.extend(_validity(rule, path, value, today, agreement))
    return findings


def _validity(rule: AgreementRule, path: str, value: Any, today: date, agreement: str) -> Iterator[Finding]:
    try:
        issued = date.fromisoformat(str(value))
    except ValueError:
        return  # absent or malformed dates are the catalog's findings
    if issued > today + _FUTURE_SLACK:
        yield Finding(Severity.ERROR, "AGREEMENT_VALIDITY", path, f"issued in the future ({issued.isoformat()})")
    elif issued + timedelta(days=rule.days) < today:
        yield Finding(Severity.ERROR, "AGREEMENT_VALIDITY", path,
                      f"{agreement} certificates are valid for {rule.days} days; this one expired on "
                      f"{(issued + timedelta(days=rule.days)).isoformat()}")
