"""A foreign single window that does not run swgw exchanges real certificates of origin with it.

``tests/interop/partner/window.mjs`` implements swgw's partner exchange in Node.js (@grpc/grpc-js, jose,
canonicalize, node:crypto, xmlsec1) from the documentation only. Here it plays SG, a partner of CN under the
ACFTA Form E profile, in both roles against a real CN gateway:

1. CN's hub submits a certificate of origin to SG: DELIVERED at CN, stored by the Node window, xmlsec1 passed.
2. The Node window signs an unsigned UBL certificate (``swgw map`` output: what SG's own system would produce)
   and delivers it: a receipt ACCEPTED that Node verifies against CN's CA; CN holds the message RECEIVED.
3. The same message id with other content: DUPLICATE_CONFLICT as a gRPC status with its ErrorDetail.
4. A document altered after its signature: a signed REJECTED receipt that Node verifies.
5. The Node window asks CN about a certificate CN issued to it (InquireCertificate, guide 15) and verifies CN's
   signed answers against CN's CA.
And the Node window's own duplicate rules, driven from here with CN's TLS identity.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from google.protobuf import json_format
from grpc_status import rpc_status
from jwcrypto import jwk, jws

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway._generated.swgw.v1 import partner_exchange_pb2 as pe
from gateway._generated.swgw.v1 import partner_exchange_pb2_grpc as pe_grpc
from gateway.tools.cli import main
from gateway.tools.devsetup import free_port, server_name, write_window
from gateway.core.domain import DocumentType
from tests.integration.network import Network, record_bytes, running_network, wait_for
from tests.interop.node_window import (
    PROFILE, WINDOW, form_e, node_tools, start_window, stop_window, unsigned_document, window_config,
)
from tests.interop.test_jws_interop import envelope_fields, receipt_fields


@dataclass
class Exchange:
    """The running CN gateway, the Node window SG and their files."""

    node: str
    net: Network
    folder: Path
    config: Path
    store: Path
    cn_ca: Path

    def unsigned_document(self, number: str, note: str = "Shipped by rail via Pingxiang.") -> Path:
        """SG's own system output for a Form E it issues (``swgw map``)."""
        return unsigned_document(self.folder, number, note)

    def deliver(self, document: Path | None, *extra: str) -> dict[str, Any]:
        """Run the Node window's delivering role; its JSON result."""
        source = ["--document", str(document)] if document else []
        result = subprocess.run(
            [self.node, str(WINDOW), "deliver", "--config", str(self.config), "--partner", "CN", *source, *extra],
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert result.returncode == 0, result.stderr + result.stdout
        value: dict[str, Any] = json.loads(result.stdout)
        return value

    def inquire(self, *question: str) -> dict[str, Any]:
        """Run the Node window's InquireCertificate to CN; its JSON result."""
        result = subprocess.run(
            [self.node, str(WINDOW), "inquire", "--config", str(self.config), "--partner", "CN", *question],
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert result.returncode == 0, result.stderr + result.stdout
        value: dict[str, Any] = json.loads(result.stdout)
        return value

    def stored(self) -> dict[str, Any]:
        """What the Node window keeps of the messages it received."""
        if not self.store.exists():
            return {}
        messages: dict[str, Any] = json.loads(self.store.read_text())["messages"]
        return messages


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exchange]:
    node = node_tools()
    root = tmp_path_factory.mktemp("node-partner")
    # The Node window's PKI: a CA, a signing certificate and a TLS certificate (serverAuth + clientAuth).
    sg_folder, _ = write_window(root / "node", "SG", at=datetime.now(UTC), partner_port=0, domestic_port=0)
    sg_port = free_port()

    def add_sg(party: str, data: dict[str, Any]) -> None:
        data["partners"].append({
            "party": "SG", "endpoint": f"127.0.0.1:{sg_port}", "tls_server_name": server_name("SG"),
            "trust_anchors": [str(sg_folder / "keys" / "ca.cert.pem")],
            "documents": {"certificate-of-origin": PROFILE},
            "retry": {"strategy": "constant", "initial_delay_seconds": 0.2, "max_delay_seconds": 0.2,
                      "max_attempts": 50, "jitter": 0.0},
        })

    with running_network(root / "swgw", ("CN",), {}, configure=add_sg) as net:
        cn = net.files["CN"]
        config = window_config(sg_folder, port=sg_port, partner={
            "party": "CN", "ca": [str(cn.ca_certificate)], "endpoint": f"127.0.0.1:{cn.partner_port}",
            "tls_server_name": server_name("CN"),
        })
        window = start_window(node, config, sg_port)
        try:
            yield Exchange(node=node, net=net, folder=sg_folder, config=config,
                           store=sg_folder / "window-received.json", cn_ca=cn.ca_certificate)
        finally:
            stop_window(window)


def test_cn_delivers_to_the_node_window(exchange: Exchange, tmp_path: Path) -> None:
    with exchange.net.client("CN") as cn:
        response = cn.submit("SG", DocumentType.CERTIFICATE_OF_ORIGIN,
                             record_bytes(form_e("E2026SG00001", sender="CN")))
        status = wait_for(lambda: (s := cn.status(response.message_id)).status in (
            pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED) and s)
    assert status.status == pb.MESSAGE_STATUS_DELIVERED, status
    stored = exchange.stored()[response.message_id]
    assert stored["outcome"] == "RECEIPT_OUTCOME_ACCEPTED"
    assert stored["document_check"] == {"ok": True, "code": "", "message": "xmlsec1: OK"}
    assert stored["business_key"] == {"issuer": "CN-GACC-7200", "number": "E2026SG00001", "version": 1}
    # And independently of the window: the stored bytes verify with xmlsec1 and only CN's CA.
    document = tmp_path / "received.xml"
    document.write_bytes(base64.b64decode(stored["payload"]))
    check = subprocess.run(["xmlsec1", "--verify", "--enabled-key-data", "x509", "--trusted-pem",
                            str(exchange.cn_ca), str(document)], capture_output=True, check=False)
    assert check.returncode == 0, check.stderr.decode()


@pytest.fixture(scope="module")
def delivered(exchange: Exchange) -> dict[str, Any]:
    """The Node window's first delivery to CN."""
    return exchange.deliver(exchange.unsigned_document("SG26000001"))


def test_node_window_delivers_to_cn(exchange: Exchange, delivered: dict[str, Any]) -> None:
    assert delivered["grpc"] == "OK", delivered
    assert delivered["outcome"] == "RECEIPT_OUTCOME_ACCEPTED", delivered
    assert delivered["receipt_verified"] is True, delivered
    assert "CN Gateway Document Signing" in delivered["receipt_signer"]
    with exchange.net.client("CN") as cn:
        summary = cn.status(delivered["message_id"])
    assert summary.status in (pb.MESSAGE_STATUS_RECEIVED, pb.MESSAGE_STATUS_HANDED_OVER)
    assert summary.business_key.issuer == "SG-CUSTOMS" and summary.business_key.number == "SG26000001"


def test_the_stored_envelope_sent_again_gets_the_stored_receipt(exchange: Exchange, delivered: dict[str, Any]) -> None:
    again = exchange.deliver(None, "--resend", "--message-id", delivered["message_id"])
    assert again["grpc"] == "OK" and again["receipt_verified"] is True, again
    assert again["receipt_id"] == delivered["receipt_id"], again


def test_replay_with_other_content_is_a_duplicate_conflict(exchange: Exchange, delivered: dict[str, Any]) -> None:
    other = exchange.unsigned_document("SG26000001-other", note="Shipped by sea.")
    result = exchange.deliver(other, "--message-id", delivered["message_id"])
    assert result["grpc"] == "ALREADY_EXISTS", result
    assert result["error"]["code"] == "DUPLICATE_CONFLICT", result


def test_tampered_document_gets_a_signed_rejected_receipt(exchange: Exchange) -> None:
    result = exchange.deliver(exchange.unsigned_document("SG26000002"), "--tamper")
    assert result["grpc"] == "OK", result
    assert result["outcome"] == "RECEIPT_OUTCOME_REJECTED", result
    assert result["receipt_verified"] is True, result
    assert [e["code"] for e in result["errors"]] == ["SIGNATURE_INVALID"], result
    with exchange.net.client("CN") as cn:
        assert cn.status(result["message_id"]).status == pb.MESSAGE_STATUS_REJECTED


def test_node_window_inquires_cn_and_verifies_the_signed_answers(exchange: Exchange) -> None:
    """Guide 15 from the asking side, on another stack: by number and by digest of the document received, CN's
    answers verify against CN's CA alone and name the version the Node window accepted; about a number CN never
    delivered to it, a verified UNKNOWN; a digest that is not 32 bytes, INQUIRY_INVALID with its ErrorDetail."""
    with exchange.net.client("CN") as cn:
        response = cn.submit("SG", DocumentType.CERTIFICATE_OF_ORIGIN,
                             record_bytes(form_e("E2026SG00042", sender="CN")))
        status = wait_for(lambda: (s := cn.status(response.message_id)).status in (
            pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED) and s)
    assert status.status == pb.MESSAGE_STATUS_DELIVERED, status
    digest = hashlib.sha256(base64.b64decode(exchange.stored()[response.message_id]["payload"])).hexdigest()
    inquiry_id = str(uuid.uuid4())

    by_number = exchange.inquire("--business-key", "CN-GACC-7200/E2026SG00042", "--inquiry-id", inquiry_id)
    assert by_number["grpc"] == "OK" and by_number["answer_verified"] is True, by_number
    assert by_number["inquiry_id"] == inquiry_id
    assert "CN Gateway Document Signing" in by_number["signer"], by_number
    assert by_number["status"] == "CERTIFICATE_STATUS_VALID", by_number
    assert by_number["certificate"] == by_number["current"] == "CN-GACC-7200/E2026SG00042/1", by_number
    assert [(v["version"], v["action"], v["payload_sha256"]) for v in by_number["history"]] == [
        (1, "ACTION_ISSUE", digest)], by_number

    by_digest = exchange.inquire("--digest", digest)
    assert by_digest["answer_verified"] is True, by_digest
    assert (by_digest["status"], by_digest["certificate"]) == (
        "CERTIFICATE_STATUS_VALID", "CN-GACC-7200/E2026SG00042/1"), by_digest

    unknown = exchange.inquire("--business-key", "CN-GACC-7200/E2026SG77777")
    assert unknown["answer_verified"] is True, unknown
    assert (unknown["status"], unknown["certificate"], unknown["current"], unknown["history"]) == (
        "CERTIFICATE_STATUS_UNKNOWN", None, None, []), unknown

    refused = exchange.inquire("--digest", "abcd")
    assert refused["grpc"] == "INVALID_ARGUMENT", refused
    assert refused["error"]["code"] == "INQUIRY_INVALID", refused
    assert refused["error"]["field_path"].startswith("inquiry."), refused


def _cn_envelope(exchange: Exchange, message_id: str, folder: Path) -> pb.Envelope:
    export = folder / "message.json"
    assert main(["messages", "export", message_id, "--config", str(exchange.net.files["CN"].config),
                 "--out", str(export)]) == 0
    return json_format.ParseDict(json.loads(export.read_text())["envelope"], pb.Envelope())


def _as_cn(exchange: Exchange) -> grpc.Channel:
    """A channel to the Node window with CN's TLS identity (what CN's dispatcher presents)."""
    keys = exchange.net.files["CN"].folder / "keys"
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(exchange.folder / "keys" / "ca.cert.pem").read_bytes(),
        private_key=(keys / "tls.key.pem").read_bytes(), certificate_chain=(keys / "tls.cert.pem").read_bytes())
    port = json.loads(exchange.config.read_text())["listen"].rsplit(":", 1)[1]
    return grpc.secure_channel(f"127.0.0.1:{port}", credentials,
                               options=[("grpc.ssl_target_name_override", server_name("SG"))])


def _sign_as_cn(exchange: Exchange, envelope: pb.Envelope) -> None:
    """Sign ``envelope`` again with CN's signing key by the README's rules (jwcrypto, not swgw's code)."""
    keys = exchange.net.files["CN"].folder / "keys"
    certificate = x509.load_pem_x509_certificate((keys / "signing.cert.pem").read_bytes())
    fields = envelope_fields(json_format.MessageToDict(envelope))
    token = jws.JWS(json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    der = certificate.public_bytes(serialization.Encoding.DER)
    token.add_signature(jwk.JWK.from_pem((keys / "signing.key.pem").read_bytes()), alg="ES256", protected=json.dumps(
        {"alg": "ES256", "typ": "swgw-envelope+jws", "x5c": [base64.b64encode(der).decode()]}))
    envelope.signature.jws = token.serialize(compact=True)


def _refusal(error: grpc.RpcError) -> tuple[grpc.StatusCode, str, str]:
    status = rpc_status.from_call(error)
    assert status is not None, error
    detail = pb.ErrorDetail()
    assert status.details[0].Unpack(detail)
    return error.code(), detail.code, detail.field_path


def test_node_window_refuses_bad_envelopes_and_rejects_bad_documents(exchange: Exchange, tmp_path: Path) -> None:
    """The receiving role's checks, driven with CN's TLS identity and CN's keys."""
    with exchange.net.client("CN") as cn:
        response = cn.submit("SG", DocumentType.CERTIFICATE_OF_ORIGIN,
                             record_bytes(form_e("E2026SG00004", sender="CN")))
        wait_for(lambda: cn.status(response.message_id).status == pb.MESSAGE_STATUS_DELIVERED)
    original = _cn_envelope(exchange, response.message_id, tmp_path)

    def variant(change: Any, *, sign: bool = False) -> pb.Envelope:
        envelope = pb.Envelope()
        envelope.CopyFrom(original)
        envelope.message_id = str(uuid.uuid4())
        envelope.business_key.number = f"E2026SG9{len(variants):04d}"
        change(envelope)
        if sign:
            _sign_as_cn(exchange, envelope)
        variants.append(envelope)
        return envelope

    variants: list[pb.Envelope] = []
    # Signed, but the envelope's business key is not the document's.
    other_key = variant(lambda e: None, sign=True)
    refused = {
        "unsigned change": (variant(lambda e: None),
                            (grpc.StatusCode.PERMISSION_DENIED, "ENVELOPE_SIGNATURE_INVALID", "envelope.signature")),
        "digest": (variant(lambda e: setattr(e, "payload", e.payload + b" "), sign=True),
                   (grpc.StatusCode.INVALID_ARGUMENT, "PAYLOAD_DIGEST_MISMATCH", "envelope.payload_sha256")),
        "format": (variant(lambda e: setattr(e.signature, "format", "swgw-detached/0"), sign=False),
                   (grpc.StatusCode.INVALID_ARGUMENT, "SIGNATURE_FORMAT_UNSUPPORTED", "envelope.signature.format")),
        "receiver": (variant(lambda e: setattr(e.receiver, "value", "HK"), sign=True),
                     (grpc.StatusCode.PERMISSION_DENIED, "SENDER_MISMATCH", "envelope.receiver")),
        "stale": (variant(lambda e: e.created_at.FromSeconds(e.created_at.seconds - 8 * 86400), sign=True),
                  (grpc.StatusCode.FAILED_PRECONDITION, "MESSAGE_STALE", "envelope.created_at")),
    }
    def alter(envelope: pb.Envelope) -> None:
        # A document changed after CN signed it, with an envelope signed over the changed bytes.
        envelope.payload = envelope.payload.replace(b"Shipped by rail", b"Shipped by sea!")
        envelope.payload_sha256 = hashlib.sha256(envelope.payload).digest()

    altered = variant(alter, sign=True)
    with _as_cn(exchange) as channel:
        stub = pe_grpc.PartnerExchangeServiceStub(channel)
        for name, (envelope, expected) in refused.items():
            with pytest.raises(grpc.RpcError) as error:
                stub.Deliver(pe.DeliverRequest(envelope=envelope), timeout=30)
            assert _refusal(error.value) == expected, name
        # Authenticated envelopes whose documents fail: signed REJECTED receipts.
        mismatch = stub.Deliver(pe.DeliverRequest(envelope=other_key), timeout=30).receipt
        rejected = stub.Deliver(pe.DeliverRequest(envelope=altered), timeout=30).receipt
    assert [e.code for e in mismatch.errors] == ["BUSINESS_KEY_MISMATCH"]
    assert [e.code for e in rejected.errors] == ["SIGNATURE_INVALID"]
    for receipt in (mismatch, rejected):
        assert receipt.outcome == pb.RECEIPT_OUTCOME_REJECTED
        _verify_receipt_as_cn(exchange, receipt)


def _verify_receipt_as_cn(exchange: Exchange, receipt: pb.Receipt) -> None:
    """The Node window's receipt, checked with jwcrypto and only SG's CA."""
    ca = x509.load_pem_x509_certificate((exchange.folder / "keys" / "ca.cert.pem").read_bytes())
    token = jws.JWS()
    token.deserialize(receipt.signature.jws)
    header = token.jose_header
    assert header["alg"] == "ES256" and header["typ"] == "swgw-receipt+jws"
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    leaf.verify_directly_issued_by(ca)
    token.allowed_algs = ["ES256"]
    token.verify(jwk.JWK.from_pyca(leaf.public_key()))
    fields = receipt_fields(json_format.MessageToDict(receipt))
    assert token.payload == json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_node_window_answers_duplicates_by_the_rules(exchange: Exchange, tmp_path: Path) -> None:
    """CN's envelope sent again with CN's TLS identity: the stored receipt byte for byte; other bytes: refused."""
    with exchange.net.client("CN") as cn:
        response = cn.submit("SG", DocumentType.CERTIFICATE_OF_ORIGIN,
                             record_bytes(form_e("E2026SG00002", sender="CN")))
        wait_for(lambda: cn.status(response.message_id).status == pb.MESSAGE_STATUS_DELIVERED)
    envelope = _cn_envelope(exchange, response.message_id, tmp_path)
    stored = base64.b64decode(exchange.stored()[response.message_id]["receipt"])
    with _as_cn(exchange) as channel:
        stub = pe_grpc.PartnerExchangeServiceStub(channel)
        again = stub.Deliver(pe.DeliverRequest(envelope=envelope), timeout=30)
        assert again.receipt.SerializeToString() == stored
        assert stub.GetReceipt(pe.GetReceiptRequest(message_id=response.message_id),
                               timeout=30).receipt.SerializeToString() == stored
        changed = pb.Envelope()
        changed.CopyFrom(envelope)
        changed.payload = envelope.payload.replace(b"E2026SG00002", b"E2026SG00003")
        with pytest.raises(grpc.RpcError) as refused:
            stub.Deliver(pe.DeliverRequest(envelope=changed), timeout=30)
    assert _refusal(refused.value) == (grpc.StatusCode.ALREADY_EXISTS, "DUPLICATE_CONFLICT", "envelope.message_id")
