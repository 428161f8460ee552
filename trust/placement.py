"""Where an XML signature goes: the placements :mod:`trust.xmldsig` signs and verifies, and the UBL 2.4 carrier.

The caller chooses the placement from the exchange agreement (a mapping profile's ``signature`` field), never
from the document, so that a received document cannot pick the shape it is checked against.

* :attr:`SignaturePlacement.ENVELOPED`: ``ds:Signature`` is the last child of the root element. For XML formats
  that allow any element there (and for tests); none of the shipped profiles uses it.
* :attr:`SignaturePlacement.UBL_EXTENSION`: the UBL 2.4 digital-signature convention. The document gains (or
  reuses) ``ext:UBLExtensions`` as the root's first child, holding one ``ext:UBLExtension`` whose
  ``ext:ExtensionContent`` is ``sig:UBLDocumentSignatures / sac:SignatureInformation`` with ``cbc:ID``,
  ``sbc:ReferencedSignatureID`` and the ``ds:Signature``; a ``cac:Signature`` whose ``cbc:ID`` equals that
  ``ReferencedSignatureID`` goes into the document body, after the leading ``cbc:`` header elements (where the
  CertificateOfOrigin schema has it). The signature's single reference is ``URI=""`` with the enveloped-signature
  transform, which removes exactly the ``ds:Signature`` element: the extension wrappers and ``cac:Signature``
  stay covered.
* :attr:`SignaturePlacement.DETACHED`: the document is not altered. A separate ``ds:Signature`` document refers
  to it by a fixed relative URI (:data:`DETACHED_REFERENCE_URI`) with exclusive canonicalization as its only
  transform. For formats whose schema has no place for a signature (eFTI, the ePhyto SPSCertificate).

This module only builds and checks the UBL carrier (pure lxml); signing and verification are in
:mod:`trust.xmldsig`.
"""

from __future__ import annotations

import copy
import enum
import functools

from lxml import etree

from trust.errors import ReferenceInvalid

__all__ = [
    "DETACHED_REFERENCE_URI",
    "SignaturePlacement",
    "UBL_SIGNATURE_ID",
    "UBL_SIGNATURE_METHOD",
]

DETACHED_REFERENCE_URI = "document.xml"
"""The ``ds:Reference/@URI`` of a detached signature: the signed document's name beside the signature file."""

UBL_SIGNATURE_ID = "urn:oasis:names:specification:ubl:signature:1"
"""``sac:SignatureInformation/cbc:ID`` of the signature swgw adds."""

UBL_SIGNATURE_METHOD = "urn:oasis:names:specification:ubl:dsig:enveloped"
"""``ext:ExtensionURI`` and ``cac:Signature/cbc:SignatureMethod``: an enveloped XML-DSig (no XAdES)."""


class SignaturePlacement(enum.Enum):
    """Where the signature of an XML document goes; the values are the mapping specs' ``signature`` names."""

    ENVELOPED = "enveloped"
    """``ds:Signature`` as the last child of the root element."""
    UBL_EXTENSION = "ubl-extension"
    """UBL 2.4: inside ``ext:UBLExtensions``, with the matching ``cac:Signature``."""
    DETACHED = "detached"
    """A separate signature document; the signed document is unchanged."""


DS = "http://www.w3.org/2000/09/xmldsig#"
_EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
_SIG = "urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2"
_SAC = "urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2"
_SBC = "urn:oasis:names:specification:ubl:schema:xsd:SignatureBasicComponents-2"
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"

#: The path from the root element to the element holding ``ds:Signature`` (signxml's ``location``).
UBL_SIGNATURE_LOCATION = (
    f"./{{{_EXT}}}UBLExtensions/{{{_EXT}}}UBLExtension/{{{_EXT}}}ExtensionContent"
    f"/{{{_SIG}}}UBLDocumentSignatures/{{{_SAC}}}SignatureInformation/"
)
_CAC_SIGNATURE = f"{{{_CAC}}}Signature"
_CBC_PREFIX = f"{{{_CBC}}}"
# The carrier's namespaces by their prefixes, and back.
_HREFS = {"ext": _EXT, "sig": _SIG, "sac": _SAC, "sbc": _SBC, "cbc": _CBC, "cac": _CAC, "ds": DS}
_PREFIXES = {href: prefix for prefix, href in _HREFS.items()}
# The chain of carriers from ds:Signature up to the root's child, innermost first.
_CARRIERS = (
    f"{{{_SAC}}}SignatureInformation",
    f"{{{_SIG}}}UBLDocumentSignatures",
    f"{{{_EXT}}}ExtensionContent",
    f"{{{_EXT}}}UBLExtension",
    f"{{{_EXT}}}UBLExtensions",
)


def _referenced_id(root: etree._Element) -> str:
    # The document-level signature id names the document type, as in the UBL examples ("...:signature:Invoice").
    return f"urn:oasis:names:specification:ubl:signature:{etree.QName(root).localname}"


def _child(parent: etree._Element, tag: str, text: str | None = None, nsmap: dict[str, str] | None = None
           ) -> etree._Element:
    element = etree.SubElement(parent, tag, nsmap=nsmap)
    if text is not None:
        element.text = text
    return element


def insert_ubl_placeholder(root: etree._Element) -> etree._Element:
    """Add the UBL signature carrier to ``root`` (in place) and return the empty ``ds:Signature`` placeholder.

    Reuses an ``ext:UBLExtensions`` that is already the root's first child. Raises
    :class:`~trust.errors.ReferenceInvalid` when the document already carries a ``cac:Signature`` with the id
    swgw would use, or has ``ext:UBLExtensions`` anywhere but first.
    """
    referenced = _referenced_id(root)
    first = next(root.iterchildren(etree.Element), None)  # the first child element, not a comment or PI
    extensions = first if first is not None and first.tag == _CARRIERS[-1] else None
    if extensions is None and next(root.iterdescendants(_CARRIERS[-1]), None) is not None:
        raise ReferenceInvalid("ext:UBLExtensions must be the first child of the root element")
    for existing in root.findall(f"{{{_CAC}}}Signature/{{{_CBC}}}ID"):
        if (existing.text or "").strip() == referenced:
            raise ReferenceInvalid(f"the document already carries a cac:Signature with ID {referenced}")
    if extensions is None:
        extensions = etree.Element(_CARRIERS[-1], nsmap={"ext": _EXT})
        root.insert(0, extensions)
    in_scope = extensions.nsmap
    if all(_PREFIXES.get(href, prefix) == prefix and (prefix is None or _HREFS.get(prefix, href) == href)
           for prefix, href in in_scope.items()):
        own = tuple(sorted((prefix, href) for prefix, href in in_scope.items() if href in _PREFIXES))
        extension = copy.deepcopy(_extension_template(referenced, own))
        extensions.append(extension)
        placeholder: etree._Element = extension[1][0][0][2]  # ExtensionContent/UBLDocumentSignatures/SignatureInfo.
    else:
        # The document binds one of the carrier's namespaces to another prefix (or as the default namespace):
        # built in place, where SubElement picks the declarations a copy might not reproduce.
        placeholder = _add_extension(extensions, referenced)

    # cac:Signature follows the document's leading header (ext:UBLExtensions, the cbc: elements and any earlier
    # cac:Signature), which is where UBL 2.4 CertificateOfOrigin puts it: after cbc:VersionID, before the parties.
    position = 0
    for index, child in enumerate(root):
        tag = child.tag  # built anew by lxml on every access: read once
        if not isinstance(tag, str):
            continue
        # A tag's namespace by its Clark prefix: a QName per child cost as much as the rest of the walk.
        if tag == _CARRIERS[-1] or tag == _CAC_SIGNATURE or tag.startswith(_CBC_PREFIX):
            position = index + 1
        else:
            break
    root.insert(position, copy.deepcopy(_signature_template(referenced)))
    return placeholder


def _add_extension(extensions: etree._Element, referenced: str) -> etree._Element:
    extension = _child(extensions, f"{{{_EXT}}}UBLExtension", nsmap={"ext": _EXT})
    _child(extension, f"{{{_EXT}}}ExtensionURI", UBL_SIGNATURE_METHOD)
    content = _child(extension, f"{{{_EXT}}}ExtensionContent")
    signatures = _child(content, f"{{{_SIG}}}UBLDocumentSignatures",
                        nsmap={"sig": _SIG, "sac": _SAC, "sbc": _SBC, "cbc": _CBC})
    information = _child(signatures, f"{{{_SAC}}}SignatureInformation")
    _child(information, f"{{{_CBC}}}ID", UBL_SIGNATURE_ID)
    _child(information, f"{{{_SBC}}}ReferencedSignatureID", referenced)
    placeholder = _child(information, f"{{{DS}}}Signature", nsmap={"ds": DS})
    placeholder.set("Id", "placeholder")
    return placeholder


# Building the carrier element by element cost more than a tenth of signing a small UBL document. The subtrees
# depend only on the referenced id (the document type) and on which of the carrier's namespaces are declared where
# they go, which decides the declarations SubElement writes; each is built once, as in place, under a stand-in
# parent declaring exactly those, and copied. A copy appended to the document loses the declarations its new
# ancestors already make (lxml drops redundant ones on insertion), so it serialises byte for byte as the subtree
# built in place (tests/unit/trust/test_trust_placement.py compares both).
@functools.lru_cache(maxsize=32)
def _extension_template(referenced: str, own: tuple[tuple[str, str], ...]) -> etree._Element:
    parent = etree.Element("carrier", nsmap=dict(own))
    _add_extension(parent, referenced)
    return parent[0]


@functools.lru_cache(maxsize=32)
def _signature_template(referenced: str) -> etree._Element:
    signature = etree.Element(f"{{{_CAC}}}Signature", nsmap={"cac": _CAC, "cbc": _CBC})
    _child(signature, f"{{{_CBC}}}ID", referenced)
    _child(signature, f"{{{_CBC}}}SignatureMethod", UBL_SIGNATURE_METHOD)
    return signature


def check_ubl_placement(signature: etree._Element, root: etree._Element) -> None:
    """Raise :class:`~trust.errors.ReferenceInvalid` unless ``signature`` sits in the UBL carrier described above.

    The carrier chain must lead from the signature to an ``ext:UBLExtensions`` that is the root's first child, the
    ``sac:SignatureInformation`` must be the only one in its ``sig:UBLDocumentSignatures`` and name a
    ``sbc:ReferencedSignatureID``, and exactly one ``cac:Signature`` child of the root must carry that id.
    """
    tree = root.getroottree()
    element = signature
    for tag in _CARRIERS:
        parent = element.getparent()
        if parent is None or parent.tag != tag:
            raise ReferenceInvalid(
                f"the signature must sit in {etree.QName(tag).localname} (UBL extension placement)",
                path=tree.getpath(signature),
            )
        element = parent
    first = next(root.iterchildren(etree.Element), None)
    if element.getparent() is not root or first is not element:
        raise ReferenceInvalid("ext:UBLExtensions must be the first child of the root element",
                               path=tree.getpath(element))
    information = signature.getparent()
    assert information is not None  # checked by the loop above
    siblings = information.getparent()
    assert siblings is not None
    if sum(1 for _ in siblings.iterchildren(_CARRIERS[0])) != 1:
        raise ReferenceInvalid("sig:UBLDocumentSignatures must hold exactly one sac:SignatureInformation",
                               path=tree.getpath(siblings))
    named = next(information.iterchildren(f"{{{_SBC}}}ReferencedSignatureID"), None)
    referenced = None if named is None else named.text or ""  # as information.findtext(...) reads it
    if not referenced or not referenced.strip():
        raise ReferenceInvalid("sac:SignatureInformation has no sbc:ReferencedSignatureID",
                               path=tree.getpath(information))
    ids = [i for s in root.iterchildren(_CAC_SIGNATURE) for i in s.iterchildren(f"{{{_CBC}}}ID")]
    matching = [e for e in ids if (e.text or "").strip() == referenced.strip()]
    if len(matching) != 1:
        raise ReferenceInvalid(
            f"expected exactly one cac:Signature with cbc:ID {referenced.strip()!r}, found {len(matching)}",
            path=tree.getpath(information),
        )

