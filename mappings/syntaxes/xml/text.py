"""XML written as text for one lxml parse, escaped so that the parsed tree is the tree lxml's element API builds.

One ``SubElement`` call per node costs microseconds; writing the same tree as text and parsing it once costs a
fraction of that. The trees are the same provided the text escapes what the parser would otherwise normalise
(``\\r`` in text; tab, newline and ``\\r`` in attribute values) and nothing reaches the text that the element API
would refuse. For such values (and names) :func:`text`, :func:`attribute`, :func:`check` and :func:`name` raise
:class:`Unrepresentable` and the caller (the EDIFACT reader) builds element by element; the ``forward_*`` helpers of
the forward interpreter raise lxml's own error instead (:func:`refuse`) and keep an empty text. The escapes are also exactly libxml2's when it
writes UTF-8 (compared for every code point, alone and between letters), so text written with them is the
serialization too.
"""

from __future__ import annotations

import re
import threading
from typing import NoReturn

from lxml import etree

__all__ = ["BAD", "TEXT_SPECIAL", "Unrepresentable", "attribute", "check", "forward_attribute", "forward_check",
           "forward_text", "name", "parse", "refuse", "text"]


class Unrepresentable(Exception):
    """The value or name must go through lxml's element API (which refuses it, or stores it differently)."""


# What lxml's element API refuses in text and attribute values (checked against every code point); the parser agrees.
BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters lxml's element API refuses in text and attribute values."""
TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters that make :func:`text` do more than return its argument (besides an empty text)."""
_ATTR_SPECIAL = re.compile("[&<>\"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_ATTR_REFS = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\t", "&#9;"), ("\n", "&#10;"), ("\r", "&#13;"))


def check(value: str) -> str:
    """Return ``value`` if lxml's element API accepts it as text, else raise :class:`Unrepresentable`."""
    if BAD.search(value) is not None:
        raise Unrepresentable
    return value


def text(value: str) -> str:
    """Escape element text; an empty text is refused too (lxml keeps it as a node and writes ``<a></a>``)."""
    if not value:
        raise Unrepresentable
    if TEXT_SPECIAL.search(value) is None:
        return value
    check(value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def attribute(value: str) -> str:
    """Escape an attribute value (to be written between double quotes)."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    check(value)
    for char, ref in _ATTR_REFS:
        value = value.replace(char, ref)
    return value


def refuse(value: str) -> NoReturn:
    """Raise the error lxml's element API raises for ``value`` (one :data:`BAD` matches), so that text written with
    these helpers fails exactly as building the tree element by element would."""
    etree.Element("v").text = value
    raise AssertionError(f"lxml accepted {value!r}, which BAD refuses")  # BAD was checked against every code point


def forward_text(value: str) -> str:
    """Escape element text for a document written as text; an empty text stays empty (``<a></a>``, as lxml writes
    an element whose text is set to ``""``), a value lxml refuses raises lxml's own error (:func:`refuse`)."""
    if TEXT_SPECIAL.search(value) is None:
        return value
    if BAD.search(value) is not None:
        refuse(value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def forward_attribute(value: str) -> str:
    """Escape an attribute value (between double quotes); a value lxml refuses raises lxml's own error."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    if BAD.search(value) is not None:
        refuse(value)
    for char, ref in _ATTR_REFS:
        value = value.replace(char, ref)
    return value


def forward_check(value: str) -> str:
    """Return ``value`` if lxml's element API accepts it as text, else raise lxml's own error."""
    if BAD.search(value) is not None:
        refuse(value)
    return value


def name(tag: str) -> str:
    """Return ``tag`` if it is a plain ASCII NCName (both lxml's element API and its parser accept those)."""
    if not _NAME.match(tag):
        raise Unrepresentable
    return tag


_local = threading.local()


def parse(document: str) -> etree._Element:
    """Parse text written with these helpers (a parser per thread, as lxml requires)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, collect_ids=False)
        _local.parser = parser
    try:
        return etree.fromstring(document, parser)
    except (etree.XMLSyntaxError, ValueError) as e:
        raise Unrepresentable from e
