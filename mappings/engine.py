"""The spec interpreter: record -> document tree (forward) and document tree -> record (reverse).

Both directions walk the same template (see :mod:`mappings.spec`) over an lxml tree. XML documents are that tree
directly; EDIFACT interchanges are converted to and from an equivalent tree by :mod:`mappings.edifact`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from mappings.errors import DocumentMalformed
from mappings.recordpath import flatten, get_path, join_path, set_path
from mappings.report import Finding, Severity
from mappings.spec import Node, Spec
from mappings.transforms import TransformContext

__all__ = ["ForwardState", "ReverseState", "build_tree", "read_tree"]


@dataclass
class ForwardState:
    """What a forward run observed besides the tree it built."""

    used: set[str] = field(default_factory=set)
    """Record paths whose values went into the document."""
    defaulted: list[str] = field(default_factory=list)
    """Record paths that had no value and were filled from a default."""
    ctx: TransformContext = field(default_factory=TransformContext)
    """Transform context (code-list editions)."""


@dataclass
class ReverseState:
    """What a reverse run observed besides the record it built."""

    consumed: set[Any] = field(default_factory=set)
    """Document elements (and (element, attribute) pairs) the template read or matched."""
    defaulted: list[str] = field(default_factory=list)
    """Record paths filled from a default because the document had no value."""
    findings: list[Finding] = field(default_factory=list)
    """Warnings raised while reading (inconsistent duplicates)."""
    ctx: TransformContext = field(default_factory=TransformContext)
    """Transform context (code-list editions)."""


class _Names:
    """Resolves ``prefix:local`` template names to Clark notation once per spec."""

    def __init__(self, namespaces: Mapping[str, str]) -> None:
        self._ns = namespaces
        self._cache: dict[str, str] = {}

    def tag(self, name: str) -> str:
        cached = self._cache.get(name)
        if cached is None:
            prefix, _, local = name.rpartition(":")
            uri = self._ns.get(prefix, "")
            cached = f"{{{uri}}}{local}" if uri else local
            self._cache[name] = cached
        return cached


# --------------------------------------------------------------------------------------------------- forward


def build_tree(spec: Spec, record: Mapping[str, Any], state: ForwardState) -> etree._Element:
    """Build the target tree for ``record`` (which the caller has validated against the catalog)."""
    names = _Names(spec.namespaces)
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
    path = join_path(scope_path, node.source)
    if value is None or value == []:
        if node.default is not None:
            state.defaulted.append(path)
            return node.default, False
        return None, False
    state.used.add(path)
    return node.transform.forward(value, path, state.ctx), True


def _fill(
    node: Node, el: etree._Element, root: Mapping[str, Any], scope: Any, scope_path: str, names: _Names, state: ForwardState
) -> bool:
    """Fill ``el`` from ``node``; return True when a record value went into it."""
    has_data = False
    if node.source is not None or node.const is not None:
        text, from_record = _value(node, root, scope, scope_path, state)
        if text is not None:
            el.text = text
        has_data = from_record
    for child in node.children:
        if child.is_attr:
            text, from_record = _value(child, root, scope, scope_path, state)
            if text is not None:
                el.set(child.name, text)
            has_data = has_data or from_record
        elif child.each is not None:
            items = get_path(root, scope, child.each)
            if not isinstance(items, list):
                continue
            list_path = join_path(scope_path, child.each)
            for i, item in enumerate(items):
                sub = etree.SubElement(el, names.tag(child.name))
                if _fill(child, sub, root, item, f"{list_path}[{i}]", names, state) or child.always:
                    has_data = True
                else:
                    el.remove(sub)
        else:
            sub = etree.SubElement(el, names.tag(child.name))
            child_data = _fill(child, sub, root, scope, scope_path, names, state)
            has_data = has_data or child_data
            # A subtree that reads the record but found nothing is left out; a constant subtree always stays.
            if child.reads_record and not child_data and not child.always:
                el.remove(sub)
    return has_data


def unused_paths(record: Mapping[str, Any], state: ForwardState) -> tuple[str, ...]:
    """Return the record leaf paths the forward run did not carry (the loss report's ``dropped``)."""
    return tuple(p for p in flatten(record) if p not in state.used)


# --------------------------------------------------------------------------------------------------- reverse


class _Reader:
    def __init__(self, spec: Spec, state: ReverseState) -> None:
        self.names = _Names(spec.namespaces)
        self.prefixes = {v: k for k, v in spec.namespaces.items() if v}
        self.state = state

    def doc_path(self, el: etree._Element) -> str:
        """An XPath-like path with prefixes and 1-based positions among same-named siblings."""
        steps: list[str] = []
        node: etree._Element | None = el
        while node is not None:
            q = etree.QName(node)
            prefix = self.prefixes.get(q.namespace or "", "")
            name = f"{prefix}:{q.localname}" if prefix else q.localname
            parent = node.getparent()
            if parent is not None:
                same = [s for s in parent if s.tag == node.tag]
                if len(same) > 1:
                    name += f"[{same.index(node) + 1}]"
            steps.append(name)
            node = parent
        return "/" + "/".join(reversed(steps))

    def matches(self, node: Node, el: etree._Element) -> bool:
        """True when ``el`` carries every constant of ``node`` (used to tell same-named siblings apart)."""
        if node.const is not None and (el.text or "").strip() != node.const:
            return False
        for child in node.children:
            if child.const is None:
                continue
            if child.is_attr:
                if el.get(child.name) != child.const:
                    return False
            elif not any((c.text or "").strip() == child.const for c in el.iterchildren(self.names.tag(child.name))):
                return False
        return True

    def candidates(self, node: Node, parent: etree._Element) -> list[etree._Element]:
        return [
            c
            for c in parent.iterchildren(self.names.tag(node.name))
            if c not in self.state.consumed and self.matches(node, c)
        ]

    def store(self, node: Node, raw: str, root: dict[str, Any], scope: dict[str, Any], scope_path: str, where: str) -> None:
        assert node.source is not None
        value = node.transform.reverse(raw, where, self.state.ctx)
        if not node.reverse:
            return
        path = join_path(scope_path, node.source)
        if node.source == ".":
            scope["."] = value
            return
        previous = set_path(root, scope, node.source, value)
        if previous is not None and previous != value:
            self.state.findings.append(
                Finding(Severity.WARNING, "INCONSISTENT_VALUE", where, f"{path} also given as {previous!r}; kept {value!r}")
            )
            set_path(root, scope, node.source, previous)

    def default(self, node: Node, root: dict[str, Any], scope: dict[str, Any], scope_path: str) -> None:
        if node.source is None or node.default is None or not node.reverse:
            return
        if get_path(root, scope, node.source) is None:
            set_path(root, scope, node.source, node.transform.reverse(node.default, node.where, self.state.ctx))
            self.state.defaulted.append(join_path(scope_path, node.source))

    def read(self, node: Node, el: etree._Element, root: dict[str, Any], scope: dict[str, Any], scope_path: str) -> None:
        self.state.consumed.add(el)
        if node.source is not None:
            self.store(node, el.text or "", root, scope, scope_path, self.doc_path(el))
        for child in node.children:
            if child.is_attr:
                raw = el.get(child.name)
                if raw is None:
                    self.default(child, root, scope, scope_path)
                    continue
                self.state.consumed.add((el, child.name))
                if child.source is not None:
                    self.store(child, raw, root, scope, scope_path, f"{self.doc_path(el)}/@{child.name}")
            elif child.each is not None:
                self.read_each(child, el, root, scope, scope_path)
            else:
                found = self.candidates(child, el)
                if found:
                    self.read(child, found[0], root, scope, scope_path)
                else:
                    self.default(child, root, scope, scope_path)

    def read_each(self, node: Node, parent: etree._Element, root: dict[str, Any], scope: dict[str, Any], scope_path: str) -> None:
        assert node.each is not None
        items = get_path(root, scope, node.each)
        if not isinstance(items, list):
            items = []
        list_path = join_path(scope_path, node.each)
        for el in self.candidates(node, parent):
            slot: dict[str, Any] = {}
            index = len(items)
            target: dict[str, Any] | None = None
            if node.join_on is not None:
                probe: dict[str, Any] = {}
                self._probe(node, el, root, probe)
                key = probe.get(node.join_on)
                target = next((it for it in items if isinstance(it, dict) and it.get(node.join_on) == key), None)
                if target is not None:
                    index = items.index(target)
            self.read(node, el, root, target if target is not None else slot, f"{list_path}[{index}]")
            if target is None:
                # A list of plain values stores each value under "." inside its slot.
                items.append(slot["."] if set(slot) == {"."} else slot)
        if items:
            set_path(root, scope, node.each, items)

    def _probe(self, node: Node, el: etree._Element, root: dict[str, Any], probe: dict[str, Any]) -> None:
        """Read the join key of an ``each`` entry without consuming anything."""
        for child in node.children:
            if child.source is not None and child.source == node.join_on and not child.is_attr:
                for c in el.iterchildren(self.names.tag(child.name)):
                    probe[child.source] = child.transform.reverse(c.text or "", child.where, self.state.ctx)
                    return


def read_tree(spec: Spec, doc: etree._Element, state: ReverseState) -> dict[str, Any]:
    """Read ``doc`` back into a record following ``spec``'s template."""
    reader = _Reader(spec, state)
    if doc.tag != reader.names.tag(spec.template.name):
        raise DocumentMalformed(f"root element is {doc.tag!r}, expected {spec.template.name!r}", path="/")
    record: dict[str, Any] = {}
    reader.read(spec.template, doc, record, record, "$")
    return record


def unread_paths(spec: Spec, doc: etree._Element, state: ReverseState) -> tuple[str, ...]:
    """Return the document paths of values the template did not read (the reverse loss report's ``dropped``)."""
    reader = _Reader(spec, state)
    out: list[str] = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue  # comments and processing instructions carry no business data
        if el not in state.consumed and (el.text or "").strip():
            out.append(reader.doc_path(el))
        for attr in el.attrib:
            if (el, attr) not in state.consumed:
                out.append(f"{reader.doc_path(el)}/@{attr}")
    return tuple(out)
