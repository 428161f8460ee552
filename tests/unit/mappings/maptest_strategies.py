"""Hypothesis strategies that build catalog records from the catalog itself (data-driven, any document type)."""

from __future__ import annotations

import datetime as _dt
import functools
import re
from decimal import Decimal
from collections.abc import Iterator
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from mappings import get_codelist, load_catalog
from mappings.specs.agreements import AgreementRule
from mappings.catalog.elements import DataElement, DocumentSpec, Group
from mappings.codelists.international import get_international_list
from mappings.catalog.rules import lacks_function
from mappings.specs.language import Node, Spec

# Printable text without the characters XML or the catalog refuse; CR is left out because XML parsers normalise it.
_TEXT = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff") | st.sampled_from(" \n")


@functools.cache
def _locations(need: frozenset[str]) -> st.SearchStrategy[str]:
    # One strategy per set of functions, built once: hypothesis labels a sampled_from by walking all its elements
    # (tens of thousands of locations here), and it would do so for every record drawn.
    table = get_international_list("un-locode").codes
    return st.sampled_from(sorted(code for code, functions in table.items()
                                  if re.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}", code) and (not need or need & set(functions))))


def _value(e: DataElement) -> st.SearchStrategy[Any]:
    rep = e.representation
    if m := re.fullmatch(r"an(\.\.)?(\d+)", rep):
        size = int(m.group(2))
        low = 1 if m.group(1) else size
        # Identifier-like texts must not start or end with blanks: several target schemas collapse whitespace.
        return st.text(_TEXT, min_size=low, max_size=min(size, 40)).filter(lambda s: s.strip() == s and s.strip())
    if m := re.fullmatch(r"a(\d+)", rep):
        return st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=int(m.group(1)), max_size=int(m.group(1)))
    if m := re.fullmatch(r"digits:(\d+)\.\.(\d+)", rep):
        return st.text(st.sampled_from("0123456789"), min_size=int(m.group(1)), max_size=int(m.group(2)))
    if m := re.fullmatch(r"n\.\.(\d+),(\d+)", rep):
        precision, scale = int(m.group(1)), int(m.group(2))
        return st.decimals(
            min_value=0, max_value=Decimal(10) ** (precision - scale) - 1, places=scale, allow_nan=False
        ).map(lambda d: format(d, "f"))
    if m := re.fullmatch(r"sn\.\.(\d+),(\d+)", rep):
        precision, scale = int(m.group(1)), int(m.group(2))
        bound = Decimal(10) ** (precision - scale) - 1
        return st.decimals(min_value=-bound, max_value=bound, places=scale, allow_nan=False).map(lambda d: format(d, "f"))
    if m := re.fullmatch(r"n\.\.(\d+)", rep):
        return st.integers(min_value=1, max_value=10 ** int(m.group(1)) - 1)
    if rep == "date:YYYY-MM-DD":
        return st.dates().map(lambda d: d.isoformat())
    if rep == "datetime":
        # Minute precision: EDIFACT 203 and eFTI 205 carry no seconds.
        offsets = st.sampled_from(["+00:00", "+08:00", "-05:00", "+05:45"])
        moments = st.datetimes(min_value=_dt.datetime(1990, 1, 1), max_value=_dt.datetime(2089, 12, 31))
        return st.tuples(moments, offsets).map(lambda p: p[0].strftime("%Y-%m-%dT%H:%M:00") + p[1])
    if rep == "locode" or rep.startswith("locode:"):
        # Locations of the shipped UN/LOCODE table with a function the field accepts (any, for plain "locode").
        need = set(rep.partition(":")[2])
        return _locations(frozenset(need))
    if rep == "b64":
        return st.binary(min_size=1, max_size=64).map(lambda b: __import__("base64").b64encode(b).decode())
    if rep.startswith("code:"):
        # Only codes that survive a round trip: domestic codes that are their international code's reverse row.
        table = get_codelist(rep[5:])
        return st.sampled_from([c.domestic for c in table.entries if c.international is not None and c.reverse])
    if rep.startswith("enum:"):
        return st.sampled_from(rep[5:].split("|"))
    raise AssertionError(f"no strategy for {rep}")


def _object(spec: DocumentSpec, group: str | None) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for e in spec.elements:
        if e.group != group:
            continue
        value = _value(e)
        if e.cardinality.endswith("..n"):
            value = st.lists(value, min_size=1, max_size=3)
        (fields if e.cardinality in ("1", "1..n") else optional)[e.key] = value
    for g in spec.groups:
        if g.parent != group:
            continue
        sub = _group(spec, g)
        (fields if g.cardinality in ("1", "1..n") else optional)[g.key] = sub
    return st.fixed_dictionaries(fields, optional=optional)


def _has_values(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_values(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_values(v) for v in value)
    return value is not None


def _group(spec: DocumentSpec, g: Group) -> st.SearchStrategy[Any]:
    # The catalog refuses empty group objects (they would vanish in every target), so none are drawn; an object
    # holding only empty lists is empty too.
    obj = _object(spec, g.name).filter(_has_values)
    if g.is_list:
        return st.lists(obj, min_size=1 if g.cardinality == "1..n" else 0, max_size=3)
    return obj


def _repair(spec: DocumentSpec, record: dict[str, Any], fixed: dict[str, Any], draw: Any) -> dict[str, Any]:
    """Make a generated record satisfy the catalog's cross-element rules and the profile's fixed values."""
    by_id = {e.id: e for e in spec.elements}
    groups = {g.name: g for g in spec.groups}

    def instances(group: str) -> list[dict[str, Any]]:
        chain: list[Group] = []
        g: Group | None = groups[group]
        while g is not None:
            chain.insert(0, g)
            g = groups[g.parent] if g.parent else None
        objs: list[dict[str, Any]] = [record]
        for step in chain:
            nxt: list[dict[str, Any]] = []
            for o in objs:
                v = o.get(step.key)
                nxt += v if isinstance(v, list) else [v] if isinstance(v, dict) else []
            objs = nxt
        return objs

    # The profile's fixed values first: rules read them as triggers (e.g. the mode of transport for the ports).
    for path, value in fixed.items():
        *parents, last = path.split(".")
        target_obj = record
        for p in parents:
            target_obj = target_obj[p]
        target_obj[last] = draw(st.sampled_from(value)) if isinstance(value, tuple) else value
    for rule in spec.rules:
        objs = instances(rule.group)
        target = by_id[rule.elements[0]]
        for i, obj in enumerate(objs):
            if rule.kind == "together" and not all(by_id[x].key in obj for x in rule.elements):
                for x in rule.elements:
                    obj.pop(by_id[x].key, None)
            elif rule.kind == "unique":
                obj[target.key] = i + 1 if target.representation.startswith("n..") else f"U{i + 1}"
            elif rule.kind == "minimum" and isinstance(obj.get(target.key), int):
                obj[target.key] = max(obj[target.key], rule.minimum)
            elif rule.kind in ("required_when", "forbidden_when") and rule.when is not None:
                triggered = obj.get(by_id[rule.when].key) in rule.values
                if rule.kind == "forbidden_when" and triggered:
                    obj.pop(target.key, None)
                if rule.kind == "required_when" and triggered and target.key not in obj:
                    obj[target.key] = draw(_value(target))
            elif rule.kind == "function_when" and rule.when is not None:
                trigger = obj.get(by_id[rule.when].key)
                if trigger in rule.values and target.key in obj and lacks_function(rule, obj[target.key]):
                    obj[target.key] = draw(_locations(frozenset(rule.functions)))
    return record


def _slots(spec: DocumentSpec, record: dict[str, Any], path: str, draw: Any) -> list[tuple[dict[str, Any], str]]:
    """(parent object, key) for every place ``path`` names (``a[].b``), drawing missing single groups."""
    groups = {g.json_path: g for g in spec.groups}
    *steps, last = path.split(".")
    objs = [record]
    for index, step in enumerate(steps):
        nxt: list[dict[str, Any]] = []
        for obj in objs:
            if step.endswith("[]"):
                nxt += [o for o in obj.get(step[:-2], []) if isinstance(o, dict)]
            else:
                if step not in obj:
                    obj[step] = draw(_object(spec, groups[".".join(steps[: index + 1])].name).filter(_has_values))
                nxt.append(obj[step])
        objs = nxt
    return [(obj, last) for obj in objs]


def _apply_agreement(spec: DocumentSpec, record: dict[str, Any], rules: tuple[AgreementRule, ...], draw: Any) -> None:
    """Make a generated record satisfy its agreement's business rules (the time-independent ones)."""
    by_key = {e.json_path.replace("[]", ""): e for e in spec.elements}
    countries = get_codelist("country")
    for rule in rules:
        if rule.kind == "parties":
            members = [countries.to_domestic(iso) for iso in rule.values]
            usable = sorted({m for m in members if m is not None and countries.by_domestic[m].reverse})
            origin, destination = draw(st.permutations(usable))[:2]
            for path, value in zip(rule.paths, (origin, destination)):
                for obj, key in _slots(spec, record, path, draw):
                    obj[key] = value
        elif rule.kind == "one_of":
            for obj, key in _slots(spec, record, rule.paths[0], draw):
                obj[key] = draw(st.sampled_from(rule.values))
        elif rule.kind == "required":
            for path in rule.paths:
                for obj, key in _slots(spec, record, path, draw):
                    if obj.get(key) is None:
                        obj[key] = draw(_value(by_key[path.replace("[]", "")]))


def profile_fixed(spec: Spec) -> dict[str, Any]:
    """The record values a profile's agreement fixes: its ``require`` entries, and for a code written through a
    subset (``code:<list>:<code>|...``, e.g. eFTI's transport modes) the domestic codes the subset keeps (a tuple:
    one is drawn)."""
    fixed: dict[str, Any] = {path: allowed[0] for path, allowed in spec.require.items()}

    def walk(node: Node, listed: bool) -> None:
        listed = listed or node.each is not None
        name = node.transform.name
        if node.source is not None and name.startswith("code:") and name.count(":") == 2 and not listed:
            _, table_id, subset = name.split(":")
            table = get_codelist(table_id)
            fixed[node.source.removeprefix("$.")] = tuple(
                c.domestic for c in table.entries if c.international in subset.split("|") and c.reverse
            )
        for child in node.children:
            walk(child, listed)

    walk(spec.template, False)
    return fixed


@functools.cache
def _record_objects(document_type: str) -> st.SearchStrategy[dict[str, Any]]:
    # Built once per document type: building the strategy tree (and hypothesis's checks of each new strategy) would
    # otherwise cost more than drawing and mapping the record.
    return _object(load_catalog().document(document_type), None)


@st.composite
def records(
    draw: Any,
    document_type: str,
    fixed: dict[str, Any],
    single: tuple[str, ...] = (),
    agreement: tuple[AgreementRule, ...] = (),
) -> dict[str, Any]:
    """Draw a catalog-valid record of ``document_type`` with ``fixed`` paths set (e.g. the profile's agreement),
    satisfying the ``agreement`` rules.

    Top-level lists named in ``single`` keep one entry (profiles that carry one consignment).
    """
    spec = load_catalog().document(document_type)
    record = draw(_record_objects(document_type))
    for key in single:
        if isinstance(record.get(key), list):
            record[key] = record[key][:1]
    _apply_agreement(spec, record, agreement, draw)
    record = _repair(spec, record, fixed, draw)
    # The repair may empty a group (a "together" rule drops a partial pair); the catalog refuses empty groups.
    assume(not any(isinstance(v, dict) and not _has_values(v) for v in _nested(record)))
    return record


def _nested(value: Any) -> Iterator[Any]:
    """Every value below ``value`` (dicts and lists included)."""
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        yield child
        yield from _nested(child)
