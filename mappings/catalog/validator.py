"""The catalog's validator: a record against one document type's groups, data elements and rules.

:func:`validate` collects every finding with paths and messages, which costs a walk per group, per element and per
rule. Almost every record is valid, so it first asks a one-walk pass/fail check compiled once per document type
(:func:`compile_precheck`), which answers only "no finding at all" (True) or "maybe some finding" (False). The
check is conservative: True implies that the full walk finds nothing; on False the full walk runs and reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from mappings.catalog.representation import Representation, finding_code
from mappings.catalog.rules import check_rules, lacks_function
from mappings.report import Finding, Severity, ValidationReport

if TYPE_CHECKING:
    from mappings.catalog.elements import DataElement, DocumentSpec
    from mappings.catalog.rules import Rule

__all__ = ["Precheck", "compile_precheck", "validate"]

Precheck = Callable[[Any], bool]
"""True when the record has no catalog finding at all."""

_Seen = set[tuple[int, int | None, str]]
_ObjectCheck = Callable[[Mapping[str, Any], "int | None", _Seen], bool]
_RuleCheck = Callable[[Mapping[str, Any], "int | None", _Seen], bool]


def _rule_check(index: int, rule: Rule, keys: Mapping[str, str]) -> _RuleCheck:
    target = keys[rule.elements[0]]
    if rule.kind == "together":
        together = tuple(keys[i] for i in rule.elements)

        def check_together(obj: Mapping[str, Any], list_id: int | None, seen: _Seen) -> bool:
            # All present or none: every element as present as the first.
            first = obj.get(together[0]) is not None
            for k in together:
                if (obj.get(k) is not None) is not first:
                    return False
            return True

        return check_together
    if rule.kind in ("required_when", "forbidden_when"):
        assert rule.when is not None
        trigger, values, required = keys[rule.when], rule.values, rule.kind == "required_when"

        def check_when(obj: Mapping[str, Any], list_id: int | None, seen: _Seen) -> bool:
            if obj.get(trigger) in values:
                return (obj.get(target) is not None) == required
            return True

        return check_when
    if rule.kind == "function_when":
        assert rule.when is not None
        trigger, values = keys[rule.when], rule.values

        def check_function(obj: Mapping[str, Any], list_id: int | None, seen: _Seen) -> bool:
            return not (obj.get(trigger) in values and lacks_function(rule, obj.get(target)))

        return check_function
    if rule.kind == "minimum":
        minimum = rule.minimum

        def check_minimum(obj: Mapping[str, Any], list_id: int | None, seen: _Seen) -> bool:
            value = obj.get(target)
            return not (isinstance(value, int) and not isinstance(value, bool) and value < minimum)

        return check_minimum
    assert rule.kind == "unique"

    def check_unique(obj: Mapping[str, Any], list_id: int | None, seen: _Seen) -> bool:
        # The catalog scopes uniqueness by the path up to the last "[": the innermost list holding the object.
        value = obj.get(target)
        if value is None:
            return True
        marker = (index, list_id, repr(value))
        if marker in seen:
            return False
        seen.add(marker)
        return True

    return check_unique


def compile_precheck(spec: DocumentSpec) -> Precheck:
    """Compile the check for one document type's catalog."""
    keys = {e.id: e.key for e in spec.elements}
    rules = [(rule.group, _rule_check(i, rule, keys)) for i, rule in enumerate(spec.rules)]

    def group_check(name: str | None) -> _ObjectCheck:
        # The elements by how their values are checked: a set test or a length test in the loop itself where the
        # representation allows it, a call otherwise. The answer is one boolean, so the order of the tests is free.
        own = [e for e in spec.elements if e.group == name]
        words: list[tuple[str, bool, frozenset[str]]] = []
        texts: list[tuple[str, bool, int, int, Callable[[object], str | None]]] = []
        calls: list[tuple[str, bool, bool, Callable[[object], str | None]]] = []
        for e in own:
            rep = spec.representations[e.id]
            required, many = e.cardinality in ("1", "1..n"), e.cardinality.endswith("..n")
            if not many and rep.words is not None:
                words.append((e.key, required, rep.words))
            elif not many and rep.length is not None:
                texts.append((e.key, required, rep.length[0], rep.length[1], rep.check))
            else:
                calls.append((e.key, required, many, rep.check))
        groups = tuple(
            (g.key, g.cardinality in ("1", "1..n"), g.is_list, g.cardinality == "1..n", group_check(g.name))
            for g in spec.groups
            if g.parent == name
        )
        allowed = frozenset(e.key for e in own) | frozenset(k for k, *_ in groups)
        own_rules = tuple(check for group, check in rules if group == name)
        word_checks, text_checks, value_checks = tuple(words), tuple(texts), tuple(calls)

        def check(obj: Mapping[str, Any], list_id: int | None, seen: _Seen) -> bool:
            if not allowed.issuperset(obj):
                return False  # a key the catalog does not know
            for key, required, accepted in word_checks:
                value = obj.get(key)
                if value is None:
                    if required:
                        return False
                elif type(value) is not str or value not in accepted:
                    return False  # (a str subclass too: False only means "maybe", and the full walk decides)
            for key, required, low, high, text_check in text_checks:
                value = obj.get(key)
                if value is None:
                    if required:
                        return False
                elif type(value) is not str or not low <= len(value) <= high:
                    return False
                elif not value.isprintable() and text_check(value) is not None:
                    return False  # (printable text holds none of the characters the check refuses)
            for key, required, many, value_check in value_checks:
                value = obj.get(key)
                if value is None:
                    if required:
                        return False
                elif many:
                    if type(value) is not list and not isinstance(value, list) or (not value and required):
                        return False
                    for v in value:
                        if value_check(v) is not None:
                            return False
                elif value_check(value) is not None:
                    return False
            for key, required, is_list, non_empty, sub in groups:
                value = obj.get(key)
                if value is None:
                    if required:
                        return False
                elif is_list:
                    if type(value) is not list and not isinstance(value, list) or (not value and non_empty):
                        return False
                    inner = id(value)
                    for item in value:
                        # (type(...) is dict first: records are plain dicts, and the ABC check costs far more)
                        if not (type(item) is dict or isinstance(item, Mapping)) or not item or not sub(item, inner, seen):
                            return False
                elif not (type(value) is dict or isinstance(value, Mapping)) or not value or not sub(value, list_id, seen):
                    return False
            for rule in own_rules:
                if not rule(obj, list_id, seen):
                    return False
            return True

        return check

    root = group_check(None)

    def precheck(record: Any) -> bool:
        return isinstance(record, Mapping) and root(record, None, set())

    return precheck


def validate(spec: DocumentSpec, record: Mapping[str, Any]) -> ValidationReport:
    """Validate ``record`` against one document type's catalog and return every finding."""
    if spec.precheck(record):
        return ValidationReport(())  # the common case: nothing to report, so no paths or messages to build
    findings: list[Finding] = []
    if not isinstance(record, Mapping):
        return ValidationReport((Finding(Severity.ERROR, "FORMAT_INVALID", "$", "record must be a JSON object"),))
    instances = _walk_groups(spec, record, findings)
    _unknown_keys(spec, record, instances, findings)
    for e in spec.elements:
        rep = spec.representations[e.id]
        for obj, path in instances.get(e.group, []):
            findings.extend(_check_element(e, rep, obj.get(e.key), f"{path}.{e.key}"))
    findings.extend(check_rules(spec.rules, instances, {e.id: e for e in spec.elements}))
    return ValidationReport(tuple(findings))


def _unknown_keys(
    spec: DocumentSpec,
    record: Mapping[str, Any],
    instances: Mapping[str, list[tuple[Mapping[str, Any], str]]],
    out: list[Finding],
) -> None:
    allowed: dict[str | None, set[str]] = {None: set()}
    for g in spec.groups:
        allowed.setdefault(g.parent, set()).add(g.key)
        allowed.setdefault(g.name, set())
    for e in spec.elements:
        allowed[e.group].add(e.key)
    scopes: list[tuple[str | None, Mapping[str, Any], str]] = [(None, record, "$")]
    scopes += [(name, obj, path) for name, objs in instances.items() for obj, path in objs]
    for name, obj, path in scopes:
        for key in obj:
            if key not in allowed[name]:
                out.append(
                    Finding(Severity.ERROR, "UNKNOWN_ELEMENT", f"{path}.{key}", f"key {key!r} is not in the catalog")
                )


def _walk_groups(spec: DocumentSpec, record: Mapping[str, Any], out: list[Finding]) -> dict[str, list[tuple[Mapping[str, Any], str]]]:
    """Return, per group name, its instances (object, JSON path), reporting structural findings into ``out``."""
    instances: dict[str | None, list[tuple[Mapping[str, Any], str]]] = {None: [(record, "$")]}
    for g in spec.groups:
        found: list[tuple[Mapping[str, Any], str]] = []
        for obj, path in instances[g.parent]:
            here = f"{path}.{g.key}"
            value = obj.get(g.key)
            if value is None:
                if g.cardinality in ("1", "1..n"):
                    out.append(Finding(Severity.ERROR, "REQUIRED_MISSING", here, f"group {g.name_en!r} is required"))
                continue
            if g.is_list:
                if not isinstance(value, list):
                    out.append(Finding(Severity.ERROR, "FORMAT_INVALID", here, "must be a list of objects"))
                    continue
                if not value and g.cardinality == "1..n":
                    out.append(Finding(Severity.ERROR, "REQUIRED_MISSING", here, "needs at least one entry"))
                for i, item in enumerate(value):
                    if isinstance(item, Mapping) and not item:
                        # An empty entry carries nothing and would silently vanish in any target format.
                        out.append(Finding(Severity.ERROR, "EMPTY_GROUP", f"{here}[{i}]", "entry has no values"))
                    elif isinstance(item, Mapping):
                        found.append((item, f"{here}[{i}]"))
                    else:
                        out.append(Finding(Severity.ERROR, "FORMAT_INVALID", f"{here}[{i}]", "must be an object"))
            elif isinstance(value, Mapping) and not value:
                out.append(Finding(Severity.ERROR, "EMPTY_GROUP", here, "object has no values"))
            elif isinstance(value, Mapping):
                found.append((value, here))
            else:
                out.append(Finding(Severity.ERROR, "FORMAT_INVALID", here, "must be an object"))
        instances[g.name] = found
    return {k: v for k, v in instances.items() if k is not None}


def _values(e: DataElement, value: Any, path: str) -> Iterator[tuple[Any, str]]:
    if e.cardinality.endswith("..n") and isinstance(value, list):
        for i, v in enumerate(value):
            yield v, f"{path}[{i}]"
    else:
        yield value, path


def _check_element(e: DataElement, rep: Representation, value: Any, path: str) -> Iterator[Finding]:
    if value is None or (isinstance(value, list) and not value and e.cardinality.endswith("..n")):
        if e.cardinality in ("1", "1..n"):
            yield Finding(Severity.ERROR, "REQUIRED_MISSING", path, f"{e.name_en} is required", e.id)
        return
    if e.cardinality.endswith("..n") and not isinstance(value, list):
        yield Finding(Severity.ERROR, "FORMAT_INVALID", path, f"{e.name_en} must be a list", e.id)
        return
    for v, p in _values(e, value, path):
        reason = rep.check(v)
        if reason is not None:
            yield Finding(Severity.ERROR, finding_code(rep, v), p, f"{e.name_en} ({rep.term}): {reason}", e.id)
