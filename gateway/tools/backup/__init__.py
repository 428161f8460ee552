"""``swgw backup`` and ``swgw restore``: a gateway's database, large attachments, configuration and
keys in one archive.

The archive is a tar file:

- ``manifest.json``: format version, party, database kind, the scrypt salt and parameters, the SHA-256 of every
  other member as stored and every blob's digest and size; ``manifest.tag`` authenticates the manifest with the
  passphrase-derived key (AES-GCM over an empty message, the manifest as associated data), so a member changed or
  swapped is refused at restore.
- ``config/swgw.toml``: the configuration, its file paths rewritten to the archive's own layout (``config/...``),
  ``data_dir`` set to ``data`` and, for SQLite, ``database_url`` left to its default (``data/swgw.db``), so that the
  restored folder runs as it is wherever it is unpacked.
- ``config/files/...``: every certificate and key file the configuration names (the signing keyring folder
  entirely). Private keys (any file holding a PEM ``PRIVATE KEY`` block) are stored encrypted as ``*.enc``: a
  key derived from the passphrase by scrypt (cryptography's ``Scrypt``), AES-256-GCM with a fresh nonce per file
  and the member name as associated data. The file is restored byte for byte, because the gateway reads its keys
  as unencrypted PEM; that is why the whole file is sealed rather than re-serialised with a PEM password.
- ``data/swgw.db`` (SQLite, taken with sqlite3's online backup API: a consistent snapshot while the gateway
  writes) or ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom``, restored with ``pg_restore``).
- ``blobs/<sha256[:2]>/<sha256>``: every large attachment of ``blob_dir`` (:mod:`.blobs`), listed in the manifest
  with its size, streamed in and out and checked against its digest on the way; restored into the restored
  configuration's ``blob_dir`` (``data/blobs``).

Modules: :mod:`.archive` (backup and restore), :mod:`.config_files`, :mod:`.database`, :mod:`.blobs`,
:mod:`.common`.
"""

from __future__ import annotations

from .archive import backup, restore
from .common import BackupError, BackupSummary
from .database import postgres_dump_command, postgres_restore_command

__all__ = ["BackupError", "BackupSummary", "backup", "postgres_dump_command", "postgres_restore_command", "restore"]
