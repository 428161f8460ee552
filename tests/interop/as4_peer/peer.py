"""A foreign AS4 access point built with the PyPI ``as4`` package (https://github.com/dbkosky/as4), which swgw's
code does not use: run by tests/interop/test_as4_interop.py in its own virtual environment.

``receive``: an HTTPS server with mutual TLS that reads each POSTed message with ``as4``: its MIME parts (SOAP with
Attachments) by ``as4``'s own MIME handler, then the User Message (signature verified against the sender's pinned
certificate, coverage of eb:Messaging, Body and every payload, reference digests checked with its own
canonicalisation and Attachment-Content-Signature-Transform, parts decrypted (AES-GCM under RSA-OAEP) and
decompressed); answers with the receipt ``as4`` builds (signed, with non-repudiation information, or an ebMS error
signal) and appends what it found to a JSON-lines log.

``send``: builds a Peppol AS4 message with ``as4`` (SBDH, gzip, AES-128-GCM under RSA-OAEP, SwA attachment),
POSTs it to a swgw AS4 endpoint (``--times`` times, the same bytes: duplicate elimination) and prints, as JSON,
what ``as4`` makes of each answer (its signature verified against the gateway's certificate, and for a receipt its
non-repudiation information checked against the references ``as4`` signed).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree

import as4
from as4.core.context import AS4ParseContext, SecurityPolicy
from as4.core.message import AS4Message
from as4.core.receipt import AS4Receipt
from as4.core.references import AS4References
from as4.utils.mime_handler import MIMEHandler

SWGW = "urn:swgw:as4:1"


def _party(party_id: str, cert: Path, key: Path) -> as4.AS4InternalParty:
    return as4.AS4InternalParty(
        identity=as4.AS4PartyIdentity(party_id=party_id),
        credentials=as4.AS4InternalCredentials(
            certificate=x509.load_pem_x509_certificate(cert.read_bytes()),
            private_key=as4.AS4LocalPrivateKey(load_pem_private_key(key.read_bytes(), None)),  # type: ignore[arg-type]
        ),
    )


def receive(args: argparse.Namespace) -> None:
    local = _party(args.party, args.cert, args.key)
    sender = x509.load_pem_x509_certificate(args.sender_cert.read_bytes())
    # The eDelivery P-Mode: signature required over eb:Messaging, the Body and every payload, payloads encrypted;
    # the sender's signing certificate pinned.
    policy = SecurityPolicy(sign_required=True, encrypt_required=True, verify_participants=False,
                            signer_resolver=as4.pinned_certificates(sender))
    context = AS4ParseContext(local_party=local, security_policy=policy)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            # as4's MIME handler reads the multipart/related request: the SOAP part and the parts by Content-ID.
            request = MIMEHandler.parser.parsebytes(
                MIMEHandler.payload_from_request({"Content-Type": self.headers["Content-Type"]}, body))
            soap_part = MIMEHandler.get_soap_part(request)
            soap = soap_part.get_payload(decode=True) if soap_part is not None else body
            attachments = {MIMEHandler.get_content_id(part): part.get_payload(decode=True)
                           for part in request.iter_parts() if part is not soap_part} if request.is_multipart() else {}
            message = AS4Message.parse(context, soap, attachments)
            receipt = AS4Receipt.for_message(message, local)
            headers, data = receipt.get_request_data()
            record = {"message_id": message.message_id, "parse_error": repr(message.parse_error),
                      "signer": message.signer_certificate.subject.rfc4514_string()
                      if message.signer_certificate is not None else None,
                      "content_type": self.headers["Content-Type"], "parts": len(attachments),
                      "payload_sha256": None, "receipt": data.decode()}
            if message.parse_error is None:
                # The document is the first payload: read it as a receiver would, decrypted and decompressed.
                first = etree.fromstring(soap).find(".//{*}PayloadInfo/{*}PartInfo")
                href = first.get("href", "") if first is not None else ""
                if href.startswith("cid:") and href[4:] in message.decrypted_data:
                    record["payload_sha256"] = hashlib.sha256(message.decrypted_data[href[4:]]).hexdigest()
                elif (part := etree.fromstring(soap).find(f".//{{{SWGW}}}Part")) is not None:
                    record["payload_sha256"] = hashlib.sha256(base64.b64decode(part.text or "")).hexdigest()
            with args.log.open("a") as log:
                log.write(json.dumps(record) + "\n")
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *a: object) -> None:  # noqa: A002
            pass

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(str(args.tls_cert), str(args.tls_key))
    tls.verify_mode = ssl.CERT_REQUIRED
    tls.load_verify_locations(cafile=str(args.client_ca))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


def send(args: argparse.Namespace) -> None:
    from as4.peppol import build_peppol_message, create_peppol_external_party

    local = _party(args.party, args.cert, args.key)
    gateway_cert = x509.load_pem_x509_certificate(args.receiver_cert.read_bytes())
    remote = create_peppol_external_party(party_id=args.receiver, certificate=gateway_cert)
    message = build_peppol_message(
        payload=args.payload.read_bytes(), local_party=local, remote_party=remote,
        sender="9915:eu-sw", recipient="9915:cn-swgw", sender_country_id="BE",
        document_type_identifier_scheme="busdox-docid-qns",
        document_type_identifier_value=args.document_type,
        references=AS4References(message_id=args.message_id) if args.message_id else None,
        process_identifier="urn:swgw:process:coo",
    )
    body, boundary = message.get_request_data()
    headers = message.get_http_headers(boundary)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.load_verify_locations(cafile=str(args.server_ca))
    tls.load_cert_chain(str(args.tls_cert), str(args.tls_key))
    for _ in range(args.times):
        connection = http.client.HTTPSConnection("127.0.0.1", args.port, context=tls, timeout=30)
        connection.request("POST", "/as4", body=body, headers=headers)
        answer = connection.getresponse().read()
        connection.close()
        try:
            signal = AS4Receipt.parse(answer, gateway_cert)
            error = signal.error
            result = {"verified": True, "success": signal.success, "message_id": message.message_id,
                      "error_code": error.error_code if error is not None else None,
                      "error_detail": str(getattr(error.error_detail, "value", error.error_detail))
                      if error is not None and error.error_detail is not None else None,
                      "error_description": str(getattr(error.description, "value", error.description))
                      if error is not None and error.description is not None else None,
                      "non_repudiation": None}
            if error is None:
                try:
                    # Non-repudiation of receipt: the receipt must repeat exactly the references as4 signed.
                    signal.verify_non_repudiation(message.signed_references)
                    result["non_repudiation"] = "verified"
                except as4.ReceiptVerificationError as e:
                    result["non_repudiation"] = str(e)
        except as4.ReceiptVerificationError as e:
            result = {"verified": False, "reason": str(e)}
        result["content_type"] = headers.get("Content-Type", "")
        print(json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("receive", "send"):
        p = sub.add_parser(mode)
        p.add_argument("--party", required=True)
        p.add_argument("--cert", type=Path, required=True, help="the access point's signing certificate (RSA)")
        p.add_argument("--key", type=Path, required=True)
        p.add_argument("--tls-cert", type=Path, required=True)
        p.add_argument("--tls-key", type=Path, required=True)
    receive_p, send_p = sub.choices["receive"], sub.choices["send"]
    receive_p.add_argument("--client-ca", type=Path, required=True)
    receive_p.add_argument("--sender-cert", type=Path, required=True)
    receive_p.add_argument("--log", type=Path, required=True)
    send_p.add_argument("--port", type=int, required=True)
    send_p.add_argument("--server-ca", type=Path, required=True)
    send_p.add_argument("--receiver", required=True)
    send_p.add_argument("--receiver-cert", type=Path, required=True)
    send_p.add_argument("--payload", type=Path, required=True)
    send_p.add_argument("--times", type=int, default=1, help="POST the same message this many times")
    send_p.add_argument("--message-id", help="the ebMS MessageId (default: a fresh one)")
    send_p.add_argument("--document-type", default="urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2"
                        "::CertificateOfOrigin##urn:swgw:ubl:coo:acfta-forme:1::2.4")
    args = parser.parse_args()
    receive(args) if args.mode == "receive" else send(args)


if __name__ == "__main__":
    sys.exit(main())
