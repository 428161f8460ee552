"""UN/EDIFACT interchanges as trees the spec engine can walk (filled in phase 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from mappings.errors import DocumentMalformed

if TYPE_CHECKING:
    from mappings.spec import Spec

__all__ = ["parse_to_tree", "serialize_tree"]


def serialize_tree(tree: etree._Element) -> bytes:
    """Serialize an EDIFACT tree as an interchange."""
    raise DocumentMalformed("EDIFACT output is not available yet")


def parse_to_tree(data: bytes, spec: Spec) -> etree._Element:
    """Parse an EDIFACT interchange into a tree shaped by ``spec``'s template."""
    raise DocumentMalformed("EDIFACT input is not available yet")
