"""The in-memory twin of the blob store, for unit tests (it holds blobs whole: tests use small ones)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ...core.domain import StoredBlob
from ...core.errors import MessageNotFound
from ...core.ports import CHUNK_BYTES
from ._spool import spool

__all__ = ["MemoryBlobStore"]


class MemoryBlobStore:
    """:class:`~gateway.core.ports.BlobStore` in a dict."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def store(self, chunks: Iterable[bytes], *, limit: int, expected: StoredBlob | None = None) -> StoredBlob:
        """Collect the chunks, digesting them (see the port)."""
        parts: list[bytes] = []
        blob = spool(chunks, parts.append, limit=limit, expected=expected)
        with self._lock:
            self._blobs[blob.sha256] = b"".join(parts)
        return blob

    def find(self, sha256: str) -> StoredBlob | None:
        """The blob, if stored."""
        with self._lock:
            data = self._blobs.get(sha256)
        return StoredBlob(sha256, len(data)) if data is not None else None

    def _get(self, sha256: str) -> bytes:
        with self._lock:
            data = self._blobs.get(sha256)
        if data is None:
            raise MessageNotFound(f"no attachment {sha256}", field_path="sha256")
        return data

    def read(self, sha256: str, *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The blob in chunks."""
        data = self._get(sha256)
        for start in range(0, len(data), chunk_bytes):
            yield data[start:start + chunk_bytes]

    def head(self, sha256: str, size: int) -> bytes:
        """The first bytes of the blob."""
        return self._get(sha256)[:size]

    def stored(self) -> Iterator[StoredBlob]:
        """Every blob, in digest order."""
        with self._lock:
            blobs = sorted((sha256, len(data)) for sha256, data in self._blobs.items())
        return iter([StoredBlob(sha256, size) for sha256, size in blobs])

    def open(self, sha256: str) -> BinaryIO:
        """The blob as an in-memory file."""
        return io.BytesIO(self._get(sha256))
