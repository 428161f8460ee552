"""DeliverStream and DeliverLarge from a stranger's stack: the Node window (@grpc/grpc-js, jose, xmlsec1; written from the partner
guide) streams envelopes to a real CN gateway whose agreement with it says ``streaming = true``.

On one stream: an envelope already delivered with the unary call (answered with the stored receipt), a new
certificate (a signed ACCEPTED receipt), a document altered after its signature (a signed REJECTED receipt) and the
same new envelope again (its stored receipt): one answer per envelope, in the order sent, every receipt verified
by Node against CN's CA only. And a 20 MiB attachment sent apart from its envelope in chunks (DeliverLarge),
stored by CN under its signed digest.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.core.domain import MessageStatus
from gateway.tools.devsetup import free_port, server_name, write_window
from tests.integration.network import Network, running_network
from tests.interop.node_window import PROFILE, WINDOW, node_tools, unsigned_document, window_config


def _window(node: str, config: Path, command: str, *args: str) -> dict[str, Any]:
    result = subprocess.run([node, str(WINDOW), command, "--config", str(config), "--partner", "CN", *args],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr + result.stdout
    value: dict[str, Any] = json.loads(result.stdout)
    return value


@pytest.fixture(scope="module")
def streaming_exchange(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Network, Path, Path]]:
    node = node_tools()
    root = tmp_path_factory.mktemp("node-stream")
    sg_folder, _ = write_window(root / "node", "SG", at=datetime.now(UTC), partner_port=0, domestic_port=0)
    sg_port = free_port()

    def add_sg(party: str, data: dict[str, Any]) -> None:
        data["partners"].append({
            "party": "SG", "endpoint": f"127.0.0.1:{sg_port}", "tls_server_name": server_name("SG"),
            "trust_anchors": [str(sg_folder / "keys" / "ca.cert.pem")],
            "documents": {"certificate-of-origin": PROFILE}, "streaming": True, "max_attachment_bytes": 64 << 20,
        })

    with running_network(root / "swgw", ("CN",), {}, configure=add_sg) as net:
        cn = net.files["CN"]
        config = window_config(sg_folder, port=sg_port, partner={
            "party": "CN", "ca": [str(cn.ca_certificate)], "endpoint": f"127.0.0.1:{cn.partner_port}",
            "tls_server_name": server_name("CN"),
        })
        yield node, net, sg_folder, config


def test_node_window_streams_envelopes_and_verifies_each_answer(
        streaming_exchange: tuple[str, Network, Path, Path]) -> None:
    node, net, folder, config = streaming_exchange
    first = _window(node, config, "deliver", "--document", str(unsigned_document(folder, "SG26000101")))
    assert first["outcome"] == "RECEIPT_OUTCOME_ACCEPTED", first
    result = _window(node, config, "deliver-stream", "--resend-id", first["message_id"],
                     "--stream-document", str(unsigned_document(folder, "SG26000102")),
                     "--stream-document", f"tamper:{unsigned_document(folder, 'SG26000103')}")
    assert result["grpc"] == "OK", result
    answers = result["answers"]
    assert [a["message_id"] for a in answers] == [a["sent"] for a in answers] and len(answers) == 3
    assert [a["outcome"] for a in answers] == [
        "RECEIPT_OUTCOME_ACCEPTED", "RECEIPT_OUTCOME_ACCEPTED", "RECEIPT_OUTCOME_REJECTED"]
    assert all(a["receipt_verified"] for a in answers), answers
    assert answers[0]["receipt_id"] == first["receipt_id"]  # the stored receipt, not a second message
    assert answers[2]["errors"][0]["code"] == "SIGNATURE_INVALID"
    again = _window(node, config, "deliver-stream", "--resend-id", answers[1]["message_id"])
    assert again["answers"][0]["receipt_id"] == answers[1]["receipt_id"]
    repository = net.apps["CN"].repository
    assert [repository.get(a["message_id"]).status for a in answers] == [
        MessageStatus.RECEIVED, MessageStatus.RECEIVED, MessageStatus.REJECTED]


def test_node_window_sends_a_large_attachment_in_chunks(streaming_exchange: tuple[str, Network, Path, Path],
                                                        tmp_path: Path) -> None:
    node, net, folder, config = streaming_exchange
    scan = tmp_path / "scan.tiff"
    with scan.open("wb") as out:
        for i in range(20):
            out.write(hashlib.sha256(bytes([i])).digest() * (1 << 15))  # 1 MiB each
    expected = hashlib.sha256(scan.read_bytes()).hexdigest()
    result = _window(node, config, "deliver-large", "--document", str(unsigned_document(folder, "SG26000201")),
                     "--large-file", str(scan), "--large-media-type", "image/tiff")
    assert (result["grpc"], result["outcome"], result["receipt_verified"]) == (
        "OK", "RECEIPT_OUTCOME_ACCEPTED", True), result
    assert (result["sha256"], result["size"]) == (expected, 20 << 20)
    cn = net.apps["CN"]
    [attachment] = cn.repository.get(result["message_id"]).envelope.attachments
    assert (attachment.name, attachment.media_type, attachment.sha256, attachment.size) == (
        "scan.tiff", "image/tiff", expected, 20 << 20)
    assert hashlib.sha256(b"".join(cn.blobs.read(expected))).hexdigest() == expected
