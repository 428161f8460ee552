"""signxml's signer and verifiers as :mod:`trust.xmldsig` runs them: on the tree :func:`~trust.xmlparse.parse_xml`
built, and copying a document with lxml rather than by serialising and parsing it again.

signxml copies trees the way that is safe for any element (serialise, parse), and starts by taking a copy of its
input (``get_root``). For a document swgw has just parsed with the hardened parser, nothing else holds that tree:

* :class:`ParsedVerifier` and :class:`ParsedXAdESVerifier` verify the parsed tree itself. signxml's ``verify``
  never modifies the tree it is given (it copies it before the enveloped transform removes the signature), so its
  own parse was a second parse of every document; and the tree verified is now the very one whose structure
  :mod:`trust.xmldsig` checked before any cryptography. The copies signxml takes of the whole document while
  verifying are taken with ``copy.deepcopy``, and not at all where nothing else reads the tree: the copy of a
  copy, and the copy for the one reference of a signature whose document is handed over
  (:meth:`ParsedVerifier.take`). signxml's queries and its look-up of the signature in each copy are made cheaper
  without changing what they find.
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
import functools
import re
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.signer import XMLSigner
from signxml.util import _remove_sig, bits_to_bytes_unit, namespaces
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


@functools.lru_cache(maxsize=64)
def _clark(query: str, xpath: str) -> str | None:
    """signxml's query ``xpath`` + ``prefix:name`` in Clark notation; None unless the query is one name with a
    prefix of signxml's map (or none: ``ds``) and ``xpath`` uses no prefix (a location given in Clark notation)."""
    prefix, _, name = query.rpartition(":")
    uri = namespaces.get(prefix or "ds")
    if uri is None or not name.isidentifier() or ":" in re.sub(r"\{[^}]*\}", "", xpath):
        return None
    return f"{xpath}{{{uri}}}{name}"


_SIGNED_INFO_C14N = f"{{{namespaces['ds']}}}SignedInfo/{{{namespaces['ds']}}}CanonicalizationMethod"
_EXCLUSIVE_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def _exclusive_without_prefixes(signature: etree._Element) -> bool:
    """Whether SignedInfo is canonicalized exclusively (without comments) and without an InclusiveNamespaces
    prefix list (a CanonicalizationMethod without children)."""
    method = signature.find(_SIGNED_INFO_C14N)
    return method is not None and method.get("Algorithm") == _EXCLUSIVE_C14N and len(method) == 0


class ParsedVerifier(XMLVerifier):
    """signxml's :class:`XMLVerifier` on the parsed tree (``verify`` takes the root element)."""

    # The tree signxml may change without a copy (take, then each copy it took, see _tostring), and where the
    # signature sits in the document (child positions from the root, see _get_signature).
    _fresh: etree._Element | None = None
    _signature_at: tuple[int, ...] | None = None
    _signature: etree._Element | None = None

    def take(self, root: etree._Element) -> None:
        """Hand over ``root``, which nothing else reads afterwards, for a signature with a single reference: signxml's
        copy of the document for that reference is ``root`` itself (the enveloped transform removes the signature
        from it). Not for XAdES, whose further references are read from copies of the unchanged document."""
        self._fresh = root

    def get_root(self, data: Any) -> Any:
        """``data`` itself: the root element the hardened parser built for this verification."""
        if not isinstance(data, etree._Element):
            raise TypeError("trust hands signxml the root element it parsed, never bytes")
        return data

    # signxml serialises a node only to parse it again: every _tostring result goes straight to _fromstring, to copy
    # the document for a reference (the enveloped transform removes the signature from the copy) and to copy that
    # copy again before canonicalising it. A document's root element is copied with deepcopy instead (the same
    # tree, as for DocumentSigner); any other element keeps signxml's way, which carries the namespaces declared on
    # its ancestors along. A tree nobody else holds is its own copy and is handed back as it is: the one handed
    # over (take), and signxml's latest copy, which it reads no more once it asks for a copy of it.
    #
    # The signature element is copied signxml's way for the sake of the namespaces declared on its ancestors, which
    # inclusive canonicalization of SignedInfo writes out (and an InclusiveNamespaces prefix list may name).
    # Exclusive canonicalization without a prefix list writes only the namespaces the elements and attributes
    # use, whose bindings a deepcopy keeps: there the signature is copied with deepcopy too.
    def _tostring(self, xml_node: Any, **kwargs: Any) -> Any:
        if not kwargs and isinstance(xml_node, etree._Element):
            if xml_node.getparent() is None:
                if xml_node is not self._fresh:
                    self._fresh = copy.deepcopy(xml_node)
                return _Copy(self._fresh)
            if xml_node is self._signature and _exclusive_without_prefixes(xml_node):
                return _Copy(copy.deepcopy(xml_node))
        return super()._tostring(xml_node, **kwargs)  # type: ignore[no-untyped-call]  # signxml leaves it unannotated

    def _fromstring(self, xml_string: Any, **kwargs: Any) -> Any:
        if isinstance(xml_string, _Copy):
            return xml_string.root
        return super()._fromstring(xml_string, **kwargs)  # type: ignore[no-untyped-call]

    # signxml finds the signature at the configured location with an ElementPath query, in the document and again
    # in each copy of it. A copy has the document's structure, so its signature is the element at the same child
    # positions: looked up in the document with signxml's query.
    def _get_signature(self, root: Any) -> Any:
        at = self._signature_at
        element: Any
        if at is not None and root is self._fresh:
            element = root
            for position in at:
                element = element[position]
            return element
        signature = self._signature = super()._get_signature(root)  # type: ignore[no-untyped-call]
        positions: list[int] = []
        element = signature
        while (parent := element.getparent()) is not None:
            positions.append(parent.index(element))
            element = parent
        self._signature_at = tuple(reversed(positions)) if element is root else None
        return signature

    # signxml's queries name elements by prefix ("ds:SignedInfo"), which ElementPath resolves against signxml's
    # namespace map on every call; the same query in Clark notation, built once, finds the same element. A query
    # for a child (no xpath before it) is the first of iterchildren, which ElementPath's child step iterates too.
    def _find(self, element: Any, query: str, require: bool = True, xpath: str = "") -> Any:
        path = _clark(query, xpath)
        if path is None:
            return super()._find(element, query, require=require, xpath=xpath)  # type: ignore[no-untyped-call]
        found = element.find(path) if xpath else next(element.iterchildren(path), None)
        if found is None and require:
            return super()._find(element, query, require=require, xpath=xpath)  # type: ignore[no-untyped-call]
        return found

    def _findall(self, element: Any, query: str, xpath: str = "") -> Any:
        path = _clark(query, xpath)
        if path is None:
            return super()._findall(element, query, xpath=xpath)  # type: ignore[no-untyped-call]
        return element.findall(path) if xpath else list(element.iterchildren(path))

    # signxml looks for an InclusiveNamespaces prefix list with an ElementPath predicate; a canonicalization method or
    # transform without children has none.
    def _get_inclusive_ns_prefixes(self, transform_node: Any) -> Any:
        if len(transform_node) == 0:
            return None
        return super()._get_inclusive_ns_prefixes(transform_node)  # type: ignore[no-untyped-call]

    # signxml turns the halves of the raw signature into integers with a loop over 4-byte words; int.from_bytes
    # gives the same numbers (big-endian, unsigned). The length check and its message are signxml's.
    def _encode_dss_signature(self, raw_signature: bytes, key_size_bits: int) -> bytes:
        if len(raw_signature) != bits_to_bytes_unit(key_size_bits) * 2:  # type: ignore[no-untyped-call]
            return super()._encode_dss_signature(raw_signature, key_size_bits)
        half = len(raw_signature) // 2
        return encode_dss_signature(int.from_bytes(raw_signature[:half], "big"),
                                    int.from_bytes(raw_signature[half:], "big"))

    # signxml describes the certificate (its subject as an RFC 4514 string) before it knows whether the
    # description is needed; only an invalid certificate's message needs it.
    def _get_cert_validity_error(self, cert: Any, cert_source: Any) -> Any:
        at = self._get_cert_verification_time()  # type: ignore[no-untyped-call]
        if cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            return None
        return super()._get_cert_validity_error(cert, cert_source)  # type: ignore[no-untyped-call]


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
