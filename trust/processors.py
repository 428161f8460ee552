"""signxml's signer and verifiers as :mod:`trust.xmldsig` runs them: on the tree :func:`~trust.xmlparse.parse_xml`
built, and copying a document with lxml rather than by serialising and parsing it again.

signxml copies trees the way that is safe for any element (serialise, parse), and starts by taking a copy of its
input (``get_root``). For a document swgw has just parsed with the hardened parser, nothing else holds that tree:

* :class:`ParsedVerifier` and :class:`ParsedXAdESVerifier` verify the parsed tree itself. signxml's ``verify``
  never modifies the tree it is given (it copies it before the enveloped transform removes the signature), so its
  own parse was a second parse of every document; and the tree verified is now the very one whose structure
  :mod:`trust.xmldsig` checked before any cryptography. The copies signxml takes of the whole document while
  verifying are taken with ``copy.deepcopy``.
* :class:`DocumentSigner` takes the copy signxml digests with ``copy.deepcopy``, and signs the tree it is handed
  (:meth:`DocumentSigner.take`: the one trust parsed, or the mapping's) in place instead of in a second copy.

``copy.deepcopy`` of a document's root element is the same tree as serialising and parsing it: there are no
ancestors whose namespace declarations a copy of a subtree could lose (signxml's reason for avoiding deepcopy), and
neither way keeps the comments and processing instructions beside the root element. Any other element is copied
signxml's way. The signed bytes, digests and verified ``signed_xml`` are unchanged (checked on every vector).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from lxml import etree
from signxml.signer import XMLSigner
from signxml.verifier import XMLVerifier
from signxml.xades.xades import XAdESVerifier

__all__ = ["DocumentSigner", "ParsedVerifier", "ParsedXAdESVerifier"]


@dataclass(frozen=True)
class _Copy:
    """What :class:`ParsedVerifier` serialises a document's root element to: a copy of it, never its bytes (not
    being bytes, it could not be digested or compared by mistake)."""

    root: etree._Element


class ParsedVerifier(XMLVerifier):
    """signxml's :class:`XMLVerifier` on the parsed tree (``verify`` takes the root element)."""

    def get_root(self, data: Any) -> Any:
        """``data`` itself: the root element the hardened parser built for this verification."""
        if not isinstance(data, etree._Element):
            raise TypeError("trust hands signxml the root element it parsed, never bytes")
        return data

    # signxml serialises a node only to parse it again: every _tostring result goes straight to _fromstring, to copy
    # the document before the enveloped transform removes the signature and again before canonicalising it. A
    # document's root element is copied with deepcopy instead (the same tree, as for DocumentSigner); any other
    # element keeps signxml's way, which carries the namespaces declared on its ancestors along.
    def _tostring(self, xml_node: Any, **kwargs: Any) -> Any:
        if not kwargs and isinstance(xml_node, etree._Element) and xml_node.getparent() is None:
            return _Copy(copy.deepcopy(xml_node))
        return super()._tostring(xml_node, **kwargs)  # type: ignore[no-untyped-call]  # signxml leaves it unannotated

    def _fromstring(self, xml_string: Any, **kwargs: Any) -> Any:
        if isinstance(xml_string, _Copy):
            return xml_string.root
        return super()._fromstring(xml_string, **kwargs)  # type: ignore[no-untyped-call]


class ParsedXAdESVerifier(ParsedVerifier, XAdESVerifier):
    """signxml's :class:`XAdESVerifier` on the parsed tree (``verify`` takes the root element)."""


class DocumentSigner(XMLSigner):
    """signxml's :class:`XMLSigner`, copying a document's root element with ``copy.deepcopy``, and not at all for
    the copy it signs in place when the tree is handed over (:meth:`take`)."""

    _taken: etree._Element | None = None

    def take(self, root: etree._Element) -> None:
        """Hand over ``root``, which nothing else reads: signed in place (signxml's first ``get_root``) instead of
        in a copy. signxml 4.x-5.x asks for the copy it digests next, before it changes the first: that one is
        still a deepcopy of the unchanged tree."""
        self._taken = root

    def get_root(self, data: Any) -> Any:
        """A copy of ``data``: by ``copy.deepcopy`` for a document's root element, as signxml does otherwise; the
        handed-over root itself the first time it is asked for."""
        if data is self._taken:
            self._taken = None
            return data
        if isinstance(data, etree._Element) and data.getparent() is None:
            return copy.deepcopy(data)
        return super().get_root(data)  # type: ignore[no-untyped-call]  # signxml leaves it unannotated
