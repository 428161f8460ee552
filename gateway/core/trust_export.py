"""``swgw trust export``: our certificates, labelled, for partners to put into their trust stores.

The export is one PEM bundle that any tool reads (OpenSSL, cryptography, Java's keytool ignore the text around
PEM blocks, RFC 7468 section 2). Before each certificate, comment lines say what it is:

* ``role: ca`` - our CA (self-signed): what a partner trusts as **anchor** (swgw: ``trust_anchors``);
* ``role: intermediate`` - a CA between that root and our certificates: path building only;
* ``role: signing`` - a document, envelope and receipt signing certificate (every key of the keyring);
* ``role: tls`` - our TLS certificate (partner port; also our TLS client identity).

Signing and TLS certificates are end-entity certificates: a partner pins them only when it cannot use our CA
(an end-entity certificate is never an anchor; see :mod:`trust.issuers`). :func:`split_export` reads a bundle back
into labelled parts, so that ``--out DIR`` writes ``ca.pem``, ``intermediates.pem``, ``signing.pem``, ``tls.pem``
and ``manifest.json`` from what a running gateway returned. :func:`load_certificates` reads the certificate files
operators hand in (one DER or any number of PEM certificates).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

import trust

__all__ = ["ExportedCertificate", "FILES", "classify", "export_files", "load_certificates", "render_export", "split_export"]

#: File written by ``--out DIR`` per role, in the order they are listed.
FILES = {"ca": "ca.pem", "intermediate": "intermediates.pem", "signing": "signing.pem", "tls": "tls.pem"}

_BEGIN = b"-----BEGIN CERTIFICATE-----"
_END = b"-----END CERTIFICATE-----"


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Parse one DER certificate or any number of PEM certificates."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


@dataclass(frozen=True)
class ExportedCertificate:
    """One certificate of an export with its label."""

    role: str
    """ca, intermediate, signing or tls (the keys of :data:`FILES`)."""
    certificate: x509.Certificate
    """The certificate."""

    @property
    def pem(self) -> bytes:
        """The certificate as PEM."""
        return self.certificate.public_bytes(Encoding.PEM)

    def manifest(self) -> dict[str, str]:
        """What ``manifest.json`` says about it."""
        return {
            "role": self.role, "file": FILES[self.role], "subject": self.certificate.subject.rfc4514_string(),
            "issuer": self.certificate.issuer.rfc4514_string(), "sha256": trust.fingerprint(self.certificate),
            "not_after": self.certificate.not_valid_after_utc.isoformat(),
        }


def _ca_role(certificate: x509.Certificate) -> str:
    return "ca" if certificate.issuer == certificate.subject else "intermediate"


def classify(
    signing: Iterable[tuple[x509.Certificate, Sequence[x509.Certificate]]], tls: Sequence[x509.Certificate]
) -> list[ExportedCertificate]:
    """Label our certificates: each signing certificate with its chain, then the TLS certificate with its chain.

    Chain certificates are labelled by what they are (a CA certificate is ca or intermediate), not by where they
    were found, so an end-entity certificate can never be labelled as a CA. Each certificate appears once.
    """
    out: list[ExportedCertificate] = []
    seen: set[x509.Certificate] = set()

    def add(role: str, certificate: x509.Certificate) -> None:
        if certificate not in seen:
            seen.add(certificate)
            out.append(ExportedCertificate(role, certificate))

    tls_leaf, tls_chain = (tls[0], tls[1:]) if tls else (None, ())
    for leaf, chain in signing:
        add("signing", leaf)
        for certificate in chain:
            add(_ca_role(certificate) if trust.ca_problem(certificate) is None else "signing", certificate)
    if tls_leaf is not None:
        add("tls", tls_leaf)
    for certificate in tls_chain:
        add(_ca_role(certificate) if trust.ca_problem(certificate) is None else "tls", certificate)
    order = list(FILES)
    return sorted(out, key=lambda e: order.index(e.role))  # stable: keeps the keyring's order within a role


def render_export(certificates: Sequence[ExportedCertificate], *, party: str) -> bytes:
    """The labelled PEM bundle."""
    who = f"party {party}" if party else "this gateway"
    lines = [
        f"# swgw trust export: the certificates of {who}, for its partners' trust stores.",
        "# Trust the certificate labelled 'role: ca' as anchor (swgw: [[partners]] trust_anchors, or",
        "# `swgw trust add PARTY ca.pem --role anchor`). 'signing' and 'tls' are end-entity certificates:",
        "# never anchors; pin them (--role pinned) only when you cannot trust the CA.",
        "# `swgw trust export --out DIR` writes ca.pem, intermediates.pem, signing.pem, tls.pem, manifest.json.",
    ]
    out = "\n".join(lines).encode() + b"\n"
    for entry in certificates:
        info = entry.manifest()
        label = (f"\n# role: {entry.role}\n# subject: {info['subject']}\n# issuer: {info['issuer']}\n"
                 f"# sha256: {info['sha256']}\n# not_after: {info['not_after']}\n")
        out += label.encode() + entry.pem
    return out


def split_export(bundle: bytes) -> list[ExportedCertificate]:
    """The labelled certificates of a bundle made by :func:`render_export`; raises ValueError otherwise."""
    out: list[ExportedCertificate] = []
    role: str | None = None
    rest = bundle
    while _BEGIN in rest:
        head, _, tail = rest.partition(_BEGIN)
        for line in head.splitlines():
            if line.startswith(b"# role: "):
                role = line[len(b"# role: "):].strip().decode()
        body, found, rest = tail.partition(_END)
        if not found:
            raise ValueError("unterminated PEM block in the export")
        if role not in FILES:
            raise ValueError("a certificate of the export has no 'role:' label (not made by swgw trust export?)")
        certificate = x509.load_pem_x509_certificate(_BEGIN + body + _END + b"\n")
        out.append(ExportedCertificate(role, certificate))
        role = None
    return out


def export_files(bundle: bytes) -> dict[str, bytes]:
    """File name -> content for ``--out DIR``: one PEM file per role present, and ``manifest.json``."""
    entries = split_export(bundle)
    files = {name: b"".join(e.pem for e in entries if e.role == role)
             for role, name in FILES.items() if any(e.role == role for e in entries)}
    manifest = {
        "instructions": "Trust ca.pem as anchor (swgw: trust_anchors). signing.pem and tls.pem hold end-entity "
                        "certificates: never anchors; pin them only when the CA cannot be trusted. "
                        "intermediates.pem (if present) is for path building only.",
        "certificates": [e.manifest() for e in entries],
    }
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    return files
