"""`swgw inbound`: the domestic hub's side of ReceiveInbound; a document is acknowledged only once it is on disk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.tools import inbound_command
from gateway.tools.cli import main
from tests.integration.network import Network, example, record_bytes, running_network, wait_for


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    with running_network(tmp_path_factory.mktemp("inbound"), ("CN", "HK")) as net:
        yield net


def _send(network: Network, number: str) -> str:
    record = example("coo-cn-hk")
    record["certificate"]["number"] = number
    with network.client("CN") as cn:
        message_id = cn.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN, record_bytes(record)).message_id
    repository = network.apps["HK"].repository
    wait_for(lambda: (m := repository.find(message_id)) is not None and m.status.value == "RECEIVED")
    return message_id


def test_documents_are_written_then_acknowledged(network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    first, second = _send(network, "K25INBOUND001"), _send(network, "K25INBOUND002")
    gateway = ["--gateway", f"127.0.0.1:{network.apps['HK'].domestic_port}"]
    out = tmp_path / "inbox"

    # The disk fails: nothing is acknowledged, the gateway keeps both documents RECEIVED.
    def full_disk(folder: Path, document: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(inbound_command, "write_document", full_disk)
    assert main(["inbound", "--out", str(out), "--max", "2", "--wait", "5", *gateway]) == 1
    assert "No space left on device" in capsys.readouterr().err
    with network.client("HK") as hk:
        assert {hk.status(m).status for m in (first, second)} == {pb.MESSAGE_STATUS_RECEIVED}
    monkeypatch.undo()

    assert main(["inbound", "--out", str(out), "--max", "2", "--wait", "10", "--json", *gateway]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(row["message_id"] for row in lines) == sorted([first, second])
    for message_id in (first, second):
        folder = out / message_id
        assert sorted(p.name for p in folder.iterdir()) == ["document.xml", "meta.json", "record.json"]
        meta = json.loads((folder / "meta.json").read_text())
        assert (meta["sender"], meta["document_type"]) == ("CN", "certificate-of-origin")
        assert meta["business_key"].startswith("CN-GACC-5300/K25INBOUND00")
        record = json.loads((folder / "record.json").read_text())
        assert record["certificate"]["number"] == meta["business_key"].split("/")[1]
        assert (folder / "document.xml").read_bytes().startswith(b"<")
    assert not list(out.glob(".*"))  # no partial folder left
    with network.client("HK") as hk:
        assert {hk.status(m).status for m in (first, second)} == {pb.MESSAGE_STATUS_HANDED_OVER}

    # Nothing left: the table run says so.
    assert main(["inbound", "--out", str(out), "--wait", "1", *gateway]) == 0
    assert capsys.readouterr().out.strip().endswith("0 documents written to " + str(out) + " and acknowledged")
