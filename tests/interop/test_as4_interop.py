"""Interoperability with an AS4 stack nobody here wrote: the PyPI ``as4`` package (0.2.0), run in its own virtual
environment as a foreign access point (tests/interop/as4_peer/peer.py).

swgw -> as4: a certificate of origin leaves a swgw gateway as a signed User Message; ``as4`` verifies the bytes on
the wire (signature against the pinned signer, coverage of eb:Messaging, Body and payload, every reference digest
with its own canonicalisation) and answers with its signed non-repudiation receipt, which the gateway verifies and
stores as the message's receipt: DELIVERED.

as4 -> swgw: ``as4`` sends what it can build, a Peppol message (SBDH, gzip, AES-128-GCM encrypted MIME attachment).
swgw cannot read it yet (see README, AS4: MIME attachments and payload encryption are not supported) and answers
with a signed ebMS error, which ``as4`` parses and whose signature it verifies: the refusal itself interoperates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cryptography import x509

from trust import NRR_RECEIPT_FORMAT, PartnerTrust, devpki

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.tools.cli import main
from gateway.tools.verify_offline import verify_bytes
from tests.integration.network import Network, example, record_bytes, running_network, wait_for
from tests.conftest import tools_required

INTEROP = Path(__file__).resolve().parent
PEER = INTEROP / "as4_peer" / "peer.py"
VENV_PYTHON = INTEROP / ".as4-venv" / "bin" / "python"
COO = DocumentType.CERTIFICATE_OF_ORIGIN


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
            "documents": {"certificate-of-origin": "coo-ubl24-acfta-forme"},
            "retry": {"strategy": "constant", "initial_delay_seconds": 0.2, "max_attempts": 3, "jitter": 0.0},
            "as4": {"endpoint_url": f"https://127.0.0.1:{json.loads(line)['port']}/msh",
                    "partner_party_id": "eu-ap", "our_party_id": "cn-swgw",
                    "actions": {"certificate-of-origin": "urn:swgw:action:certificate-of-origin"}},
        }]

    try:
        with running_network(root / "net", ("CN",), {}, configure=configure, keys={"CN": "rsa"}) as net:
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


def test_as4_verifies_our_signed_error_for_what_we_cannot_read_yet(
        setting: tuple[Network, dict[str, Path], dict[str, Any]]) -> None:
    network, eu, state = setting
    cn = network.files["CN"]
    payload = eu["log"].parent / "payload.xml"
    payload.write_bytes(b"<CertificateOfOrigin xmlns='urn:oasis:names:specification:ubl:schema:xsd:"
                        b"CertificateOfOrigin-2'/>")
    # as4 encrypts to the gateway's certificate and verifies the answer against it.
    result = subprocess.run(
        [_as4_python(), str(PEER), "send", "--party", "eu-ap", "--cert", str(eu["sign_cert"]), "--key",
         str(eu["sign_key"]), "--tls-cert", str(eu["tls_cert"]), "--tls-key", str(eu["tls_key"]),
         "--port", str(network.apps["CN"].as4_port), "--server-ca", str(cn.ca_certificate), "--receiver", "cn-swgw",
         "--receiver-cert", str(state["cn_signer"]), "--payload", str(payload)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["content_type"].startswith("multipart/related")
    assert answer["verified"] is True, answer
    assert (answer["success"], answer["error_code"], answer["error_detail"]) == (False, "EBMS:0009", "XML_MALFORMED")
