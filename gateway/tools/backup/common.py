"""What the backup modules share: the error, the summary, the archive's names and the passphrase's key."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

__all__ = ["BackupError", "BackupSummary", "derive", "is_private_key"]

FORMAT = "swgw-backup-2"
#: Archives of the first format (no blobs) are still restored.
FORMATS = ("swgw-backup-1", FORMAT)
CONFIG_MEMBER = "config/swgw.toml"
SQLITE_MEMBER = "data/swgw.db"
PGDUMP_MEMBER = "database.pgdump"
#: scrypt cost: 2**15 x 8 x 128 bytes = 32 MiB and a fraction of a second per backup or restore (RFC 7914 advice
#: for interactive use); stored in the manifest, so that later releases can raise it and still read old archives.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
NONCE = 12


class BackupError(Exception):
    """A backup or restore that cannot proceed; ``code`` is stable, ``field_path`` names the input at fault."""

    def __init__(self, code: str, message: str, field_path: str = "$") -> None:
        super().__init__(f"[{code}] {field_path}: {message}")
        self.code = code
        self.message = message
        self.field_path = field_path


@dataclass(frozen=True)
class BackupSummary:
    """What an archive holds."""

    party: str
    """The gateway's party."""
    database: str
    """``sqlite`` or ``postgresql``."""
    members: tuple[str, ...]
    """Archive members besides the manifest and the blobs."""
    encrypted: tuple[str, ...]
    """Members holding an encrypted private key."""
    blobs: int = 0
    """Large attachments (members ``blobs/<sha256[:2]>/<sha256>``)."""
    blob_bytes: int = 0
    """Their total size."""


def derive(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> AESGCM:
    if not passphrase:
        raise BackupError("BACKUP_PASSPHRASE_MISSING", "the passphrase is empty", "passphrase")
    return AESGCM(Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase))


def is_private_key(data: bytes) -> bool:
    return b"-----BEGIN" in data and b"PRIVATE KEY-----" in data
