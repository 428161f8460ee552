"""Hardened XML parsing for every document that enters :mod:`mappings`: :func:`xmlguard.parse_xml` (the one
hardened parser, shared with :mod:`trust`) raising :class:`DocumentHostile` and :class:`DocumentMalformed`.

The exchanged formats (UBL, UN/CEFACT, eFTI) never need a DOCTYPE, so one is either a mistake or an attack (entity
expansion, external entities) and is refused, as are XInclude elements.
"""

from __future__ import annotations

import xmlguard
from lxml import etree

from mappings.errors import DocumentHostile, DocumentMalformed

__all__ = ["parse_xml", "serialize_xml"]


def parse_xml(data: bytes) -> etree._Element:
    """Parse ``data`` with the hardened parser and return the root element (see :func:`xmlguard.parse_xml`).

    Raises :class:`DocumentHostile` for any DOCTYPE, markup declaration, entity reference or XInclude and
    :class:`DocumentMalformed` for anything that is not one well-formed XML document.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise DocumentMalformed("an XML document must be given as bytes")
    return xmlguard.parse_xml(bytes(data), hostile=DocumentHostile, malformed=DocumentMalformed, max_bytes=None)


def serialize_xml(root: etree._Element) -> bytes:
    """Serialize ``root`` as UTF-8 with an XML declaration and no pretty-printing (stable bytes for signing)."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
