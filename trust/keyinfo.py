"""The certificates an XML signature carries in ``KeyInfo/X509Data``: the element signing adds, the certificates
verification reads, and which of them is the signer's."""

from __future__ import annotations

import base64
import binascii
import copy
import functools

from cryptography import x509
from lxml import etree
from signxml.algorithms import SignatureMethod
from signxml.signer import XMLSigner
from signxml.util import SigningSettings

from trust.errors import CertificateUntrusted
from trust.keys import load_der_certificate

__all__ = ["key_info", "key_info_certificates", "signer_of"]

DS = "http://www.w3.org/2000/09/xmldsig#"
_KEY_INFO, _X509_DATA, _X509_CERTIFICATE = f"{{{DS}}}KeyInfo", f"{{{DS}}}X509Data", f"{{{DS}}}X509Certificate"


def key_info(certificates: tuple[x509.Certificate, ...]) -> etree._Element:
    """A new ``ds:KeyInfo`` carrying ``certificates`` in ``X509Data``, as signxml writes it, for its ``key_info``
    argument (a signature without a ``KeyValue``: the certificate carries the key)."""
    return copy.deepcopy(_key_info(certificates))


# signxml serialises every certificate to PEM and builds the element again for every signature, a tenth of the cost
# of signing a small document; the element depends only on the certificates (compared by DER), so it is built once
# per identity, by signxml's own KeyInfo annotator, and copied (a copy appended under ds:Signature serialises
# byte for byte as the element signxml would have added).
@functools.lru_cache(maxsize=64)
def _key_info(certificates: tuple[x509.Certificate, ...]) -> etree._Element:
    holder = etree.Element(f"{{{DS}}}Signature", nsmap={"ds": DS})
    settings = SigningSettings(key=None, key_name=None, key_info=None, always_add_key_value=False,
                               cert_chain=list(certificates))
    XMLSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256)._add_key_info(holder, settings)
    return holder[0]


def key_info_certificates(signature: etree._Element, tree: etree._ElementTree) -> tuple[x509.Certificate, ...]:
    """The certificates of ``KeyInfo/X509Data``; raises :class:`~trust.errors.CertificateUntrusted` when there is
    none or one is unreadable."""
    elements = [c for info in signature.iterchildren(_KEY_INFO) for data in info.iterchildren(_X509_DATA)
                for c in data.iterchildren(_X509_CERTIFICATE)]  # findall of KeyInfo/X509Data/X509Certificate
    if not elements:
        raise CertificateUntrusted("the signature carries no X509Certificate; a certificate is required")
    certificates = []
    for element in elements:
        try:
            certificates.append(_certificate(element.text or ""))
        except (binascii.Error, ValueError, KeyError, TypeError) as e:
            raise CertificateUntrusted("unreadable X509Certificate", path=tree.getpath(element)) from e
    return tuple(certificates)


# A partner sends the same few certificates, as the same base64 text, with every message: decoding it and hashing
# the DER for load_der_certificate's memo is skipped for text seen before. Only certificates that load are cached.
@functools.lru_cache(maxsize=256)
def _certificate(text: str) -> x509.Certificate:
    certificate = load_der_certificate(base64.b64decode("".join(text.split()), validate=True))
    # Names are parsed lazily, on first access: a malformed one must be refused here, not raise while the signer is
    # picked. cryptography raises ValueError (bad encoding), KeyError (a string type it has no name for) or TypeError
    # (a value type the attribute's OID does not allow); the fuzz harnesses found all three (xml-verify, crl-import).
    _ = certificate.subject, certificate.issuer
    return certificate


def signer_of(certificates: tuple[x509.Certificate, ...]) -> x509.Certificate:
    """The signer among ``certificates``: the one that issued none of the others."""
    return certificates[_signer_index(certificates)]


# Certificates compare and hash by their DER bytes, so equal tuples always give the same answer; a partner sends
# the same few tuples with every message, and extracting names costs more than the rest of the inspection.
@functools.lru_cache(maxsize=256)
def _signer_index(certificates: tuple[x509.Certificate, ...]) -> int:
    # X509Data has no defined order (XML-DSig 1.1, 4.5.4): the signer is the certificate that issued none of the
    # others. signxml is then told to use exactly that certificate; a wrong pick fails the signature check.
    # Names are compared as DER: hashing parsed x509.Name objects is needlessly slow on this hot path. An index
    # is returned rather than a certificate so that the caller gets an element of its own tuple.
    names = [(c.subject.public_bytes(), c.issuer.public_bytes()) for c in certificates]
    issuers = {issuer for subject, issuer in names if issuer != subject}
    leaves = [i for i, (subject, _) in enumerate(names) if subject not in issuers]
    return leaves[0] if leaves else 0
