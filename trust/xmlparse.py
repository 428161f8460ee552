"""Hardened XML parsing for :mod:`trust`: :func:`xmlguard.parse_xml` raising :class:`~trust.errors.XmlHostile`
and :class:`~trust.errors.XmlMalformed`, the only way ``trust`` (and the gateway) turns untrusted bytes into an
element tree."""

from __future__ import annotations

import xmlguard
from lxml import etree
from xmlguard import DEFAULT_MAX_BYTES, hardened_parser

from trust.errors import XmlHostile, XmlMalformed

__all__ = ["DEFAULT_MAX_BYTES", "hardened_parser", "parse_xml"]


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes into the root element (see :func:`xmlguard.parse_xml` for what is refused).

    Raises :class:`~trust.errors.XmlHostile` for oversized input, a DOCTYPE, entities or XInclude, and
    :class:`~trust.errors.XmlMalformed` for anything that is not well-formed.
    """
    if not isinstance(data, bytes):
        raise TypeError("parse_xml takes bytes; decoding is the parser's job")
    return xmlguard.parse_xml(data, hostile=XmlHostile, malformed=XmlMalformed, max_bytes=max_bytes)
