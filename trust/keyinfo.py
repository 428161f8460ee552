"""The certificates an XML signature carries in ``KeyInfo/X509Data``, and which of them is the signer's."""

from __future__ import annotations

import base64
import binascii
import functools

from cryptography import x509
from lxml import etree

from trust.errors import CertificateUntrusted
from trust.keys import load_der_certificate

__all__ = ["key_info_certificates", "signer_of"]

_NS = {"ds": "http://www.w3.org/2000/09/xmldsig#"}


def key_info_certificates(signature: etree._Element, tree: etree._ElementTree) -> tuple[x509.Certificate, ...]:
    """The certificates of ``KeyInfo/X509Data``; raises :class:`~trust.errors.CertificateUntrusted` when there is
    none or one is unreadable."""
    elements = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS)
    if not elements:
        raise CertificateUntrusted("the signature carries no X509Certificate; a certificate is required")
    certificates = []
    for element in elements:
        try:
            der = base64.b64decode("".join((element.text or "").split()), validate=True)
            certificate = load_der_certificate(der)
            # Names are parsed lazily, on first access: a malformed one must be refused here, not raise while the
            # signer is picked. cryptography raises ValueError (bad encoding), KeyError (a string type it has no
            # name for) or TypeError (a value type the attribute's OID does not allow); the fuzz harnesses found
            # all three (xml-verify, crl-import).
            _ = certificate.subject, certificate.issuer
            certificates.append(certificate)
        except (binascii.Error, ValueError, KeyError, TypeError) as e:
            raise CertificateUntrusted("unreadable X509Certificate", path=tree.getpath(element)) from e
    return tuple(certificates)


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
