"""``swgw backup`` and ``swgw restore`` (the archive's layout: see the package docstring)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import tomli_w
from cryptography.exceptions import InvalidTag

from ...app import blob_store
from ...core.errors import ConfigInvalid
from ...core.settings import parse_settings
from .blobs import BLOB_PREFIX, add_blobs, blob_member, listed_blobs, restore_blobs
from .common import (CONFIG_MEMBER, FORMAT, FORMATS, NONCE, PGDUMP_MEMBER, SCRYPT_N, SCRYPT_P, SCRYPT_R, SQLITE_MEMBER,
                     BackupError, BackupSummary, derive, is_private_key)
from .config_files import ConfigFiles, rewrite_config
from .database import (password_env, postgres_dump_command, postgres_restore_command, run_tool, sqlite_path,
                       sqlite_snapshot)

__all__ = ["backup", "restore"]


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def backup(config: Path, out: Path, passphrase: bytes, *, now: datetime) -> BackupSummary:
    """Write the archive ``out`` of the gateway configured by ``config`` (see the package docstring)."""
    try:
        raw = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise BackupError("BACKUP_CONFIG_INVALID", f"cannot read {config}: {e}", "config") from e
    base = config.resolve().parent
    try:
        settings = parse_settings(raw, base)
    except ConfigInvalid as e:
        raise BackupError("BACKUP_CONFIG_INVALID", e.message, e.field_path or "$") from e
    database_file = sqlite_path(settings)
    files = ConfigFiles(base)
    rewritten = rewrite_config(raw, files, sqlite=database_file is not None)
    salt = os.urandom(16)
    aead = derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    members: dict[str, tuple[bytes, int]] = {CONFIG_MEMBER: (tomli_w.dumps(rewritten).encode(), 0o644)}
    encrypted: list[str] = []

    def put_file(source: Path, name: str) -> None:
        data = source.read_bytes()
        if is_private_key(data):
            name = f"config/{name}.enc"
            nonce = os.urandom(NONCE)
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
        if database_file is not None:
            snapshot = Path(tmp) / "swgw.db"
            sqlite_snapshot(database_file, snapshot)
            members[SQLITE_MEMBER] = (snapshot.read_bytes(), 0o600)
            database = "sqlite"
        else:
            dump = Path(tmp) / "swgw.pgdump"
            run_tool(postgres_dump_command(settings.database_url, dump), "gateway.database_url",
                     password_env(settings.database_url))
            members[PGDUMP_MEMBER] = (dump.read_bytes(), 0o600)
            database = "postgresql"

    # The blobs are listed AFTER the database snapshot, so that every blob a snapshot row references is in the
    # list: a message's blob is stored before its row is written. Blobs are immutable and named by their digest,
    # so those stored after the snapshot (referenced by no row in it) are harmless extras, and the gateway can keep
    # writing meanwhile. sweep=False: the incoming folder holds the running gateway's transfers under way.
    try:
        store = blob_store(settings, sweep=False)
        blobs = list(store.stored())
    except OSError as e:
        raise BackupError("BACKUP_BLOB_UNREADABLE", f"cannot list {settings.blob_dir}: {e}", "gateway.blob_dir") from e

    manifest = {
        "format": FORMAT, "party": str(settings.party), "created_at": now.isoformat(), "database": database,
        "kdf": {"name": "scrypt", "salt": salt.hex(), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "members": {name: hashlib.sha256(data).hexdigest() for name, (data, _) in sorted(members.items())},
        "encrypted": sorted(encrypted),
        "blobs": {blob.sha256: blob.size for blob in blobs},
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    nonce = os.urandom(NONCE)
    tag = nonce + aead.encrypt(nonce, b"", manifest_bytes)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        with tarfile.open(partial, "w") as tar:
            _add(tar, "manifest.json", manifest_bytes)
            _add(tar, "manifest.tag", tag)
            for name, (data, mode) in sorted(members.items()):
                _add(tar, name, data, mode)
            add_blobs(tar, store, blobs)
        os.chmod(partial, 0o600)
        partial.replace(out)  # never a half-written archive under the final name
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(party=str(settings.party), database=database, members=tuple(sorted(members)),
                         encrypted=tuple(sorted(encrypted)), blobs=len(blobs),
                         blob_bytes=sum(blob.size for blob in blobs))


@contextmanager
def _open(archive: Path) -> Iterator[tuple[tarfile.TarFile, dict[str, bytes], dict[str, tarfile.TarInfo]]]:
    """The open archive, its small members read into memory, and its blob members (left in the archive, to be
    streamed out)."""
    try:
        tar = tarfile.open(archive, "r:")
    except (OSError, tarfile.TarError) as e:
        raise BackupError("BACKUP_ARCHIVE_INVALID", f"cannot read {archive}: {e}", "archive") from e
    with tar:
        contents: dict[str, bytes] = {}
        blobs: dict[str, tarfile.TarInfo] = {}
        try:
            for info in tar.getmembers():
                if not info.isfile():
                    raise BackupError("BACKUP_ARCHIVE_INVALID", f"unexpected member type of {info.name}", "archive")
                if info.name.startswith(BLOB_PREFIX):
                    blobs[info.name] = info
                    continue
                extracted = tar.extractfile(info)
                assert extracted is not None  # a regular file always has content
                contents[info.name] = extracted.read()
        except (OSError, tarfile.TarError) as e:
            raise BackupError("BACKUP_ARCHIVE_INVALID", f"cannot read {archive}: {e}", "archive") from e
        yield tar, contents, blobs


def _safe(name: str) -> str:
    parts = Path(name).parts
    if Path(name).is_absolute() or ".." in parts or not parts:
        raise BackupError("BACKUP_ARCHIVE_INVALID", f"member {name!r} would be written outside the target",
                          f"archive.{name}")
    return name


def _clear(to: Path, existed: bool) -> None:
    """Undo a restore that failed part-way: ``to`` was new or empty, so everything in it is the restore's."""
    if not existed:
        shutil.rmtree(to, ignore_errors=True)
        return
    for child in to.iterdir():
        shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)


def restore(archive: Path, to: Path, passphrase: bytes, *, database_url: str | None = None,
            run: Callable[[list[str], str, dict[str, str] | None], None] = run_tool) -> BackupSummary:
    """Verify ``archive`` and unpack it into the new folder ``to``; restore the database and the blobs.

    SQLite comes back as ``to/config/data/swgw.db``, the blobs into the restored configuration's ``blob_dir``. A
    PostgreSQL dump is loaded with ``pg_restore`` into ``database_url`` (default: the URL in the archived
    configuration), which must not hold the gateway's tables yet; the restored configuration names that URL. A
    restore refused part-way leaves ``to`` as it found it.
    """
    existed = to.exists()
    if existed and any(to.iterdir()):
        raise BackupError("BACKUP_TARGET_NOT_EMPTY", f"{to} exists and is not empty; restore into a new folder", "to")
    with _open(archive) as (tar, contents, blob_members):
        try:
            manifest_bytes = contents.pop("manifest.json")
            tag = contents.pop("manifest.tag")
            manifest = json.loads(manifest_bytes)
            kdf = manifest["kdf"]
            if manifest["format"] not in FORMATS or kdf["name"] != "scrypt":
                raise BackupError("BACKUP_ARCHIVE_INVALID", f"unknown format {manifest['format']!r}", "manifest")
            aead = derive(passphrase, bytes.fromhex(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
            expected: dict[str, str] = dict(manifest["members"])
            encrypted = set(manifest["encrypted"])
            listed = listed_blobs(manifest)
        except (KeyError, ValueError, TypeError, AttributeError) as e:
            raise BackupError("BACKUP_ARCHIVE_INVALID", f"no readable manifest: {e}", "manifest") from e
        try:
            aead.decrypt(tag[:NONCE], tag[NONCE:], manifest_bytes)
        except InvalidTag:
            raise BackupError("BACKUP_PASSPHRASE_WRONG", "the passphrase is wrong or the manifest was changed",
                              "passphrase") from None
        if set(contents) != set(expected):
            extra = sorted(set(contents) ^ set(expected))
            raise BackupError("BACKUP_ARCHIVE_INVALID", "members differ from the manifest", f"archive.{extra[0]}")
        listed_members = {blob_member(sha256) for sha256 in listed}
        if set(blob_members) != listed_members:
            extra = sorted(set(blob_members) ^ listed_members)
            raise BackupError("BACKUP_ARCHIVE_INVALID", "blobs differ from the manifest", f"archive.{extra[0]}")
        for name, data in contents.items():
            if hashlib.sha256(data).hexdigest() != expected[name]:
                raise BackupError("BACKUP_ARCHIVE_INVALID", "SHA-256 differs from the manifest", f"archive.{name}")
        plain: dict[str, tuple[bytes, int]] = {}
        for name, data in contents.items():
            _safe(name)
            if name in encrypted:
                try:
                    plain[name.removesuffix(".enc")] = (aead.decrypt(data[:NONCE], data[NONCE:], name.encode()),
                                                        0o600)
                except InvalidTag:
                    raise BackupError("BACKUP_ARCHIVE_INVALID", "the key does not decrypt",
                                      f"archive.{name}") from None
            else:
                plain[name] = (data, 0o600 if name in (SQLITE_MEMBER, PGDUMP_MEMBER) else 0o644)
        to.mkdir(parents=True, exist_ok=True)
        try:
            blob_bytes = _unpack(tar, blob_members, listed, plain, to, manifest, database_url, run)
        except BaseException:
            _clear(to, existed)
            raise
    return BackupSummary(party=str(manifest["party"]), database=str(manifest["database"]),
                         members=tuple(sorted(plain)), encrypted=tuple(sorted(encrypted)), blobs=len(listed),
                         blob_bytes=blob_bytes)


def _unpack(tar: tarfile.TarFile, blob_members: dict[str, tarfile.TarInfo], listed: dict[str, int],
            plain: dict[str, tuple[bytes, int]], to: Path, manifest: dict[str, object], database_url: str | None,
            run: Callable[[list[str], str, dict[str, str] | None], None]) -> int:
    """Write the verified members into ``to``, stream the blobs out, load a PostgreSQL dump; the blobs' bytes."""
    config = to / "config" / "swgw.toml"
    for name, (data, mode) in plain.items():
        if name == PGDUMP_MEMBER:
            continue
        # The database goes next to the configuration's data_dir ("data"), i.e. under config/.
        target = to / "config" / name if name == SQLITE_MEMBER else to / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, mode)
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    try:
        settings = parse_settings(raw, config.parent)
    except ConfigInvalid as e:
        raise BackupError("BACKUP_CONFIG_INVALID", e.message, f"archive.{CONFIG_MEMBER}.{e.field_path}") from e
    # The blobs go where the restored configuration keeps them (its data_dir's default, see rewrite_config), and
    # before pg_restore: a refused blob then leaves no database behind.
    blob_bytes = restore_blobs(tar, blob_members, listed, blob_store(settings))
    if manifest["database"] == "postgresql":
        url = database_url or str(raw["gateway"].get("database_url", ""))
        if not url:
            raise BackupError("BACKUP_CONFIG_INVALID", "no PostgreSQL URL to restore into", "database_url")
        dump = to / PGDUMP_MEMBER
        dump.write_bytes(plain[PGDUMP_MEMBER][0])
        os.chmod(dump, 0o600)
        try:
            run(postgres_restore_command(url, dump), "database_url", password_env(url))
        finally:
            dump.unlink()
        if database_url:
            raw["gateway"]["database_url"] = database_url
            config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    (to / "config" / "data").mkdir(exist_ok=True)
    return blob_bytes
