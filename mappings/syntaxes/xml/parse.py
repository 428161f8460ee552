"""Hardened XML parsing for every document that enters :mod:`mappings`.

The parser never loads a DTD, never resolves entities, never touches the network and refuses any document that
carries a DOCTYPE at all: the exchanged formats (UBL, UN/CEFACT, eFTI) never need one, so a DOCTYPE is either a
mistake or an attack (entity expansion, external entities). ``mappings`` cannot import ``trust``, hence its own copy.
"""

from __future__ import annotations

import threading

from lxml import etree

from mappings.errors import DocumentHostile, DocumentMalformed

__all__ = ["hardened_parser", "parse_xml", "serialize_xml"]

# The byte patterns are checked before parsing so that a hostile internal subset is never even handed to libxml2;
# the post-parse docinfo check below catches the same constructs in encodings where the bytes differ (UTF-16).
_HOSTILE_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!ELEMENT", b"<!ATTLIST")

_local = threading.local()


def hardened_parser() -> etree.XMLParser:
    """Return this thread's hardened parser (lxml parsers must not be shared across threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_blank_text=False,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes) -> etree._Element:
    """Parse ``data`` with the hardened parser and return the root element.

    Raises :class:`DocumentHostile` for any DOCTYPE or markup declaration and :class:`DocumentMalformed` for
    anything that is not one well-formed XML document.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise DocumentMalformed("an XML document must be given as bytes")
    raw = bytes(data)
    for marker in _HOSTILE_MARKERS:
        if marker in raw:
            raise DocumentHostile(f"document contains {marker.decode()}; DTDs and entities are refused")
    try:
        root = etree.fromstring(raw, parser=hardened_parser())
    except etree.XMLSyntaxError as e:
        raise DocumentMalformed(f"not well-formed XML: {e.msg}") from e
    except ValueError as e:
        raise DocumentMalformed(f"not parseable XML: {e}") from e
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise DocumentHostile("document declares a DOCTYPE; DTDs and entities are refused")
    for _ in root.iter(etree.Entity):
        # An unresolved entity reference survives parsing as an entity node; it can only come from a DTD.
        # (Filtering by node type in lxml, instead of a Python proxy per element, keeps large documents cheap.)
        raise DocumentHostile("document uses an entity reference")
    return root


def serialize_xml(root: etree._Element) -> bytes:
    """Serialize ``root`` as UTF-8 with an XML declaration and no pretty-printing (stable bytes for signing)."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
