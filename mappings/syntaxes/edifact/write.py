"""Writing UN/EDIFACT interchanges: the tree or element stream of a forward run, under the agreement's envelope.

See :mod:`mappings.syntaxes.edifact.tree` for the tree shape. The writer fills UNB's syntax identifier and version,
sender and recipient (with their qualifiers), writes the template's CCYYMMDD date as YYMMDD under syntax version 3, numbers
the messages, counts UNT segments and UNZ messages, releases service characters (``?``; in version 4 also the
repetition separator ``*``) and encodes the text in the syntax identifier's character set, naming the segment of a
value that character set cannot hold (``CHARSET_REFUSED``).
"""

from __future__ import annotations

import functools
from typing import Any

from lxml import etree

from mappings.syntaxes.edifact.interchange import Interchange, encode_interchange

__all__ = ["serialize_stream", "serialize_tree"]


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


# Release (escape) tables: "?" before every service character; version 4 also releases the repetition separator.
_RELEASE = {
    3: str.maketrans({c: "?" + c for c in "?:+'"}),
    4: str.maketrans({c: "?" + c for c in "?:+'*"}),
}


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
            if type(element) is str:
                fields.append(element.translate(release))
                continue
            escaped = [v.translate(release) for v in element]
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
    """:func:`serialize_tree` for the element stream the compiled forward run emits (:mod:`mappings.specs.emit`).

    An element is its tag, its text (or None), its child elements and a closing None, all in one flat list.
    """
    segments: list[_Out] = []
    _stream_segments(stream, 2, segments)
    return _write(segments, interchange)
