"""Hardened XML parsing: the one way swgw turns untrusted bytes into an element tree.

Refused outright rather than neutralised: any DOCTYPE (internal or external), entity, element or attribute-list
declarations, entity references, XInclude elements, and inputs above ``max_bytes``. The parser never touches the
network, never loads a DTD and keeps libxml2's limits on depth and node size (``huge_tree`` off).

Both pure packages parse with it: :mod:`trust` (signed documents) and :mod:`mappings` (partner documents). It is a
package of its own, importing nothing of swgw, so that neither has to import the other. Each caller passes the
exception classes it raises for a hostile and for a malformed document (its own package's, with their stable
codes), so an error leaves the parser already in the caller's hierarchy and is never rewritten after it is raised.
"""

from __future__ import annotations

import re
import threading
from typing import Protocol

from lxml import etree

__all__ = ["DEFAULT_MAX_BYTES", "Refusal", "hardened_parser", "parse_xml", "thread_parser"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Default input size limit for :func:`parse_xml`: 10 MiB."""


class Refusal(Protocol):
    """An exception class of the caller's: built with a message and, where one applies, the path of the node."""

    def __call__(self, message: str, *, path: str | None = None) -> Exception: ...


# libxml2 reports depth and node-size limits with this code.
_RESOURCE_LIMIT = int(etree.ErrorTypes.ERR_RESOURCE_LIMIT)
_XINCLUDE_NS = "http://www.w3.org/2001/XInclude"
# Looked for in the raw bytes before parsing, so that a DTD never reaches libxml2 at all. The bytes may be in a
# 16-bit encoding, hence the NUL-tolerant DOCTYPE pattern; the post-parse docinfo check is the authoritative one.
_DECLARATION = re.compile(rb"<\x00?!\x00?D\x00?O\x00?C\x00?T\x00?Y\x00?P\x00?E|<!ENTITY|<!ELEMENT|<!ATTLIST",
                          re.IGNORECASE)

_local = threading.local()


def hardened_parser() -> etree.XMLParser:
    """A new lxml parser with the settings :func:`parse_xml` uses (no entities, DTDs, network or huge trees).

    Only for handing bytes that already passed :func:`parse_xml` to a library that parses them again, so that both
    see the same tree. lxml parsers keep error state and must not be shared across threads.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        collect_ids=False,
    )


def thread_parser() -> etree.XMLParser:
    """The calling thread's parser with :func:`hardened_parser`'s settings, the one :func:`parse_xml` uses, for
    handing to a library that parses bytes of a document that passed :func:`parse_xml` (a parser's first
    document costs it its parsing context: one per thread, not one per document). Never to another thread."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = hardened_parser()
    return parser


def parse_xml(data: bytes, *, hostile: Refusal, malformed: Refusal,
              max_bytes: int | None = DEFAULT_MAX_BYTES, parsed: etree._Element | None = None) -> etree._Element:
    """Parse untrusted XML bytes into the root element.

    Raises ``hostile`` for oversized input (above ``max_bytes``; None for no limit), a DOCTYPE or other markup
    declaration, entity references, XInclude and libxml2's resource limits, and ``malformed`` for anything that is
    not one well-formed XML document.

    ``parsed`` is the root element a parser with :func:`hardened_parser`'s settings already built from ``data``
    (signxml's tree of the bytes it verified, the mapping's tree of the document it wrote): it is put through the
    same refusals and returned instead of parsing ``data`` a second time. Only the caller can vouch that it is the
    tree of ``data``; every check on the bytes and on the tree still runs.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise hostile(f"XML input of {len(data)} bytes exceeds the limit of {max_bytes}")
    # Every match of the pattern contains a "!" byte; testing for it first (a memchr) spares the regex scan, which
    # costs a tenth or more of the parse itself, on the many documents without comments or CDATA.
    if b"!" in data and _DECLARATION.search(data):
        raise hostile("DOCTYPE and markup declarations are not accepted")
    if parsed is not None:
        if parsed.getparent() is not None:
            raise ValueError("parsed must be the root element of the tree of data")
        return _refuse_tree(parsed, hostile)
    try:
        root = etree.fromstring(data, parser=thread_parser())
    except etree.XMLSyntaxError as e:
        # libxml2 reports its own resource limits (depth, node size) as syntax errors; they are attacks, not typos.
        if e.code == _RESOURCE_LIMIT or "XML_PARSE_HUGE" in str(e):
            raise hostile(f"XML exceeds parser limits: {e}") from e
        raise malformed(f"not well-formed XML: {e}") from e
    except ValueError as e:
        raise malformed(f"not parseable XML: {e}") from e
    if root is None:
        raise malformed("empty XML document")
    return _refuse_tree(root, hostile)


def _refuse_tree(root: etree._Element, hostile: Refusal) -> etree._Element:
    """``root``, unless the parsed tree holds what :func:`parse_xml` refuses (a DTD, entities, XInclude)."""
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise hostile("DOCTYPE declarations are not accepted")
    for node in root.iter(etree.Entity):
        # An unresolved entity reference survives parsing as an entity node; it can only come from a DTD.
        raise hostile(f"entity reference {node.text!r} is not accepted")
    for node in root.iter(f"{{{_XINCLUDE_NS}}}*"):
        raise hostile("XInclude is not accepted", path=root.getroottree().getpath(node))
    return root
