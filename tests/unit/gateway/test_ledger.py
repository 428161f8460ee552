"""The certificate ledger and inquiry answers, pure: which version is current, and what each question is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.core.domain import (
    Action,
    BusinessKey,
    Direction,
    DocumentType,
    Envelope,
    MessageStatus,
    PartyId,
    Receipt,
    ReceiptOutcome,
    sha256_hex,
)
from gateway.core.ledger import (
    CertificateInquiry,
    CertificateStatus,
    InquiryAnswer,
    InquiryInvalid,
    archived_entry,
    answer_inquiry,
    build_ledger,
)
from gateway.core.ports import StoredMessage
from gateway.transports import ledger_codec

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
S = MessageStatus


def _message(version: int, action: Action, status: MessageStatus, *, partner: str = "HK",
             direction: Direction = Direction.OUTBOUND, number: str = "K1") -> StoredMessage:
    payload = f"<doc v='{version}' to='{partner}' n='{number}'/>".encode()
    created = AT + timedelta(minutes=version)
    envelope = Envelope(
        message_id=f"m-{partner}-{number}-{version}-{status.value}", business_key=BusinessKey("CN-GACC", number, version),
        sender=PartyId("CN"), receiver=PartyId(partner), document_type=DocumentType.CERTIFICATE_OF_ORIGIN,
        document_format="urn:x", action=action, created_at=created, payload=payload,
        payload_sha256=sha256_hex(payload),
        refers_to=BusinessKey("CN-GACC", number, version - 1) if action is not Action.ISSUE else None,
    )
    receipt = Receipt(message_id=envelope.message_id, receipt_id=f"r-{version}", issuer=PartyId(partner),
                      outcome=ReceiptOutcome.ACCEPTED, payload_sha256=envelope.payload_sha256,
                      received_at=created + timedelta(seconds=1)) if status is S.DELIVERED else None
    return StoredMessage(message_id=envelope.message_id, direction=direction, partner=partner, status=status,
                         envelope=envelope, created_at=created, updated_at=created, receipt=receipt,
                         domestic_client="CN-GD")


def test_the_current_version_is_the_latest_accepted_one() -> None:
    messages = [_message(3, Action.REPLACE, S.RETRY_WAIT), _message(1, Action.ISSUE, S.DELIVERED),
                _message(2, Action.REPLACE, S.DELIVERED)]
    ledger = build_ledger("CN-GACC", "K1", messages)
    assert [e.version for e in ledger.entries] == [1, 2, 3]
    assert ledger.current is not None and ledger.current.version == 2  # v3 is still on its way
    assert ledger.status is CertificateStatus.VALID
    assert (ledger.status_of(1), ledger.status_of(2), ledger.status_of(3)) == (
        CertificateStatus.REPLACED, CertificateStatus.VALID, CertificateStatus.UNKNOWN)
    assert ledger.entries[0].by == "CN-GD" and ledger.entries[0].accepted_at == AT + timedelta(minutes=1, seconds=1)


def test_a_withdrawal_withdraws_every_version() -> None:
    ledger = build_ledger("CN-GACC", "K1", [_message(1, Action.ISSUE, S.DELIVERED),
                                           _message(2, Action.WITHDRAW, S.DELIVERED)])
    assert ledger.status is CertificateStatus.WITHDRAWN
    assert ledger.status_of(1) is CertificateStatus.WITHDRAWN


def test_nothing_accepted_is_unknown_and_rejected_versions_do_not_count() -> None:
    ledger = build_ledger("CN-GACC", "K1", [_message(1, Action.ISSUE, S.REJECTED), _message(1, Action.ISSUE, S.FAILED)])
    assert ledger.current is None and ledger.status is CertificateStatus.UNKNOWN
    inbound = build_ledger("CN-GACC", "K1", [_message(1, Action.ISSUE, S.HANDED_OVER, direction=Direction.INBOUND)])
    assert inbound.status is CertificateStatus.VALID


def _answer(inquiry: CertificateInquiry, delivered: list[StoredMessage], asker: str = "HK") -> InquiryAnswer:
    # What CertificateLedgers does: the certificate the question names, restricted to what went to the asker.
    key = inquiry.business_key
    if key is None:
        found = [m for m in delivered if m.partner == asker and m.status is S.DELIVERED
                 and m.envelope.payload_sha256 == inquiry.document_sha256]
        key = found[0].business_key if found else None
    ledger = build_ledger(key.issuer, key.number, delivered).restricted(
        direction=Direction.OUTBOUND, partner=asker) if key is not None else None
    return answer_inquiry(inquiry, answerer=PartyId("CN"), asker=PartyId(asker), ledger=ledger,
                          version=(key.version or None) if key is not None else None, at=AT)


def _ask(inquiry: CertificateInquiry, delivered: list[StoredMessage], asker: str = "HK") -> CertificateStatus:
    return _answer(inquiry, delivered, asker).status


def test_answers_by_number_and_by_digest_for_the_asker_only() -> None:
    v1, v2 = _message(1, Action.ISSUE, S.DELIVERED), _message(2, Action.REPLACE, S.DELIVERED)
    to_mo = _message(1, Action.ISSUE, S.DELIVERED, partner="MO")
    delivered = [v1, v2, to_mo]
    by_digest = CertificateInquiry("q", document_sha256=v1.envelope.payload_sha256)
    answer = _answer(by_digest, delivered)
    assert answer.status is CertificateStatus.REPLACED
    assert (answer.certificate, answer.current) == (BusinessKey("CN-GACC", "K1", 1), BusinessKey("CN-GACC", "K1", 2))
    assert [v.version for v in answer.history] == [1, 2]
    assert _ask(CertificateInquiry("q", business_key=BusinessKey("CN-GACC", "K1", 0)), delivered) \
        is CertificateStatus.VALID
    # MO got version 1 only; HK's versions are not MO's business, and MO's digest is unknown to HK.
    assert _ask(CertificateInquiry("q", business_key=BusinessKey("CN-GACC", "K1", 2)), delivered, "MO") \
        is CertificateStatus.UNKNOWN
    assert _ask(CertificateInquiry("q", document_sha256=to_mo.envelope.payload_sha256), delivered) \
        is CertificateStatus.UNKNOWN
    unknown = _answer(CertificateInquiry("q", business_key=BusinessKey("X", "Y", 0)), [])
    assert (unknown.status, unknown.current, unknown.history) == (CertificateStatus.UNKNOWN, None, ())


def test_answer_fields_survive_the_wire_and_name_the_question() -> None:
    delivered = [_message(1, Action.ISSUE, S.DELIVERED), _message(2, Action.WITHDRAW, S.DELIVERED)]
    answer = _answer(CertificateInquiry("q-7", business_key=BusinessKey("CN-GACC", "K1", 0)), delivered)
    back = ledger_codec.answer_from_proto(ledger_codec.answer_to_proto(answer))
    assert back == answer
    fields = answer.header_fields()
    assert fields["status"] == "CERTIFICATE_STATUS_WITHDRAWN"
    assert fields["query"] == {"business_key": {"issuer": "CN-GACC", "number": "K1", "version": 0},
                               "document_sha256": ""}
    assert fields["answered_at"] == "2026-03-01T12:00:00.000000Z"


@pytest.mark.parametrize(("kwargs", "path"), [
    ({}, "subject"),
    ({"business_key": BusinessKey("CN", "K", 0), "document_sha256": "00" * 32}, "subject"),
    ({"document_sha256": "AB" * 32}, "document_sha256"),
    ({"document_sha256": "ab"}, "document_sha256"),
    ({"business_key": BusinessKey("", "K", 0)}, "business_key"),
])
def test_malformed_inquiries_are_refused_with_their_field(kwargs: dict[str, object], path: str) -> None:
    with pytest.raises(InquiryInvalid) as caught:
        CertificateInquiry("q", **kwargs)  # type: ignore[arg-type]
    assert caught.value.field_path == path


def test_an_archived_entry_keeps_the_ledger_after_its_message_is_purged() -> None:
    v1, v2 = _message(1, Action.ISSUE, S.DELIVERED), _message(2, Action.REPLACE, S.DELIVERED)
    kept = archived_entry(v1, "certificate-of-origin/2026/03/m-1")
    assert kept.from_json(kept.to_json()) == kept
    ledger = build_ledger("CN-GACC", "K1", [v2], [kept])
    assert [(e.version, e.archived_to) for e in ledger.entries] == [(1, "certificate-of-origin/2026/03/m-1"),
                                                                     (2, None)]
    assert ledger.status_of(1) is CertificateStatus.REPLACED
