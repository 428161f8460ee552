"""Signing and verifying hand over trees instead of bytes: the mapping's tree is signed as it is, and the verified
tree is signxml's tree of exactly the bytes it verified. Same bytes signed, same refusals, nothing unsigned read."""

from __future__ import annotations

import pytest
from lxml import etree
from trust_testkit import AT, Pki

from trust import (
    SignaturePlacement,
    XmlHostile,
    parse_xml,
    sign_xml,
    sign_xml_detached,
    verify_xml,
    verify_xml_detached,
)
from trust.xmlparse import adopt_tree

DOC = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n"
    b'<coo:Certificate xmlns:coo="urn:swgw:test:coo" note="a&#9;b&#10;c&#13;"><coo:Number>HK-2025-0001</coo:Number>'
    b"<!-- not signed --><coo:Exporter>\xe5\x8d\x8e\xe5\x8d\x97 &amp; Co &#13;</coo:Exporter><?pi data?>"
    b"<coo:Value>1000.00</coo:Value></coo:Certificate>"
)
XINCLUDE = b'<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="x"/></a>'


def _c14n(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, method="c14n", with_comments=True))


@pytest.mark.parametrize("placement", [SignaturePlacement.ENVELOPED, SignaturePlacement.DETACHED])
def test_signing_a_parsed_tree_gives_the_same_bytes(pki: Pki, placement: SignaturePlacement) -> None:
    identity = pki.identity(pki.signer_rsa)  # RSA PKCS#1 v1.5 signatures are deterministic: whole outputs compare
    if placement is SignaturePlacement.DETACHED:
        assert sign_xml_detached(DOC, identity, parsed=parse_xml(DOC)) == sign_xml_detached(DOC, identity)
    else:
        assert sign_xml(DOC, identity, parsed=parse_xml(DOC)) == sign_xml(DOC, identity)


def test_a_parsed_tree_meets_the_refusals_of_its_bytes(pki: Pki) -> None:
    with pytest.raises(XmlHostile):  # checked on the tree
        sign_xml(XINCLUDE, pki.identity(), parsed=etree.fromstring(XINCLUDE))
    with pytest.raises(XmlHostile):  # checked on the bytes
        parse_xml(b"<!DOCTYPE a><a/>", parsed=etree.fromstring(b"<a/>"))
    with pytest.raises(XmlHostile):
        parse_xml(DOC, max_bytes=10, parsed=parse_xml(DOC))
    with pytest.raises(ValueError):
        parse_xml(DOC, parsed=parse_xml(DOC)[0])


def test_verified_tree_is_the_tree_of_the_verified_bytes(pki: Pki) -> None:
    verified = verify_xml(sign_xml(DOC, pki.identity()), trust=pki.trust(), at=AT)
    assert verified.signed_root is not None
    assert _c14n(verified.signed_root) == _c14n(parse_xml(verified.signed_xml))
    # What the received document holds beyond the signed bytes is not there: no signature, no comment.
    assert not verified.signed_root.findall(".//{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert not list(verified.signed_root.iter(etree.Comment))
    assert verified.signed_root.findtext("{urn:swgw:test:coo}Number") == "HK-2025-0001"


def test_detached_verified_tree_is_the_tree_of_the_verified_bytes(pki: Pki) -> None:
    verified = verify_xml_detached(DOC, sign_xml_detached(DOC, pki.identity()), trust=pki.trust(), at=AT)
    assert verified.signed_root is not None
    assert _c14n(verified.signed_root) == _c14n(parse_xml(verified.signed_xml))


def test_a_tree_the_parser_refuses_is_not_adopted() -> None:
    assert adopt_tree(XINCLUDE, etree.fromstring(XINCLUDE)) is None
    assert adopt_tree(b"<a/>", None) is None
    tree = parse_xml(DOC)
    assert adopt_tree(DOC, tree) is tree



_DSIG = "http://www.w3.org/2000/09/xmldsig#"
# Where the signature goes (the first child of the root element, with a tail, or appended by signxml) and whether
# the document binds the ds namespace URI itself (to the ds prefix, or to another).
TREES = {
    "placeholder": (b"<a><b>x</b></a>", "ds", None),
    "placeholder-with-tail": (b"<a><b>x</b></a>", "ds", "\n  text after the signature\n"),
    "placeholder-other-prefix": (b"<a><b>x</b></a>", "sig", None),
    "placeholder-ds-declared": (f"<a xmlns:ds='{_DSIG}'><b>x</b></a>".encode(), "ds", None),
    "placeholder-ds-other-prefix": (f"<a xmlns:d='{_DSIG}'><b>x</b></a>".encode(), "ds", None),
    "appended": (DOC, None, None),
    "appended-ds-other-prefix": (f"<a xmlns:d='{_DSIG}'><b>x</b></a>".encode(), None, None),
}


@pytest.mark.parametrize("case", sorted(TREES))
def test_the_signer_digests_its_tree_as_signxml_digests_a_copy(pki: Pki, case: str) -> None:
    # DocumentSigner leaves the signature out of the tree it canonicalizes instead of copying the document; signxml's
    # own signer (copy, remove the signature keeping its tail text) must give the same bytes.
    from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
    from signxml.signer import XMLSigner

    from trust.processors import DocumentSigner

    document, prefix, tail = TREES[case]
    identity = pki.identity(pki.signer_rsa)

    def signed(signer_class: type[XMLSigner]) -> bytes:
        root = etree.fromstring(document)
        if prefix is not None:
            placeholder = etree.SubElement(root[0], f"{{{_DSIG}}}Signature", Id="placeholder", nsmap={prefix: _DSIG})
            placeholder.tail = tail
        signer = signer_class(signature_algorithm=SignatureMethod.RSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256,
                              c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
        if isinstance(signer, DocumentSigner):
            signer.take(root)
        return bytes(etree.tostring(signer.sign(root, key=identity.private_key, cert=[identity.certificate])))

    assert signed(DocumentSigner) == signed(XMLSigner)
