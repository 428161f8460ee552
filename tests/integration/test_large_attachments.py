"""Large attachments across two gateways: uploaded in chunks at CN, sent on DeliverLarge, stored by digest at HK and
read back in chunks, never whole in memory; truncated, tampered, oversized and broken transfers are refused with
stable codes and keep nothing, and a broken transfer is simply sent again."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import threading
import uuid
from dataclasses import replace
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway._generated.swgw.v1 import partner_exchange_pb2 as ppb
from gateway.core.domain import Attachment, DocumentType, Envelope, MessageStatus, StoredBlob
from gateway.core.ports import NewOutbound
from gateway.pipeline.signatures import sign_envelope
from gateway.pipeline.steps import SubmitCommand
from gateway.tools.client import ClientError
from gateway.transports import codec
from gateway.transports.status_map import error_from_status
from tests.integration.network import Network, running_network, wait_for
from tests.integration.reliability import numbered_record

COO = DocumentType.CERTIFICATE_OF_ORIGIN
MIB = 1 << 20
LIMIT = 100 * MIB


def _large(party: str, data: dict[str, Any]) -> None:
    for partner in data["partners"]:
        partner["max_attachment_bytes"] = LIMIT


def chunks(size: int, seed: bytes = b"scan") -> Iterator[bytes]:
    """``size`` deterministic bytes in 1 MiB chunks, made as they are asked for (never all at once)."""
    block = hashlib.sha256(seed).digest() * (MIB // 32)
    sent = 0
    counter = 0
    while sent < size:
        counter += 1
        piece = counter.to_bytes(8, "big") + block[8:]
        piece = piece[: min(MIB, size - sent)]
        sent += len(piece)
        yield piece


def digest(parts: Iterator[bytes]) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    for part in parts:
        h.update(part)
        n += len(part)
    return h.hexdigest(), n


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")  # pragma: no cover


def _fixed_mmap_threshold() -> None:
    """Make glibc serve 1 MiB buffers from mmap and unmap them when freed, as it does until a first such buffer is
    freed: otherwise it raises its threshold and keeps freed buffers in per-thread arenas, and the resident set
    then shows the allocator's reserve (tens of MiB, whatever the transfer's size) rather than what is held."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    m_mmap_threshold = -3
    if libc.mallopt(m_mmap_threshold, 128 * 1024) != 1:  # pragma: no cover - not glibc
        pytest.skip("cannot fix the C allocator's mmap threshold")


class PeakRss(threading.Thread):
    """Samples this process's resident set (both gateways, the hub and the test run in it) every 20 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        _fixed_mmap_threshold()
        self.baseline = _rss()
        self.peak = self.baseline
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, _rss())

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak - self.baseline


def test_a_large_attachment_crosses_both_gateways_in_bounded_memory(tmp_path: Path) -> None:
    size = 96 * MIB
    expected = digest(chunks(size))
    with running_network(tmp_path, ("CN", "HK"), configure=_large) as network:
        rss = PeakRss()
        rss.start()
        with network.client("CN") as cn:
            uploaded = cn.upload_attachment(chunks(size), timeout=120)
            assert (uploaded.sha256.hex(), uploaded.size) == expected
            attachment = pb.Attachment(name="scan.tiff", media_type="image/tiff", sha256=uploaded.sha256,
                                       size=uploaded.size)
            response = cn.submit("HK", COO, numbered_record(1, "L"), idempotency_key="large-1",
                                 attachments=[attachment])
            wait_for(lambda: cn.status(response.message_id).status == pb.MESSAGE_STATUS_DELIVERED, timeout=120)
        with network.client("HK") as hk:
            [document] = hk.receive(max_documents=1, timeout=20)
            [carried] = document.attachments
            assert (carried.name, carried.size, carried.sha256, carried.content) == \
                ("scan.tiff", size, uploaded.sha256, b"")
            assert digest(hk.read_attachment(document.message_id, "scan.tiff", timeout=120)) == expected
        growth = rss.stop()
        # Upload, send, receive and read back 96 MiB with both gateways and the hub in one process: held whole
        # anywhere, the attachment alone would add 96 MiB (and gRPC's copies more).
        assert growth < size / 2, f"resident set grew by {growth / MIB:.0f} MiB"
        print(f"resident set grew by {growth / MIB:.1f} MiB moving {size / MIB:.0f} MiB through both gateways")
        # Stored by content at both ends, not in the database rows.
        blob = f"{expected[0][:2]}/{expected[0]}"
        for party in ("CN", "HK"):
            stored = Path(network.apps[party].settings.data_dir) / "blobs" / blob
            assert stored.stat().st_size == size


def _envelope(network: Network, size: int, seed: bytes, number: int) -> Envelope:
    """A signed CN->HK envelope with one large attachment, made by CN's own pipeline but not stored or sent."""
    cn = network.apps["CN"]
    blob = cn.blobs.store(chunks(size, seed), limit=LIMIT)
    command = SubmitCommand(receiver="HK", document_type=COO, action=codec.action_from_proto(pb.ACTION_ISSUE),
                            record_json=numbered_record(number, "X"),
                            attachments=(Attachment("scan.tiff", "image/tiff", stored=blob),))
    prepared = cn.pipeline.prepare_submission(command)
    assert isinstance(prepared, NewOutbound)
    return prepared.envelope


def _deliver_large(network: Network, envelope: Envelope, parts: Iterator[bytes],
                   cancel_after: int | None = None) -> Any:
    cn = network.apps["CN"]
    stub = cn.transport.for_partner(cn.settings.partner("HK"))._stub(  # type: ignore[attr-defined]
        cn.settings.partner("HK"), cn.clock.now())

    def requests() -> Iterator[ppb.DeliverLargeRequest]:
        yield ppb.DeliverLargeRequest(envelope=codec.envelope_to_proto(envelope))
        for i, data in enumerate(parts):
            if cancel_after is not None and i == cancel_after:
                time.sleep(0.5)
                call.cancel()
                return
            yield ppb.DeliverLargeRequest(chunk=pb.AttachmentChunk(data=data))

    call = stub.DeliverLarge.future(requests(), timeout=60)
    return call.result()


def _refused(network: Network, envelope: Envelope, parts: Iterator[bytes]) -> tuple[str, str]:
    with pytest.raises(grpc.RpcError) as caught:
        _deliver_large(network, envelope, parts)
    code, _, field_path = error_from_status(caught.value)
    hk = network.apps["HK"]
    assert hk.repository.find(envelope.message_id) is None
    assert not list((Path(hk.settings.data_dir) / "blobs" / "incoming").iterdir())
    return code, field_path


def test_truncated_tampered_oversized_and_broken_transfers_are_refused_and_keep_nothing(tmp_path: Path) -> None:
    with running_network(tmp_path, ("CN", "HK"), configure=_large) as network:
        size = 3 * MIB + 17
        envelope = _envelope(network, size, b"a", 1)
        hk_blob = Path(network.apps["HK"].settings.data_dir) / "blobs" / envelope.attachments[0].sha256[:2]
        # Truncated: the stream ends before the declared size.
        assert _refused(network, envelope, iter(list(chunks(size, b"a"))[:2])) == \
            ("ATTACHMENT_INCOMPLETE", "envelope.attachments[0]")
        # Tampered: the declared (signed) digest is not the bytes'.
        assert _refused(network, envelope, chunks(size, b"b")) == \
            ("PAYLOAD_DIGEST_MISMATCH", "envelope.attachments[0].sha256")
        # More bytes than declared.
        assert _refused(network, envelope, chunks(size + MIB, b"a"))[0] == "ATTACHMENT_INCOMPLETE"
        assert not hk_blob.exists()
        # Over the agreed limit: refused from the envelope, before any byte is read.
        declared = Attachment("scan.tiff", "image/tiff", stored=StoredBlob("ab" * 32, LIMIT + 1))
        big = sign_envelope(replace(envelope, message_id=str(uuid.uuid4()), attachments=(declared,)),
                            network.apps["CN"].identity)
        assert _refused(network, big, iter(())) == ("PAYLOAD_TOO_LARGE", "envelope.attachments[0]")
        # The large attachment cannot ride on the unary Deliver.
        cn = network.apps["CN"]
        stub = cn.transport.for_partner(cn.settings.partner("HK"))._stub(  # type: ignore[attr-defined]
            cn.settings.partner("HK"), cn.clock.now())
        with pytest.raises(grpc.RpcError) as caught:
            stub.Deliver(ppb.DeliverRequest(envelope=codec.envelope_to_proto(envelope)), timeout=10)
        assert error_from_status(caught.value)[:3:2] == ("ENVELOPE_INVALID", "envelope.attachments[0].size")
        # Broken off by the sender midway: nothing kept; sent again whole, it is accepted once.
        with pytest.raises(grpc.FutureCancelledError):
            _deliver_large(network, envelope, chunks(size, b"a"), cancel_after=2)
        wait_for(lambda: not list((Path(network.apps["HK"].settings.data_dir) / "blobs" / "incoming").iterdir()))
        assert network.apps["HK"].repository.find(envelope.message_id) is None
        response = _deliver_large(network, envelope, chunks(size, b"a"))
        assert response.receipt.outcome == pb.RECEIPT_OUTCOME_ACCEPTED
        again = _deliver_large(network, envelope, iter(()))  # a duplicate: the stored receipt, no bytes needed
        assert again.receipt.receipt_id == response.receipt.receipt_id
        stored = network.apps["HK"].repository.get(envelope.message_id)
        assert stored.status is MessageStatus.RECEIVED
        assert stored.envelope.attachments[0].stored == StoredBlob(envelope.attachments[0].sha256, size)


def test_a_pdf_sent_apart_gets_a_signed_refusal(tmp_path: Path) -> None:
    with running_network(tmp_path, ("CN", "HK"), configure=_large) as network:
        cn = network.apps["CN"]
        envelope = _envelope(network, MIB, b"d", 3)
        # Labelled as an image, but a PDF by its first bytes: its signature could not be checked, so it is refused.
        pdf = cn.blobs.store(iter([b"%PDF-1.7\n" + b"x" * MIB]), limit=LIMIT)
        disguised = Attachment("scan.tiff", "image/tiff", stored=pdf)
        signed = sign_envelope(replace(envelope, message_id=str(uuid.uuid4()), attachments=(disguised,)), cn.identity)
        response = _deliver_large(network, signed, cn.blobs.read(pdf.sha256))
        assert response.receipt.outcome == pb.RECEIPT_OUTCOME_REJECTED
        assert [(e.code, e.field_path) for e in response.receipt.errors] == [
            ("ATTACHMENT_NOT_VERIFIABLE", "envelope.attachments[0]")]
        assert network.apps["HK"].repository.get(signed.message_id).status is MessageStatus.REJECTED


def test_uploads_and_submissions_respect_the_agreed_limit(tmp_path: Path) -> None:
    with running_network(tmp_path, ("CN", "HK"), configure=_large) as network:
        with network.client("CN") as cn:
            with pytest.raises(ClientError) as caught:
                cn.upload_attachment(chunks(LIMIT + MIB), timeout=120)
            assert caught.value.code == "PAYLOAD_TOO_LARGE"
            # A reference to bytes never uploaded is refused, naming the attachment.
            ghost = pb.Attachment(name="ghost.tiff", media_type="image/tiff", sha256=b"\x01" * 32, size=10)
            with pytest.raises(ClientError) as caught:
                cn.submit("HK", COO, numbered_record(1, "G"), attachments=[ghost])
            assert (caught.value.code, caught.value.field_path) == ("ATTACHMENT_INCOMPLETE", "attachments[0].sha256")
            # A PDF must travel in the envelope, where its signature is verified.
            pdf = cn.upload_attachment(iter([b"%PDF-1.7\n" + b"x" * 1000]))
            with pytest.raises(ClientError) as caught:
                cn.submit("HK", COO, numbered_record(2, "G"), attachments=[pb.Attachment(
                    name="scan.bin", media_type="application/octet-stream", sha256=pdf.sha256, size=pdf.size)])
            assert (caught.value.code, caught.value.field_path) == ("ATTACHMENT_NOT_VERIFIABLE", "attachments[0]")
        assert not list((Path(network.apps["CN"].settings.data_dir) / "blobs" / "incoming").iterdir())
