"""What the interpreter keeps besides the document: each run's state, the loss reports, and template names.

The forward run (:mod:`mappings.specs.forward`) fills a :class:`ForwardState`; the reverse reader
(:mod:`mappings.specs.reverse`) fills a :class:`ReverseState`, resolves template names with :class:`Names` and
names document positions with :func:`doc_path`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from mappings.records.paths import unlisted_leaves
from mappings.report import Finding
from mappings.specs.transforms import TransformContext

__all__ = ["ForwardState", "Names", "ReverseState", "doc_path", "unused_paths"]


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


