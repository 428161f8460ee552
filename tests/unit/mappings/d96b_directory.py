"""An independent checker of UN/EDIFACT D.96B interchanges, driven by the official directory files.

It reads an interchange with its own small tokenizer (not pydifact, which swgw writes and reads with) and checks
what a stranger's translator checks: the service string advice, the UNB against ISO 9735 (syntax identifier and
version from the service code directory, the date's length for the version), every segment's data elements and
components against ``segments.xml`` (count, required, type and maximum length), every coded value against
``codes.xml`` (unless the composite names another agency's code list in 3055), the message structure against
``messages/cuscar.xml`` (order, repeats, mandatory segments and groups) and the UNT and UNZ counts.

The service segments are not in the D.96B files, so their layout is written out below from ISO 9735-1.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree


@dataclass(frozen=True)
class Simple:
    """A simple data element (or a component) of the directory."""

    id: str
    kind: str  # "a", "n" or "an"
    size: int
    fixed: bool
    required: bool


@dataclass(frozen=True)
class Composite:
    """A composite data element: its components in order."""

    id: str
    required: bool
    components: tuple[Simple, ...]


Element = Simple | Composite


def _s(spec: str, required: bool = False) -> Simple:
    """``"0004 an..35"`` style shorthand for the ISO 9735 service elements."""
    ident, rep = spec.split()
    m = re.fullmatch(r"(an|a|n)(\.\.)?(\d+)", rep)
    assert m, spec
    return Simple(ident, m.group(1), int(m.group(3)), m.group(2) is None, required)


def _service(version: int) -> dict[str, tuple[Element, ...]]:
    """ISO 9735-1 service segments UNB, UNH, UNT, UNZ (version 4 layout; version 3 dates are n6)."""
    date = "0017 n8" if version == 4 else "0017 n6"
    return {
        "UNB": (
            Composite("S001", True, (_s("0001 a4", True), _s("0002 n1", True), _s("0080 an..6"), _s("0133 an..3"))),
            Composite("S002", True, (_s("0004 an..35", True), _s("0007 an..4"), _s("0008 an..35"), _s("0042 an..35"))),
            Composite("S003", True, (_s("0010 an..35", True), _s("0007 an..4"), _s("0014 an..35"), _s("0046 an..35"))),
            Composite("S004", True, (_s(date, True), _s("0019 n4", True))),
            _s("0020 an..14", True),
            Composite("S005", False, (_s("0022 an..14", True), _s("0025 an2"))),
            _s("0026 an..14"), _s("0029 a1"), _s("0031 n1"), _s("0032 an..35"), _s("0035 n1"),
        ),
        "UNH": (
            _s("0062 an..14", True),
            Composite("S009", True, (_s("0065 an..6", True), _s("0052 an..3", True), _s("0054 an..3", True),
                                     _s("0051 an..3", True), _s("0057 an..6"))),
            _s("0068 an..35"),
            Composite("S010", False, (_s("0070 n..2", True), _s("0073 a1"))),
        ),
        "UNT": (_s("0074 n..6", True), _s("0062 an..14", True)),
        "UNZ": (_s("0036 n..6", True), _s("0020 an..14", True)),
    }


def _simple(el: etree._Element) -> Simple:
    fixed = el.get("length") is not None
    return Simple(el.get("id", ""), el.get("type", "an"), int(el.get("length") or el.get("maxlength") or 0), fixed,
                  el.get("required") == "true")


class Directory:
    """The D.96B segments, codes and one message structure, read from the official directory files."""

    def __init__(self, folder: Path, message: str) -> None:
        self.segments: dict[str, tuple[Element, ...]] = {}
        for seg in etree.parse(str(folder / "segments.xml")).getroot():
            elements: list[Element] = []
            for child in seg:
                if child.tag == "data_element":
                    elements.append(_simple(child))
                elif child.tag == "composite_data_element":
                    elements.append(Composite(child.get("id", ""), child.get("required") == "true",
                                              tuple(_simple(c) for c in child)))
            self.segments[seg.get("id", "")] = tuple(elements)
        self.codes: dict[str, set[str]] = {}
        for name in ("codes.xml", "service_codes_v4.xml"):
            for de in etree.parse(str(folder / name)).getroot():
                self.codes.setdefault(de.get("id", ""), set()).update(c.get("id", "") for c in de)
        # UNOW (UTF-8) came with ISO 9735 amendment 1 (2002), after this service code list.
        self.codes["0001"].add("UNOW")
        self.structure = etree.parse(str(folder / "messages" / f"{message.lower()}.xml")).getroot()


# Character sets by syntax identifier, for reading only (ISO 9735 levels). UNOW (UTF-8) came with ISO 9735
# amendment 1 (2002), after the service code list shipped with the directory files, so it is added here.
_CODECS = {"UNOA": "ascii", "UNOB": "ascii", "UNOC": "latin-1", "UNOD": "iso8859-2", "UNOE": "iso8859-5",
           "UNOF": "iso8859-7", "UNOW": "utf-8", "UNOY": "utf-8"}
_LEVEL_A = re.compile(r"^[A-Z0-9 .,\-()/='+:?!\"%&*;<>]*$")


def tokenize(data: bytes) -> tuple[str, list[tuple[str, list[list[str]]]]]:
    """Split an interchange into (UNA, [(tag, [[component, ...], ...]), ...]), releasing escaped characters."""
    m = re.search(rb"UNB.(UNO[A-Z])", data[:200])
    assert m, "no UNB syntax identifier"
    text = data.decode(_CODECS[m.group(1).decode()])
    una = text[:9] if text.startswith("UNA") else ""
    component, element, release, terminator = (una[3], una[4], una[6], una[8]) if una else (":", "+", "?", "'")
    segments: list[tuple[str, list[list[str]]]] = []
    fields: list[list[str]] = [[""]]
    i = len(una)
    while i < len(text):
        c = text[i]
        if c == release:
            i += 1
            fields[-1][-1] += text[i]
        elif c == component:
            fields[-1].append("")
        elif c == element:
            fields.append([""])
        elif c == terminator:
            segments.append((fields[0][0].strip("\r\n"), fields[1:]))
            fields = [[""]]
        else:
            fields[-1][-1] += c
        i += 1
    assert fields == [[""]] or fields[0][0].strip() == "", "text after the last segment terminator"
    return una, segments


def _value_problems(where: str, spec: Simple, value: str) -> list[str]:
    if value == "":
        return [f"{where} {spec.id} is required"] if spec.required else []
    if spec.kind == "n":
        if not re.fullmatch(r"-?\d*\.?\d*", value) or not re.search(r"\d", value):
            return [f"{where} {spec.id} is numeric, got {value!r}"]
        size = len(re.sub(r"\D", "", value))
    else:
        size = len(value)
        if spec.kind == "a" and re.search(r"\d", value):
            return [f"{where} {spec.id} is alphabetic, got {value!r}"]
    if size > spec.size or (spec.fixed and size != spec.size):
        exact = "" if spec.fixed else ".."
        return [f"{where} {spec.id} is {spec.kind}{exact}{spec.size}, got {size} characters ({value!r})"]
    return []


def _segment_problems(directory: Directory, service: dict[str, tuple[Element, ...]], n: int, tag: str,
                      fields: list[list[str]]) -> list[str]:
    where = f"segment {n} {tag}"
    layout = service.get(tag) or directory.segments.get(tag)
    if layout is None:
        return [f"{where}: no such segment in D.96B"]
    problems: list[str] = []
    if len(fields) > len(layout):
        problems.append(f"{where}: {len(fields)} data elements, the directory defines {len(layout)}")
    for i, spec in enumerate(layout):
        values = fields[i] if i < len(fields) else [""]
        present = any(values)
        if isinstance(spec, Simple):
            if len(values) > 1:
                problems.append(f"{where} {spec.id} is a simple data element, got components {values}")
            problems += _value_problems(where, spec, values[0])
            if present and spec.id in directory.codes and values[0] not in directory.codes[spec.id]:
                problems.append(f"{where} {spec.id} code {values[0]!r} is not in the directory's code list")
            continue
        if not present:
            if spec.required:
                problems.append(f"{where} {spec.id} is required")
            continue
        if len(values) > len(spec.components):
            problems.append(f"{where} {spec.id}: {len(values)} components, the directory defines "
                            f"{len(spec.components)}")
        agency = next((v for c, v in zip(spec.components, values) if c.id == "3055"), "")
        for c, value in zip(spec.components, values + [""] * len(spec.components)):
            problems += _value_problems(f"{where} {spec.id}", c, value)
            # A code from another agency's list (3055 other than 6, UN/ECE) is not the directory's to judge.
            foreign = agency not in ("", "6") and c.id not in ("1131", "3055")
            if value and c.id in directory.codes and not foreign and value not in directory.codes[c.id]:
                problems.append(f"{where} {spec.id} {c.id} code {value!r} is not in the directory's code list")
    return problems


def _conforms(tags: list[str], node: etree._Element, pos: int, problems: list[str]) -> int:
    """Match segment tags against a message structure (segments and groups with maxrepeat/required)."""
    for item in node:
        if item.tag not in ("segment", "group"):
            continue
        limit, required, count = int(item.get("maxrepeat", "1")), item.get("required") == "true", 0
        if item.tag == "segment":
            while pos < len(tags) and tags[pos] == item.get("id") and count < limit:
                pos, count = pos + 1, count + 1
        else:
            trigger = item.find("segment")
            assert trigger is not None
            while pos < len(tags) and tags[pos] == trigger.get("id") and count < limit:
                pos, count = _conforms(tags, item, pos, problems), count + 1
        if required and not count:
            problems.append(f"required {item.tag} {item.get('id')} missing at message segment {pos + 1}")
    return pos


def check_interchange(data: bytes, directory: Directory) -> list[str]:
    """Every problem a D.96B translator would find in ``data``; an empty list for a conforming interchange."""
    una, segments = tokenize(data)
    problems: list[str] = []
    tags = [tag for tag, _ in segments]
    if tags[:1] != ["UNB"] or tags[-1:] != ["UNZ"]:
        return ["an interchange is UNB ... UNZ"]
    syntax = segments[0][1][0]
    version = int(syntax[1]) if len(syntax) > 1 and syntax[1].isdigit() else 0
    if syntax[0] not in directory.codes["0001"]:
        problems.append(f"UNB syntax identifier {syntax[0]!r} is not in the service code list")
    if version not in (3, 4):
        problems.append(f"UNB syntax version {syntax[1:2]} is not 3 or 4")
        return problems
    if una and una[7] != (" " if version == 3 else "*"):
        problems.append(f"UNA position 5 is {una[7]!r}: reserved (space) in version 3, repetition separator in 4")
    if syntax[0] == "UNOA" and not all(_LEVEL_A.match(v) for _, f in segments for e in f for v in e):
        problems.append("a value outside UNOA (level A) characters")
    date = segments[0][1][3][0] if len(segments[0][1]) > 3 else ""
    try:
        dt.datetime.strptime(date, "%Y%m%d" if version == 4 else "%y%m%d")
    except ValueError:
        problems.append(f"UNB date {date!r} is not {'CCYYMMDD' if version == 4 else 'YYMMDD'}")
    for field, qualifier in ((1, 1), (2, 1)):
        values = segments[0][1][field]
        if len(values) > qualifier and values[qualifier] and values[qualifier] not in directory.codes["0007"]:
            problems.append(f"UNB qualifier {values[qualifier]!r} is not a 0007 code")
    service = _service(version)
    for n, (tag, fields) in enumerate(segments, 1):
        problems += _segment_problems(directory, service, n, tag, fields)
    messages = 0
    i = 1
    while i < len(tags) - 1:
        if tags[i] != "UNH" or "UNT" not in tags[i:]:
            problems.append(f"segment {i + 1} {tags[i]} is outside a UNH ... UNT message")
            break
        end = tags.index("UNT", i)
        messages += 1
        body = tags[i + 1 : end]
        if segments[i][1][1][:1] == ["CUSCAR"]:
            pos = _conforms(["UNH", *body, "UNT"], directory.structure, 0, problems)
            if pos != len(body) + 2:
                problems.append(f"message {messages}: segment {pos + 1} ({(['UNH', *body, 'UNT'])[pos]}) "
                                "does not fit the message structure")
        if segments[end][1][0] != [str(end - i + 1)]:
            problems.append(f"message {messages}: UNT counts {segments[end][1][0]}, the message has {end - i + 1}")
        if segments[end][1][1] != segments[i][1][0]:
            problems.append(f"message {messages}: UNT reference differs from UNH")
        i = end + 1
    if segments[-1][1][0] != [str(messages)]:
        problems.append(f"UNZ counts {segments[-1][1][0]}, the interchange has {messages} messages")
    if segments[-1][1][1] != segments[0][1][4]:
        problems.append("UNZ control reference differs from UNB")
    return problems
