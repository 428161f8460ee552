"""UN/EDIFACT interchanges as trees the spec engine can walk, parsed with pydifact and written here.

Tree shape: the root element (the template's root name) holds segments and segment groups in order. A segment is an
element named by its tag (``BGM``) with children ``e1``, ``e2``, ... for its data elements; a composite data element
has children ``c1``, ``c2``, ... for its components. A segment group is an element ``SGn`` whose first child is its
trigger segment.

The interchange envelope is the agreement's (:class:`~mappings.interchange.Interchange`): the writer fills UNB's
syntax identifier and version, sender and recipient (with their qualifiers), writes the template's CCYYMMDD date as
YYMMDD under syntax version 3, counts UNT segments and UNZ messages, and encodes the text in the syntax identifier's
character set with ``.`` as the decimal mark. The reader decodes by the UNB's syntax identifier when the agreement
accepts it, and returns one tree per UNH..UNT message (each with the interchange's UNB and UNZ).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from lxml import etree
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segments import Segment, SegmentFactory

from mappings import xmltext
from mappings.errors import DocumentMalformed
from mappings.interchange import Interchange, decode_interchange, encode_interchange
from mappings.xmltext import Unrepresentable

if TYPE_CHECKING:
    from mappings.spec import Node, Spec

__all__ = ["parse_messages", "serialize_stream", "serialize_tree"]


class _PlainFactory(SegmentFactory):
    """Builds plain segments without pydifact's directory validation (which warns for D.96B and service segments).

    Structure and values are checked by the mapping spec and the catalog instead.
    """

    @staticmethod
    def create_segment(name: str, *elements: Any, validate: bool = True, version: str = "", directory: str = "") -> Segment:
        if not name or not isinstance(name, str) or not name.isalnum():
            raise EDISyntaxError(f"invalid segment tag {name!r}")
        return Segment(name, *elements)


class _Out:
    """A segment being written: its tag and data elements (a string, or a list of component strings)."""

    __slots__ = ("elements", "tag")

    def __init__(self, tag: str, *elements: Any) -> None:
        self.tag = tag
        self.elements: list[Any] = list(elements)


def _is_group(tag: str) -> bool:
    return tag.startswith("SG") and tag[2:].isdigit()


@functools.lru_cache(maxsize=256)
def _position(tag: str, prefix: str) -> int:
    return int(tag[1:]) if tag.startswith(prefix) and tag[1:].isdigit() else 0


# --------------------------------------------------------------------------------------------------- writing


def _segment(el: etree._Element) -> _Out:
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
    return _Out(str(el.tag), *elements)


def _segments(el: etree._Element, out: list[_Out]) -> None:
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


def _stream_segment(stream: list[Any], i: int, out: list[_Out]) -> int:
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
    out.append(_Out(tag, *elements))
    return i + 1


_E_POSITIONS: dict[str, int] = {}
_C_POSITIONS: dict[str, int] = {}
_GROUPS: dict[str, bool] = {}


def _stream_segments(stream: list[Any], i: int, out: list[_Out]) -> int:
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


_RELEASE = {3: re.compile(r"([?:+'])"), 4: re.compile(r"([?:+'*])")}


def _envelope(unb: _Out, interchange: Interchange) -> None:
    """Fill UNB's syntax identifier, parties and date format from the agreement."""
    elements = list(unb.elements) + [""] * (5 - len(unb.elements))
    when = elements[3] if isinstance(elements[3], list) else [elements[3]]
    if interchange.syntax_version == 3 and len(when[0]) == 8:
        when = [when[0][2:], *when[1:]]  # the template writes CCYYMMDD; version 3 dates are YYMMDD
    sender = [interchange.sender, interchange.sender_qualifier or ""]
    recipient = [interchange.recipient, interchange.recipient_qualifier or ""]
    elements[0:4] = [[interchange.syntax_identifier, str(interchange.syntax_version)], sender, recipient, when]
    unb.elements = elements


def _write(segments: list[_Out], interchange: Interchange) -> bytes:
    """Fill the envelope, message references, UNT segment counts and the UNZ message count; serialize; encode."""
    start, messages = 0, 0
    for i, seg in enumerate(segments):
        if seg.tag == "UNB":
            _envelope(seg, interchange)
        elif seg.tag == "UNH":
            start, messages = i, messages + 1
            seg.elements[0:1] = [str(messages)]
        elif seg.tag == "UNT":
            seg.elements[0:2] = [str(i - start + 1), str(messages)]
        elif seg.tag == "UNZ":
            seg.elements[0:1] = [str(sum(1 for s in segments if s.tag == "UNH"))]
    release = _RELEASE[interchange.syntax_version]
    parts, offset = [interchange.una], len(interchange.una)
    where: dict[int, str] = {}
    seen: dict[str, int] = {}
    for seg in segments:
        seen[seg.tag] = seen.get(seg.tag, 0) + 1
        where[offset] = f"{seg.tag}[{seen[seg.tag]}]"
        fields: list[str] = []
        for element in seg.elements:
            values = element if isinstance(element, list) else [element]
            escaped = [release.sub(r"?\1", v or "") for v in values]
            while escaped and escaped[-1] == "":
                escaped.pop()
            fields.append(":".join(escaped))
        while fields and fields[-1] == "":
            fields.pop()
        text = "+".join([seg.tag, *fields]) + "'"
        parts.append(text)
        offset += len(text)
    return encode_interchange("".join(parts), interchange, where)


def serialize_tree(tree: etree._Element, interchange: Interchange) -> bytes:
    """Write the tree as an interchange under the agreement's envelope (see the module docstring)."""
    segments: list[_Out] = []
    _segments(tree, segments)
    return _write(segments, interchange)


def serialize_stream(stream: list[Any], interchange: Interchange) -> bytes:
    """:func:`serialize_tree` for the element stream the compiled forward run emits (:mod:`mappings.emit`).

    An element is its tag, its text (or None), its child elements and a closing None, all in one flat list.
    """
    segments: list[_Out] = []
    _stream_segments(stream, 2, segments)
    return _write(segments, interchange)


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
    except (EDISyntaxError, ValueError, IndexError) as e:
        raise DocumentMalformed(f"not a parseable EDIFACT interchange: {e}") from e
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
