"""Retention across two real gateways, on SQLite and PostgreSQL: CN delivers a certificate of origin to HK, which
hands it over; with a clock two days ahead and a one-day policy, ``swgw retention run`` (its operation) archives
and purges it on both sides. The archive verifies with ``swgw verify`` and xmlsec1, the audit chain still
verifies with the purge recorded in it, the ledger and verification inquiries still know the certificate, and a
message still on its way is never purged."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import mappings
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.app import open_operations
from gateway.core.domain import BusinessKey, DocumentType
from gateway.core.ledger import CertificateInquiry, CertificateStatus
from gateway.core.ports import Actor, ActorKind
from gateway.tools.cli import load_settings, main
from tests.conftest import require_tool
from tests.integration.network import Network, example, postgres_schemas, record_bytes, running_network, wait_for

COO = DocumentType.CERTIFICATE_OF_ORIGIN
ACTOR = Actor(ActorKind.OS_USER, "tester (uid=0)")
PARTIES = ("CN", "HK", "MO")


class _Ahead:
    """A clock ``days`` ahead of the wall clock: the messages of today are then old enough to be purged."""

    def __init__(self, days: int) -> None:
        self._offset = timedelta(days=days)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_urls(request: pytest.FixtureRequest) -> Iterator[dict[str, str] | None]:
    if request.param == "sqlite":
        yield None
        return
    postgres_url: str = request.getfixturevalue("postgres_url")
    with postgres_schemas(postgres_url, PARTIES, prefix="swgw_ret") as urls:
        yield urls


def _keep_one_day(party: str, data: dict[str, Any]) -> None:
    if party in ("CN", "HK"):
        data["retention"] = {"archive_dir": "archive", "default": "keep", "documents": {"certificate-of-origin": "1d"}}


_opened: list[Any] = []


def _operations(network: Network, party: str) -> Any:
    """What ``swgw retention run --config`` opens, two days ahead; its engine is disposed at the end of the test
    (the CLI's process ends instead)."""
    operations = open_operations(load_settings(network.files[party].config), clock=_Ahead(2))
    _opened.append(operations)
    return operations


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().messages._db.engine.dispose()  # noqa: SLF001 - the offline operations own no close()


def _offline(*argv: str) -> int:
    """An offline command (``--config``) run in this process. Its engine is left to the garbage collector where the
    command's process would end; PostgreSQL connections warn when collected open, which is not the point here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        code = main(list(argv))
        gc.collect()
    return code


def test_retention_archives_purges_and_keeps_the_ledger(tmp_path: Path, database_urls: dict[str, str] | None,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    with running_network(tmp_path, PARTIES, database_urls=database_urls, configure=_keep_one_day) as network:
        record = example("coo-cn-hk")
        issuer, number, _ = mappings.business_key("certificate-of-origin", record)
        with network.client("CN") as cn:
            sent = cn.submit("HK", COO, record_bytes(record))
            wait_for(lambda: cn.status(sent.message_id).status == pb.MESSAGE_STATUS_DELIVERED)
        with network.client("HK") as hk:
            assert [d.message_id for d in hk.receive(max_documents=1, timeout=10)] == [sent.message_id]
        # A message still on its way (MO is down) is never purged, however old.
        network.stop("MO")
        with network.client("CN") as cn:
            waiting = cn.submit("MO", COO, record_bytes(example("coo-cn-mo")))

        # Today nothing is due (the command line, offline, with the real clock); MO keeps everything.
        assert _offline("retention", "run", "--dry-run", "--config", str(network.files["CN"].config)) == 0
        assert json.loads(capsys.readouterr().out)["due"] == 0
        with pytest.raises(SystemExit, match="keeps every message"):
            _offline("retention", "run", "--config", str(network.files["MO"].config))

        cn_ops = _operations(network, "CN")
        dry = cn_ops.run_retention(actor=ACTOR, dry_run=True).to_dict()
        assert [m["message_id"] for m in dry["messages"]] == [sent.message_id]
        assert dry["audit_sequences"] == [] and cn_ops.messages.find(sent.message_id) is not None
        archive_root = network.files["CN"].folder / "archive"
        assert not archive_root.exists()

        report = cn_ops.run_retention(actor=ACTOR).to_dict()
        assert [m["message_id"] for m in report["messages"]] == [sent.message_id]
        assert cn_ops.messages.find(sent.message_id) is None
        assert cn_ops.messages.find(waiting.message_id) is not None
        folder = archive_root / report["messages"][0]["archived_to"]
        assert sorted(p.name for p in folder.iterdir()) == [
            "document.xml", "history.json", "message.json", "record.json", "report.json"]
        assert [e["status"] for e in json.loads((folder / "history.json").read_text())] == [
            "ACCEPTED", "QUEUED", "SENDING", "DELIVERED"]

        # The archive verifies offline: the exported message with swgw verify (CN's envelope and XML signature,
        # HK's receipt), the document alone with xmlsec1 and CN's CA.
        trusted = tmp_path / "trusted"
        trusted.mkdir()
        for party in ("CN", "HK"):
            shutil.copy(network.files[party].ca_certificate, trusted / f"{party}.pem")
        assert main(["verify", str(folder / "message.json"), "--trust", str(trusted), "--json"]) == 0
        verdict = json.loads(capsys.readouterr().out)
        assert verdict["valid"] and any("receipt from HK: valid" in c for c in verdict["checks"])
        xmlsec1 = require_tool("xmlsec1")
        checked = subprocess.run([xmlsec1, "--verify", "--enabled-key-data", "x509", "--trusted-pem",
                                  str(trusted / "CN.pem"), str(folder / "document.xml")],
                                 capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0, checked.stderr

        # The audit chain verifies and records the purge.
        assert _offline("trust", "audit", "--verify", "--json", "--config", str(network.files["CN"].config)) == 0
        assert json.loads(capsys.readouterr().out)["ok"] is True
        last = cn_ops.audit_entries(limit=1000)[-1]
        assert (last.action, last.details["messages"], last.sequence) == (
            "retention.purge", [sent.message_id], report["audit_sequences"][0])

        # The ledger still knows the certificate, and where its message went; HK's inquiry is still answered.
        ledger = cn_ops.ledgers.ledger(issuer, number)
        assert [(e.message_id, e.accepted, e.archived_to) for e in ledger.entries] == [
            (sent.message_id, True, report["messages"][0]["archived_to"])]
        hk_ledgers = network.apps["HK"].operations.ledgers
        for inquiry in (CertificateInquiry("r-1", business_key=BusinessKey(issuer, number, 0)),
                        CertificateInquiry("r-2", document_sha256=sent.payload_sha256.hex())):
            assert hk_ledgers.ask("CN", inquiry).answer.status is CertificateStatus.VALID

        # HK's side: the message it handed over is archived and purged too; its copy verifies the same way.
        hk_report = _operations(network, "HK").run_retention(actor=ACTOR).to_dict()
        assert [m["message_id"] for m in hk_report["messages"]] == [sent.message_id]
        hk_folder = network.files["HK"].folder / "archive" / hk_report["messages"][0]["archived_to"]
        assert main(["verify", str(hk_folder / "message.json"), "--trust", str(trusted)]) == 0
        capsys.readouterr()
        # Running again finds nothing more (the waiting message stays).
        again = _operations(network, "CN").run_retention(actor=ACTOR).to_dict()
        assert again["messages"] == [] and again["audit_sequences"] == []


def test_retention_configuration_is_strict(tmp_path: Path) -> None:
    from pathlib import PurePath

    from gateway.core.errors import ConfigInvalid
    from gateway.core.retention import parse_retention

    policy = parse_retention({"default": "10y", "documents": {"cargo-manifest": "keep", "sps-certificate": "400d"}},
                             PurePath("/etc/swgw"), "/var/swgw")
    assert policy.archive_dir == "/var/swgw/archive"
    assert policy.period(COO) == timedelta(days=3650) and policy.period(DocumentType.CARGO_MANIFEST) is None
    assert policy.period(DocumentType.SPS_CERTIFICATE) == timedelta(days=400)
    assert not parse_retention({}, PurePath("/etc"), "/var").purges
    for data, path in (({"documents": {"certificate-of-origin": "5 years"}}, "retention.documents.certificate-of-origin"),
                       ({"documents": {"invoice": "1d"}}, "retention.documents.invoice"),
                       ({"default": "0d"}, "retention.default"), ({"keep": "1d"}, "retention.keep")):
        with pytest.raises(ConfigInvalid) as caught:
            parse_retention(data, PurePath("/etc"), "/var")
        assert caught.value.field_path == path
