"""Inquiries and retention on the twins (memory message book, memory partner transport, memory archive, manual
clock): HK asks CN about the certificate CN delivered, before and after CN's retention purged the message."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

import mappings
from gateway.adapters.archive import MemoryArchive
from gateway.adapters.partners.memory import MemoryPartnerTransport
from gateway.core.domain import BusinessKey, MessageStatus
from gateway.core.errors import DeliveryFailed
from gateway.core.ledger import CertificateInquiry, CertificateStatus, InquiryAnswerInvalid
from gateway.core.ports import Actor, ActorKind
from gateway.core.retention import RetentionPolicy
from gateway.pipeline.inquiries import CertificateLedgers
from gateway.pipeline.retention import run_retention
from tests.unit.gateway.twins import START, Twins, twins

ACTOR = Actor(ActorKind.CONFIGURATION, "retention")


@pytest.fixture
def net(tmp_path: Path) -> Twins:
    return twins(tmp_path)


def _ledgers(net: Twins, party: str, inquirer: MemoryPartnerTransport | None = None) -> CertificateLedgers:
    window = net.cn if party == "CN" else net.hk
    identity = window.operations._identity  # noqa: SLF001 - the window's signing identity
    assert identity is not None
    return CertificateLedgers(settings=window.settings, messages=window.messages, trustbook=window.trustbook,
                              identity=lambda _: identity, clock=net.clock, inquirer=inquirer,
                              archived=window.messages)


def test_hk_asks_cn_before_and_after_the_purge(net: Twins) -> None:
    net.connect()
    record = mappings.load_example("coo-cn-hk", issued_on=START.date())
    issuer, number, _ = mappings.business_key("certificate-of-origin", record)
    message_id = net.submit(record)
    net.deliver_due()
    sent = net.cn.messages.get(message_id)
    assert sent.status is MessageStatus.DELIVERED

    cn = _ledgers(net, "CN")
    wire = MemoryPartnerTransport()
    wire.connect_answerer("CN", lambda inquiry: cn.answer(inquiry, peer="HK"))
    hk = _ledgers(net, "HK", inquirer=wire)
    by_number = CertificateInquiry("q-1", business_key=BusinessKey(issuer, number, 0))
    by_digest = CertificateInquiry("q-2", document_sha256=sent.envelope.payload_sha256)
    for inquiry in (by_number, by_digest):
        verified = hk.ask("CN", inquiry)
        assert verified.answer.status is CertificateStatus.VALID
        assert "CN Gateway Document Signing" in verified.signer.subject.rfc4514_string()

    # A year later CN's retention (one day for certificates of origin) archives and purges the message.
    net.clock.advance(timedelta(days=365))
    archive = MemoryArchive()
    policy = RetentionPolicy(archive_dir="archive", default=timedelta(days=1))
    report = run_retention(policy, messages=net.cn.messages, book=net.cn.messages, archive=archive, clock=net.clock,
                           actor=ACTOR)
    [location] = archive.folders
    assert [m["message_id"] for m in report.messages] == [message_id]
    assert json.loads(archive.folders[location]["message.json"])["format"] == "swgw-message/1"
    assert net.cn.messages.find(message_id) is None
    assert net.cn.operations.verify_audit().ok
    # The ledger and the answers survive the purge; HK's own copy (RECEIVED, not handed over) is kept.
    assert [e.archived_to for e in cn.ledger(issuer, number).entries] == [location]
    for inquiry in (by_number, by_digest):
        assert hk.ask("CN", inquiry).answer.status is CertificateStatus.VALID
    hk_report = run_retention(policy, messages=net.hk.messages, book=net.hk.messages, archive=archive,
                              clock=net.clock, actor=ACTOR)
    assert hk_report.messages == [] and net.hk.messages.find(message_id) is not None


def test_an_unreachable_partner_and_a_foreign_answer(net: Twins) -> None:
    hk = _ledgers(net, "HK", inquirer=MemoryPartnerTransport())
    question = CertificateInquiry("q-3", business_key=BusinessKey("CN-GACC-5300", "X", 0))
    with pytest.raises(DeliveryFailed):
        hk.ask("CN", question)
    # HK's own gateway answering in CN's place is not CN: its signature is outside CN's trust.
    impostor = _ledgers(net, "HK")
    wire = MemoryPartnerTransport()
    wire.connect_answerer("CN", lambda inquiry: impostor.answer(inquiry, peer="CN"))
    with pytest.raises(InquiryAnswerInvalid) as caught:
        _ledgers(net, "HK", inquirer=wire).ask("CN", question)
    assert caught.value.field_path == "answer.signature"
    assert getattr(caught.value.__cause__, "code", "") == "CERTIFICATE_UNTRUSTED"
