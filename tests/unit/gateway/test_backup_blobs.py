"""The blobs of a backup: streamed into the archive and out again, refused when they do not hash to their name."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from gateway.adapters.blobs import FileBlobStore
from gateway.tools.backup import BackupError
from gateway.tools.backup.blobs import add_blobs, blob_member, listed_blobs, restore_blobs

LIMIT = 1 << 30


def _archive(tmp_path: Path, store: FileBlobStore) -> Path:
    path = tmp_path / "blobs.tar"
    with tarfile.open(path, "w") as tar:
        add_blobs(tar, store, list(store.stored()))
    return path


def _restore(archive: Path, listed: dict[str, int], target: FileBlobStore) -> int:
    with tarfile.open(archive) as tar:
        members = {info.name: info for info in tar.getmembers()}
        return restore_blobs(tar, members, listed, target)


def test_blobs_go_into_the_archive_and_come_back_byte_for_byte(tmp_path: Path) -> None:
    source = FileBlobStore(tmp_path / "source")
    datas = [b"scan" * 300_000, b"", b"x"]
    blobs = [source.store([data], limit=LIMIT) for data in datas]
    (tmp_path / "source" / "incoming" / "transfer-under-way").write_bytes(b"partial")  # not a blob: left out
    archive = _archive(tmp_path, source)
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == sorted(blob_member(b.sha256) for b in blobs)
    target = FileBlobStore(tmp_path / "target")
    listed = {b.sha256: b.size for b in blobs}
    assert _restore(archive, listed, target) == sum(len(d) for d in datas)
    for blob, data in zip(blobs, datas, strict=True):
        assert b"".join(target.read(blob.sha256)) == data
    assert listed_blobs({"blobs": listed}) == listed and listed_blobs({}) == {}
    with pytest.raises(ValueError):
        listed_blobs({"blobs": {"../../etc/passwd": 1}})


def _tampered(archive: Path, out: Path, change: bytes) -> Path:
    with tarfile.open(archive) as source, tarfile.open(out, "w") as target:
        for info in source.getmembers():
            data = source.extractfile(info).read()  # type: ignore[union-attr]
            data = change + data[len(change):]
            target.addfile(info, io.BytesIO(data))
    return out


def test_a_tampered_blob_member_is_refused_naming_it_and_nothing_is_kept(tmp_path: Path) -> None:
    source = FileBlobStore(tmp_path / "source")
    blob = source.store([b"attachment " * 100_000], limit=LIMIT)
    tampered = _tampered(_archive(tmp_path, source), tmp_path / "tampered.tar", b"ATTACHMENT")
    target = FileBlobStore(tmp_path / "target")
    with pytest.raises(BackupError) as refused:
        _restore(tampered, {blob.sha256: blob.size}, target)
    assert (refused.value.code, refused.value.field_path) == ("BACKUP_ARCHIVE_INVALID",
                                                              f"archive.{blob_member(blob.sha256)}")
    assert target.find(blob.sha256) is None
    assert list((tmp_path / "target" / "incoming").iterdir()) == []  # the temporary file is gone too
    # A member whose size differs from the manifest's is refused before it is read.
    with pytest.raises(BackupError) as short:
        _restore(_archive(tmp_path, source), {blob.sha256: blob.size - 1}, target)
    assert short.value.code == "BACKUP_ARCHIVE_INVALID" and blob.sha256 in short.value.field_path


def test_a_blob_file_that_no_longer_hashes_to_its_name_stops_the_backup(tmp_path: Path) -> None:
    source = FileBlobStore(tmp_path / "source")
    blob = source.store([b"original bytes"], limit=LIMIT)
    path = tmp_path / "source" / blob.sha256[:2] / blob.sha256
    path.write_bytes(b"damaged bytes!")  # the same size, other bytes
    assert hashlib.sha256(path.read_bytes()).hexdigest() != blob.sha256
    with pytest.raises(BackupError) as corrupt:
        _archive(tmp_path, source)
    assert (corrupt.value.code, corrupt.value.field_path) == ("BACKUP_BLOB_CORRUPT", f"gateway.blob_dir.{blob.sha256}")
    path.write_bytes(b"short")  # shorter than the listing says: tarfile stops at the end of the file
    with pytest.raises(BackupError) as unreadable:
        with tarfile.open(tmp_path / "x.tar", "w") as tar:
            add_blobs(tar, source, [blob])
    assert unreadable.value.code == "BACKUP_BLOB_UNREADABLE"
