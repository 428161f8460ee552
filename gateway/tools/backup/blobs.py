"""Large attachments in a backup: every blob streamed into the archive and back out, never whole in memory.

A blob's member is ``blobs/<sha256[:2]>/<sha256>``; the manifest lists each digest with its size. Both directions
check the digest while the bytes stream: the backup refuses a file that no longer hashes to its name (a damaged
disk), the restore refuses a member that does not hash to the manifest's digest and keeps nothing of it.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
from collections.abc import Mapping
from typing import Any, BinaryIO

from ...core.domain import StoredBlob
from ...core.errors import AttachmentIncomplete, MessageNotFound, PayloadDigestMismatch, PayloadTooLarge
from ...core.ports import CHUNK_BYTES, BlobStore
from .common import BackupError

__all__ = ["BLOB_PREFIX", "add_blobs", "blob_member", "listed_blobs", "restore_blobs"]

BLOB_PREFIX = "blobs/"
_DIGEST = re.compile(r"[0-9a-f]{64}")


def blob_member(sha256: str) -> str:
    """The archive member of the blob with that digest."""
    return f"{BLOB_PREFIX}{sha256[:2]}/{sha256}"


class _Digesting:
    """A blob's open file as tarfile.addfile reads it (a buffer at a time), digested on the way."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self.sha256.update(data)
        return data


def add_blobs(tar: tarfile.TarFile, store: BlobStore, blobs: list[StoredBlob]) -> None:
    """Stream each blob from ``store`` into ``tar`` under its member name, checking that it hashes to its name."""
    for blob in blobs:
        field = f"gateway.blob_dir.{blob.sha256}"
        info = tarfile.TarInfo(blob_member(blob.sha256))
        info.size = blob.size
        info.mode = 0o644
        try:
            with store.open(blob.sha256) as file:
                reader = _Digesting(file)
                # addfile copies exactly info.size bytes and raises OSError if the file ends before them.
                tar.addfile(info, reader)
        except (OSError, MessageNotFound) as e:
            raise BackupError("BACKUP_BLOB_UNREADABLE", f"cannot read the blob: {e}", field) from e
        if reader.sha256.hexdigest() != blob.sha256:
            raise BackupError("BACKUP_BLOB_CORRUPT", "the file does not hash to its name (a damaged disk?); "
                                                     "the backup is not written", field)


def listed_blobs(manifest: Mapping[str, Any]) -> dict[str, int]:
    """The manifest's blobs (digest: size); archives of the first format have none."""
    listed = manifest.get("blobs", {})
    if not isinstance(listed, dict):
        raise ValueError("blobs is not an object")
    out: dict[str, int] = {}
    for sha256, size in listed.items():
        if not _DIGEST.fullmatch(sha256) or not isinstance(size, int) or size < 0:
            raise ValueError(f"blob {sha256[:80]!r}: not a digest and a size")
        out[sha256] = size
    return out


def restore_blobs(tar: tarfile.TarFile, members: Mapping[str, tarfile.TarInfo], listed: Mapping[str, int],
                  store: BlobStore) -> int:
    """Stream every listed blob from ``tar`` into ``store``, which digests it while writing a temporary file,
    flushes it to disk and renames it to its digest's name; a member that is short, long or hashes differently
    is refused and leaves nothing behind. Returns the bytes restored."""
    total = 0
    for sha256, size in sorted(listed.items()):
        name = blob_member(sha256)
        info = members[name]
        if info.size != size:
            raise BackupError("BACKUP_ARCHIVE_INVALID", f"size {info.size} differs from the manifest's {size}",
                              f"archive.{name}")
        try:
            extracted = tar.extractfile(info)
            assert extracted is not None  # a regular file always has content
            with extracted:
                store.store(iter(lambda: extracted.read(CHUNK_BYTES), b""), limit=size,
                            expected=StoredBlob(sha256, size))
        except (PayloadDigestMismatch, AttachmentIncomplete, PayloadTooLarge):
            raise BackupError("BACKUP_ARCHIVE_INVALID", "SHA-256 differs from the manifest",
                              f"archive.{name}") from None
        except (OSError, tarfile.TarError) as e:
            raise BackupError("BACKUP_ARCHIVE_INVALID", f"cannot read the member: {e}", f"archive.{name}") from e
        total += size
    return total
