"""The blob store port: large attachments kept by content (SHA-256), written and read in chunks.

A large attachment never lives whole in memory: it is digested and written chunk by chunk as it arrives (from the
domestic hub's upload or a partner's DeliverLarge) and read back chunk by chunk when it is sent or handed over. The
message book holds only its reference (:class:`~gateway.core.domain.StoredBlob`). Implementations: the file store
``gateway.adapters.blobs.files.FileBlobStore`` (next to the database) and its twin ``MemoryBlobStore``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO, Protocol

from ..domain import StoredBlob

__all__ = ["BlobStore", "CHUNK_BYTES"]

#: Bytes per chunk when reading, and the most a sender puts in one chunk (gRPC messages stay far below the
#: receive limit).
CHUNK_BYTES = 1024 * 1024


class BlobStore(Protocol):
    """Content-addressed storage of large attachments."""

    def store(self, chunks: Iterable[bytes], *, limit: int, expected: StoredBlob | None = None) -> StoredBlob:
        """Write ``chunks`` as one blob, digesting them as they come, and return its reference.

        Raises PayloadTooLarge as soon as more than ``limit`` bytes arrived (the rest is not read);
        with ``expected``: AttachmentIncomplete when the chunks end before ``expected.size`` bytes or run past it,
        and PayloadDigestMismatch when the bytes do not hash to ``expected.sha256``. Nothing is kept after an error,
        and a blob that exists already is kept once.
        """
        ...

    def find(self, sha256: str) -> StoredBlob | None:
        """The blob with that digest, if stored."""
        ...

    def read(self, sha256: str, *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The blob's bytes in chunks; raises MessageNotFound when it is not stored."""
        ...

    def head(self, sha256: str, size: int) -> bytes:
        """The first ``size`` bytes of the blob (e.g. to recognise a file type); raises MessageNotFound."""
        ...

    def stored(self) -> Iterator[StoredBlob]:
        """Every blob stored, in digest order (a backup lists them; blobs are immutable, so a listing stays true)."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """The blob as a readable binary file (the caller closes it); raises MessageNotFound."""
        ...
