"""What the interpreter keeps besides the document: a forward run's state and loss report, and template names.

The forward run (:mod:`mappings.specs.forward`) fills a :class:`ForwardState`; the reverse reader
(:mod:`mappings.specs.reverse`) resolves template names with :class:`Names`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mappings.records.paths import unlisted_leaves
from mappings.specs.transforms import TransformContext

__all__ = ["ForwardState", "Names", "unused_paths"]


@dataclass
class ForwardState:
    """What a forward run observed besides the document it wrote."""

    used: set[str] = field(default_factory=set)
    """Record paths whose values went into the document."""
    defaulted: list[str] = field(default_factory=list)
    """Record paths that had no value and were filled from a default."""
    ctx: TransformContext = field(default_factory=TransformContext)
    """Transform context (code-list editions)."""


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


