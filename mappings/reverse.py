"""The spec interpreter, reverse: document tree -> record.

The reader walks the same template as the forward run. For each template element it claims the first unclaimed
document element with that name whose constants (the node's ``keys``) match, so same-named siblings (an invoice
reference and a replaced-certificate reference, ``DTM+137`` and ``DTM+189``) land where they belong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from mappings.engine import Names
from mappings.errors import CodeUnmapped, DocumentMalformed
from mappings.recordpath import get_path, join_path, set_path
from mappings.report import Finding, Severity
from mappings.spec import Node, Spec
from mappings.transforms import TransformContext

__all__ = ["ReverseState", "read_tree", "unread_paths"]


@dataclass
class ReverseState:
    """What a reverse run observed besides the record it built."""

    consumed: set[Any] = field(default_factory=set)
    """Document elements (and (element, attribute) pairs) the template read or matched."""
    defaulted: list[str] = field(default_factory=list)
    """Record paths filled from a default (or numbered) because the document had no value."""
    findings: list[Finding] = field(default_factory=list)
    """Warnings raised while reading (inconsistent duplicates)."""
    ctx: TransformContext = field(default_factory=TransformContext)
    """Transform context (code-list editions)."""


def _has(el: etree._Element, path: tuple[str, ...], const: str, names: Names) -> bool:
    head, rest = path[0], path[1:]
    if head.startswith("@"):
        return el.get(head[1:]) == const
    for child in el.iterchildren(names.tag(head)):
        if rest:
            if _has(child, rest, const, names):
                return True
        elif (child.text or "").strip() == const:
            return True
    return False


class _Reader:
    def __init__(self, spec: Spec, state: ReverseState) -> None:
        self.names = Names(spec.namespaces)
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
        if node.const is not None and (el.text or "").strip() != node.const:
            return False
        return all(_has(el, path, const, self.names) for path, const in node.keys)

    def candidates(self, node: Node, parent: etree._Element) -> list[etree._Element]:
        return [
            c
            for c in parent.iterchildren(self.names.tag(node.name))
            if c not in self.state.consumed and self.matches(node, c)
        ]

    def where(self, el: etree._Element, attr: str | None) -> str:
        return self.doc_path(el) + (f"/@{attr}" if attr else "")

    def store(
        self,
        node: Node,
        raw: str,
        root: dict[str, Any],
        scope: dict[str, Any],
        scope_path: str,
        el: etree._Element,
        attr: str | None = None,
    ) -> None:
        assert node.source is not None
        try:
            value = node.transform.reverse(raw, "", self.state.ctx)
        except CodeUnmapped as e:
            # Document paths cost a walk up the tree, so they are computed only when an error needs one.
            raise CodeUnmapped(e.message, path=self.where(el, attr)) from None
        if not node.reverse:
            return
        if node.source == ".":
            # A list of plain values keeps each value under "." in its slot until the list is assembled.
            scope["."] = value
            return
        previous = set_path(root, scope, node.source, value)
        if previous is not None and previous != value:
            path = join_path(scope_path, node.source)
            self.state.findings.append(
                Finding(
                    Severity.WARNING,
                    "INCONSISTENT_VALUE",
                    self.where(el, attr),
                    f"{path} also given as {previous!r}; kept it",
                )
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
            if el.text:
                self.store(node, el.text, root, scope, scope_path, el)
            else:
                # An empty element (<ID/>) carries no value: treat it as absent, as the catalog does with null.
                self.default(node, root, scope, scope_path)
        self.read_children(node, el, root, scope, scope_path)

    def read_children(
        self, node: Node, el: etree._Element, root: dict[str, Any], scope: dict[str, Any], scope_path: str
    ) -> None:
        for child in node.children:
            if child.is_attr:
                raw = el.get(child.name)
                if raw is None:
                    self.default(child, root, scope, scope_path)
                    continue
                self.state.consumed.add((el, child.name))
                if child.source is not None:
                    self.store(child, raw, root, scope, scope_path, el, child.name)
            elif child.each is not None and child.inline:
                self.read_inline(child, el, root, scope, scope_path)
            elif child.each is not None:
                self.read_each(child, el, root, scope, scope_path)
            elif child.split is not None:
                self.read_split(child, el, root, scope, scope_path)
            else:
                found = self.candidates(child, el)
                if found:
                    self.read(child, found[0], root, scope, scope_path)
                else:
                    self.default(child, root, scope, scope_path)

    def read_split(self, node: Node, el: etree._Element, root: dict[str, Any], scope: dict[str, Any], scope_path: str) -> None:
        assert node.split is not None
        found = self.candidates(node, el)
        if not found:
            self.default(node, root, scope, scope_path)
            return
        if node.split[2] == "siblings":
            parts = found
        else:
            found = found[:1]
            parts = list(found[0])
        for part in [*found, *parts]:
            self.state.consumed.add(part)
        joined = "".join(p.text or "" for p in parts)
        if not joined:
            # An empty position (EDIFACT "++") means the value is absent, not an empty string.
            self.default(node, root, scope, scope_path)
            return
        self.store(node, joined, root, scope, scope_path, found[0])

    def read_inline(self, node: Node, el: etree._Element, root: dict[str, Any], scope: dict[str, Any], scope_path: str) -> None:
        """Read an inline scope: its children sit in ``el`` and fill the single entry of a one-entry list."""
        assert node.each is not None
        items = get_path(root, scope, node.each)
        fresh = not isinstance(items, list) or not items
        slot: dict[str, Any] = {} if fresh else items[0]
        self.read_children(node, el, root, slot, f"{join_path(scope_path, node.each)}[0]")
        if fresh and slot:
            set_path(root, scope, node.each, [slot])

    def read_each(self, node: Node, parent: etree._Element, root: dict[str, Any], scope: dict[str, Any], scope_path: str) -> None:
        assert node.each is not None
        existing = get_path(root, scope, node.each)
        items: list[Any] = existing if isinstance(existing, list) else []
        list_path = join_path(scope_path, node.each)
        for position, el in enumerate(self.candidates(node, parent)):
            target = self._join(node, el, items, position)
            index = items.index(target) if target is not None else len(items)
            slot: dict[str, Any] = target if target is not None else {}
            self.read(node, el, root, slot, f"{list_path}[{index}]")
            if node.number is not None and node.number not in slot:
                slot[node.number] = index + 1
                self.state.defaulted.append(f"{list_path}[{index}].{node.number}")
            if target is None:
                items.append(slot["."] if set(slot) == {"."} else slot)
        if items:
            set_path(root, scope, node.each, items)

    def _join(self, node: Node, el: etree._Element, items: list[Any], position: int) -> dict[str, Any] | None:
        """Find the list entry an ``each`` element merges into (``join_on``), or None for a new entry."""
        if node.join_on is None:
            return None
        if node.join_on == "#":
            # Join by position: the n-th element of this node completes the n-th entry read before.
            entry = items[position] if position < len(items) else None
            return entry if isinstance(entry, dict) else None
        for child in node.children:
            if child.source == node.join_on and not child.is_attr:
                for c in el.iterchildren(self.names.tag(child.name)):
                    key = child.transform.reverse(c.text or "", child.where, self.state.ctx)
                    return next((it for it in items if isinstance(it, dict) and it.get(node.join_on) == key), None)
        return None


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
