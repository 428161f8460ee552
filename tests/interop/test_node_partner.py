"""A foreign single window that does not run swgw exchanges real certificates of origin with it.

``tests/interop/partner/window.mjs`` implements swgw's partner exchange in Node.js (@grpc/grpc-js, jose,
canonicalize, node:crypto, xmlsec1) from the documentation only. Here it plays SG, a partner of CN under the
ACFTA Form E profile, in both roles against a real CN gateway:

1. CN's hub submits a certificate of origin to SG: DELIVERED at CN, stored by the Node window, xmlsec1 passed.
2. The Node window signs an unsigned UBL certificate (``swgw map`` output: what SG's own system would produce)
   and delivers it: a receipt ACCEPTED that Node verifies against CN's CA; CN holds the message RECEIVED.
3. The same message id with other content: DUPLICATE_CONFLICT as a gRPC status with its ErrorDetail.
4. A document altered after its signature: a signed REJECTED receipt that Node verifies.
And the Node window's own duplicate rules, driven from here with CN's TLS identity.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
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
from gateway.cli import main
from gateway.devsetup import free_port, server_name, write_window
from gateway.domain import DocumentType
from tests.conftest import tools_required
from tests.integration.network import Network, example, record_bytes, running_network, wait_for
from tests.interop.test_jws_interop import envelope_fields, receipt_fields
from tests.reference_root import reference_root

INTEROP = Path(__file__).parent
REPO = INTEROP.parent.parent
WINDOW = INTEROP / "partner" / "window.mjs"
PROFILE = "coo-ubl24-acfta-forme"
UBL_SCHEMA = reference_root() / "ubl-2.4" / "xsd" / "maindoc" / "UBL-CertificateOfOrigin-2.4.xsd"
PACKAGES = ("@grpc/grpc-js", "@grpc/proto-loader", "protobufjs", "jose", "canonicalize")
SG_DOMESTIC = "132"  # Singapore in the domestic country code list (mappings/data/codelists/country.toml)
CN_DOMESTIC = "142"


def _tools() -> str:
    """node, with the npm packages installed, xmlsec1 and xmllint; skip (locally) or fail (CI) otherwise."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node (Node 20+)")
    missing += [f"npm package {p} (cd tests/interop && npm ci)" for p in PACKAGES
                if not (INTEROP / "node_modules" / p).is_dir()]
    missing += [f"{tool} (Debian package; .ci/run installs it)" for tool in ("xmlsec1", "xmllint")
                if shutil.which(tool) is None]
    if missing:
        message = "the Node partner window needs " + ", ".join(missing)
        if tools_required():
            pytest.fail(message)
        pytest.skip(message)
    assert node is not None
    return node


def _record(number: str, *, sender: str, note: str = "Shipped by rail via Pingxiang.") -> dict[str, Any]:
    """The shipped CN -> VN Form E, redirected between CN and SG (ACFTA parties)."""
    record = example("coo-cn-vn")
    certificate = record["certificate"]
    certificate["number"] = number
    certificate["remarks"] = note
    if sender == "CN":
        certificate["destination_country"] = SG_DOMESTIC
        record["consignee"]["country"] = SG_DOMESTIC
        record["transport"]["discharge_port"] = "SGSIN"
        return record
    certificate.update(issuer_code="SG-CUSTOMS", issuer_name="Singapore Customs", issue_place="Singapore",
                       issuing_country=SG_DOMESTIC, destination_country=CN_DOMESTIC)
    record["exporter"]["country"] = SG_DOMESTIC
    record["consignee"]["country"] = CN_DOMESTIC
    record["transport"].update(loading_port="SGSIN", discharge_port="CNNNG")
    for item in record["goods_items"]:
        item["origin_country"] = SG_DOMESTIC
    return record


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
        """SG's own system output: ``swgw map`` of a Form E record issued by SG."""
        record = self.folder / f"{number}.json"
        record.write_bytes(record_bytes(_record(number, sender="SG", note=note)))
        result = subprocess.run(
            [sys.executable, "-c", "import sys; from gateway.cli import main; sys.exit(main())", "map", str(record),
             "--type", "certificate-of-origin", "--profile", PROFILE],
            capture_output=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120, check=False,
        )
        assert result.returncode == 0, result.stderr.decode()
        document = self.folder / f"{number}.xml"
        document.write_bytes(result.stdout)
        return document

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

    def stored(self) -> dict[str, Any]:
        """What the Node window keeps of the messages it received."""
        if not self.store.exists():
            return {}
        messages: dict[str, Any] = json.loads(self.store.read_text())["messages"]
        return messages


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exchange]:
    node = _tools()
    root = tmp_path_factory.mktemp("node-partner")
    now = datetime.now(UTC)
    # The Node window's PKI: a CA, a signing certificate and a TLS certificate (serverAuth + clientAuth).
    sg_folder, _ = write_window(root / "node", "SG", at=now, partner_port=0, domestic_port=0)
    sg_keys = sg_folder / "keys"
    sg_port = free_port()
    spec = json.loads((REPO / "mappings" / "data" / "specs" / f"{PROFILE}.json").read_text())

    def add_sg(party: str, data: dict[str, Any]) -> None:
        data["partners"].append({
            "party": "SG", "endpoint": f"127.0.0.1:{sg_port}", "tls_server_name": server_name("SG"),
            "trust_anchors": [str(sg_keys / "ca.cert.pem")], "documents": {"certificate-of-origin": PROFILE},
            "retry": {"strategy": "constant", "initial_delay_seconds": 0.2, "max_delay_seconds": 0.2,
                      "max_attempts": 50, "jitter": 0.0},
        })

    with running_network(root / "swgw", ("CN",), {}, configure=add_sg) as net:
        cn = net.files["CN"]
        config = sg_folder / "window.json"
        config.write_text(json.dumps({
            "party": "SG", "listen": f"127.0.0.1:{sg_port}", "store": "received.json",
            "tls": {"key": "keys/tls.key.pem", "certificate": "keys/tls.cert.pem"},
            "signing": {"key": "keys/signing.key.pem", "certificate": "keys/signing.cert.pem",
                        "chain": "keys/ca.cert.pem"},
            "partners": [{
                "party": "CN", "ca": [str(cn.ca_certificate)], "endpoint": f"127.0.0.1:{cn.partner_port}",
                "tls_server_name": server_name("CN"),
                "documents": {"DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN": {
                    "format": spec["format"], "signature": spec["signature"],
                    # SG's own rules: the official schema (when the reference material is here) and a Form E
                    # names its exporter (the schema alone does not require one).
                    **({"schema": str(UBL_SCHEMA)} if UBL_SCHEMA.is_file() else {}),
                    "required_elements": ["cac:ExporterParty"],
                }},
            }],
        }))
        log = sg_folder / "window.log"
        with log.open("w") as stderr, subprocess.Popen([node, str(WINDOW), "serve", "--config", str(config)],
                                                       stdout=subprocess.PIPE, stderr=stderr, text=True) as server:
            try:
                assert server.stdout is not None
                line = server.stdout.readline()
                assert json.loads(line or "null") == {"listening": sg_port}, line + log.read_text()
                yield Exchange(node=node, net=net, folder=sg_folder, config=config,
                               store=sg_folder / "received.json", cn_ca=cn.ca_certificate)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def test_cn_delivers_to_the_node_window(exchange: Exchange, tmp_path: Path) -> None:
    with exchange.net.client("CN") as cn:
        response = cn.submit("SG", DocumentType.CERTIFICATE_OF_ORIGIN,
                             record_bytes(_record("E2026SG00001", sender="CN")))
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
                             record_bytes(_record("E2026SG00004", sender="CN")))
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
                             record_bytes(_record("E2026SG00002", sender="CN")))
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


VECTORS = REPO / "tests" / "vectors" / "partner"


def test_node_window_reaches_every_vectors_outcome(tmp_path: Path) -> None:
    """The partner guide's test vectors through the Node window's own checks: each case's outcome, field path and
    refusing check, as cases.toml states them."""
    node = _tools()
    if not (VECTORS / "cases.toml").is_file():
        pytest.skip(f"the partner test vectors are not in this checkout ({VECTORS})")
    cases = tomllib.loads((VECTORS / "cases.toml").read_text())
    cases_json = tmp_path / "cases.json"
    cases_json.write_text(json.dumps(cases))
    run = subprocess.run([node, str(INTEROP / "partner" / "vectors.mjs"), str(VECTORS), str(cases_json)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    results = {r["name"]: r for r in map(json.loads, run.stdout.splitlines())}
    assert set(results) == {case["name"] for case in cases["case"]}
    differing = []
    for case in cases["case"]:
        got = results[case["name"]]
        expected = (case["outcome"], case.get("field_path", ""), case.get("cause", ""))
        reached = (got["outcome"], got["field_path"] if "field_path" in case else "",
                   got["cause"] if "cause" in case else "")
        if reached != expected:
            differing.append(f"{case['name']}: expected {expected}, reached {reached}")
    assert not differing, "\n".join(differing)


# --- the conformance kit (swgw conformance) against the Node window, in both roles --------------------------------


def _swgw(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from gateway.cli import main; sys.exit(main())", *args]


def _kit_config(folder: Path, port: int, kit_ca: Path, kit_port: int) -> Path:
    """The Node window SG with the kit's window ZZ as its partner (the kit's README: trust its CA, party ZZ)."""
    spec = json.loads((REPO / "mappings" / "data" / "specs" / f"{PROFILE}.json").read_text())
    config = folder / "kit-window.json"
    config.write_text(json.dumps({
        "party": "SG", "listen": f"127.0.0.1:{port}", "store": "kit-received.json", "outbox": "kit-sent.json",
        "tls": {"key": "keys/tls.key.pem", "certificate": "keys/tls.cert.pem"},
        "signing": {"key": "keys/signing.key.pem", "certificate": "keys/signing.cert.pem", "chain": "keys/ca.cert.pem"},
        "partners": [{
            "party": "ZZ", "ca": [str(kit_ca)], "endpoint": f"127.0.0.1:{kit_port}",
            "tls_server_name": "conformance.kit.test",
            "documents": {"DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN": {
                "format": spec["format"], "signature": spec["signature"],
                **({"schema": str(UBL_SCHEMA)} if UBL_SCHEMA.is_file() else {}),
                "required_elements": ["cac:ExporterParty"],
            }},
        }],
    }))
    return config


def _failed(report: Path) -> list[str]:
    checks = json.loads(report.read_text())["checks"]
    return [f"{c['id']}: {c['evidence']}" for c in checks if c["status"] == "fail"]


def test_node_window_passes_the_conformance_kit_in_both_roles(exchange: Exchange, tmp_path: Path) -> None:
    if importlib.util.find_spec("gateway.conformance") is None:
        pytest.skip("the conformance kit (gateway.conformance, swgw conformance) is not in this checkout")
    from gateway.conformance.identity import load_or_create  # noqa: PLC0415 - present only with the kit

    kit, _ = load_or_create(tmp_path / "kit", at=datetime.now(UTC))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    port, kit_port = free_port(), free_port()
    config = _kit_config(exchange.folder, port, kit.ca_path, kit_port)
    sg_ca = str(exchange.folder / "keys" / "ca.cert.pem")
    with (exchange.folder / "kit-window.log").open("w") as stderr, subprocess.Popen(
            [exchange.node, str(WINDOW), "serve", "--config", str(config)], stdout=subprocess.PIPE, stderr=stderr,
            text=True) as window:
        try:
            assert window.stdout is not None and json.loads(window.stdout.readline()) == {"listening": port}
            # The kit delivers to the Node window: valid, invalid, tampered, replayed, stale, oversized envelopes.
            sender = subprocess.run(_swgw(
                "conformance", "sender", "--endpoint", f"127.0.0.1:{port}", "--server-name", server_name("SG"),
                "--party", "SG", "--partner-ca", sg_ca, "--kit-dir", str(kit.folder), "--profile", PROFILE,
                "--out", str(tmp_path / "sender")), capture_output=True, text=True, env=env, timeout=300, check=False)
        finally:
            window.terminate()
            window.wait(timeout=10)
    assert not _failed(tmp_path / "sender.json"), sender.stdout
    assert sender.returncode == 0, sender.stdout + sender.stderr

    # The Node window delivers to the kit's test window, which plays an UNAVAILABLE first attempt and a lost answer.
    with subprocess.Popen(_swgw(
            "conformance", "receiver", "--listen", f"127.0.0.1:{kit_port}", "--party", "SG", "--partner-ca", sg_ca,
            "--kit-dir", str(kit.folder), "--profile", PROFILE, "--expect", "3", "--duration", "120",
            "--out", str(tmp_path / "receiver")), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=env) as receiver:
        assert receiver.stdout is not None
        while "listening" not in (line := receiver.stdout.readline()):
            assert line, "the kit's test window did not start"
        for number in ("SG26000101", "SG26000102", "SG26000103"):
            result = subprocess.run(
                [exchange.node, str(WINDOW), "deliver", "--config", str(config), "--partner", "ZZ", "--document",
                 str(exchange.unsigned_document(number)), "--attempts", "6"],
                capture_output=True, text=True, timeout=120, check=False)
            assert result.returncode == 0, result.stderr + result.stdout
            assert json.loads(result.stdout)["outcome"] == "RECEIPT_OUTCOME_ACCEPTED", result.stdout
        output = receiver.stdout.read()
        assert receiver.wait(timeout=150) == 0, output
    assert not _failed(tmp_path / "receiver.json"), output
