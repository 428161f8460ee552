"""The life of a message on the in-memory twins and a manual clock: outbound, delivery outcomes and retries,
inbound, handover, operator resend. Every step runs the production pipeline, dispatcher and operations."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

import mappings
import trust
from gateway.core.domain import DocumentType, Envelope, MessageStatus, Receipt, ReceiptOutcome
from gateway.core.errors import InvalidTransition, MessageNotFound, SenderMismatch
from gateway.pipeline.handover import Handover
from tests.unit.gateway.twins import SETUP, START, Twins, twins
from trust import CertificateRole

S = MessageStatus


@pytest.fixture
def net(tmp_path: Path) -> Twins:
    return twins(tmp_path)


def _record() -> dict:  # type: ignore[type-arg]
    return mappings.load_example("coo-cn-hk", issued_on=START.date())


def test_a_submitted_document_is_delivered_received_and_handed_over(net: Twins) -> None:
    net.connect()
    message_id = net.submit(_record())
    assert net.cn.messages.get(message_id).status is S.QUEUED
    [claimed] = net.deliver_due()
    delivered = net.cn.messages.get(message_id)
    assert (claimed.message_id, delivered.status, delivered.attempts) == (message_id, S.DELIVERED, 1)
    assert delivered.receipt is not None and delivered.receipt.outcome is ReceiptOutcome.ACCEPTED
    assert delivered.receipt.issuer.value == "HK"
    received = net.hk.messages.get(message_id)
    assert (received.status, received.partner) == (S.RECEIVED, "CN")
    assert received.signer_subject is not None and "CN Gateway Document Signing" in received.signer_subject
    assert net.hk.pipeline.acknowledge(message_id).status is S.HANDED_OVER
    assert net.hk.pipeline.acknowledge(message_id).status is S.HANDED_OVER  # idempotent
    assert net.deliver_due() == []


def test_a_worker_ending_a_delivery_claims_the_next_queued_message_in_the_same_commit(net: Twins) -> None:
    net.connect()
    records = [_record() for _ in range(3)]
    for number, record in enumerate(records):
        record["certificate"]["number"] = f"K25W{number:09d}"  # a business key of its own
    first, second, third = (net.submit(record) for record in records)
    [claimed] = net.cn.messages.claim_due(now=net.clock.now(), limit=1, claimer="twin",
                                          claim_timeout=timedelta(seconds=60))
    assert claimed.message_id == first
    events = len(net.cn.messages.events_after(0))
    # Messages may be waiting (none was handed to a worker when stored): the outcome's commit takes the next one.
    [taken] = net.cn.dispatcher.deliver_now(claimed, take_next=True)
    assert (taken.message_id, taken.status, taken.attempts) == (second, S.SENDING, 1)
    assert [(e.message_id, e.status) for e in net.cn.messages.events_after(0)[events:]] == [
        (first, S.DELIVERED), (second, S.SENDING)]
    [taken] = net.cn.dispatcher.deliver_now(taken, take_next=True)
    assert taken.message_id == third
    assert net.cn.dispatcher.deliver_now(taken, take_next=True) == []  # nothing left: the next commit looks no more
    assert net.cn.dispatcher.deliver_now(taken, take_next=False) == []
    assert [net.cn.messages.get(m).status for m in (first, second, third)] == [S.DELIVERED] * 3


def test_an_unreachable_partner_is_retried_on_the_agreements_schedule(net: Twins) -> None:
    message_id = net.submit(_record())
    net.deliver_due()  # HK is not connected
    waiting = net.cn.messages.get(message_id)
    assert (waiting.status, waiting.attempts) == (S.RETRY_WAIT, 1)
    assert waiting.next_attempt_at == START + timedelta(seconds=10)  # no jitter in the twins' policy
    assert waiting.last_error is not None and waiting.last_error.code == "DELIVERY_FAILED"
    net.clock.advance(timedelta(seconds=9))
    assert net.deliver_due() == []  # not due yet
    net.connect()
    net.clock.advance(timedelta(seconds=1))
    net.deliver_due()
    assert (net.cn.messages.get(message_id).status, net.cn.messages.get(message_id).attempts) == (S.DELIVERED, 2)


def test_a_receipt_that_does_not_verify_never_makes_the_message_delivered(net: Twins) -> None:
    def forged(envelope: Envelope) -> Receipt:
        # HK's genuine receipt, its outcome changed after signing: the signature no longer covers it.
        genuine = net.hk.pipeline.receive(envelope, peer="CN")
        return dataclasses.replace(genuine, outcome=ReceiptOutcome.REJECTED)

    net.transport.connect("HK", forged)
    message_id = net.submit(_record())
    for _ in range(3):
        net.deliver_due()
        net.clock.advance(timedelta(minutes=1))
    failed = net.cn.messages.get(message_id)
    assert (failed.status, failed.attempts, failed.receipt) == (S.FAILED, 3, None)
    assert failed.last_error is not None and failed.last_error.code == "RECEIPT_INVALID"
    assert S.DELIVERED not in [e.status for e in net.cn.messages.history(message_id)]


def test_a_refusal_is_final_and_the_operator_resends(net: Twins) -> None:
    def refusing(envelope: Envelope) -> Receipt:
        raise SenderMismatch("not today", partner="CN")

    net.transport.connect("HK", refusing)
    message_id = net.submit(_record())
    net.deliver_due()
    failed = net.cn.messages.get(message_id)
    assert (failed.status, failed.last_error.code if failed.last_error else None) == (S.FAILED, "SENDER_MISMATCH")
    net.connect()
    assert net.cn.operations.resend(message_id, actor=SETUP).status is S.QUEUED
    net.deliver_due()
    assert net.cn.messages.get(message_id).status is S.DELIVERED
    with pytest.raises(InvalidTransition):
        net.cn.operations.resend(message_id, actor=SETUP)  # only FAILED messages
    assert [e.action for e in net.cn.operations.audit_entries()][-1] == "message.resend"
    assert net.cn.operations.verify_audit().ok


def test_a_repeated_delivery_gets_the_stored_receipt_back(net: Twins) -> None:
    net.connect()
    message_id = net.submit(_record())
    net.deliver_due()
    [(_, envelope)] = net.transport.delivered
    first = net.cn.messages.get(message_id).receipt
    assert net.hk.pipeline.receive(envelope, peer="CN") == first
    assert len(net.hk.messages.history(message_id)) == 1  # RECEIVED once


def test_a_stream_hands_each_document_over_once_until_it_is_acknowledged(net: Twins) -> None:
    net.connect()
    message_id = net.submit(_record())
    net.deliver_due()
    stream = Handover(net.hk.messages, client=None, document_types=[DocumentType.CERTIFICATE_OF_ORIGIN])
    assert [m.message_id for m in stream.next_documents()] == [message_id]
    assert stream.next_documents() == []  # given once per stream
    # A client that reconnects before acknowledging gets it again; another client cannot acknowledge it.
    again = Handover(net.hk.messages, client=None, document_types=[])
    assert [m.message_id for m in again.next_documents()] == [message_id]
    with pytest.raises(MessageNotFound):
        net.hk.pipeline.acknowledge(message_id, client="customs-b")
    assert net.hk.messages.get(message_id).status is S.RECEIVED
    net.hk.pipeline.acknowledge(message_id)
    assert Handover(net.hk.messages, client=None, document_types=[]).next_documents() == []


def test_an_operator_cannot_trust_a_leaf_as_anchor_and_the_refusal_is_a_new_located_error(
    net: Twins, tmp_path: Path
) -> None:
    leaf = (tmp_path / "hk" / "keys" / "signing.cert.pem").read_bytes()
    with pytest.raises(trust.TrustAnchorNotCa) as caught:
        net.cn.operations.add_trust("HK", leaf, role=CertificateRole.ANCHOR, actor=SETUP)
    assert caught.value.path == "certificate"
    # The trust book's error is left as it was raised; the operator's view of it is a new error from it.
    cause = caught.value.__cause__
    assert isinstance(cause, trust.TrustAnchorNotCa) and cause is not caught.value and cause.path != "certificate"
    assert net.cn.operations.add_trust("HK", leaf, role=CertificateRole.PINNED, actor=SETUP).role == "pinned"


def test_the_expiry_report_follows_the_clock(net: Twins) -> None:
    assert net.cn.operations.expiry_report(timedelta(days=1)).partners_without_valid_certificate == ()
    net.clock.advance(timedelta(days=365 * 50))
    report = net.cn.operations.expiry_report(timedelta(days=1))
    assert tuple(report.partners_without_valid_certificate) == ("HK",)
