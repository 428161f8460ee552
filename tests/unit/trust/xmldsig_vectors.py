"""Generator for the XML-DSig vectors in tests/vectors/xmldsig/<case>/case.toml (format in that folder's README).

Inputs are produced at test time with signxml directly (not with ``trust.sign_xml``), so that algorithms and
shapes our signer refuses to produce can still be tested on the verifying side.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.signer import SignatureReference, XMLSigner
from trust_testkit import AT, VECTORS, Pki

from trust import PartnerTrust
from trust.devpki import IssuedCertificate

XMLDSIG = VECTORS / "xmldsig"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"ds": DS, "coo": "urn:swgw:test:coo", "ram": "urn:swgw:test:ram"}


@dataclass(frozen=True)
class Vector:
    """One case folder, loaded."""

    name: str
    folder: Path
    spec: dict[str, Any]

    @property
    def generate(self) -> dict[str, Any]:
        """The [generate] table."""
        return dict(self.spec.get("generate", {}))

    @property
    def expect(self) -> dict[str, Any]:
        """The [expect] table."""
        return dict(self.spec["expect"])


def load_vectors() -> list[Vector]:
    """Every case folder under tests/vectors/xmldsig, sorted by name."""
    return [
        Vector(p.parent.name, p.parent, tomllib.loads(p.read_text("utf-8")))
        for p in sorted(XMLDSIG.glob("*/case.toml"))
    ]


class _AnySigner(XMLSigner):  # type: ignore[misc]
    """signxml's signer without its refusal of weak algorithms: the vectors need exactly those signatures."""

    def check_deprecated_methods(self) -> None:
        return None


def _issue_with_key(ca: IssuedCertificate, name: str, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> IssuedCertificate:
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(AT - timedelta(days=10))
        .not_valid_after(AT + timedelta(days=300))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    return IssuedCertificate(certificate=cert, private_key=key, chain=ca.chain if ca.chain else ())


@cache
def _extra_signers(pki: Pki) -> dict[str, IssuedCertificate]:
    # Keys devpki does not make on purpose (weak or off-policy), issued under the partner root.
    return {
        "rsa1024": _issue_with_key(pki.root, "weak-rsa", rsa.generate_private_key(public_exponent=65537, key_size=1024)),
        "p521": _issue_with_key(pki.root, "p521", ec.generate_private_key(ec.SECP521R1())),
        "p384": _issue_with_key(pki.root, "p384", ec.generate_private_key(ec.SECP384R1())),
    }


def signer_for(pki: Pki, name: str) -> IssuedCertificate:
    """A signer of the test PKI by attribute name, or one of the extra off-policy signers."""
    extra = _extra_signers(pki)
    return extra[name] if name in extra else getattr(pki, name)


def build_input(vector: Vector, pki: Pki) -> bytes:
    """Produce the bytes to verify for ``vector``."""
    gen = vector.generate
    own = vector.folder / "document.xml"
    document = (own if own.exists() else XMLDSIG / "document.xml").read_bytes()
    if gen.get("unsigned"):
        return document
    issued = signer_for(pki, gen.get("signer", "signer_ec"))
    is_ec = isinstance(issued.private_key, ec.EllipticCurvePrivateKey)
    default_method = SignatureMethod.ECDSA_SHA256 if is_ec else SignatureMethod.RSA_SHA256
    signer = _AnySigner(
        method=SignatureConstructionMethod[gen.get("method", "enveloped")],
        signature_algorithm=SignatureMethod(gen["signature_method"]) if "signature_method" in gen else default_method,
        digest_algorithm=DigestAlgorithm(gen.get("digest_method", DigestAlgorithm.SHA256.value)),
        c14n_algorithm=CanonicalizationMethod(gen.get("c14n", CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value)),
    )
    root = etree.fromstring(document)
    kwargs: dict[str, Any] = {}
    if "reference_uri" in gen:
        uris = gen["reference_uri"]
        kwargs["reference_uri"] = [SignatureReference(u) for u in uris] if isinstance(uris, list) else uris
    if "hmac_key" in gen:
        signed = signer.sign(root, key=gen["hmac_key"].encode(), **kwargs)
    else:
        cert = [issued.certificate, *issued.chain] if gen.get("include_cert", True) else None
        signed = signer.sign(root, key=issued.private_key, cert=cert, **kwargs)
    data = bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
    for mutation in gen.get("mutations", []):
        data = _mutate(data, dict(mutation), pki)
    return data


def trust_for(vector: Vector, pki: Pki) -> PartnerTrust:
    """The partner trust the case is verified against."""
    mode = vector.generate.get("trust", "root")
    if mode == "root":
        return pki.trust()
    if mode == "pinned":
        return PartnerTrust(partner="HK", pinned=(signer_for(pki, vector.generate.get("signer", "signer_ec")).certificate,))
    return PartnerTrust(partner="HK")


def time_for(vector: Vector) -> datetime:
    """The verification time of the case."""
    return AT + timedelta(days=int(vector.generate.get("at_offset_days", 0)))


def _mutate(data: bytes, mutation: dict[str, Any], pki: Pki) -> bytes:
    op = mutation.pop("op")
    if op == "replace":
        old, new = mutation["old"].encode(), mutation["new"].encode()
        assert old in data, f"replace: {old!r} not in input"
        return data.replace(old, new, 1)
    root = etree.fromstring(data)
    signature = root.find("ds:Signature", NS)
    if op == "set-attribute":
        for element in root.xpath(mutation["xpath"], namespaces=NS):
            element.set(mutation["name"], mutation["value"])
    elif op == "remove":
        for element in root.xpath(mutation["xpath"], namespaces=NS):
            element.getparent().remove(element)
    elif op == "add-transform":
        transforms = root.find(".//ds:Reference/ds:Transforms", NS)
        etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=mutation["uri"])
    elif op == "wrap-in-object":
        # The classic XSW shape: the genuinely signed document travels inside ds:Object; the root is a forgery.
        root.remove(signature)
        forged = etree.fromstring(etree.tostring(root).replace(mutation["old"].encode(), mutation["new"].encode()))
        etree.SubElement(signature, f"{{{DS}}}Object").append(root)
        forged.append(signature)
        root = forged
    elif op == "duplicate-id":
        original = root.find(".//coo:Consignment", NS)
        forged = etree.fromstring(etree.tostring(original).replace(mutation["old"].encode(), mutation["new"].encode()))
        original.addprevious(forged)
    elif op == "append-element":
        signature.addprevious(etree.fromstring(mutation["xml"]))
    elif op == "move-signature":
        root.xpath(mutation["xpath"], namespaces=NS)[0].append(signature)
    elif op == "duplicate-signature":
        root.append(copy.deepcopy(signature))
    elif op == "add-manifest":
        obj = etree.SubElement(signature, f"{{{DS}}}Object")
        manifest = etree.SubElement(obj, f"{{{DS}}}Manifest")
        reference = etree.SubElement(manifest, f"{{{DS}}}Reference", URI="#payload")
        etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=DigestAlgorithm.SHA256.value)
        etree.SubElement(reference, f"{{{DS}}}DigestValue").text = "AAAA"
    elif op == "add-foreign-keyvalue":
        other = pki.other_signer.private_key.public_key()
        assert isinstance(other, ec.EllipticCurvePublicKey)
        key_info = signature.find("ds:KeyInfo", NS)
        key_value = etree.SubElement(key_info, f"{{{DS}}}KeyValue")
        ec_kv = etree.SubElement(key_value, "{http://www.w3.org/2009/xmldsig11#}ECKeyValue")
        etree.SubElement(ec_kv, "{http://www.w3.org/2009/xmldsig11#}NamedCurve", URI="urn:oid:1.2.840.10045.3.1.7")
        import base64

        from cryptography.hazmat.primitives import serialization

        point = other.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        etree.SubElement(ec_kv, "{http://www.w3.org/2009/xmldsig11#}PublicKey").text = base64.b64encode(point).decode()
    elif op == "swap-signature-value":
        # A genuine signature by the same key over different content, grafted onto this document.
        other_doc = etree.fromstring(b'<coo:Other xmlns:coo="urn:swgw:test:coo">x</coo:Other>')
        issued = pki.signer_ec
        other = XMLSigner(
            signature_algorithm=SignatureMethod.ECDSA_SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        ).sign(other_doc, key=issued.private_key, cert=[issued.certificate, *issued.chain])
        signature.find("ds:SignatureValue", NS).text = other.find("ds:Signature/ds:SignatureValue", NS).text
    else:
        raise AssertionError(f"unknown mutation {op!r}")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
