"""UN/EDIFACT interchanges as trees the spec engine can walk: read here (pydifact tokenizes), written by
:mod:`mappings.syntaxes.edifact.write`.

Tree shape: the root element (the template's root name) holds segments and segment groups in order. A segment is an
element named by its tag (``BGM``) with children ``e1``, ``e2``, ... for its data elements; a composite data element
has children ``c1``, ``c2``, ... for its components. A segment group is an element ``SGn`` whose first child is its
trigger segment.

The interchange envelope is the agreement's (:class:`~mappings.syntaxes.edifact.interchange.Interchange`), filled in
by the writer.
The reader decodes by the UNB's syntax identifier when the agreement
accepts it, and returns one tree per UNH..UNT message (each with the interchange's UNB and UNZ).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree
from pydifact.exceptions import EDISyntaxError, ValidationError
from pydifact.parser import Parser
from pydifact.segments import Segment, SegmentFactory

from mappings.syntaxes.xml import text as xmltext
from mappings.syntaxes.edifact.write import _is_group, _position, serialize_stream, serialize_tree
from mappings.errors import DocumentMalformed
from mappings.syntaxes.edifact.interchange import decode_interchange
from mappings.syntaxes.xml.text import Unrepresentable

if TYPE_CHECKING:
    from mappings.specs.language import Node, Spec

__all__ = ["parse_messages", "serialize_stream", "serialize_tree"]

_TAG = re.compile(r"[A-Z][A-Z0-9]*")


class _PlainFactory(SegmentFactory):
    """Builds plain segments without pydifact's directory validation (which warns for D.96B and service segments).

    Structure and values are checked by the mapping spec and the catalog instead.
    """

    @staticmethod
    def create_segment(name: str, *elements: Any, validate: bool = True, version: str = "", directory: str = "") -> Segment:
        # Tags become XML element names: ASCII capitals and digits, a capital first ("9AB" crashed the builder).
        if not isinstance(name, str) or not _TAG.fullmatch(name):
            raise EDISyntaxError(f"invalid segment tag {name!r}")
        return Segment(name, *elements)


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


_PLANS: dict[tuple[int, str | None], tuple[Node, frozenset[str], dict[str, Node], frozenset[str]]] = {}


def _plan(node: Node, trigger: str | None) -> tuple[frozenset[str], dict[str, Node], frozenset[str]]:
    """Segment tags placed at this level, groups by trigger tag, and both together (cached per template node)."""
    cached = _PLANS.get((id(node), trigger))
    if cached is None or cached[0] is not node:
        tags = frozenset({c.name for c in node.children if not c.is_attr and not _is_group(c.name)} - {trigger})
        groups = {c.children[0].name: c for c in node.children if _is_group(c.name) and c.children}
        cached = (node, tags, groups, frozenset(tags | set(groups)))
        _PLANS[(id(node), trigger)] = cached
    return cached[1:]


class _Builder:
    """Places a flat segment list into groups, following the segment groups declared by the template."""

    def __init__(self, segments: list[Segment], composites: set[tuple[str, str]]) -> None:
        self.segments = segments
        self.composites = composites
        self.pos = 0

    def segment(self, parent: Any, seg: Segment) -> None:
        _segment_element(parent, seg, self.composites)

    def group(self, parent: Any, name: str) -> Any:
        return etree.SubElement(parent, name)

    def end_group(self, name: str) -> None:
        return None

    def level(self, node: Node, parent: Any, outer: frozenset[str], trigger: str | None) -> None:
        tags, groups, known_here = _plan(node, trigger)
        while self.pos < len(self.segments):
            seg = self.segments[self.pos]
            if seg.tag in tags:
                self.segment(parent, seg)
                self.pos += 1
            elif seg.tag in groups:
                group = groups[seg.tag]
                gel = self.group(parent, group.name)
                self.segment(gel, seg)
                self.pos += 1
                self.level(group, gel, outer | known_here, seg.tag)
                self.end_group(group.name)
            elif seg.tag in outer or seg.tag == trigger:
                return  # the segment belongs to an enclosing level (or starts the next repetition)
            else:
                # Unknown everywhere: keep it here so the loss report names it.
                self.segment(parent, seg)
                self.pos += 1


def _escaped(value: Any) -> str:
    if type(value) is not str:
        raise Unrepresentable
    return xmltext.text(value)


class _TextBuilder(_Builder):
    """The same tree written as XML text and parsed once: far cheaper than one ``SubElement`` per node."""

    def __init__(self, segments: list[Segment], composites: set[tuple[str, str]]) -> None:
        super().__init__(segments, composites)
        self.out: list[str] = []

    def segment(self, parent: Any, seg: Segment) -> None:
        out, tag = self.out, xmltext.name(seg.tag)
        out.append(f"<{tag}>")
        for i, value in enumerate(seg.elements, 1):
            if isinstance(value, list):
                out.append(f"<e{i}>")
                for j, comp in enumerate(value, 1):
                    if comp:
                        out.append(f"<c{j}>{_escaped(comp)}</c{j}>")
                out.append(f"</e{i}>")
            elif (tag, f"e{i}") in self.composites:
                out.append(f"<e{i}><c1>{_escaped(value)}</c1></e{i}>" if value else f"<e{i}/>")
            elif value:
                out.append(f"<e{i}>{_escaped(value)}</e{i}>")
            else:
                out.append(f"<e{i}/>")
        out.append(f"</{tag}>")

    def group(self, parent: Any, name: str) -> Any:
        self.out.append(f"<{xmltext.name(name)}>")
        return None

    def end_group(self, name: str) -> None:
        self.out.append(f"</{name}>")


def _build(spec: Spec, segments: list[Segment], composites: set[tuple[str, str]]) -> etree._Element:
    """The tree of ``segments``: written as text and parsed when possible, else element by element."""
    try:
        builder = _TextBuilder(segments, composites)
        name = xmltext.name(spec.template.name)
        builder.out.append(f"<{name}>")
        builder.level(spec.template, None, frozenset(), None)
        builder.out.append(f"</{name}>")
        return xmltext.parse("".join(builder.out))
    except Unrepresentable:
        root = etree.Element(spec.template.name)
        _Builder(segments, composites).level(spec.template, root, frozenset(), None)
        return root


def _text(data: bytes, accept: tuple[str, ...]) -> str:
    if not isinstance(data, (bytes, bytearray)):
        raise DocumentMalformed("an EDIFACT interchange must be given as bytes")
    text, _ = decode_interchange(bytes(data), accept)
    stripped = text.lstrip()
    if not (stripped.startswith("UNA") or stripped.startswith("UNB")):
        raise DocumentMalformed("an interchange starts with UNA or UNB")
    return stripped


def _first(seg: Segment, index: int) -> str:
    """The first component of data element ``index`` (0-based), or ''."""
    value = seg.elements[index] if len(seg.elements) > index else ""
    return (value[0] if value else "") if isinstance(value, list) else value


def _messages(segments: list[Segment], message_type: tuple[str, ...]) -> list[list[Segment]]:
    """Check the interchange envelope and split it into its UNH..UNT messages."""
    tags = [s.tag for s in segments]
    if tags[:1] != ["UNB"] or tags[-1:] != ["UNZ"] or len(tags) < 4:
        raise DocumentMalformed("expected UNB, UNH ... UNT messages, UNZ")
    if "UNG" in tags:
        raise DocumentMalformed("functional groups (UNG ... UNE) are not supported", path="UNG")
    messages: list[list[Segment]] = []
    i = 1
    while i < len(tags) - 1:
        n = len(messages) + 1
        if tags[i] != "UNH":
            raise DocumentMalformed(f"segment {i + 1} ({tags[i]}) stands outside a UNH ... UNT message", path=tags[i])
        end = next((k for k in range(i + 1, len(tags) - 1) if tags[k] in ("UNH", "UNT")), None)
        if end is None or tags[end] != "UNT":
            raise DocumentMalformed(f"message {n} has no UNT before the next UNH or UNZ", path=f"UNH[{n}]")
        unh, unt = segments[i], segments[end]
        if _first(unt, 0) != str(end - i + 1):
            raise DocumentMalformed(
                f"UNT counts {_first(unt, 0)!r} segments, message {n} has {end - i + 1}", path=f"UNT[{n}]"
            )
        if _first(unt, 1) != _first(unh, 0):
            raise DocumentMalformed(f"UNT reference of message {n} differs from its UNH", path=f"UNT[{n}]")
        identifier = unh.elements[1] if len(unh.elements) > 1 else ""
        got = tuple(identifier) if isinstance(identifier, list) else (identifier,)
        if got[: len(message_type)] != message_type:
            raise DocumentMalformed(
                f"message {n} type {':'.join(got)} is not {':'.join(message_type)}", path=f"UNH[{n}]"
            )
        messages.append(segments[i : end + 1])
        i = end + 1
    if len({_first(m[0], 0) for m in messages}) != len(messages):
        raise DocumentMalformed("two messages share a message reference (UNH 0062)", path="UNH")
    if _first(segments[-1], 0) != str(len(messages)):
        raise DocumentMalformed(f"UNZ counts {_first(segments[-1], 0)!r} messages, the interchange has "
                                f"{len(messages)}", path="UNZ")
    if len(segments[0].elements) > 4 and len(segments[-1].elements) > 1 and segments[0][4] != segments[-1][1]:
        raise DocumentMalformed("UNZ control reference differs from UNB", path="UNZ")
    return messages


def _check_characters(segments: list[Segment]) -> None:
    """Refuse data XML cannot carry (C0 controls but tab, LF, CR; U+FFFE, U+FFFF), which lxml raised ValueError for."""
    for index, seg in enumerate(segments, 1):
        for i, value in enumerate(seg.elements, 1):
            for j, text in enumerate(value if isinstance(value, list) else [value], 1):
                if isinstance(text, str) and (bad := xmltext.BAD.search(text)) is not None:
                    where = f"{seg.tag}[{index}]/e{i}" + (f"/c{j}" if isinstance(value, list) else "")
                    raise DocumentMalformed(f"character U+{ord(bad.group()):04X} is not allowed in data", path=where)


def _message_type(spec: Spec) -> tuple[str, ...]:
    """The message identifier constants of the template's UNH e2 (e.g. CUSCAR, D, 96B, UN)."""
    for seg in spec.template.children:
        if seg.name == "UNH":
            for e in seg.children:
                if e.name == "e2":
                    return tuple(c.const or "" for c in e.children)
    return ()


# Envelope control values: checked by the reader (or the agreement), not business data for the loss report.
_CONTROL = (("UNB", ("e1", "e2", "e3")), ("UNH", ("e1",)), ("UNT", ("e1", "e2")), ("UNZ", ("e1",)))


def parse_messages(data: bytes, spec: Spec, accept: tuple[str, ...]) -> list[etree._Element]:
    """Parse an interchange into one tree per UNH..UNT message, each shaped by ``spec``'s template.

    Each tree holds the interchange's UNB, the message and UNZ. A syntax identifier outside ``accept`` (or bytes
    outside it) raises :class:`~mappings.errors.CharsetRefused`; envelope errors raise DocumentMalformed.
    """
    text = _text(data, accept)
    try:
        segments = [s for s in Parser(factory=_PlainFactory()).parse(text) if s.tag != "UNA"]
    except (EDISyntaxError, ValidationError, ValueError, IndexError) as e:  # ValidationError: a UNA too short
        raise DocumentMalformed(f"not a parseable EDIFACT interchange: {e}") from e
    _check_characters(segments)
    messages = _messages(segments, _message_type(spec))
    composites: set[tuple[str, str]] = set()
    _composites(spec.template, composites)
    trees = []
    for message in messages:
        root = _build(spec, [segments[0], *message, segments[-1]], composites)
        for tag, positions in _CONTROL:
            for segment in root.iter(tag):
                for position in positions:
                    for el in segment.iterfind(position):
                        for node in el.iter():
                            node.text = None
        trees.append(root)
    return trees
