"""Hardened XML parsing for :mod:`trust`: :func:`xmlguard.parse_xml` raising :class:`~trust.errors.XmlHostile`
and :class:`~trust.errors.XmlMalformed`, the only way ``trust`` (and the gateway) turns untrusted bytes into an
element tree."""

from __future__ import annotations

import xmlguard
from lxml import etree
from xmlguard import DEFAULT_MAX_BYTES, hardened_parser, thread_parser

from trust.errors import XmlHostile, XmlMalformed

__all__ = ["DEFAULT_MAX_BYTES", "adopt_tree", "hardened_parser", "parse_xml", "thread_parser"]


def parse_xml(data: bytes, *, max_bytes: int | None = DEFAULT_MAX_BYTES,
              parsed: etree._Element | None = None) -> etree._Element:
    """Parse untrusted XML bytes into the root element (see :func:`xmlguard.parse_xml` for what is refused, and
    for ``parsed``, a tree of ``data`` already built with :func:`hardened_parser`'s settings).

    Raises :class:`~trust.errors.XmlHostile` for oversized input (``max_bytes``; None for no limit), a DOCTYPE,
    entities or XInclude, and :class:`~trust.errors.XmlMalformed` for anything that is not well-formed.
    """
    if not isinstance(data, bytes):
        raise TypeError("parse_xml takes bytes; decoding is the parser's job")
    return xmlguard.parse_xml(data, hostile=XmlHostile, malformed=XmlMalformed, max_bytes=max_bytes, parsed=parsed)


def adopt_tree(data: bytes, parsed: etree._Element | None) -> etree._Element | None:
    """``parsed``, a library's tree of ``data`` built with :func:`hardened_parser` (signxml's of the bytes it
    verified; None when they did not parse), if :func:`parse_xml` accepts it (without size limit); else None, and
    whoever needs a tree parses ``data`` for the refusal. Spares a caller parsing ``data`` once more."""
    if parsed is None:
        return None
    try:
        return parse_xml(data, max_bytes=None, parsed=parsed)
    except (XmlHostile, XmlMalformed):
        return None
