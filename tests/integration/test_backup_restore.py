"""Disaster recovery: back up a running gateway, lose it, restore it on a "new machine" (a new folder), restart.

CN sends certificates of origin to HK. Some are delivered before the backup (A), some wait for HK during it (B),
some are accepted after it (C). CN's folder is then deleted, the backup restored into a new folder and CN started
from the restored configuration. Everything accepted before the backup is there; B is re-sent and answered from
HK's stored receipts; a replay of A re-sends them with the same ids and HK answers them from its stored receipts
too; HK stores nothing twice and hands nothing over twice. C is the recovery point's loss: accepted after the
backup, unknown to the restored CN (HK has them; the README says how the hub finds them).
"""

from __future__ import annotations

import io
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.adapters.persistence import SqlMessageRepository, create_engine_for, migrate
from gateway.adapters.persistence.rows import message_values
from gateway.app import build_app
from gateway.core.domain import (
    Action, BusinessKey, Direction, DocumentType, Envelope, MessageStatus, PartyId, Signature, sha256_hex,
)
from gateway.tools.backup import BackupError, backup, restore
from gateway.tools.cli import load_settings, main
from gateway.tools.devsetup import write_network

from tests.integration.network import COO_AGREEMENTS, Network, running_network, wait_for
from tests.integration.reliability import numbered_record
from tests.integration.test_large_attachments import MIB, chunks, digest

COO = DocumentType.CERTIFICATE_OF_ORIGIN
PASSPHRASE = "correct horse battery staple"


def _submit(network: Network, prefix: str, count: int) -> list[str]:
    with network.client("CN") as cn:
        return [cn.submit("HK", COO, numbered_record(i, prefix), idempotency_key=f"{prefix}-{i}").message_id
                for i in range(count)]


def _statuses(repository: SqlMessageRepository, ids: list[str]) -> set[MessageStatus]:
    return {repository.get(m).status for m in ids}


def _events(repository: SqlMessageRepository, message_id: str, status: MessageStatus) -> int:
    return sum(1 for e in repository.history(message_id) if e.status is status)


def test_a_destroyed_gateway_is_restored_from_its_backup_and_loses_nothing_accepted_before_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    retry = {"strategy": "constant", "initial_delay_seconds": 0.3, "max_delay_seconds": 0.3, "max_attempts": 1000,
             "jitter": 0.0}
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text(PASSPHRASE + "\n")
    archive = tmp_path / "cn-backup.tar"
    with running_network(tmp_path / "net", ("CN", "HK"), retry=retry) as network:
        cn_repository = network.apps["CN"].repository
        hk_repository = network.apps["HK"].repository
        delivered_before = _submit(network, "A", 3)
        wait_for(lambda: _statuses(cn_repository, delivered_before) == {MessageStatus.DELIVERED}, timeout=30)
        with network.client("HK") as hk:
            taken_a = [d.message_id for d in hk.receive(max_documents=10, timeout=3)]
        assert sorted(taken_a) == sorted(delivered_before)
        receipts = {m: cn_repository.get(m).receipt for m in delivered_before}
        b_since = datetime.now(UTC)

        network.stop("HK")
        waiting = _submit(network, "B", 3)
        wait_for(lambda: all(cn_repository.get(m).attempts >= 1 for m in waiting), timeout=30)
        # The backup is taken from the running gateway while its dispatcher keeps writing retries.
        assert main(["backup", "--config", str(network.files["CN"].config), "--out", str(archive),
                     "--passphrase-file", str(passphrase_file), "--json"]) == 0
        assert '"database": "sqlite"' in capsys.readouterr().out
        assert _statuses(cn_repository, waiting) <= {MessageStatus.RETRY_WAIT, MessageStatus.SENDING}

        network.restart("HK")
        hk_repository = network.apps["HK"].repository
        wait_for(lambda: _statuses(cn_repository, waiting) == {MessageStatus.DELIVERED}, timeout=30)
        receipts.update({m: cn_repository.get(m).receipt for m in waiting})
        after_backup = _submit(network, "C", 2)
        wait_for(lambda: _statuses(cn_repository, after_backup) == {MessageStatus.DELIVERED}, timeout=30)

        # The disaster: CN stops and its whole folder (database, configuration, keys) is gone.
        network.stop("CN")
        shutil.rmtree(network.files["CN"].folder)
        assert not network.files["CN"].folder.exists()

        restored = tmp_path / "new-machine"
        assert main(["restore", str(archive), "--to", str(restored), "--passphrase-file", str(passphrase_file)]) == 0
        capsys.readouterr()
        config = restored / "config" / "swgw.toml"
        key_modes = {p.stat().st_mode & 0o777 for p in (restored / "config").rglob("*.key.pem")}
        assert key_modes == {0o600}
        app = build_app(load_settings(config))
        app.start()
        network.apps["CN"] = app
        restored_repository = app.repository

        # Nothing accepted before the backup is lost; nothing accepted after it is there (the recovery point).
        outbound = {m.message_id for m in restored_repository.list_messages(partner="HK", limit=1000)
                    if m.direction is Direction.OUTBOUND}
        assert outbound == set(delivered_before) | set(waiting)
        # B waited for HK in the backup: the restored CN sends it again and HK answers from its stored receipts.
        wait_for(lambda: _statuses(restored_repository, waiting) == {MessageStatus.DELIVERED}, timeout=30)
        for message_id in waiting:
            assert restored_repository.get(message_id).receipt == receipts[message_id]

        # The operator replays what was sent since just before the outage: the B messages, not A.
        assert main(["messages", "replay", "--config", str(config), "--partner", "HK",
                     "--since", b_since.isoformat(), "--json"]) == 0
        assert '"replayed": 3' in capsys.readouterr().out
        wait_for(lambda: _statuses(restored_repository, waiting) == {MessageStatus.DELIVERED}, timeout=30)
        for message_id in waiting:
            # Delivered twice more at most (restart and replay), each time with HK's one stored receipt.
            assert restored_repository.get(message_id).receipt == receipts[message_id]
            assert _events(restored_repository, message_id, MessageStatus.QUEUED) == 2
        for message_id in delivered_before:
            assert _events(restored_repository, message_id, MessageStatus.QUEUED) == 1
            assert restored_repository.get(message_id).receipt == receipts[message_id]

        # HK stored every message once and hands each over once: A was taken before, B and C now, nothing twice.
        inbound = [m for m in hk_repository.list_messages(partner="CN", limit=1000) if m.direction is Direction.INBOUND]
        assert sorted(m.message_id for m in inbound) == sorted(delivered_before + waiting + after_backup)
        for message in inbound:
            assert _events(hk_repository, message.message_id, MessageStatus.RECEIVED) == 1
        with network.client("HK") as hk:
            documents = hk.receive(max_documents=20, timeout=3)
            assert hk.receive(max_documents=1, timeout=1) == []
        assert Counter(d.message_id for d in documents) == Counter(waiting + after_backup)

        # HK's operator hands over again what came since the outage (its hub lost it, say): same ids, once each.
        hk_config = str(network.files["HK"].config)
        assert main(["messages", "replay", "--config", hk_config, "--direction", "inbound", "--partner", "CN",
                     "--since", b_since.isoformat(), "--json"]) == 0
        assert '"replayed": 5' in capsys.readouterr().out
        with network.client("HK") as hk:
            again = hk.receive(max_documents=20, timeout=3)
        assert Counter(d.message_id for d in again) == Counter(waiting + after_backup)
        # A state the direction cannot be replayed from, and a time without a zone, are refused with a reason.
        assert main(["messages", "replay", "--config", hk_config, "--direction", "inbound",
                     "--state", "DELIVERED"]) == 1
        assert "INVALID_TRANSITION" in capsys.readouterr().err
        with pytest.raises(SystemExit, match="time zone"):
            main(["messages", "replay", "--config", hk_config, "--since", "2026-01-01T00:00"])


def test_restore_refuses_a_wrong_passphrase_and_a_changed_member(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", ("CN", "HK")) as network:
        archive = tmp_path / "cn.tar"
        summary = backup(network.files["CN"].config, archive, b"secret", now=datetime.now(UTC))
    # Every private key is sealed; certificates are not.
    assert summary.encrypted and set(summary.encrypted) == {"config/files/keys/signing.key.pem.enc", "config/files/keys/tls.key.pem.enc"}
    assert not any(name.endswith(".key.pem") for name in summary.members)
    with pytest.raises(BackupError) as wrong:
        restore(archive, tmp_path / "a", b"not the secret")
    assert wrong.value.code == "BACKUP_PASSPHRASE_WRONG"

    import tarfile

    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w") as target:
        for info in source.getmembers():
            data = source.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == "data/swgw.db":
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError) as changed:
        restore(tampered, tmp_path / "b", b"secret")
    assert (changed.value.code, changed.value.field_path) == ("BACKUP_ARCHIVE_INVALID", "archive.data/swgw.db")
    restore(archive, tmp_path / "c", b"secret")
    assert SqlMessageRepository(create_engine_for(f"sqlite:///{tmp_path / 'c' / 'config' / 'data' / 'swgw.db'}")) \
        .list_messages(limit=1) == []


def _large(party: str, data: dict[str, Any]) -> None:
    for partner in data["partners"]:
        partner["max_attachment_bytes"] = 16 * MIB


def _send_large(network: Network, key: str, size: int) -> tuple[str, tuple[str, int]]:
    """Upload ``size`` bytes at CN and submit them to HK as a large attachment; the message id and the digest."""
    with network.client("CN") as cn:
        uploaded = cn.upload_attachment(chunks(size, key.encode()), timeout=60)
        attachment = pb.Attachment(name=f"{key}.tiff", media_type="image/tiff", sha256=uploaded.sha256,
                                   size=uploaded.size)
        message_id = cn.submit("HK", COO, numbered_record(1, key), idempotency_key=key,
                               attachments=[attachment]).message_id
    return message_id, (uploaded.sha256.hex(), uploaded.size)


def _restore_and_start(network: Network, party: str, archive: Path, to: Path, passphrase_file: Path,
                       capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["restore", str(archive), "--to", str(to), "--passphrase-file", str(passphrase_file),
                 "--json"]) == 0
    out = capsys.readouterr().out
    app = build_app(load_settings(to / "config" / "swgw.toml"))
    app.start()
    network.apps[party] = app
    return out


def test_large_attachments_survive_the_loss_of_both_gateways(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """HK holds a received large attachment not yet handed over; CN holds one waiting for HK. Both gateways are
    backed up, destroyed and restored: CN sends its attachment from its restored blobs, HK hands over both and the
    hub reads them back byte for byte."""
    retry = {"strategy": "constant", "initial_delay_seconds": 0.3, "max_delay_seconds": 0.3, "max_attempts": 1000,
             "jitter": 0.0}
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text(PASSPHRASE + "\n")
    archives = {party: tmp_path / f"{party.lower()}.tar" for party in ("CN", "HK")}
    with running_network(tmp_path / "net", ("CN", "HK"), retry=retry, configure=_large) as network:
        cn_repository = network.apps["CN"].repository
        received, received_digest = _send_large(network, "received", 3 * MIB + 17)
        wait_for(lambda: _statuses(cn_repository, [received]) == {MessageStatus.DELIVERED}, timeout=60)
        assert main(["backup", "--config", str(network.files["HK"].config), "--out", str(archives["HK"]),
                     "--passphrase-file", str(passphrase_file), "--json"]) == 0
        assert f'"blob_bytes": {3 * MIB + 17}' in capsys.readouterr().out

        network.stop("HK")
        waiting, waiting_digest = _send_large(network, "waiting", 2 * MIB + 5)
        wait_for(lambda: cn_repository.get(waiting).attempts >= 1, timeout=30)
        assert main(["backup", "--config", str(network.files["CN"].config), "--out", str(archives["CN"]),
                     "--passphrase-file", str(passphrase_file), "--json"]) == 0
        assert '"blobs": 2' in capsys.readouterr().out  # CN keeps what it sent and what waits

        # The disaster: both gateways and their folders (database, blobs, configuration, keys) are gone.
        network.stop("CN")
        for party in ("CN", "HK"):
            shutil.rmtree(network.files[party].folder)

        # An archive whose blob was changed is refused, naming the blob, and leaves the target folder empty.
        import tarfile

        with tarfile.open(archives["HK"]) as source, tarfile.open(tmp_path / "tampered.tar", "w") as target:
            for info in source.getmembers():
                data = source.extractfile(info)
                if info.name.startswith("blobs/"):
                    changed = bytearray(data.read())  # type: ignore[union-attr]
                    changed[len(changed) // 2] ^= 1
                    target.addfile(info, io.BytesIO(bytes(changed)))
                else:
                    target.addfile(info, data)
        with pytest.raises(BackupError) as refused:
            restore(tmp_path / "tampered.tar", tmp_path / "refused", PASSPHRASE.encode())
        assert (refused.value.code, refused.value.field_path) == \
            ("BACKUP_ARCHIVE_INVALID", f"archive.blobs/{received_digest[0][:2]}/{received_digest[0]}")
        assert not (tmp_path / "refused").exists()

        hk_out = _restore_and_start(network, "HK", archives["HK"], tmp_path / "hk-new", passphrase_file, capsys)
        assert '"blobs": 1' in hk_out
        blob_files = [p for p in (tmp_path / "hk-new" / "config" / "data" / "blobs").rglob("*") if p.is_file()]
        assert [p.name for p in blob_files] == [received_digest[0]]
        _restore_and_start(network, "CN", archives["CN"], tmp_path / "cn-new", passphrase_file, capsys)
        restored_cn = network.apps["CN"].repository
        # The restored CN sends the waiting attachment again, read from its restored blobs.
        wait_for(lambda: _statuses(restored_cn, [waiting]) == {MessageStatus.DELIVERED}, timeout=60)
        with network.client("HK") as hk:
            documents = {d.message_id: d for d in hk.receive(max_documents=10, timeout=5)}
            assert set(documents) == {received, waiting}
            for message_id, expected in ((received, received_digest), (waiting, waiting_digest)):
                [attachment] = documents[message_id].attachments
                assert (attachment.sha256.hex(), attachment.size) == expected
                assert digest(hk.read_attachment(message_id, attachment.name, timeout=60)) == expected


@pytest.mark.postgres
def test_a_postgresql_gateway_is_restored_with_pg_dump_and_pg_restore(tmp_path: Path, postgres_url: str) -> None:
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import require_tool

    require_tool("pg_dump")
    require_tool("pg_restore")
    schema = f"swgw_backup_{uuid.uuid4().hex[:10]}"
    cn_url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"}) \
        .render_as_string(hide_password=False)
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        archive = tmp_path / "cn.tar"
        with running_network(tmp_path / "net", ("CN", "HK"), database_urls={"CN": cn_url},
                             configure=_large) as network:
            before = _submit(network, "P", 2)
            large, large_digest = _send_large(network, "pg-large", MIB + 3)
            before.append(large)
            repository = network.apps["CN"].repository
            wait_for(lambda: _statuses(repository, before) == {MessageStatus.DELIVERED}, timeout=30)
            summary = backup(network.files["CN"].config, archive, b"secret", now=datetime.now(UTC))
            assert summary.database == "postgresql" and "database.pgdump" in summary.members
            assert (summary.blobs, summary.blob_bytes) == (1, MIB + 3)
            after = _submit(network, "Q", 1)
            wait_for(lambda: _statuses(repository, after) == {MessageStatus.DELIVERED}, timeout=30)
            network.stop("CN")
            # The disaster: the gateway's schema and its folder are gone.
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            shutil.rmtree(network.files["CN"].folder)

            restored = restore(archive, tmp_path / "new-machine", b"secret")
            assert restored.database == "postgresql"
            app = build_app(load_settings(tmp_path / "new-machine" / "config" / "swgw.toml"))
            app.start()
            network.apps["CN"] = app
            outbound = {m.message_id: m.status for m in app.repository.list_messages(limit=100)}
            assert outbound == {m: MessageStatus.DELIVERED for m in before}
            # The large attachment came back with the database, in the restored gateway's blob store.
            assert app.blobs.find(large_digest[0]) is not None
            assert digest(app.blobs.read(large_digest[0])) == large_digest
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_pg_dump_gets_the_schema_and_never_the_password_on_its_command_line(tmp_path: Path) -> None:
    from gateway.tools.backup import postgres_dump_command, postgres_restore_command

    url = "postgresql+psycopg://swgw:s3cret@db.example:5432/gw?options=-csearch_path%3Dcn"
    dump = postgres_dump_command(url, tmp_path / "x.pgdump")
    assert dump[:2] == ["pg_dump", "--format=custom"] and "--schema=cn" in dump
    assert dump[-1] == "--dbname=postgresql://swgw@db.example:5432/gw?options=-csearch_path%3Dcn"
    assert not any("s3cret" in part for part in dump + postgres_restore_command(url, tmp_path / "x.pgdump"))


def test_a_backup_of_the_previous_schema_is_restored_and_upgraded(tmp_path: Path) -> None:
    """A backup made by the release before revision 0005 (bodies in ``messages``) restores, and the gateway's
    start-up migration moves its messages' bodies: they read back whole."""
    files = write_network(tmp_path / "net", ("CN", "HK"), COO_AGREEMENTS, at=datetime.now(UTC))
    payload = b"<doc>" + b"x" * 8_000 + b"</doc>"
    sent = Envelope(message_id="m-0004", business_key=BusinessKey("CN-CIQ", "CO-1", 1), sender=PartyId("CN"),
                    receiver=PartyId("HK"), document_type=COO, document_format="urn:swgw:format:test",
                    action=Action.ISSUE, created_at=datetime(2026, 1, 2, tzinfo=UTC), payload=payload,
                    payload_sha256=sha256_hex(payload), signature=Signature("x.y.z"))
    engine = create_engine_for(load_settings(files["CN"].config).database_url)
    try:
        migrate(engine, "0004")
        row = message_values(sent, Direction.OUTBOUND, MessageStatus.DELIVERED, sent.created_at)
        row.update(record_json='{"r":1}', report_json="{}")
        # The row as that release wrote it: every column, the bodies included, in ``messages``.
        insert = f"INSERT INTO messages ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})"
        with engine.begin() as connection:
            connection.execute(text(insert), row)
    finally:
        engine.dispose()
    archive = tmp_path / "cn-0004.tar"
    backup(files["CN"].config, archive, b"secret", now=datetime.now(UTC))

    restore(archive, tmp_path / "restored", b"secret")
    restored = create_engine_for(load_settings(tmp_path / "restored" / "config" / "swgw.toml").database_url)
    try:
        migrate(restored)  # what the gateway does when it starts
        stored = SqlMessageRepository(restored).get("m-0004")
        assert (stored.envelope, stored.record_json, stored.status) == (sent, '{"r":1}', MessageStatus.DELIVERED)
    finally:
        restored.dispose()
