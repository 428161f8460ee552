"""The ``as4`` package's signed Peppol round trip, timed in CPU seconds: run by ``bench_e2e.py`` under the
interpreter of ``tests/interop/.as4-venv`` (as4 pins cryptography<47, which the gateway's environment is past).

Arguments: a folder with ``sender.pem``/``sender.key``/``receiver.pem``/``receiver.key`` (RSA, made by the bench
with swgw's development PKI), the document, and the seconds to run. Prints ``{"cpu": s, "size": bytes}``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from as4 import AS4LocalPrivateKey, SecurityPolicy, pinned_certificates
from as4.peppol import (
    build_peppol_message,
    create_peppol_external_party,
    create_peppol_internal_party,
    parse_peppol_message,
    parse_peppol_receipt,
)


def main() -> None:
    folder, document, seconds = Path(sys.argv[1]), Path(sys.argv[2]).read_bytes(), float(sys.argv[3])

    def load(name: str) -> tuple[x509.Certificate, AS4LocalPrivateKey]:
        certificate = x509.load_pem_x509_certificate((folder / f"{name}.pem").read_bytes())
        key = load_pem_private_key((folder / f"{name}.key").read_bytes(), None)
        return certificate, AS4LocalPrivateKey(key)  # type: ignore[arg-type]

    sender_cert, sender_key = load("sender")
    receiver_cert, receiver_key = load("receiver")
    sender = create_peppol_internal_party("POP000001", sender_cert, sender_key)
    receiver = create_peppol_internal_party("POP000002", receiver_cert, receiver_key)
    receiver_as_seen = create_peppol_external_party("POP000002", receiver_cert)
    policy = SecurityPolicy(signer_resolver=pinned_certificates(sender_cert))

    def round_trip() -> int:
        message = build_peppol_message(
            document, local_party=sender, remote_party=receiver_as_seen, sender="0088:cn", recipient="0088:hk",
            sender_country_id="CN", document_type_identifier_scheme="busdox-docid-qns",
            document_type_identifier_value="urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2::"
                                           "CertificateOfOrigin##urn:swgw:coo::2.4",
            process_identifier="urn:swgw:certificate-of-origin",
        )
        body, boundary = message.get_request_data()
        received = parse_peppol_message(message.get_http_headers(boundary), body, receiver, security_policy=policy)
        if not received.successful or not next(iter(received.message.decrypted_data.values())):
            raise SystemExit(f"as4 round trip failed: {received.errors}")
        _, signal = received.build_signal()
        parse_peppol_receipt(signal, receiver_cert).verify_non_repudiation(message.signed_references)
        return len(body)

    size = round_trip()
    count, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        round_trip()
        count += 1
    print(json.dumps({"cpu": (time.process_time() - start) / count, "size": size}))


if __name__ == "__main__":
    main()
