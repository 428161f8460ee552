"""Cross-element rules of the catalog, declared as data (``[[rule]]`` tables).

Kinds (all elements of one rule belong to the same group and are checked per group instance):

``together``        the listed elements are all present or all absent
``required_when``   ``element`` is required when ``when`` holds one of ``values``
``forbidden_when``  ``element`` must be absent when ``when`` holds one of ``values``
``unique``          ``element`` takes a different value in every entry of one list (per parent)
``minimum``         ``element`` (an integer) is at least ``value``
``function_when``   ``element`` (a UN/LOCODE) is a location with one of the UN/LOCODE ``functions`` when ``when``
                    holds one of ``values``: e.g. a manifest's port of loading is a port (function 1) when the
                    mode of transport is waterway, an airport (4) when it is air
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mappings._data import req_str, strict_keys
from mappings.errors import SpecInvalid
from mappings.codelists.international import location_functions
from mappings.report import Finding, Severity

if TYPE_CHECKING:
    from mappings.catalog.elements import DataElement

__all__ = ["Rule", "check_rules", "lacks_function", "parse_rule"]

_KINDS = ("together", "required_when", "forbidden_when", "unique", "minimum", "function_when")
_FUNCTION_CLASSIFIERS = frozenset("1234567B")


@dataclass(frozen=True)
class Rule:
    """One cross-element rule."""

    kind: str
    """One of ``together``, ``required_when``, ``forbidden_when``, ``unique``, ``minimum``, ``function_when``."""
    elements: tuple[str, ...]
    """The element ids the rule constrains (one, except for ``together``)."""
    when: str | None
    """For ``*_when`` rules: the element id whose value triggers the rule."""
    values: tuple[str, ...]
    """For ``*_when`` rules: the triggering values."""
    minimum: int
    """For ``minimum`` rules: the smallest allowed value."""
    group: str
    """The group all elements belong to."""
    functions: str = ""
    """For ``function_when`` rules: the UN/LOCODE function classifiers of which the location needs one."""


def parse_rule(raw: Any, where: str, elements: Mapping[str, DataElement]) -> Rule:
    """Parse one ``[[rule]]`` table; ``elements`` are the document's elements by id."""
    strict_keys(
        raw, where, required=("kind",), optional=("elements", "element", "when", "values", "value", "functions")
    )
    kind = req_str(raw, "kind", where)
    if kind not in _KINDS:
        raise SpecInvalid(f"unknown rule kind {kind!r}", path=where)
    if kind == "together":
        ids = raw.get("elements")
        if not isinstance(ids, list) or len(ids) < 2:
            raise SpecInvalid("'together' needs 'elements' with two or more ids", path=where)
        targets = tuple(str(i) for i in ids)
    else:
        targets = (req_str(raw, "element", where),)
    when = raw.get("when") if kind.endswith("_when") else None
    values = raw.get("values", [])
    minimum = raw.get("value", 0)
    if kind.endswith("_when") and (not isinstance(when, str) or not isinstance(values, list) or not values):
        raise SpecInvalid(f"{kind!r} needs 'when' and a non-empty 'values' list", path=where)
    if kind == "minimum" and (isinstance(minimum, bool) or not isinstance(minimum, int)):
        raise SpecInvalid("'minimum' needs an integer 'value'", path=where)
    involved = targets + ((when,) if isinstance(when, str) else ())
    unknown = [i for i in involved if i not in elements]
    if unknown:
        raise SpecInvalid(f"rule names unknown elements {unknown}", path=where)
    groups = {elements[i].group for i in involved}
    if len(groups) != 1:
        raise SpecInvalid("all elements of a rule must belong to one group", path=where)
    functions = raw.get("functions", "")
    if kind == "function_when":
        if not isinstance(functions, str) or not functions or not set(functions) <= _FUNCTION_CLASSIFIERS:
            raise SpecInvalid("'function_when' needs 'functions': UN/LOCODE classifiers 1-7 or B", path=where)
        if not elements[targets[0]].representation.startswith("locode"):
            raise SpecInvalid("'function_when' applies to a locode element only", path=where)
    elif functions:
        raise SpecInvalid(f"'functions' belongs to 'function_when' rules, not {kind!r}", path=where)
    return Rule(
        kind,
        targets,
        when if isinstance(when, str) else None,
        tuple(map(str, values)),
        minimum,
        groups.pop(),
        functions if isinstance(functions, str) else "",
    )


def lacks_function(rule: Rule, value: object) -> bool:
    """True when ``value`` is a listed UN/LOCODE without any of the functions ``rule`` asks for.

    A value that is not a listed UN/LOCODE is not this rule's finding: the element's representation reports it.
    """
    if not isinstance(value, str):
        return False
    functions = location_functions(value)
    return functions is not None and not set(rule.functions) & set(functions)


def check_rules(
    rules: Sequence[Rule],
    instances: Mapping[str, list[tuple[Mapping[str, Any], str]]],
    elements: Mapping[str, DataElement],
) -> Iterator[Finding]:
    """Check ``rules`` against the group ``instances`` found in a record."""
    for rule in rules:
        objs = instances.get(rule.group, [])
        if rule.kind == "unique":
            yield from _unique(rule, objs, elements)
            continue
        for obj, path in objs:
            yield from _check_one(rule, obj, path, elements)


def _check_one(rule: Rule, obj: Mapping[str, Any], path: str, elements: Mapping[str, DataElement]) -> Iterator[Finding]:
    target = elements[rule.elements[0]]
    here = f"{path}.{target.key}"
    if rule.kind == "together":
        present = [obj.get(elements[i].key) is not None for i in rule.elements]
        if any(present) and not all(present):
            names = ", ".join(elements[i].name_en for i in rule.elements)
            missing = next(elements[i] for i, p in zip(rule.elements, present) if not p)
            yield Finding(
                Severity.ERROR, "RULE_TOGETHER", f"{path}.{missing.key}", f"give all or none of: {names}", missing.id
            )
    elif rule.kind in ("required_when", "forbidden_when"):
        assert rule.when is not None
        trigger = elements[rule.when]
        if obj.get(trigger.key) in rule.values:
            has_target = obj.get(target.key) is not None
            if rule.kind == "required_when" and not has_target:
                yield Finding(
                    Severity.ERROR,
                    "RULE_REQUIRED_WHEN",
                    here,
                    f"{target.name_en} is required when {trigger.name_en} is {obj.get(trigger.key)}",
                    target.id,
                )
            if rule.kind == "forbidden_when" and has_target:
                yield Finding(
                    Severity.ERROR,
                    "RULE_FORBIDDEN_WHEN",
                    here,
                    f"{target.name_en} must be absent when {trigger.name_en} is {obj.get(trigger.key)}",
                    target.id,
                )
    elif rule.kind == "function_when":
        assert rule.when is not None
        trigger = elements[rule.when]
        value = obj.get(target.key)
        if obj.get(trigger.key) in rule.values and lacks_function(rule, value):
            yield Finding(
                Severity.ERROR,
                "LOCODE_FUNCTION",
                here,
                f"{target.name_en} {value} has UN/LOCODE functions {location_functions(str(value))}; with "
                f"{trigger.name_en} {obj.get(trigger.key)} it must have function {' or '.join(rule.functions)}",
                target.id,
            )
    elif rule.kind == "minimum":
        value = obj.get(target.key)
        if isinstance(value, int) and not isinstance(value, bool) and value < rule.minimum:
            yield Finding(Severity.ERROR, "RULE_MINIMUM", here, f"{target.name_en} must be >= {rule.minimum}", target.id)


def _unique(
    rule: Rule, objs: list[tuple[Mapping[str, Any], str]], elements: Mapping[str, DataElement]
) -> Iterator[Finding]:
    target = elements[rule.elements[0]]
    seen: dict[tuple[str, str], str] = {}
    for obj, path in objs:
        value = obj.get(target.key)
        if value is None:
            continue
        # Uniqueness holds within one list: goods item numbers restart in every consignment.
        marker = (path.rpartition("[")[0], repr(value))
        if marker in seen:
            yield Finding(
                Severity.ERROR,
                "DUPLICATE_VALUE",
                f"{path}.{target.key}",
                f"{target.name_en} {value!r} already used at {seen[marker]}",
                target.id,
            )
        else:
            seen[marker] = f"{path}.{target.key}"
