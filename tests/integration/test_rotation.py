"""Rotation without downtime: a partner's new certificate and our own new signing key come in under traffic.

Both gateways keep running. Each introduces a signing key issued by a brand-new CA: the other side first adds
that CA to its trust (pending from a set time), then the key is dropped into the keyring folder and the gateway
signs with it from then on. Traffic flows both ways throughout; every message must end DELIVERED, and documents
signed by the old and the new keys must both have arrived.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.core.ports import Actor, ActorKind
from gateway.tools.client import ClientError
from tests.integration.network import Network, example, record_bytes, running_network, wait_for
from trust import CertificateRole, devpki

#: The audit actor of the changes these tests make.
OPERATOR = Actor(ActorKind.OS_USER, "test-operator")

EXAMPLES = {("CN", "HK"): "coo-cn-hk", ("HK", "CN"): "coo-hk-cn"}


def _keyring(party: str, data: dict[str, Any]) -> None:
    data["signing"]["keyring"] = "keys/keyring"


class Traffic(threading.Thread):
    """Submits documents both ways until stopped; records (sender, message id) and any refusal."""

    def __init__(self, network: Network) -> None:
        super().__init__(daemon=True)
        self.network = network
        self.sent: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        clients = {p: self.network.client(p) for p in ("CN", "HK")}
        try:
            while not self.stop.is_set():
                for (sender, receiver), name in EXAMPLES.items():
                    record = example(name)
                    record["certificate"]["number"] = f"R{uuid.uuid4().hex[:10].upper()}"
                    try:
                        response = clients[sender].submit(receiver, DocumentType.CERTIFICATE_OF_ORIGIN,
                                                          record_bytes(record))
                        self.sent.append((sender, response.message_id))
                    except ClientError as e:
                        self.errors.append(str(e))
                time.sleep(0.05)
        finally:
            for client in clients.values():
                client.close()


def _rotate(network: Network, party: str, partner: str) -> str:
    """``party`` gets a key from a new CA; ``partner`` trusts that CA first. Returns the new signer subject."""
    now = datetime.now(UTC)
    new_ca = devpki.create_ca(f"{party} Single Window CA (rotated)", at=now - timedelta(seconds=5))
    key = devpki.issue_certificate(new_ca, f"{party} Gateway Document Signing 2", at=now - timedelta(seconds=1),
                                   usage="signing")
    # The partner's operator adds the new CA as pending, in force a moment from now (no restart).
    network.apps[partner].trustbook.add(party, new_ca.certificate, role=CertificateRole.ANCHOR,
                                        actor=OPERATOR, valid_from_use=now + timedelta(seconds=0.5))
    time.sleep(1.6)  # in force, and every cached trust store has seen it
    folder = network.files[party].folder / "keys" / "keyring"
    folder.mkdir(exist_ok=True)
    (folder / "next.cert.pem").write_bytes(key.cert_pem())
    (folder / "next.chain.pem").write_bytes(new_ca.cert_pem())
    # Written last: the keyring loads a pair only when the key is there.
    (folder / "next.key.pem").write_bytes(key.key_pem())
    return key.certificate.subject.rfc4514_string()


@pytest.mark.slow
def test_both_sides_rotate_signing_keys_under_traffic(tmp_path: Path) -> None:
    with running_network(tmp_path, ("CN", "HK"), configure=_keyring) as network:
        traffic = Traffic(network)
        traffic.start()
        time.sleep(1.5)
        new_hk = _rotate(network, "HK", "CN")
        time.sleep(1.5)
        new_cn = _rotate(network, "CN", "HK")
        time.sleep(2.0)
        traffic.stop.set()
        traffic.join(timeout=30)

        assert traffic.errors == []
        assert len(traffic.sent) > 40
        final = (pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED)
        outcomes: dict[int, int] = {}
        for sender, message_id in traffic.sent:
            with network.client(sender) as client:
                status = wait_for(lambda: (s := client.status(message_id).status) in final and s, timeout=60)
            outcomes[status] = outcomes.get(status, 0) + 1
        assert outcomes == {pb.MESSAGE_STATUS_DELIVERED: len(traffic.sent)}

        for receiver, old, new in (("HK", "CN=CN Gateway Document Signing", new_cn),
                                   ("CN", "CN=HK Gateway Document Signing", new_hk)):
            signers = {m.signer_subject for m in network.apps[receiver].repository.list_messages(limit=10_000)
                       if m.direction.value == "inbound"}
            assert old in signers and new in signers, signers

        # Partners learn the new certificate from the export, which now lists both keys.
        exported = network.apps["CN"].operations.export_own_certificates()
        assert exported.count(b"-----BEGIN CERTIFICATE-----") >= 4
