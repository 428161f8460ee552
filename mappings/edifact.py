"""UN/EDIFACT interchanges as trees the spec engine can walk, parsed and written with pydifact.

Tree shape: the root element (the template's root name) holds segments and segment groups in order. A segment is an
element named by its tag (``BGM``) with children ``e1``, ``e2``, ... for its data elements; a composite data element
has children ``c1``, ``c2``, ... for its components. A segment group is an element ``SGn`` whose first child is its
trigger segment. The interchange is written in syntax UNOW (UTF-8) with ``.`` as the decimal mark.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from lxml import etree
from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError, ValidationError
from pydifact.parser import Parser
from pydifact.segments import Segment, SegmentFactory
from pydifact.serializer import Serializer

from mappings import xmltext
from mappings.errors import DocumentMalformed
from mappings.xmltext import Unrepresentable

if TYPE_CHECKING:
    from mappings.spec import Node, Spec

__all__ = ["parse_to_tree", "serialize_stream", "serialize_tree"]

_CHARACTERS = Characters.from_str("UNA:+.? '")
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


def _skip(stream: list[Any], i: int) -> int:
    """Return the position after the element starting at ``i`` of an element stream."""
    i += 2
    while stream[i] is not None:
        i = _skip(stream, i)
    return i + 1


def _stream_segment(stream: list[Any], i: int, out: list[Segment]) -> int:
    """:func:`_segment` for the element starting at ``i`` of an element stream; return the position after it."""
    tag = stream[i]
    elements: list[Any] = []
    i += 2
    while (child := stream[i]) is not None:
        pos = _E_POSITIONS.get(child)
        if pos is None:
            pos = _E_POSITIONS[child] = _position(child, "e")
        if not pos:
            i = _skip(stream, i)
            continue
        while len(elements) < pos - 1:
            elements.append("")
        text = stream[i + 1]
        i += 2
        if stream[i] is None:
            elements.append(text or "")
        else:
            components: list[str] = []
            while (comp := stream[i]) is not None:
                cpos = _C_POSITIONS.get(comp)
                if cpos is None:
                    cpos = _C_POSITIONS[comp] = _position(comp, "c")
                while len(components) < cpos - 1:
                    components.append("")
                components.append(stream[i + 1] or "")
                i = i + 3 if stream[i + 2] is None else _skip(stream, i)
            while components and components[-1] == "":
                components.pop()
            elements.append(components if len(components) > 1 else (components[0] if components else ""))
        i += 1
    while elements and elements[-1] == "":
        elements.pop()
    out.append(Segment(tag, *elements))
    return i + 1


_E_POSITIONS: dict[str, int] = {}
_C_POSITIONS: dict[str, int] = {}
_GROUPS: dict[str, bool] = {}


def _stream_segments(stream: list[Any], i: int, out: list[Segment]) -> int:
    """:func:`_segments` for the children starting at ``i``; return the position after their parent's end."""
    while (tag := stream[i]) is not None:
        group = _GROUPS.get(tag)
        if group is None:
            group = _GROUPS[tag] = _is_group(tag)
        if group:
            i = _stream_segments(stream, i + 2, out)
        else:
            i = _stream_segment(stream, i, out)
    return i + 1


def _write(segments: list[Segment]) -> bytes:
    """Fill the UNT segment count and the UNZ message count, then serialize."""
    start = next((i for i, s in enumerate(segments) if s.tag == "UNH"), None)
    for i, seg in enumerate(segments):
        if seg.tag == "UNT" and start is not None:
            seg.elements[0:1] = [str(i - start + 1)]
        elif seg.tag == "UNZ":
            seg.elements[0:1] = [str(sum(1 for s in segments if s.tag == "UNH"))]
    text = Serializer(_CHARACTERS).serialize(segments, with_una_header=True)
    return text.encode("utf-8")


def serialize_tree(tree: etree._Element) -> bytes:
    """Write the tree as an interchange, filling the UNT segment count and the UNZ message count."""
    segments: list[Segment] = []
    _segments(tree, segments)
    return _write(segments)


def serialize_stream(stream: list[Any]) -> bytes:
    """:func:`serialize_tree` for the element stream the compiled forward run emits (:mod:`mappings.emit`).

    An element is its tag, its text (or None), its child elements and a closing None, all in one flat list.
    """
    segments: list[Segment] = []
    _stream_segments(stream, 2, segments)
    return _write(segments)


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


def parse_to_tree(data: bytes, spec: Spec) -> etree._Element:
    """Parse an interchange into a tree shaped by ``spec``'s template; envelope errors raise DocumentMalformed."""
    text = _text(data)
    try:
        segments = [s for s in Parser(factory=_PlainFactory()).parse(text) if s.tag != "UNA"]
    except (EDISyntaxError, ValidationError, ValueError, IndexError) as e:  # ValidationError: a UNA too short
        raise DocumentMalformed(f"not a parseable EDIFACT interchange: {e}") from e
    _check_envelope(segments, _message_type(spec))
    _check_characters(segments)
    composites: set[tuple[str, str]] = set()
    _composites(spec.template, composites)
    root = _build(spec, segments, composites)
    for counter in ("UNT", "UNZ"):
        # The counts were checked above; they are envelope control values, not business data to report.
        for e1 in root.iter(counter):
            first = e1.find("e1")
            if first is not None:
                first.text = None
    return root
