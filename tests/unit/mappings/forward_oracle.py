"""The forward oracle: the plain interpreter that builds the target tree element by element with lxml's API.

:mod:`mappings.specs.forward` writes documents as text from a compiled template; it must write byte for byte what
this one builds and lxml serializes, and fail with the same error (``test_map_compiled.py``). Kept here, under tests,
so that the package has one forward interpreter and the tests an independent one to compare it with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from mappings.errors import RecordInvalid
from mappings.records.paths import get_path, join_path
from mappings.report import Finding, Severity, ValidationReport
from mappings.specs.language import Node, Spec
from mappings.specs.state import ForwardState, Names


def build_tree(spec: Spec, record: Mapping[str, Any], state: ForwardState) -> etree._Element:
    """Build the target tree for ``record`` (which the caller has validated against the catalog)."""
    names = Names(spec.namespaces)
    nsmap = {(k or None): v for k, v in spec.namespaces.items() if v}
    root = etree.Element(names.tag(spec.template.name), nsmap=nsmap or None)
    _fill(spec.template, root, record, record, "$", names, state)
    return root


def _value(node: Node, root: Mapping[str, Any], scope: Any, scope_path: str, state: ForwardState) -> tuple[str | None, bool]:
    """Return (target text, True if it came from the record) for a value node."""
    if node.const is not None:
        return node.const, False
    assert node.source is not None
    value = get_path(root, scope, node.source)
    if value is None or value == []:
        if node.default is not None:
            state.defaulted.append(join_path(scope_path, node.source))
            return node.default, False
        return None, False
    path = join_path(scope_path, node.source)
    state.used.add(path)
    return node.transform.forward(value, path, state.ctx), True


def _present(node: Node, root: Mapping[str, Any], scope: Any) -> bool:
    for path in node.probes:
        value = get_path(root, scope, path)
        if value is not None and value != []:
            return True
    return False


def _fill(
    node: Node, el: etree._Element, root: Mapping[str, Any], scope: Any, scope_path: str, names: Names, state: ForwardState
) -> bool:
    """Fill ``el`` from ``node``; return True when a record value went into it."""
    has_data = False
    if node.source is not None or node.const is not None:
        text, from_record = _value(node, root, scope, scope_path, state)
        if text is not None:
            el.text = text
        has_data = from_record
    return _children(node, el, root, scope, scope_path, names, state) or has_data


def _children(
    node: Node, el: etree._Element, root: Mapping[str, Any], scope: Any, scope_path: str, names: Names, state: ForwardState
) -> bool:
    """Add ``node``'s children to ``el``; return True when a record value went into them."""
    has_data = False
    for child in node.children:
        if child.is_attr:
            text, from_record = _value(child, root, scope, scope_path, state)
            if text is not None:
                el.set(child.name, text)
            has_data = has_data or from_record
        elif child.each is not None:
            items = get_path(root, scope, child.each)
            if not isinstance(items, list) or not items:
                continue
            list_path = join_path(scope_path, child.each)
            if child.inline:
                # An inline scope adds its children to this element for the single entry of a one-entry list.
                has_data = _children(child, el, root, items[0], f"{list_path}[0]", names, state) or has_data
                continue
            for i, item in enumerate(items):
                sub = etree.SubElement(el, names.tag(child.name))
                if _fill(child, sub, root, item, f"{list_path}[{i}]", names, state) or child.always:
                    has_data = True
                else:
                    el.remove(sub)
        elif child.split is not None:
            has_data = _split_value(child, el, root, scope, scope_path, names, state) or has_data
        else:
            if child.reads_record and not child.always and not _present(child, root, scope):
                continue  # nothing below can carry a value: skip building (and removing) the subtree
            sub = etree.SubElement(el, names.tag(child.name))
            child_data = _fill(child, sub, root, scope, scope_path, names, state)
            has_data = has_data or child_data
            # A subtree that reads the record but found nothing is left out; a constant subtree always stays.
            if child.reads_record and not child_data and not child.always:
                el.remove(sub)
    return has_data


def _split_value(
    node: Node, el: etree._Element, root: Mapping[str, Any], scope: Any, scope_path: str, names: Names, state: ForwardState
) -> bool:
    """Cut a value into chunks: components c1..cN of one element, or N same-named sibling elements."""
    assert node.split is not None and node.source is not None
    size, most, into = node.split
    text, from_record = _value(node, root, scope, scope_path, state)
    if text is None:
        return False
    chunks = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    if len(chunks) > most:
        path = join_path(scope_path, node.source)
        finding = Finding(
            Severity.ERROR, "TOO_LONG_FOR_TARGET", path, f"{len(text)} characters; the target holds {size * most}"
        )
        raise RecordInvalid(f"value too long for the target ({size * most} characters)", path=path, report=ValidationReport((finding,)))
    if into == "siblings":
        for chunk in chunks:
            etree.SubElement(el, names.tag(node.name)).text = chunk
    else:
        sub = etree.SubElement(el, names.tag(node.name))
        for i, chunk in enumerate(chunks, 1):
            etree.SubElement(sub, f"c{i}").text = chunk
    return from_record
