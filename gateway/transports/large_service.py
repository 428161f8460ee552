"""The servicer bodies of large attachments: partner ``DeliverLarge``, domestic ``UploadAttachment`` and
``ReadAttachment``.

Bytes are digested and written to the blob store chunk by chunk as they arrive, and read from it chunk by chunk when
they leave; no attachment is ever whole in memory. ``DeliverLarge`` authenticates the envelope (TLS peer, routing,
agreement, envelope signature) before it reads any attachment byte, and each attachment must arrive whole, within
the agreed ``max_attachment_bytes`` and with its signed digest, or the call fails with PAYLOAD_TOO_LARGE,
ATTACHMENT_INCOMPLETE or PAYLOAD_DIGEST_MISMATCH and nothing is kept. The envelope itself then goes through
:meth:`Pipeline.receive` like any other.
"""

from __future__ import annotations

from collections.abc import Iterator

from .._generated.swgw.v1 import domestic_exchange_pb2 as dpb
from .._generated.swgw.v1 import envelope_pb2 as pb
from .._generated.swgw.v1 import partner_exchange_pb2 as ppb
from ..core.domain import Attachment, Envelope, Receipt
from ..core.errors import (
    AttachmentIncomplete,
    EnvelopeInvalid,
    MessageNotFound,
    PayloadDigestMismatch,
    PayloadTooLarge,
)
from ..core.ports import BlobStore, StoredMessage
from ..pipeline.runner import Pipeline
from . import codec

__all__ = ["deliver_large", "read_attachment", "refuse_large", "upload_attachment"]


def refuse_large(envelope: Envelope, peer: str) -> None:
    """Deliver and DeliverStream carry attachments in the envelope only; large ones travel on DeliverLarge."""
    for index, attachment in enumerate(envelope.attachments):
        if attachment.stored is not None:
            raise EnvelopeInvalid("a large attachment (size set, no content) travels on DeliverLarge", partner=peer,
                                  field_path=f"envelope.attachments[{index}].size")


class _Chunks:
    """The chunks of a DeliverLarge request stream, cut into one attachment after another."""

    def __init__(self, requests: Iterator[ppb.DeliverLargeRequest], peer: str) -> None:
        self._requests = requests
        self._peer = peer

    def attachment(self, size: int, field_path: str) -> Iterator[bytes]:
        """Exactly ``size`` bytes of chunks (fewer when the stream ends early: the store then refuses them)."""
        taken = 0
        while taken < size:
            data = self._next(field_path)
            if data is None:
                return
            if taken + len(data) > size:
                raise AttachmentIncomplete("a chunk runs past the attachment's declared size", partner=self._peer,
                                           field_path=f"{field_path}.size")
            taken += len(data)
            yield data

    def end(self) -> None:
        """Nothing may follow the last attachment."""
        if self._next("request") is not None:
            raise AttachmentIncomplete("chunks follow the last large attachment", partner=self._peer,
                                       field_path="request")

    def _next(self, field_path: str) -> bytes | None:
        request = next(self._requests, None)
        if request is None:
            return None
        if request.WhichOneof("part") != "chunk":
            raise EnvelopeInvalid("only chunks follow the envelope", partner=self._peer, field_path=field_path)
        data: bytes = request.chunk.data
        return data


def deliver_large(pipeline: Pipeline, blobs: BlobStore, requests: Iterator[ppb.DeliverLargeRequest], *,
                  peer: str) -> Receipt:
    """Receive one envelope and its large attachments from ``peer``; the signed receipt, as Deliver answers."""
    profile = pipeline.agreement(peer)
    first = next(requests, None)
    if first is None or first.WhichOneof("part") != "envelope":
        raise EnvelopeInvalid("the first request carries the envelope", partner=peer, field_path="envelope")
    envelope = codec.envelope_from_proto(first.envelope)
    if profile.max_attachment_bytes <= 0:
        raise PayloadTooLarge(f"the agreement with {peer} allows no large attachments", partner=peer,
                              field_path="envelope.attachments")
    stored = pipeline.admit_large(envelope, peer=peer)
    if stored is not None:
        return stored  # a duplicate: its attachments were stored with it
    chunks = _Chunks(requests, peer)
    for index, attachment in enumerate(envelope.attachments):
        if attachment.stored is None:
            continue
        field_path = f"envelope.attachments[{index}]"
        try:
            blobs.store(chunks.attachment(attachment.size, field_path), limit=profile.max_attachment_bytes,
                        expected=attachment.stored)
        except (AttachmentIncomplete, PayloadTooLarge, PayloadDigestMismatch) as e:
            # The store knows no envelope: name the partner and the attachment.
            where = e.field_path or (f"{field_path}.sha256" if isinstance(e, PayloadDigestMismatch) else field_path)
            raise type(e)(e.message, partner=peer, field_path=where) from e
    chunks.end()
    return pipeline.receive(envelope, peer=peer)


def upload_attachment(blobs: BlobStore, requests: Iterator[dpb.UploadAttachmentRequest], *,
                      limit: int) -> dpb.UploadAttachmentResponse:
    """Store an upload of the domestic hub; ``limit`` is the largest any agreement accepts."""
    if limit <= 0:
        raise PayloadTooLarge("no agreement allows large attachments", field_path="chunk")
    blob = blobs.store((request.chunk.data for request in requests), limit=limit)
    return dpb.UploadAttachmentResponse(sha256=bytes.fromhex(blob.sha256), size=blob.size)


def read_attachment(blobs: BlobStore, message: StoredMessage, name: str) -> Iterator[dpb.ReadAttachmentResponse]:
    """The chunks of a large attachment of ``message``."""
    found: Attachment | None = next((a for a in message.envelope.attachments if a.name == name), None)
    if found is None or found.stored is None:
        raise MessageNotFound(f"{message.message_id} has no large attachment {name!r}", field_path="name")
    for data in blobs.read(found.sha256):
        yield dpb.ReadAttachmentResponse(chunk=pb.AttachmentChunk(data=data))
