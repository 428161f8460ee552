"""A one-walk pass/fail check of a record against the catalog, compiled once per document type.

:meth:`mappings.catalog.elements.Catalog.validate` collects every finding with paths and messages, which costs a
walk per group, per element and per rule. Almost every record is valid, so the catalog first asks this check, which walks
the record once and answers only "no finding at all" (True) or "maybe some finding" (False). It is conservative:
True implies that the full validation finds nothing; on False the full validation runs and reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mappings.catalog.rules import lacks_function

if TYPE_CHECKING:
    from mappings.catalog.elements import DocumentSpec
    from mappings.catalog.rules import Rule

__all__ = ["Precheck", "compile_precheck"]

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
            present = [obj.get(k) is not None for k in together]
            return all(present) or not any(present)

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
        elements = tuple(
            (e.key, e.cardinality in ("1", "1..n"), e.cardinality.endswith("..n"), spec.representations[e.id].check)
            for e in spec.elements
            if e.group == name
        )
        groups = tuple(
            (g.key, g.cardinality in ("1", "1..n"), g.is_list, g.cardinality == "1..n", group_check(g.name))
            for g in spec.groups
            if g.parent == name
        )
        allowed = frozenset(k for k, *_ in elements) | frozenset(k for k, *_ in groups)
        own_rules = tuple(check for group, check in rules if group == name)

        def check(obj: Mapping[str, Any], list_id: int | None, seen: _Seen) -> bool:
            if not allowed.issuperset(obj):
                return False  # a key the catalog does not know
            for key, required, many, value_check in elements:
                value = obj.get(key)
                if value is None:
                    if required:
                        return False
                elif many:
                    if not isinstance(value, list) or (not value and required):
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
                    if not isinstance(value, list) or (not value and non_empty):
                        return False
                    inner = id(value)
                    for item in value:
                        if not isinstance(item, Mapping) or not item or not sub(item, inner, seen):
                            return False
                elif not isinstance(value, Mapping) or not value or not sub(value, list_id, seen):
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
