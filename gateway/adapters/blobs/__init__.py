"""The blob store of large attachments: files next to the database, and the in-memory twin."""

from __future__ import annotations

from .files import FileBlobStore
from .memory import MemoryBlobStore

__all__ = ["FileBlobStore", "MemoryBlobStore"]
