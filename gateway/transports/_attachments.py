"""The wire form of attachments (private to the codec): carried in the envelope, or large and sent apart."""

from __future__ import annotations

from .._generated.swgw.v1 import envelope_pb2 as pb
from ..core.domain import Attachment, StoredBlob
from ..core.errors import EnvelopeInvalid

__all__ = ["attachment_from_proto", "attachment_to_proto", "stored_attachment"]


def attachment_to_proto(attachment: Attachment) -> pb.Attachment:
    """Wire form of an attachment (a large one: its reference, ``size`` set and no content)."""
    return pb.Attachment(name=attachment.name, media_type=attachment.media_type, content=attachment.content,
                         sha256=bytes.fromhex(attachment.sha256),
                         size=attachment.stored.size if attachment.stored is not None else 0)


def stored_attachment(message: pb.Attachment, field_path: str) -> Attachment | None:
    """A large attachment's reference (``size`` set, no content): its bytes travel apart, checked against the
    declared digest when they arrive. None for an attachment carried in ``content``."""
    if not message.size:
        return None
    if message.content:
        raise EnvelopeInvalid("an attachment carries content or a size, not both", field_path=f"{field_path}.size")
    if len(message.sha256) != 32:
        raise EnvelopeInvalid("a large attachment needs its 32-byte sha256", field_path=f"{field_path}.sha256")
    return Attachment(name=message.name, media_type=message.media_type or "application/octet-stream",
                      stored=StoredBlob(message.sha256.hex(), message.size))


def attachment_from_proto(message: pb.Attachment) -> Attachment:
    """Domain attachment from a domestic request (its digest is computed, not trusted)."""
    if not message.name:
        raise EnvelopeInvalid("attachment needs a name", field_path="attachments.name")
    stored = stored_attachment(message, "attachments")
    if stored is not None:
        return stored
    return Attachment(name=message.name, media_type=message.media_type or "application/octet-stream",
                      content=message.content)
