"""``swgw backup`` and ``swgw restore``: a gateway's database, configuration and keys in one archive.

The archive is a tar file:

- ``manifest.json``: format version, party, database kind, the scrypt salt and parameters, and the SHA-256 of every
  other member as stored; ``manifest.tag`` authenticates the manifest with the passphrase-derived key (AES-GCM over
  an empty message, the manifest as associated data), so a member changed or swapped is refused at restore.
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
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..core.errors import ConfigInvalid
from ..core.settings import Settings, parse_settings

__all__ = ["BackupError", "BackupSummary", "backup", "postgres_dump_command", "restore"]

FORMAT = "swgw-backup-1"
CONFIG_MEMBER = "config/swgw.toml"
SQLITE_MEMBER = "data/swgw.db"
PGDUMP_MEMBER = "database.pgdump"
#: scrypt cost: 2**15 x 8 x 128 bytes = 32 MiB and a fraction of a second per backup or restore (RFC 7914 advice
#: for interactive use); stored in the manifest, so that later releases can raise it and still read old archives.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_NONCE = 12


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
    """Archive members besides the manifest."""
    encrypted: tuple[str, ...]
    """Members holding an encrypted private key."""


def _derive(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> AESGCM:
    if not passphrase:
        raise BackupError("BACKUP_PASSPHRASE_MISSING", "the passphrase is empty", "passphrase")
    return AESGCM(Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase))


def _is_private_key(data: bytes) -> bool:
    return b"-----BEGIN" in data and b"PRIVATE KEY-----" in data


# Configuration keys holding file names: (table path, key). Partner entries are handled per partner.
_FILE_KEYS = (("signing", "key"), ("signing", "certificate"), ("signing", "chain"),
              ("partner_listener", "tls_key"), ("partner_listener", "tls_certificate"),
              ("partner_listener", "client_ca"), ("domestic_listener", "tls_key"),
              ("domestic_listener", "tls_certificate"), ("domestic_listener", "client_ca"), ("operators", "ca"))


class _Files:
    """The files a configuration names, each given one archive name; the configuration is rewritten to them."""

    def __init__(self, base_dir: Path) -> None:
        self._base = base_dir
        self.names: dict[Path, str] = {}
        self.folders: dict[Path, str] = {}

    def _member(self, source: Path) -> str:
        try:
            relative = source.relative_to(self._base).as_posix()
        except ValueError:
            # Outside the configuration's folder: kept apart, numbered so that equal names do not collide.
            relative = f"external/{len(self.names) + len(self.folders)}-{source.name}"
        return f"files/{relative}"

    def file(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise BackupError("BACKUP_CONFIG_INVALID", "must be a file name", field)
        source = (self._base / value).resolve()
        if not source.is_file():
            raise BackupError("BACKUP_FILE_MISSING", f"{source} is not a readable file", field)
        return self.names.setdefault(source, self._member(source))

    def folder(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise BackupError("BACKUP_CONFIG_INVALID", "must be a folder name", field)
        source = (self._base / value).resolve()
        if not source.is_dir():
            raise BackupError("BACKUP_FILE_MISSING", f"{source} is not a folder", field)
        return self.folders.setdefault(source, self._member(source))


def _rewrite_config(data: dict[str, Any], files: _Files, *, sqlite: bool) -> dict[str, Any]:
    out: dict[str, Any] = copy.deepcopy(data)
    gateway = out.setdefault("gateway", {})
    gateway["data_dir"] = "data"
    if sqlite:
        gateway.pop("database_url", None)
    for table, key in _FILE_KEYS:
        section = out.get(table)
        if isinstance(section, dict) and key in section:
            section[key] = files.file(section[key], f"{table}.{key}")
    signing = out.get("signing")
    if isinstance(signing, dict) and "keyring" in signing:
        signing["keyring"] = files.folder(signing["keyring"], "signing.keyring")
    for i, partner in enumerate(out.get("partners", [])):
        for key in ("trust_anchors", "trust_pinned"):
            if key in partner:
                partner[key] = [files.file(v, f"partners[{i}].{key}[{j}]") for j, v in enumerate(partner[key])]
        own = partner.get("signing")
        if isinstance(own, dict):
            for key in ("key", "certificate", "chain"):
                if key in own:
                    own[key] = files.file(own[key], f"partners[{i}].signing.{key}")
    return out


def _sqlite_path(settings: Settings) -> Path | None:
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("BACKUP_DATABASE_UNSUPPORTED", "an in-memory database has nothing to back up",
                          "gateway.database_url")
    return Path(url.database)


def _libpq(database_url: str) -> tuple[str, str | None]:
    """The libpq URI (without the password) of a SQLAlchemy PostgreSQL URL and the schema its
    ``-csearch_path=`` option names."""
    from sqlalchemy.engine import URL, make_url

    url = make_url(database_url)
    schema = None
    options = url.query.get("options")
    text = options if isinstance(options, str) else " ".join(options or ())
    for part in text.split():
        if part.startswith("-csearch_path="):
            schema = part.removeprefix("-csearch_path=").split(",")[0].strip('"')
    # URL.set() cannot remove a password (None means "unchanged"), so the URL is built again without it.
    libpq = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query).render_as_string(hide_password=False)
    return libpq, schema


def _password_env(database_url: str) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the URL's password as PGPASSWORD, never on the command line
    (where any local user sees it in the process list)."""
    from sqlalchemy.engine import make_url

    password = make_url(database_url).password
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return env


def postgres_dump_command(database_url: str, out: Path) -> list[str]:
    """The ``pg_dump`` command that takes a consistent snapshot (one transaction) of the gateway's database."""
    uri, schema = _libpq(database_url)
    command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out}"]
    if schema:
        command.append(f"--schema={schema}")
    return [*command, f"--dbname={uri}"]


def postgres_restore_command(database_url: str, dump: Path) -> list[str]:
    """The ``pg_restore`` command that loads a dump into an empty database (or schema-less target)."""
    uri, _ = _libpq(database_url)
    return ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
            f"--dbname={uri}", str(dump)]


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError("BACKUP_TOOL_MISSING", f"{command[0]} is not installed; install the PostgreSQL client "
                                                 f"of the server's major version", what)
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)  # noqa: S603
    if result.returncode != 0:
        raise BackupError("BACKUP_DATABASE_FAILED", f"{command[0]} failed: {result.stderr.strip()}", what)


def _sqlite_snapshot(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError("BACKUP_FILE_MISSING", f"{source} does not exist", "gateway.database_url")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot while the gateway keeps writing: in one step
        # (pages=-1) it reads every page under one read transaction, which in WAL mode blocks no writer.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive, no -wal beside it
    finally:
        dst.close()
        src.close()


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def backup(config: Path, out: Path, passphrase: bytes, *, now: datetime) -> BackupSummary:
    """Write the archive ``out`` of the gateway configured by ``config`` (see the module docstring)."""
    try:
        raw = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise BackupError("BACKUP_CONFIG_INVALID", f"cannot read {config}: {e}", "config") from e
    base = config.resolve().parent
    try:
        settings = parse_settings(raw, base)
    except ConfigInvalid as e:
        raise BackupError("BACKUP_CONFIG_INVALID", e.message, e.field_path or "$") from e
    sqlite_path = _sqlite_path(settings)
    files = _Files(base)
    rewritten = _rewrite_config(raw, files, sqlite=sqlite_path is not None)
    salt = os.urandom(16)
    aead = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    members: dict[str, tuple[bytes, int]] = {CONFIG_MEMBER: (tomli_w.dumps(rewritten).encode(), 0o644)}
    encrypted: list[str] = []

    def put_file(source: Path, name: str) -> None:
        data = source.read_bytes()
        if _is_private_key(data):
            name = f"config/{name}.enc"
            nonce = os.urandom(_NONCE)
            members[name] = (nonce + aead.encrypt(nonce, data, name.encode()), 0o600)
            encrypted.append(name)
        else:
            members[f"config/{name}"] = (data, 0o644)

    for source, name in files.names.items():
        put_file(source, name)
    for folder, name in files.folders.items():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            put_file(path, f"{name}/{path.relative_to(folder).as_posix()}")

    with tempfile.TemporaryDirectory(prefix="swgw-backup-") as tmp:
        if sqlite_path is not None:
            snapshot = Path(tmp) / "swgw.db"
            _sqlite_snapshot(sqlite_path, snapshot)
            members[SQLITE_MEMBER] = (snapshot.read_bytes(), 0o600)
            database = "sqlite"
        else:
            dump = Path(tmp) / "swgw.pgdump"
            _run(postgres_dump_command(settings.database_url, dump), "gateway.database_url",
                 _password_env(settings.database_url))
            members[PGDUMP_MEMBER] = (dump.read_bytes(), 0o600)
            database = "postgresql"

    manifest = {
        "format": FORMAT, "party": str(settings.party), "created_at": now.isoformat(), "database": database,
        "kdf": {"name": "scrypt", "salt": salt.hex(), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "members": {name: hashlib.sha256(data).hexdigest() for name, (data, _) in sorted(members.items())},
        "encrypted": sorted(encrypted),
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    nonce = os.urandom(_NONCE)
    tag = nonce + aead.encrypt(nonce, b"", manifest_bytes)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, "w") as tar:
        _add(tar, "manifest.json", manifest_bytes)
        _add(tar, "manifest.tag", tag)
        for name, (data, mode) in sorted(members.items()):
            _add(tar, name, data, mode)
    os.chmod(partial, 0o600)
    partial.replace(out)  # never a half-written archive under the final name
    return BackupSummary(party=str(settings.party), database=database, members=tuple(sorted(members)),
                         encrypted=tuple(sorted(encrypted)))


@contextmanager
def _open(archive: Path) -> Iterator[dict[str, bytes]]:
    try:
        with tarfile.open(archive, "r:") as tar:
            contents: dict[str, bytes] = {}
            for info in tar.getmembers():
                if not info.isfile():
                    raise BackupError("BACKUP_ARCHIVE_INVALID", f"unexpected member type of {info.name}", "archive")
                extracted = tar.extractfile(info)
                assert extracted is not None  # a regular file always has content
                contents[info.name] = extracted.read()
    except (OSError, tarfile.TarError) as e:
        raise BackupError("BACKUP_ARCHIVE_INVALID", f"cannot read {archive}: {e}", "archive") from e
    yield contents


def _safe(name: str) -> str:
    parts = Path(name).parts
    if Path(name).is_absolute() or ".." in parts or not parts:
        raise BackupError("BACKUP_ARCHIVE_INVALID", f"member {name!r} would be written outside the target",
                          f"archive.{name}")
    return name


def restore(archive: Path, to: Path, passphrase: bytes, *, database_url: str | None = None,
            run: Callable[[list[str], str, dict[str, str] | None], None] = _run) -> BackupSummary:
    """Verify ``archive`` and unpack it into the new folder ``to``; restore the database.

    SQLite comes back as ``to/data/swgw.db``. A PostgreSQL dump is loaded with ``pg_restore`` into
    ``database_url`` (default: the URL in the archived configuration), which must not hold the gateway's tables
    yet; the restored configuration names that URL.
    """
    if to.exists() and any(to.iterdir()):
        raise BackupError("BACKUP_TARGET_NOT_EMPTY", f"{to} exists and is not empty; restore into a new folder", "to")
    with _open(archive) as contents:
        try:
            manifest_bytes = contents.pop("manifest.json")
            tag = contents.pop("manifest.tag")
            manifest = json.loads(manifest_bytes)
            kdf = manifest["kdf"]
            if manifest["format"] != FORMAT or kdf["name"] != "scrypt":
                raise BackupError("BACKUP_ARCHIVE_INVALID", f"unknown format {manifest['format']!r}", "manifest")
            aead = _derive(passphrase, bytes.fromhex(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
            expected: dict[str, str] = dict(manifest["members"])
            encrypted = set(manifest["encrypted"])
        except (KeyError, ValueError, TypeError) as e:
            raise BackupError("BACKUP_ARCHIVE_INVALID", f"no readable manifest: {e}", "manifest") from e
        try:
            aead.decrypt(tag[:_NONCE], tag[_NONCE:], manifest_bytes)
        except InvalidTag:
            raise BackupError("BACKUP_PASSPHRASE_WRONG", "the passphrase is wrong or the manifest was changed",
                              "passphrase") from None
        if set(contents) != set(expected):
            extra = sorted(set(contents) ^ set(expected))
            raise BackupError("BACKUP_ARCHIVE_INVALID", "members differ from the manifest", f"archive.{extra[0]}")
        for name, data in contents.items():
            if hashlib.sha256(data).hexdigest() != expected[name]:
                raise BackupError("BACKUP_ARCHIVE_INVALID", "SHA-256 differs from the manifest", f"archive.{name}")
        plain: dict[str, tuple[bytes, int]] = {}
        for name, data in contents.items():
            _safe(name)
            if name in encrypted:
                try:
                    plain[name.removesuffix(".enc")] = (aead.decrypt(data[:_NONCE], data[_NONCE:], name.encode()),
                                                        0o600)
                except InvalidTag:
                    raise BackupError("BACKUP_ARCHIVE_INVALID", "the key does not decrypt",
                                      f"archive.{name}") from None
            else:
                plain[name] = (data, 0o600 if name in (SQLITE_MEMBER, PGDUMP_MEMBER) else 0o644)
    to.mkdir(parents=True, exist_ok=True)
    config = to / "config" / "swgw.toml"
    for name, (data, mode) in plain.items():
        if name == PGDUMP_MEMBER:
            continue
        # The database goes next to the configuration's data_dir ("data"), i.e. under config/.
        target = to / "config" / name if name == SQLITE_MEMBER else to / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, mode)
    database = str(manifest["database"])
    if database == "postgresql":
        raw = tomllib.loads(config.read_text(encoding="utf-8"))
        url = database_url or str(raw["gateway"].get("database_url", ""))
        if not url:
            raise BackupError("BACKUP_CONFIG_INVALID", "no PostgreSQL URL to restore into", "database_url")
        dump = to / PGDUMP_MEMBER
        dump.write_bytes(plain[PGDUMP_MEMBER][0])
        os.chmod(dump, 0o600)
        try:
            run(postgres_restore_command(url, dump), "database_url", _password_env(url))
        finally:
            dump.unlink()
        if database_url:
            raw["gateway"]["database_url"] = database_url
            config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    (to / "config" / "data").mkdir(exist_ok=True)
    return BackupSummary(party=str(manifest["party"]), database=database, members=tuple(sorted(plain)),
                         encrypted=tuple(sorted(encrypted)))
