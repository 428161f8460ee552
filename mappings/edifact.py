"""UN/EDIFACT interchanges as trees the spec engine can walk, parsed and written with pydifact.

Tree shape: the root element (the template's root name) holds segments and segment groups in order. A segment is an
element named by its tag (``BGM``) with children ``e1``, ``e2``, ... for its data elements; a composite data element
has children ``c1``, ``c2``, ... for its components. A segment group is an element ``SGn`` whose first child is its
trigger segment. The interchange is written in syntax UNOW (UTF-8) with ``.`` as the decimal mark.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from lxml import etree
from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segments import Segment, SegmentFactory
from pydifact.serializer import Serializer

from mappings.errors import DocumentMalformed

if TYPE_CHECKING:
    from mappings.spec import Node, Spec

__all__ = ["parse_to_tree", "serialize_tree"]

_CHARACTERS = Characters.from_str("UNA:+.? '")


class _PlainFactory(SegmentFactory):
    """Builds plain segments without pydifact's directory validation (which warns for D.96B and service segments).

    Structure and values are checked by the mapping spec and the catalog instead.
    """

    @staticmethod
    def create_segment(name: str, *elements: Any, validate: bool = True, version: str = "", directory: str = "") -> Segment:
        if not name or not isinstance(name, str) or not name.isalnum():
            raise EDISyntaxError(f"invalid segment tag {name!r}")
        return Segment(name, *elements)


def _is_group(tag: str) -> bool:
    return tag.startswith("SG") and tag[2:].isdigit()


@functools.lru_cache(maxsize=256)
def _position(tag: str, prefix: str) -> int:
    return int(tag[1:]) if tag.startswith(prefix) and tag[1:].isdigit() else 0


# --------------------------------------------------------------------------------------------------- writing


def _segment(el: etree._Element) -> Segment:
    elements: list[Any] = []
    for child in el:
        pos = _position(str(child.tag), "e")
        if not pos:
            continue
        while len(elements) < pos - 1:
            elements.append("")
        if len(child):
            components: list[str] = []
            for comp in child:
                cpos = _position(str(comp.tag), "c")
                while len(components) < cpos - 1:
                    components.append("")
                components.append(comp.text or "")
            while components and components[-1] == "":
                components.pop()
            elements.append(components if len(components) > 1 else (components[0] if components else ""))
        else:
            elements.append(child.text or "")
    while elements and elements[-1] == "":
        elements.pop()
    return Segment(str(el.tag), *elements)


def _segments(el: etree._Element, out: list[Segment]) -> None:
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if _is_group(child.tag):
            _segments(child, out)
        else:
            out.append(_segment(child))


def serialize_tree(tree: etree._Element) -> bytes:
    """Write the tree as an interchange, filling the UNT segment count and the UNZ message count."""
    segments: list[Segment] = []
    _segments(tree, segments)
    start = next((i for i, s in enumerate(segments) if s.tag == "UNH"), None)
    for i, seg in enumerate(segments):
        if seg.tag == "UNT" and start is not None:
            seg.elements[0:1] = [str(i - start + 1)]
        elif seg.tag == "UNZ":
            seg.elements[0:1] = [str(sum(1 for s in segments if s.tag == "UNH"))]
    text = Serializer(_CHARACTERS).serialize(segments, with_una_header=True)
    return text.encode("utf-8")


# --------------------------------------------------------------------------------------------------- reading


def _composites(node: Node, out: set[tuple[str, str]], segment: str = "") -> None:
    """Collect (segment tag, element position name) pairs the template treats as composites."""
    for child in node.children:
        if child.is_attr:
            continue
        if _position(child.name, "e") and segment:
            if child.children or (child.split is not None and child.split[2] == "components"):
                out.add((segment, child.name))
        else:
            _composites(child, out, "" if _is_group(child.name) else child.name)


def _segment_element(parent: etree._Element, seg: Segment, composites: set[tuple[str, str]]) -> None:
    el = etree.SubElement(parent, seg.tag)
    for i, value in enumerate(seg.elements, 1):
        e = etree.SubElement(el, f"e{i}")
        if isinstance(value, list):
            for j, comp in enumerate(value, 1):
                if comp:
                    etree.SubElement(e, f"c{j}").text = comp
        elif (seg.tag, f"e{i}") in composites:
            # pydifact returns a composite with only its first component as a plain string.
            if value:
                etree.SubElement(e, "c1").text = value
        elif value:
            e.text = value


class _Builder:
    """Places a flat segment list into groups, following the segment groups declared by the template."""

    def __init__(self, segments: list[Segment], composites: set[tuple[str, str]]) -> None:
        self.segments = segments
        self.composites = composites
        self.pos = 0

    def level(self, node: Node, parent: etree._Element, outer: frozenset[str], trigger: str | None) -> None:
        tags = {c.name for c in node.children if not c.is_attr and not _is_group(c.name)} - {trigger}
        groups = {c.children[0].name: c for c in node.children if _is_group(c.name) and c.children}
        known_here = frozenset(tags | set(groups))
        while self.pos < len(self.segments):
            seg = self.segments[self.pos]
            if seg.tag in tags:
                _segment_element(parent, seg, self.composites)
                self.pos += 1
            elif seg.tag in groups:
                group = groups[seg.tag]
                gel = etree.SubElement(parent, group.name)
                _segment_element(gel, seg, self.composites)
                self.pos += 1
                self.level(group, gel, outer | known_here, seg.tag)
            elif seg.tag in outer or seg.tag == trigger:
                return  # the segment belongs to an enclosing level (or starts the next repetition)
            else:
                # Unknown everywhere: keep it here so the loss report names it.
                _segment_element(parent, seg, self.composites)
                self.pos += 1


def _text(data: bytes) -> str:
    if not isinstance(data, (bytes, bytearray)):
        raise DocumentMalformed("an EDIFACT interchange must be given as bytes")
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentMalformed(f"interchange is not UTF-8 (syntax UNOW): {e.reason}") from e
    stripped = text.lstrip()
    if not (stripped.startswith("UNA") or stripped.startswith("UNB")):
        raise DocumentMalformed("an interchange starts with UNA or UNB")
    return stripped


def _check_envelope(segments: list[Segment], message_type: tuple[str, ...]) -> None:
    tags = [s.tag for s in segments]
    if tags[:1] != ["UNB"] or tags[-1:] != ["UNZ"] or tags.count("UNH") != 1 or tags.count("UNT") != 1:
        raise DocumentMalformed("expected UNB, one UNH ... UNT message, UNZ")
    unh, unt = tags.index("UNH"), tags.index("UNT")
    if unh != 1 or unt != len(tags) - 2:
        raise DocumentMalformed("UNH must follow UNB and UNT must precede UNZ")
    count = segments[unt].elements[0] if segments[unt].elements else ""
    if count != str(unt - unh + 1):
        raise DocumentMalformed(f"UNT counts {count!r} segments, the message has {unt - unh + 1}", path="UNT")
    if (segments[-1].elements[:1] or [""])[0] != "1":
        raise DocumentMalformed("UNZ must count one message", path="UNZ")
    if len(segments[0].elements) > 4 and len(segments[-1].elements) > 1 and segments[0][4] != segments[-1][1]:
        raise DocumentMalformed("UNZ control reference differs from UNB", path="UNZ")
    identifier = segments[unh].elements[1] if len(segments[unh].elements) > 1 else ""
    got = tuple(identifier) if isinstance(identifier, list) else (identifier,)
    if got[: len(message_type)] != message_type:
        raise DocumentMalformed(f"message type {':'.join(got)} is not {':'.join(message_type)}", path="UNH")


def _message_type(spec: Spec) -> tuple[str, ...]:
    """The message identifier constants of the template's UNH e2 (e.g. CUSCAR, D, 96B, UN)."""
    for seg in spec.template.children:
        if seg.name == "UNH":
            for e in seg.children:
                if e.name == "e2":
                    return tuple(c.const or "" for c in e.children)
    return ()


def parse_to_tree(data: bytes, spec: Spec) -> etree._Element:
    """Parse an interchange into a tree shaped by ``spec``'s template; envelope errors raise DocumentMalformed."""
    text = _text(data)
    try:
        segments = [s for s in Parser(factory=_PlainFactory()).parse(text) if s.tag != "UNA"]
    except (EDISyntaxError, ValueError, IndexError) as e:
        raise DocumentMalformed(f"not a parseable EDIFACT interchange: {e}") from e
    _check_envelope(segments, _message_type(spec))
    composites: set[tuple[str, str]] = set()
    _composites(spec.template, composites)
    root = etree.Element(spec.template.name)
    _Builder(segments, composites).level(spec.template, root, frozenset(), None)
    for counter in ("UNT", "UNZ"):
        # The counts were checked above; they are envelope control values, not business data to report.
        for e1 in root.iter(counter):
            first = e1.find("e1")
            if first is not None:
                first.text = None
    return root
