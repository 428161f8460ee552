"""Generate swgw's inbound eFTI schema (mappings/data/schemas/efti/consignment-inbound.xsd) from the official one.

Inbound, swgw must accept every document that is valid against the official eFTI common data set schema
(consignment-common.xsd, 1.3 MB, which swgw does not ship), map what its catalog holds and name the rest in the loss
report. The generated schema is therefore structural: for every complex type on a path the profile
``manifest-efti-consignment`` reads, it lists ALL the official child elements, in the official order and with the
official cardinalities. Children the profile reads keep their structure (a container with its own generated type, or
a value: simple content with any attributes); the others are ``xsd:anyType`` (any content, processed laxly). Value
formats are left to the catalog, which reports them against record paths. Outbound documents are still checked
against the strict subset ``consignment.xsd``.

Run ``make efti-schema`` (or ``python tools/genefti.py --official PATH``) after changing the profile's template or
moving to a new official schema; ``tests/unit/mappings/test_map_efti_inbound.py`` regenerates it into a temporary
file and compares when the official schema is available.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "mappings" / "data" / "specs" / "manifest-efti-consignment.json"
OUT = ROOT / "mappings" / "data" / "schemas" / "efti" / "consignment-inbound.xsd"
OFFICIAL = ROOT.parent / "shared" / "reference" / "efti" / "xsd" / "consignment-common.xsd"
_XS = "{http://www.w3.org/2001/XMLSchema}"
_NS = "http://efti.eu/v1/consignment/common"


@dataclass(frozen=True)
class _Child:
    name: str
    type: str
    min: str
    max: str


@dataclass
class _Reads:
    """What the template reads below one element: child name -> reads below it (None for a value)."""

    children: dict[str, _Reads | None] = field(default_factory=dict)


def _official_types(path: Path) -> tuple[str, dict[str, list[_Child]]]:
    """The root element's type and every named complex type's children, from the official schema."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    top = root.find(f"{_XS}element[@name='consignment']")
    if top is None:
        raise SystemExit(f"{path}: no global element 'consignment'")
    types: dict[str, list[_Child]] = {}
    for ct in root.iterfind(f"{_XS}complexType"):
        kids = [
            _Child(el.get("name", ""), el.get("type", ""), el.get("minOccurs", "1"), el.get("maxOccurs", "1"))
            for el in ct.iter(f"{_XS}element")
        ]
        types[ct.get("name", "")] = kids
    return _local(top.get("type", "")), types


def _local(qname: str) -> str:
    return qname.rpartition(":")[2]


def _merge(into: _Reads, node: dict[str, Any], where: str) -> None:
    """Add the element children of template ``node`` to ``into`` (inline scopes add to their parent)."""
    for child in node.get("children", []):
        if "attr" in child:
            continue
        if child.get("inline"):
            _merge(into, child, where)
            continue
        name = child["el"]
        has_elements = any("el" in c for c in child.get("children", []))
        known = name in into.children
        if not has_elements:
            if known and into.children[name] is not None:
                raise SystemExit(f"{where}/{name}: read both as a value and as a container")
            into.children[name] = None
            continue
        if known and into.children[name] is None:
            raise SystemExit(f"{where}/{name}: read both as a value and as a container")
        below = into.children.get(name) or _Reads()
        into.children[name] = below
        _merge(below, child, f"{where}/{name}")


def build(official: Path, spec: dict[str, Any]) -> str:
    """Return the text of the inbound schema for ``spec``'s template against the ``official`` schema."""
    root_type, types = _official_types(official)
    reads = _Reads()
    _merge(reads, spec["template"], "/consignment")
    # One official type can sit at several read places (TradeParty: carrier, consignee, ...): its generated type
    # keeps every child read at any of them.
    union: dict[str, dict[str, str | None]] = {}

    def collect(type_name: str, read: _Reads, where: str) -> None:
        if type_name not in types:
            raise SystemExit(f"{where}: official type {type_name!r} is not a complex type with children")
        official_children = {c.name: c for c in types[type_name]}
        unknown = set(read.children) - set(official_children)
        if unknown:
            raise SystemExit(f"{where}: the template reads {sorted(unknown)}, which the official type lacks")
        seen = union.setdefault(type_name, {})
        for name, below in read.children.items():
            child_type = _local(official_children[name].type)
            if below is None:
                if child_type in types:
                    raise SystemExit(f"{where}/{name}: read as a value, but officially a container")
                seen[name] = "Value"
            else:
                seen[name] = child_type
                collect(child_type, below, f"{where}/{name}")

    collect(root_type, reads, "/consignment")
    emitted: list[str] = []
    for type_name in sorted(union):
        lines = []
        for c in types[type_name]:
            occurs = f' minOccurs="{c.min}"' if c.min != "1" else ""
            occurs += f' maxOccurs="{c.max}"' if c.max != "1" else ""
            lines.append(f'      <xsd:element name="{c.name}" type="{union[type_name].get(c.name, "xsd:anyType")}"{occurs}/>')
        body = "\n".join(lines)
        emitted.append(
            f'  <xsd:complexType name="{type_name}">\n    <xsd:sequence>\n{body}\n    </xsd:sequence>\n'
            '    <xsd:anyAttribute processContents="skip"/>\n  </xsd:complexType>\n'
        )
    header = f"""<?xml version="1.0" encoding="UTF-8"?>
<!--
  GENERATED by tools/genefti.py from the spec manifest-efti-consignment and the official EFTI4EU eFTI common data
  set schema consignment-common.xsd (EFTI4EU/reference-implementation, Apache License 2.0): element names, order
  and cardinalities of the complex types on the paths the profile reads. Do not edit; run `make efti-schema`.

  swgw's INBOUND check for eFTI consignments: every document valid against the official schema is valid here.
  Children the profile reads keep their structure; the rest are accepted as they come (xsd:anyType) and named in
  the loss report. Value formats are checked by the catalog on the mapped record. Outbound documents are checked
  against the strict subset consignment.xsd.
-->
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
            xmlns={quoteattr(_NS)}
            targetNamespace={quoteattr(_NS)}
            elementFormDefault="qualified" attributeFormDefault="unqualified">

  <xsd:element name="consignment" type="{root_type}"/>

  <!-- A value the profile reads: text, with whatever attributes the official type gives it. -->
  <xsd:complexType name="Value">
    <xsd:simpleContent>
      <xsd:extension base="xsd:string"><xsd:anyAttribute processContents="skip"/></xsd:extension>
    </xsd:simpleContent>
  </xsd:complexType>

"""
    return header + "\n".join(emitted) + "</xsd:schema>\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--official", type=Path, default=OFFICIAL, help="the official consignment-common.xsd")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not args.official.is_file():
        raise SystemExit(f"official schema not found at {args.official} (see the reference material's SOURCES.md)")
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    args.out.write_text(build(args.official, spec), encoding="utf-8")


if __name__ == "__main__":
    main()
