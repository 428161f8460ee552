"""Throughput of swgw's XML-DSig sign/verify against plain signxml on the same documents, and of its JWS envelope
signatures against raw ECDSA, in one run.

Run with ``python bench/bench_trust.py``. Prints operations per second; asserts nothing about timing.

Both sides sign enveloped, ECDSA-SHA256 (P-256) / SHA-256 / exclusive c14n with the same key and chain. The
plain-signxml verify pins the signer certificate (``x509_cert``); swgw's verify additionally parses with the
hardened parser, checks the profile and validates the path to the partner anchor with cryptography.

The JWS rows compare ``sign_jws`` / ``verify_jws`` over an envelope's signed fields with cryptography's ECDSA
P-256 sign / verify of the same canonical bytes: what the JWS layer (canonical JSON, header, x5c, base64url,
joserfc, path validation, payload comparison) costs on top of the signature itself.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree  # noqa: E402
from signxml.algorithms import (  # noqa: E402
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.signer import XMLSigner  # noqa: E402
from signxml.verifier import SignatureConfiguration, XMLVerifier  # noqa: E402

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from trust import (  # noqa: E402
    JsonValue, PartnerTrust, SignaturePlacement, canonical_json, sign_jws, sign_xml, verify_jws, verify_xml,
)
from trust.devpki import create_ca, issue_certificate, issue_intermediate  # noqa: E402
from trust.placement import UBL_SIGNATURE_LOCATION, insert_ubl_placeholder  # noqa: E402

AT = datetime(2025, 6, 1, tzinfo=timezone.utc)


def document(size: int) -> bytes:
    """A certificate-of-origin-like document of about ``size`` bytes (repeated goods lines)."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<coo:CertificateOfOrigin xmlns:coo="urn:swgw:bench">'
    line = b'<coo:Item seq="%06d"><coo:HS>090210</coo:HS><coo:Desc>Green tea, 25 kg bags</coo:Desc></coo:Item>'
    body, n = b"", 0
    while len(head) + len(body) < size:
        body += line % n
        n += 1
    return head + body + b"</coo:CertificateOfOrigin>"


def rate(operation: Callable[[], object], seconds: float = 1.5) -> float:
    """Operations per second, measured over at least ``seconds`` after one warm-up call."""
    operation()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        operation()
        count += 1
    return count / elapsed


def main() -> None:
    """Print a table of sign/s and verify/s for both implementations at 5 KB and 50 KB, enveloped and in the UBL
    extension (where plain signxml signs a document that already carries swgw's carrier and placeholder)."""
    root = create_ca("bench root", at=AT - timedelta(days=1))
    intermediate = issue_intermediate(root, "bench CA", at=AT - timedelta(days=1))
    signer = issue_certificate(intermediate, "bench signer", at=AT - timedelta(days=1), usage="signing")
    identity = signer.identity()
    trust = PartnerTrust(partner="BENCH", anchors=(root.certificate,))
    plain_signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.ECDSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    plain_config = SignatureConfiguration(location="./", verification_time=AT)
    ubl_config = SignatureConfiguration(location=UBL_SIGNATURE_LOCATION, verification_time=AT)
    ubl = SignaturePlacement.UBL_EXTENSION
    chain = [signer.certificate, intermediate.certificate]

    print(f"{'document':>9} {'operation':<10} {'swgw /s':>10} {'signxml /s':>11} {'swgw/signxml':>13}")
    for size in (5 * 1024, 50 * 1024):
        doc = document(size)
        signed = sign_xml(doc, identity)
        signed_ubl = sign_xml(doc, identity, placement=ubl)
        carrier = etree.fromstring(doc)
        insert_ubl_placeholder(carrier)
        with_placeholder = bytes(etree.tostring(carrier))

        def plain_sign(doc: bytes = doc) -> bytes:
            tree = plain_signer.sign(etree.fromstring(doc), key=signer.private_key, cert=chain)
            return bytes(etree.tostring(tree))

        rows = {
            "sign": (lambda: sign_xml(doc, identity), plain_sign),
            "verify": (
                lambda: verify_xml(signed, trust=trust, at=AT),
                lambda: XMLVerifier().verify(signed, x509_cert=signer.certificate, expect_config=plain_config),
            ),
            "sign ubl": (lambda: sign_xml(doc, identity, placement=ubl), lambda: plain_sign(with_placeholder)),
            "verify ubl": (
                lambda: verify_xml(signed_ubl, trust=trust, at=AT, placement=ubl),
                lambda: XMLVerifier().verify(signed_ubl, x509_cert=signer.certificate, expect_config=ubl_config),
            ),
        }
        for name, (ours, theirs) in rows.items():
            a, b = rate(ours), rate(theirs)
            print(f"{len(doc) // 1024:>7}KB {name:<10} {a:>10.1f} {b:>11.1f} {a / b:>12.2f}x")

    # An envelope's signed fields (Envelope.header_fields), as the gateways sign and verify them per document.
    fields: dict[str, JsonValue] = {
        "message_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "business_key": {"issuer": "CN-GACC", "number": "CO-2025-000123", "version": 1},
        "sender": {"scheme": "urn:swgw:party", "value": "CN"},
        "receiver": {"scheme": "urn:swgw:party", "value": "HK"},
        "document_type": "DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN", "document_format": "urn:swgw:coo:1",
        "action": "ACTION_ISSUE", "created_at": "2025-06-01T00:00:00.000000Z", "payload_sha256": "ab" * 32,
        "attachments": [{"name": "co.pdf", "media_type": "application/pdf", "sha256": "cd" * 32}], "refers_to": None,
    }
    typ = "swgw-envelope+jws"
    token = sign_jws(fields, identity, typ=typ)
    data = canonical_json(fields)
    key = signer.private_key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    public_key = key.public_key()
    raw = key.sign(data, ec.ECDSA(hashes.SHA256()))
    print(f"\n{'JWS':>9} {'operation':<10} {'swgw /s':>10} {'ECDSA /s':>11} {'swgw/ECDSA':>13}")
    jws_rows = {
        "sign": (lambda: sign_jws(fields, identity, typ=typ),
                 lambda: key.sign(data, ec.ECDSA(hashes.SHA256()))),
        "verify": (lambda: verify_jws(token, fields, typ=typ, trust=trust, at=AT),
                   lambda: public_key.verify(raw, data, ec.ECDSA(hashes.SHA256()))),
    }
    for name, (ours, theirs) in jws_rows.items():
        a, b = rate(ours), rate(theirs)
        print(f"{'envelope':>9} {name:<10} {a:>10.1f} {b:>11.1f} {a / b:>12.2f}x")


if __name__ == "__main__":
    main()
