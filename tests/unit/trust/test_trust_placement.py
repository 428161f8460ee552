"""Signature placements: the UBL 2.4 extension carrier and detached XML-DSig, signed, verified and refused.

Every refusal below is structural: the moved or added signatures still verify cryptographically (the enveloped
transform removes the signature wherever it sits), so only the placement check can catch them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.signer import XMLSigner
from trust_testkit import AT, Pki, require_tool

from trust import (
    DETACHED_REFERENCE_URI,
    SignaturePlacement,
    TrustError,
    sign_xml,
    sign_xml_detached,
    verify_xml,
    verify_xml_detached,
)
from trust.placement import insert_ubl_placeholder

UBL = SignaturePlacement.UBL_EXTENSION
NS = {
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "sig": "urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2",
    "sac": "urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2",
    "sbc": "urn:oasis:names:specification:ubl:schema:xsd:SignatureBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
COO = (
    b'<CertificateOfOrigin xmlns="urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2"'
    b' xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"'
    b' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    b"<cbc:UBLVersionID>2.4</cbc:UBLVersionID><cbc:ID>CO-1</cbc:ID><cbc:VersionID>1</cbc:VersionID>"
    b'<cac:ExporterParty Id="exporter"><cac:PartyName><cbc:Name>Tea Ltd</cbc:Name></cac:PartyName></cac:ExporterParty>'
    b"</CertificateOfOrigin>"
)
PLAIN = b'<consignment xmlns="http://efti.eu/v1/consignment/common"><id>M-1</id><weight>10</weight></consignment>'


def _refused(code: str, call: object, *args: object, **kwargs: object) -> TrustError:
    with pytest.raises(TrustError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.code == code, caught.value
    return caught.value


def _tree(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def _bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# --- UBL extension placement -------------------------------------------------------------------------------------


def test_ubl_signature_sits_in_the_extension_block_with_its_cac_signature(pki: Pki) -> None:
    root = _tree(sign_xml(COO, pki.identity(), placement=UBL))
    children = [etree.QName(c).localname for c in root]
    # ext:UBLExtensions first; cac:Signature after the cbc: header, before the parties (CertificateOfOrigin order).
    assert children == ["UBLExtensions", "UBLVersionID", "ID", "VersionID", "Signature", "ExporterParty"]
    [signature] = root.findall(".//ds:Signature", NS)
    assert signature.getparent().tag == f"{{{NS['sac']}}}SignatureInformation"
    assert root.findtext("ext:UBLExtensions/ext:UBLExtension/ext:ExtensionURI", namespaces=NS) == (
        "urn:oasis:names:specification:ubl:dsig:enveloped"
    )
    info = signature.getparent()
    assert info.findtext("cbc:ID", namespaces=NS) == "urn:oasis:names:specification:ubl:signature:1"
    referenced = info.findtext("sbc:ReferencedSignatureID", namespaces=NS)
    assert root.findtext("cac:Signature/cbc:ID", namespaces=NS) == referenced
    [reference] = signature.findall("ds:SignedInfo/ds:Reference", NS)
    assert reference.get("URI") == ""
    assert [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", NS)][0] == (
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    )


def test_ubl_round_trip_covers_the_carriers(pki: Pki) -> None:
    signed = sign_xml(COO, pki.identity(), placement=UBL)
    verified = verify_xml(signed, trust=pki.trust(), at=AT, placement=UBL)
    assert verified.signer == pki.signer_ec.certificate
    # Everything but ds:Signature is signed: the wrappers, the referenced id and cac:Signature included.
    assert b"ReferencedSignatureID" in verified.signed_xml and b"cac:Signature" in verified.signed_xml
    assert b"SignatureValue" not in verified.signed_xml
    for old, new in ((b"ubl:signature:1<", b"ubl:signature:2<"), (b"dsig:enveloped</cbc:SignatureMethod>",
                                                                  b"dsig:other</cbc:SignatureMethod>")):
        assert old in signed
        _refused("SIGNATURE_INVALID", verify_xml, signed.replace(old, new), trust=pki.trust(), at=AT, placement=UBL)


def test_ubl_reuses_an_existing_extension_block(pki: Pki) -> None:
    root = _tree(COO)
    extensions = etree.SubElement(root, f"{{{NS['ext']}}}UBLExtensions")
    extension = etree.SubElement(extensions, f"{{{NS['ext']}}}UBLExtension")
    content = etree.SubElement(extension, f"{{{NS['ext']}}}ExtensionContent")
    etree.SubElement(content, "{urn:x-other}Note").text = "kept"
    root.insert(0, extensions)
    signed = sign_xml(_bytes(root), pki.identity(), placement=UBL)
    signed_root = _tree(signed)
    assert len(signed_root.findall("ext:UBLExtensions", NS)) == 1
    assert len(signed_root.findall("ext:UBLExtensions/ext:UBLExtension", NS)) == 2
    verified = verify_xml(signed, trust=pki.trust(), at=AT, placement=UBL)
    assert b"kept" in verified.signed_xml


def test_ubl_signature_moved_out_of_the_extension_is_refused(pki: Pki) -> None:
    root = _tree(sign_xml(COO, pki.identity(), placement=UBL))
    [signature] = root.findall(".//ds:Signature", NS)
    root.append(signature)  # to the root, where the enveloped placement would put it
    err = _refused("SIGNATURE_REFERENCE_INVALID", verify_xml, _bytes(root), trust=pki.trust(), at=AT, placement=UBL)
    assert "SignatureInformation" in err.message
    # The same bytes verify as an enveloped signature: the digest is untouched, only the place is wrong.
    verify_xml(_bytes(root), trust=pki.trust(), at=AT, placement=SignaturePlacement.ENVELOPED)


def test_ubl_placement_does_not_accept_a_root_enveloped_signature(pki: Pki) -> None:
    signed = sign_xml(COO, pki.identity())
    _refused("SIGNATURE_REFERENCE_INVALID", verify_xml, signed, trust=pki.trust(), at=AT, placement=UBL)
    # ... nor the enveloped placement a UBL one: the agreement, not the document, decides.
    ubl = sign_xml(COO, pki.identity(), placement=UBL)
    _refused("SIGNATURE_REFERENCE_INVALID", verify_xml, ubl, trust=pki.trust(), at=AT)


def test_ubl_second_signature_is_refused(pki: Pki) -> None:
    root = _tree(sign_xml(COO, pki.identity(), placement=UBL))
    information = root.find(".//sac:SignatureInformation", NS)
    assert information is not None
    copy = etree.fromstring(etree.tostring(information.getparent().getparent().getparent()))
    root.find("ext:UBLExtensions", NS).append(copy)  # type: ignore[union-attr]
    err = _refused("SIGNATURE_REFERENCE_INVALID", verify_xml, _bytes(root), trust=pki.trust(), at=AT, placement=UBL)
    assert "exactly one ds:Signature" in err.message


@pytest.mark.parametrize("change", ["no-cac-signature", "other-id", "two-cac-signatures", "extensions-not-first",
                                   "second-information"])
def test_ubl_carrier_shape_is_enforced(pki: Pki, change: str) -> None:
    root = _tree(sign_xml(COO, pki.identity(), placement=UBL))
    cac_signature = root.find("cac:Signature", NS)
    assert cac_signature is not None
    if change == "no-cac-signature":
        root.remove(cac_signature)
    elif change == "other-id":
        cac_signature.find("cbc:ID", NS).text = "urn:oasis:names:specification:ubl:signature:X"  # type: ignore[union-attr]
    elif change == "two-cac-signatures":
        cac_signature.addnext(etree.fromstring(etree.tostring(cac_signature)))
    elif change == "extensions-not-first":
        root[1].addnext(root[0])  # after cbc:UBLVersionID
    else:
        information = root.find(".//sac:SignatureInformation", NS)
        sibling = etree.SubElement(information.getparent(), information.tag)  # type: ignore[union-attr]
        etree.SubElement(sibling, f"{{{NS['cbc']}}}ID").text = "urn:oasis:names:specification:ubl:signature:2"
    _refused("SIGNATURE_REFERENCE_INVALID", verify_xml, _bytes(root), trust=pki.trust(), at=AT, placement=UBL)


def test_ubl_reference_to_a_sub_element_is_refused(pki: Pki) -> None:
    """A real signature in the right place, but over the exporter only: the rest of the document is unsigned."""
    root = _tree(COO)
    insert_ubl_placeholder(root)
    identity = pki.identity()
    signer = XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm=SignatureMethod.ECDSA_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signed = signer.sign(root, key=identity.private_key, cert=[identity.certificate, *identity.chain],
                         reference_uri="#exporter")
    data = _bytes(signed)
    assert b'URI="#exporter"' in data
    err = _refused("SIGNATURE_REFERENCE_INVALID", verify_xml, data, trust=pki.trust(), at=AT, placement=UBL)
    assert "whole document" in err.message


def test_ubl_unsigned_document_is_signature_missing(pki: Pki) -> None:
    _refused("SIGNATURE_MISSING", verify_xml, COO, trust=pki.trust(), at=AT, placement=UBL)


def test_ubl_refuses_a_document_already_holding_our_cac_signature(pki: Pki) -> None:
    root = _tree(sign_xml(COO, pki.identity(), placement=UBL))
    root.remove(root.find("ext:UBLExtensions", NS))  # type: ignore[arg-type]
    _refused("SIGNATURE_REFERENCE_INVALID", sign_xml, _bytes(root), pki.identity(), placement=UBL)


@pytest.mark.parametrize("namespaces", [
    "",
    f'xmlns:cbc="{NS["cbc"]}" xmlns:cac="{NS["cac"]}"',
    f'xmlns:cbc="{NS["cbc"]}" xmlns:ext="{NS["ext"]}" xmlns:ds="{NS["ds"]}" xmlns:sig="{NS["sig"]}"',
    'xmlns:cbc="urn:x:other" xmlns:ext="urn:x:other2"',
    f'xmlns:e="{NS["ext"]}" xmlns:b="{NS["cbc"]}"',
])
def test_ubl_carrier_is_the_one_built_in_place(namespaces: str) -> None:
    """The memoized carrier (copied) serialises byte for byte as the one built element by element in the document,
    whatever the document already declares."""
    from trust import placement

    for extensions in ("", f'<ext:UBLExtensions xmlns:ext="{NS["ext"]}"/>'):
        document = f'<Doc xmlns="urn:x:doc" {namespaces}>{extensions}<Header/></Doc>'.encode()
        copied, built = _tree(document), _tree(document)
        placeholder = insert_ubl_placeholder(copied)
        first = built[0] if extensions else etree.Element(f"{{{NS['ext']}}}UBLExtensions", nsmap={"ext": NS["ext"]})
        if not extensions:
            built.insert(0, first)
        in_place = placement._add_extension(first, "urn:oasis:names:specification:ubl:signature:Doc")
        built.insert(1, etree.fromstring(etree.tostring(copied[1])))  # the cac:Signature, not under test here
        assert _bytes(copied) == _bytes(built)
        assert copied.getroottree().getpath(placeholder) == built.getroottree().getpath(in_place)


def test_sign_xml_does_not_make_detached_signatures(pki: Pki) -> None:
    with pytest.raises(ValueError, match="sign_xml_detached"):
        sign_xml(PLAIN, pki.identity(), placement=SignaturePlacement.DETACHED)
    with pytest.raises(ValueError, match="verify_xml_detached"):
        verify_xml(PLAIN, trust=pki.trust(), at=AT, placement=SignaturePlacement.DETACHED)


# --- detached placement ------------------------------------------------------------------------------------------


def test_detached_round_trip_leaves_the_document_alone(pki: Pki) -> None:
    signature = sign_xml_detached(PLAIN, pki.identity(pki.signer_rsa))
    root = _tree(signature)
    assert root.tag == f"{{{NS['ds']}}}Signature"
    [reference] = root.findall("ds:SignedInfo/ds:Reference", NS)
    assert reference.get("URI") == DETACHED_REFERENCE_URI
    verified = verify_xml_detached(PLAIN, signature, trust=pki.trust(), at=AT)
    assert verified.signer == pki.signer_rsa.certificate
    assert verified.signed_xml == PLAIN  # already canonical: the whole document is what was digested


def test_detached_tampered_document_is_signature_invalid(pki: Pki) -> None:
    signature = sign_xml_detached(PLAIN, pki.identity())
    _refused("SIGNATURE_INVALID", verify_xml_detached, PLAIN.replace(b">10<", b">11<"), signature,
             trust=pki.trust(), at=AT)


def test_detached_other_ca_is_untrusted(pki: Pki) -> None:
    signature = sign_xml_detached(PLAIN, pki.identity(pki.other_signer))
    _refused("CERTIFICATE_UNTRUSTED", verify_xml_detached, PLAIN, signature, trust=pki.trust(), at=AT)


def test_detached_reference_must_name_the_agreed_document(pki: Pki) -> None:
    signature = sign_xml_detached(PLAIN, pki.identity(), uri="other.xml")
    _refused("SIGNATURE_REFERENCE_INVALID", verify_xml_detached, PLAIN, signature, trust=pki.trust(), at=AT)
    verify_xml_detached(PLAIN, signature, trust=pki.trust(), at=AT, uri="other.xml")


def test_detached_refuses_enveloped_signatures_and_signed_documents(pki: Pki) -> None:
    enveloped = sign_xml(PLAIN, pki.identity())
    # An enveloped signature handed over as the detached one: the signature is not a document of its own.
    _refused("SIGNATURE_REFERENCE_INVALID", verify_xml_detached, PLAIN, enveloped, trust=pki.trust(), at=AT)
    # A document that carries a signature of its own is not what a detached signature signs.
    signature = sign_xml_detached(PLAIN, pki.identity())
    _refused("SIGNATURE_REFERENCE_INVALID", verify_xml_detached, enveloped, signature, trust=pki.trust(), at=AT)
    _refused("SIGNATURE_MISSING", verify_xml_detached, PLAIN, b" ", trust=pki.trust(), at=AT)


def test_detached_reference_with_extra_transform_is_refused(pki: Pki) -> None:
    signature = sign_xml_detached(PLAIN, pki.identity())
    forged = signature.replace(
        b'<ds:Transforms>',
        b'<ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>',
    )
    assert forged != signature
    _refused("SIGNATURE_REFERENCE_INVALID", verify_xml_detached, PLAIN, forged, trust=pki.trust(), at=AT)


def _xmlsec1(xmlsec1: str, tmp_path: Path, ca_pem: bytes, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "ca.pem").write_bytes(ca_pem)
    return subprocess.run(
        [xmlsec1, "--verify", "--enabled-key-data", "x509", "--trusted-pem", str(tmp_path / "ca.pem"),
         "--verification-gmt-time", AT.strftime("%Y-%m-%d %H:%M:%S"), *args],
        capture_output=True, text=True, check=False, timeout=60,
    )


def test_xmlsec1_verifies_both_placements_with_only_the_root(pki: Pki, tmp_path: Path) -> None:
    xmlsec1 = require_tool("xmlsec1")
    (tmp_path / "ubl.xml").write_bytes(sign_xml(COO, pki.identity(), placement=UBL))
    result = _xmlsec1(xmlsec1, tmp_path, pki.root.cert_pem(), str(tmp_path / "ubl.xml"))
    assert result.returncode == 0, result.stderr

    (tmp_path / "sent.xml").write_bytes(PLAIN)
    (tmp_path / "document-signature.xml").write_bytes(sign_xml_detached(PLAIN, pki.identity()))
    detached = (f"--url-map:{DETACHED_REFERENCE_URI}", str(tmp_path / "sent.xml"),
                str(tmp_path / "document-signature.xml"))
    result = _xmlsec1(xmlsec1, tmp_path, pki.root.cert_pem(), *detached)
    assert result.returncode == 0, result.stderr
    # The same invocation fails for a changed document and for another window's root.
    assert _xmlsec1(xmlsec1, tmp_path, pki.other_root.cert_pem(), *detached).returncode != 0
    (tmp_path / "sent.xml").write_bytes(PLAIN.replace(b">10<", b">11<"))
    assert _xmlsec1(xmlsec1, tmp_path, pki.root.cert_pem(), *detached).returncode != 0
