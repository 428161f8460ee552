"""The one digest-and-limit loop both blob stores run over incoming chunks."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable

from ...core.domain import StoredBlob
from ...core.errors import AttachmentIncomplete, PayloadDigestMismatch, PayloadTooLarge


def spool(chunks: Iterable[bytes], write: Callable[[bytes], object], *, limit: int,
          expected: StoredBlob | None) -> StoredBlob:
    """Hand each chunk to ``write`` while digesting it; enforce ``limit`` and ``expected`` (see BlobStore.store)."""
    digest = hashlib.sha256()
    size = 0
    bound = limit if expected is None else min(limit, expected.size)
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"attachment exceeds the agreed {limit} bytes")
        if expected is not None and size > bound:
            raise AttachmentIncomplete(f"attachment runs past its declared {expected.size} bytes")
        digest.update(chunk)
        write(chunk)
    blob = StoredBlob(digest.hexdigest(), size)
    if expected is not None:
        if size < expected.size:
            raise AttachmentIncomplete(f"attachment ended after {size} of its declared {expected.size} bytes")
        if not hmac.compare_digest(blob.sha256, expected.sha256.lower()):
            raise PayloadDigestMismatch("attachment does not match its sha256")
    return blob
