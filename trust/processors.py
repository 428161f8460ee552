"""signxml's signer and verifiers as :mod:`trust.xmldsig` runs them: on the tree :func:`~trust.xmlparse.parse_xml`
built, and copying a document with lxml rather than by serialising and parsing it again.

signxml copies trees the way that is safe for any element (serialise, parse), and starts by taking a copy of its
input (``get_root``). For a document swgw has just parsed with the hardened parser, nothing else holds that tree:

* :class:`ParsedVerifier` and :class:`ParsedXAdESVerifier` verify the parsed tree itself. signxml's ``verify``
  never modifies the tree it is given (it copies it before the enveloped transform removes the signature), so its
  own parse was a second parse of every document; and the tree verified is now the very one whose structure
  :mod:`trust.xmldsig` checked before any cryptography. The copies signxml takes of the whole document while
  verifying are taken with ``copy.deepcopy``.
* :class:`DocumentSigner` signs the tree it is handed (:meth:`DocumentSigner.take`: the one trust parsed, or the
  mapping's) in place instead of in a copy, and digests that tree too, with the signature taken out for the
  canonicalization (the enveloped-signature transform) instead of taking a copy that lacks it; it names the
  ``ds:`` elements it adds in Clark notation, made once, instead of a new QName per element.

``copy.deepcopy`` of a document's root element is the same tree as serialising and parsing it: there are no
ancestors whose namespace declarations a copy of a subtree could lose (signxml's reason for avoiding deepcopy), and
neither way keeps the comments and processing instructions beside the root element. Any other element is copied
signxml's way. The signed bytes, digests and verified ``signed_xml`` are unchanged (checked on every vector).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.signer import XMLSigner
from signxml.util import _remove_sig
from signxml.verifier import XMLVerifier
from signxml.xades.xades import XAdESVerifier

__all__ = ["DocumentSigner", "ParsedVerifier", "ParsedXAdESVerifier", "document_signer"]

_DS_URI = "http://www.w3.org/2000/09/xmldsig#"
_DS = f"{{{_DS_URI}}}"
_NAMESPACES = {"ds": _DS_URI}
_SIGNATURE = f"{_DS}Signature"


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
    """signxml's :class:`XMLSigner` signing and digesting the tree it is handed (:meth:`take`) in place; any other
    document's root element is copied with ``copy.deepcopy``."""

    _taken: etree._Element | None = None
    _signature: etree._Element | None = None

    def take(self, root: etree._Element) -> None:
        """Hand over ``root``, which nothing else reads: signed in place, and digested without a copy (the
        signature signxml puts into it is left out of the canonical form, as in a copy signxml removes it from)."""
        self._taken, self._signature = root, None

    def get_root(self, data: Any) -> Any:
        """The handed-over root itself (both for the tree signed and the one digested, see :meth:`_c14n`); a copy
        of anything else: by ``copy.deepcopy`` for a document's root element, as signxml does otherwise."""
        if data is self._taken:
            return data
        if isinstance(data, etree._Element) and data.getparent() is None:
            return copy.deepcopy(data)
        return super().get_root(data)  # type: ignore[no-untyped-call]  # signxml leaves it unannotated

    def _ds_tag(self, tag: str) -> Any:
        # signxml builds a QName for every element it adds (behind a typing cast); lxml takes the Clark name alike.
        if None in self.namespaces:  # ds as the default namespace: signxml's own naming
            return super()._ds_tag(tag)  # type: ignore[no-untyped-call]
        return f"{_DS}{tag}"

    def _unpack(self, data: Any, references: Any) -> Any:
        unpacked = super()._unpack(data, references)
        self._signature = unpacked[0]  # the ds:Signature signxml builds: its placeholder, or a new element
        return unpacked

    def _findall(self, element: Any, query: str, xpath: str = "") -> Any:
        # signxml looks for its placeholder twice per signature with ElementPath; the same search, as one iteration.
        if xpath == ".//" and query == "Signature[@Id='placeholder']":
            return [e for e in element.iterdescendants(_SIGNATURE) if e.get("Id") == "placeholder"]
        return super()._findall(element, query, xpath)  # type: ignore[no-untyped-call]

    def _c14n(self, nodes: Any, algorithm: Any, inclusive_ns_prefixes: Any = None) -> bytes:
        """The canonical form signxml digests. For the handed-over document, which holds the signature being built
        (nothing else: :mod:`trust.xmldsig` refuses a document that carries one), the signature is taken out
        while it is canonicalized and put back at the same place: the enveloped-signature transform, on the tree
        itself instead of on a copy."""
        signature = self._signature
        if nodes is not self._taken or nodes is None or signature is None:
            return super()._c14n(nodes, algorithm, inclusive_ns_prefixes)  # type: ignore[no-any-return]
        parent = signature.getparent()
        if parent is None:  # detached: the signature is a document of its own, this one is digested as it is
            return super()._c14n(nodes, algorithm, inclusive_ns_prefixes)  # type: ignore[no-any-return]
        # Taking the signature out and putting it back leaves the tree as it was when the signature declares the
        # ds namespace for all of it and nothing outside declares that namespace: lxml then has no declaration to
        # drop as redundant (by URI) when the signature goes back in. Its tail text would move along with it,
        # where the enveloped-signature transform keeps it in the document. Otherwise, signxml's way, on a copy.
        if (signature.tail is not None or signature.prefix != "ds" or self.namespaces != _NAMESPACES
                or _DS_URI in parent.nsmap.values()):
            signatures = list(nodes.iter(_SIGNATURE))
            if signatures != [signature]:
                raise ValueError("the document to sign carries another ds:Signature")
            document = copy.deepcopy(nodes)
            _remove_sig(next(document.iter(_SIGNATURE)))  # type: ignore[no-untyped-call]
            return super()._c14n(document, algorithm, inclusive_ns_prefixes)  # type: ignore[no-any-return]
        index = parent.index(signature)
        parent.remove(signature)
        try:
            return super()._c14n(nodes, algorithm, inclusive_ns_prefixes)  # type: ignore[no-any-return]
        finally:
            parent.insert(index, signature)


_signers = threading.local()


def document_signer(construction: SignatureConstructionMethod, method: SignatureMethod) -> DocumentSigner:
    """The calling thread's :class:`DocumentSigner` for ``construction`` and ``method`` (SHA-256 digests, exclusive
    c14n), built once instead of per document: signxml's ``sign`` keeps nothing of a call in the signer (but an
    ``id_attribute``, which trust never passes), and what this class keeps (:meth:`DocumentSigner.take`) is
    replaced by the next call's."""
    cache: dict[tuple[SignatureConstructionMethod, SignatureMethod], DocumentSigner] = _signers.__dict__.setdefault(
        "by_configuration", {})
    signer = cache.get((construction, method))
    if signer is None:
        signer = cache[(construction, method)] = DocumentSigner(
            method=construction, signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    return signer
