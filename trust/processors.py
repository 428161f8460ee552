"""signxml's signer and verifiers as :mod:`trust.xmldsig` runs them: on the tree :func:`~trust.xmlparse.parse_xml`
built, never on a serialised and re-parsed copy of it.

signxml works on a tree of its own: its ``get_root`` parses bytes, or serialises an element and parses it again.
For a document swgw has just parsed with the hardened parser, nothing else holds that tree, so these subclasses
change only that one step:

* :class:`ParsedVerifier` and :class:`ParsedXAdESVerifier` verify the parsed tree itself. signxml's ``verify``
  never modifies the tree it verifies (it copies it again before the enveloped transform removes the signature),
  so the copy was a second parse of every document, and the tree verified is now the very one whose structure
  :mod:`trust.xmldsig` checked before any cryptography.
* :class:`DocumentSigner` takes the two copies signxml needs while signing (one it signs in place, one it digests)
  with ``copy.deepcopy``. The element is the root of its document, so the copy is the same tree: there are no
  ancestors whose namespace declarations a copy of a subtree could lose (signxml's reason for avoiding deepcopy),
  and neither way keeps the comments and processing instructions beside the root element.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree
from signxml.signer import XMLSigner
from signxml.verifier import XMLVerifier
from signxml.xades.xades import XAdESVerifier

__all__ = ["DocumentSigner", "ParsedVerifier", "ParsedXAdESVerifier"]


class _ParsedRoot:
    def get_root(self, data: Any) -> Any:
        """``data`` itself: the root element the hardened parser built for this verification."""
        if not isinstance(data, etree._Element):
            raise TypeError("trust hands signxml the root element it parsed, never bytes")
        return data


class ParsedVerifier(_ParsedRoot, XMLVerifier):
    """signxml's :class:`XMLVerifier` on the parsed tree (``verify`` takes the root element)."""


class ParsedXAdESVerifier(_ParsedRoot, XAdESVerifier):
    """signxml's :class:`XAdESVerifier` on the parsed tree (``verify`` takes the root element)."""


class DocumentSigner(XMLSigner):
    """signxml's :class:`XMLSigner`, copying a document's root element with ``copy.deepcopy``."""

    def get_root(self, data: Any) -> Any:
        """A copy of ``data``: by ``copy.deepcopy`` for a document's root element, as signxml does otherwise."""
        if isinstance(data, etree._Element) and data.getparent() is None:
            return copy.deepcopy(data)
        return super().get_root(data)  # type: ignore[no-untyped-call]  # signxml leaves it unannotated
