"""Large attachments as files named by their SHA-256, in a folder next to the database.

A blob is written to a temporary file in the same folder while it streams in, flushed to disk, then renamed to its
digest's name: a crash leaves at most a temporary file (removed at the next start), never a partial blob under a
digest's name. Blobs are immutable, so readers need no lock.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ...core.domain import StoredBlob
from ...core.errors import MessageNotFound
from ...core.ports import CHUNK_BYTES
from ._spool import spool

__all__ = ["FileBlobStore"]

_DIGEST = re.compile(r"[0-9a-f]{64}")


class FileBlobStore:
    """:class:`~gateway.core.ports.BlobStore` on a folder: ``<root>/<sha256[:2]>/<sha256>``."""

    def __init__(self, root: Path, *, sweep: bool = True) -> None:
        """``sweep=False`` for a reader beside a running gateway (a backup): its incoming files are transfers
        under way, not leftovers of a crash."""
        self._root = root
        self._tmp = root / "incoming"
        self._tmp.mkdir(parents=True, exist_ok=True)
        if sweep:
            for stale in self._tmp.iterdir():  # transfers cut off by a crash or a broken stream
                stale.unlink(missing_ok=True)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise MessageNotFound(f"no attachment {sha256[:80]!r}", field_path="sha256")
        return self._root / sha256[:2] / sha256

    def store(self, chunks: Iterable[bytes], *, limit: int, expected: StoredBlob | None = None) -> StoredBlob:
        """Write the chunks to a temporary file, digesting them, then move it under its digest (see the port)."""
        handle, name = tempfile.mkstemp(dir=self._tmp)
        temporary = Path(name)
        try:
            with os.fdopen(handle, "wb") as file:
                blob = spool(chunks, file.write, limit=limit, expected=expected)
                file.flush()
                os.fsync(file.fileno())
            target = self._path(blob.sha256)
            target.parent.mkdir(exist_ok=True)
            os.replace(temporary, target)  # the same bytes if it existed: replacing is harmless
        finally:
            temporary.unlink(missing_ok=True)
        return blob

    def find(self, sha256: str) -> StoredBlob | None:
        """The blob, if stored."""
        try:
            return StoredBlob(sha256, self._path(sha256).stat().st_size)
        except (FileNotFoundError, MessageNotFound):
            return None

    def read(self, sha256: str, *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The blob in chunks."""
        try:
            file = self._path(sha256).open("rb")
        except FileNotFoundError:
            raise MessageNotFound(f"no attachment {sha256}", field_path="sha256") from None
        with file:
            while chunk := file.read(chunk_bytes):
                yield chunk

    def head(self, sha256: str, size: int) -> bytes:
        """The first bytes of the blob."""
        try:
            with self._path(sha256).open("rb") as file:
                return file.read(size)
        except FileNotFoundError:
            raise MessageNotFound(f"no attachment {sha256}", field_path="sha256") from None

    def stored(self) -> Iterator[StoredBlob]:
        """Every file under a digest's name (temporary files are not blobs yet), in digest order."""
        for shard in sorted(p for p in self._root.iterdir() if p.is_dir() and len(p.name) == 2):
            for path in sorted(shard.iterdir()):
                if _DIGEST.fullmatch(path.name) and path.name[:2] == shard.name and path.is_file():
                    yield StoredBlob(path.name, path.stat().st_size)

    def open(self, sha256: str) -> BinaryIO:
        """The blob's file, open for reading."""
        try:
            return self._path(sha256).open("rb")
        except FileNotFoundError:
            raise MessageNotFound(f"no attachment {sha256}", field_path="sha256") from None
