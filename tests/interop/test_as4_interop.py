"""Interoperability with an AS4 stack nobody here wrote: the PyPI ``as4`` package (0.2.0), run in its own virtual
environment as a foreign access point (tests/interop/as4_peer/peer.py).

The agreement with the foreign access point is the eDelivery one: ``peer = "access-point"`` (it does not run swgw),
payloads as gzip-compressed MIME parts (SOAP with Attachments), encrypted (AES-128-GCM under RSA-OAEP), Peppol's
service, action and agreement reference, and an SBDH around the document.

swgw -> as4: a certificate of origin leaves a swgw gateway as a signed User Message with encrypted, compressed MIME
parts; ``as4`` reads the MIME message with its own handler, decrypts, verifies the bytes (signature against the
pinned signer, coverage of eb:Messaging, Body and every part, every reference digest with its own canonicalisation
and SwA transform), decompresses, and answers with its signed non-repudiation receipt, which the gateway verifies
and stores as the message's receipt: DELIVERED.

as4 -> swgw: ``as4`` builds a Peppol message (SBDH, gzip, AES-128-GCM encrypted MIME part) around a certificate of
origin its window signed; swgw decrypts, verifies, decompresses, unwraps the SBDH, verifies the document signature,
maps the document back and answers with a signed receipt whose signature and non-repudiation information ``as4``
verifies; the same message again gets the stored receipt; a document swgw refuses gets a signed ebMS error that
``as4`` verifies.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cryptography import x509

import mappings
from trust import NRR_RECEIPT_FORMAT, PartnerTrust, SigningIdentity, devpki, sign_xml
from trust.placement import SignaturePlacement

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType, MessageStatus
from gateway.tools.cli import main
from gateway.tools.verify_offline import verify_bytes
from tests.integration.network import Network, example, record_bytes, running_network, wait_for
from tests.conftest import tools_required

INTEROP = Path(__file__).resolve().parent
PEER = INTEROP / "as4_peer" / "peer.py"
VENV_PYTHON = INTEROP / ".as4-venv" / "bin" / "python"
COO = DocumentType.CERTIFICATE_OF_ORIGIN
ACFTA = "coo-ubl24-acfta-forme"
# Peppol's identifiers for the exchange, as as4 builds them: the agreement (P-Mode) names them, never the message.
PROCESS = "urn:swgw:process:coo"
PEPPOL_ACTION = "busdox-docid-qns::" + mappings.get_profile(ACFTA).format
PEPPOL_AGREEMENT = "urn:fdc:peppol.eu:2017:agreements:tia:ap_provider"


def _as4_python() -> str:
    check = subprocess.run([str(VENV_PYTHON), "-c", "import as4.peppol"], capture_output=True, text=True) \
        if VENV_PYTHON.exists() else None
    if check is None or check.returncode != 0:
        message = ("the as4 peer needs its virtual environment: python3 -m venv tests/interop/.as4-venv && "
                   "tests/interop/.as4-venv/bin/pip install -r tests/interop/as4_peer/requirements.txt (.ci/run does)")
        if tools_required():
            pytest.fail(message)
        pytest.skip(message)
    return str(VENV_PYTHON)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Network, dict[str, Path], dict[str, Any]]]:
    python = _as4_python()
    root = tmp_path_factory.mktemp("as4-interop")
    now = datetime.now(UTC)
    # The foreign access point "EU": its own CA, an RSA signing key (as4 signs and verifies RSA-SHA256 only) and a
    # TLS server certificate.
    eu_ca = devpki.create_ca("EU Access Point CA", at=now, organization="EU")
    eu_sign = devpki.issue_certificate(eu_ca, "EU AS4 Access Point", at=now, usage="signing", key="rsa")
    eu_tls = devpki.issue_certificate(eu_ca, "ap.eu.test", at=now, usage="tls", ip_addresses=("127.0.0.1",))
    eu = {
        "ca": _write(root / "eu" / "ca.pem", eu_ca.cert_pem()),
        "sign_cert": _write(root / "eu" / "sign.pem", eu_sign.cert_pem()),
        "sign_key": _write(root / "eu" / "sign.key", eu_sign.key_pem()),
        "tls_cert": _write(root / "eu" / "tls.pem", eu_tls.cert_pem()),
        "tls_key": _write(root / "eu" / "tls.key", eu_tls.key_pem()),
        "log": root / "eu" / "received.jsonl",
    }
    peer: subprocess.Popen[str] | None = None
    state: dict[str, Any] = {}

    def configure(party: str, data: dict[str, Any]) -> None:
        # Called once CN's development PKI exists (CN signs with RSA, as4 verifies nothing else): the peer starts
        # pinning CN's signing certificate, and CN's agreement with EU points at the peer's port.
        nonlocal peer
        folder = root / "net" / party.lower()
        state["cn_signer"] = folder / "keys" / "signing.cert.pem"
        _write(folder / "trust" / "eu-ca.pem", eu_ca.cert_pem())
        # as4 decrypts with its signing key: that certificate is the one to encrypt to.
        _write(folder / "trust" / "eu-enc.pem", eu_sign.cert_pem())
        peer = subprocess.Popen(
            [python, str(PEER), "receive", "--party", "eu-ap", "--cert", str(eu["sign_cert"]), "--key",
             str(eu["sign_key"]), "--tls-cert", str(eu["tls_cert"]), "--tls-key", str(eu["tls_key"]),
             "--client-ca", str(folder / "keys" / "ca.cert.pem"), "--sender-cert", str(state["cn_signer"]),
             "--log", str(eu["log"])],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert peer.stdout is not None
        line = peer.stdout.readline()
        if not line:
            raise AssertionError(f"as4 peer did not start: {peer.stderr.read() if peer.stderr else ''}")
        data["as4_listener"] = {"address": "127.0.0.1:0"}
        data["partners"] = [{
            "party": "EU", "transport": "as4", "trust_anchors": ["trust/eu-ca.pem"],
            "documents": {"certificate-of-origin": ACFTA},
            "retry": {"strategy": "constant", "initial_delay_seconds": 0.2, "max_attempts": 3, "jitter": 0.0},
            "as4": {"endpoint_url": f"https://127.0.0.1:{json.loads(line)['port']}/msh",
                    "partner_party_id": "eu-ap", "our_party_id": "cn-swgw",
                    "peer": "access-point", "packaging": "swa", "compress": True, "sbdh": True,
                    "encryption_certificate": "trust/eu-enc.pem",
                    "service": PROCESS, "service_type": "cenbii-procid-ubl", "agreement_ref": PEPPOL_AGREEMENT,
                    "actions": {"certificate-of-origin": PEPPOL_ACTION}},
        }]

    try:
        with running_network(root / "net", ("CN",), {}, configure=configure, keys={"CN": "rsa"}) as net:
            state["eu_identity"] = SigningIdentity(private_key=eu_sign.private_key,  # type: ignore[arg-type]
                                                   certificate=eu_sign.certificate)
            yield net, eu, state
    finally:
        if peer is not None:
            peer.terminate()
            peer.communicate(timeout=10)  # reaps it and closes its pipes


def tmp_path_of(network: Network) -> Path:
    """A scratch folder beside the network's files."""
    return network.files["CN"].folder.parent


def _final(network: Network, message_id: str) -> pb.MessageSummary:
    with network.client("CN") as client:
        return wait_for(lambda: (s := client.status(message_id)).status in (
            pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED) and s)


def test_as4_verifies_our_user_message_and_its_receipt_makes_it_delivered(
        setting: tuple[Network, dict[str, Path], dict[str, Any]]) -> None:
    network, eu, _ = setting
    with network.client("CN") as client:
        message_id = client.submit("EU", COO, record_bytes(example("coo-cn-vn"))).message_id
    summary = _final(network, message_id)
    assert summary.status == pb.MESSAGE_STATUS_DELIVERED, summary.last_error
    # What the independent stack found on the wire.
    records = [json.loads(line) for line in eu["log"].read_text().splitlines()]
    record = next(r for r in records if r["message_id"] == message_id)
    assert record["parse_error"] == "None"
    assert record["signer"] == "CN=CN Gateway Document Signing"
    # SOAP with Attachments: the document (and the rest) as encrypted MIME parts, which as4 decrypted, checked
    # against their cid: references and decompressed before hashing the document.
    assert record["content_type"].startswith("multipart/related") and record["parts"] >= 1
    stored = network.apps["CN"].repository.get(message_id)
    assert record["payload_sha256"] == stored.envelope.payload_sha256
    # Its receipt is what the gateway stored, verified (NRR), as the message's receipt.
    assert stored.receipt is not None and stored.receipt.signature is not None
    assert stored.receipt.signature.format == NRR_RECEIPT_FORMAT
    assert stored.receipt.signature.value == record["receipt"]
    assert stored.receipt.issuer.value == "EU"
    # Offline too: `swgw messages export` and the verifier check the as4 receipt against EU's trust alone.
    exported = tmp_path_of(network) / "exported.json"
    assert main(["messages", "export", "--config", str(network.files["CN"].config), message_id,
                 "--out", str(exported)]) == 0
    cn_ca = x509.load_pem_x509_certificate(network.files["CN"].ca_certificate.read_bytes())
    eu_ca = x509.load_pem_x509_certificate(eu["ca"].read_bytes())
    report = verify_bytes(exported.read_bytes(), {"CN": PartnerTrust(partner="CN", anchors=(cn_ca,)),
                                                  "EU": PartnerTrust(partner="EU", anchors=(eu_ca,))},
                          at=datetime.now(UTC))
    assert report.valid, report.checks
    assert "receipt from EU: valid, ACCEPTED" in report.checks


def _as4_send(network: Network, eu: dict[str, Path], state: dict[str, Any], payload: bytes,
              times: int = 1, message_id: str | None = None) -> list[dict[str, Any]]:
    """as4 sends ``payload`` (in its Peppol message) to CN ``times`` times; what it made of each answer."""
    cn = network.files["CN"]
    path = eu["log"].parent / "payload.xml"
    path.write_bytes(payload)
    # as4 encrypts to the gateway's certificate and verifies the answer against it.
    result = subprocess.run(
        [_as4_python(), str(PEER), "send", "--party", "eu-ap", "--cert", str(eu["sign_cert"]), "--key",
         str(eu["sign_key"]), "--tls-cert", str(eu["tls_cert"]), "--tls-key", str(eu["tls_key"]),
         "--port", str(network.apps["CN"].as4_port), "--server-ca", str(cn.ca_certificate), "--receiver", "cn-swgw",
         "--receiver-cert", str(state["cn_signer"]), "--payload", str(path), "--times", str(times),
         *(["--message-id", message_id] if message_id else [])],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.strip().splitlines()[-times:]]
    assert all(a["content_type"].startswith("multipart/related") for a in answers)
    return answers


def _eu_document(state: dict[str, Any], number: str) -> bytes:
    """A Form E the EU window issued and signed (XAdES in the UBL extension, as the agreed profile requires)."""
    record = example("coo-vn-cn")
    record["certificate"]["number"] = number
    document = mappings.map_forward(record, ACFTA, at=datetime.now(UTC)).document
    return sign_xml(document, state["eu_identity"], placement=SignaturePlacement.UBL_EXTENSION)


def test_swgw_receives_as4s_peppol_message_and_as4_verifies_the_receipt(
        setting: tuple[Network, dict[str, Path], dict[str, Any]]) -> None:
    network, eu, state = setting
    document = _eu_document(state, "E264500000777")
    first, again = _as4_send(network, eu, state, document, times=2)
    for answer in (first, again):
        assert (answer["verified"], answer["success"], answer["error_code"]) == (True, True, None), answer
        assert answer["non_repudiation"] == "verified"
    # Received once (duplicate elimination by ebMS MessageId), the document unwrapped from the SBDH, decrypted and
    # decompressed byte for byte, its signature verified and mapped back.
    stored = network.apps["CN"].repository.get(first["message_id"])
    assert stored.status is MessageStatus.RECEIVED and stored.partner == "EU"
    assert stored.envelope.payload == document
    assert stored.envelope.document_format == mappings.get_profile(ACFTA).format
    assert stored.envelope.business_key.number == "E264500000777"
    assert stored.record_json is not None and "E264500000777" in stored.record_json
    assert stored.receipt is not None and stored.receipt.outcome.value == "ACCEPTED"
    # Another document under the same ebMS MessageId (a new message as4 built and signed) is a conflict.
    [conflict] = _as4_send(network, eu, state, _eu_document(state, "E264500000779"), message_id=first["message_id"])
    assert (conflict["verified"], conflict["success"]) == (True, False), conflict
    assert (conflict["error_code"], conflict["error_detail"]) == ("EBMS:0003", "DUPLICATE_CONFLICT"), conflict
    assert network.apps["CN"].repository.get(first["message_id"]).envelope.payload == document


def test_a_document_swgw_refuses_is_a_signed_ebms_error_as4_verifies(
        setting: tuple[Network, dict[str, Path], dict[str, Any]]) -> None:
    network, eu, state = setting
    # The agreed profile requires the window's XAdES signature: an unsigned Form E is refused.
    record = example("coo-vn-cn")
    record["certificate"]["number"] = "E264500000778"
    unsigned = mappings.map_forward(record, ACFTA, at=datetime.now(UTC)).document
    [answer] = _as4_send(network, eu, state, unsigned)
    assert (answer["verified"], answer["success"]) == (True, False), answer
    assert (answer["error_code"], answer["error_detail"]) == ("EBMS:0101", "SIGNATURE_MISSING"), answer
    stored = network.apps["CN"].repository.get(answer["message_id"])
    assert stored.status is MessageStatus.REJECTED
