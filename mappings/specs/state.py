"""What the interpreter keeps besides the document: each run's state, the loss reports, and template names.

The forward run (:mod:`mappings.specs.forward`) fills a :class:`ForwardState`; the reverse reader
(:mod:`mappings.specs.reverse`) fills a :class:`ReverseState`, resolves template names with :class:`Names`, matches
document elements to template nodes with :func:`compile_match` and names document positions with :func:`doc_path`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from mappings.records.paths import unlisted_leaves
from mappings.report import Finding
from mappings.specs.language import Node
from mappings.specs.transforms import TransformContext

__all__ = ["ForwardState", "Match", "Names", "ReverseState", "compile_match", "doc_path", "unused_paths"]

Match = Callable[[etree._Element], bool]
"""Whether a document element matches a template node (see :func:`compile_match`)."""


@dataclass
class ForwardState:
    """What a forward run observed besides the document it wrote."""

    used: set[str] = field(default_factory=set)
    """Record paths whose values went into the document."""
    defaulted: list[str] = field(default_factory=list)
    """Record paths that had no value and were filled from a default."""
    ctx: TransformContext = field(default_factory=TransformContext)
    """Transform context (code-list editions)."""
    tree: etree._Element | None = None
    """The XML document written, parsed for the schema check (None for EDIFACT)."""


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


def doc_path(prefixes: dict[str, str], el: etree._Element) -> str:
    """An XPath-like path with prefixes and 1-based positions among same-named siblings."""
    steps: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        q = etree.QName(node)
        prefix = prefixes.get(q.namespace or "", "")
        name = f"{prefix}:{q.localname}" if prefix else q.localname
        parent = node.getparent()
        if parent is not None:
            same = [s for s in parent if s.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


class Names:
    """Resolves ``prefix:local`` template names to Clark notation (cached per instance)."""

    def __init__(self, namespaces: Mapping[str, str]) -> None:
        self._ns = namespaces
        self._cache: dict[str, str] = {}

    def tag(self, name: str) -> str:
        """Return the Clark-notation tag for a template name."""
        cached = self._cache.get(name)
        if cached is None:
            prefix, _, local = name.rpartition(":")
            uri = self._ns.get(prefix, "")
            cached = f"{{{uri}}}{local}" if uri else local
            self._cache[name] = cached
        return cached


def unused_paths(record: Mapping[str, Any], state: ForwardState) -> tuple[str, ...]:
    """Return the record leaf paths the forward run did not carry (the loss report's ``dropped``)."""
    return unlisted_leaves(record, state.used)


_Step = tuple[bool, str]
"""One step of a match path: (is an attribute, attribute name or Clark tag)."""


def _has(el: etree._Element, path: tuple[_Step, ...], const: str) -> bool:
    (is_attr, name), rest = path[0], path[1:]
    if is_attr:
        return el.get(name) == const
    for child in el[:]:
        if child.tag != name:
            continue  # (comparing tags is much cheaper than lxml's iterchildren(tag) on these small elements)
        if rest:
            if _has(child, rest, const):
                return True
        elif (child.text or "").strip() == const:
            return True
    return False


def compile_match(names: Names, node: Node) -> Match | None:
    """Whether an element matches the node: its constant and its match keys; None when anything matches."""
    const = node.const
    keys = tuple(
        (tuple((h.startswith("@"), h[1:] if h.startswith("@") else names.tag(h)) for h in path), value)
        for path, value in node.keys
    )
    if const is None and not keys:
        return None
    # The usual matchers, a constant or one match key (a scheme attribute, a qualifier child), without a generator.
    if not keys:
        return lambda el: (el.text or "").strip() == const
    if const is None and len(keys) == 1:
        ((path, value),) = keys
        return lambda el: _has(el, path, value)

    def match(el: etree._Element) -> bool:
        if const is not None and (el.text or "").strip() != const:
            return False
        return all(_has(el, path, value) for path, value in keys)

    return match
