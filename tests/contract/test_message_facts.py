"""The repository's statistics read: message facts by creation time and state, on every implementation."""

from __future__ import annotations

from datetime import timedelta

from repository_testkit import Repository, at, envelope, verified_receipt
from test_message_repository import add_in, add_out, claim, inbound

from gateway.core.domain import Direction, DocumentType, ErrorInfo, MessageStatus

S = MessageStatus


def test_message_facts_by_time_range_and_state_oldest_first(repo: Repository) -> None:
    a = add_out(repo, envelope("CO-1"), 0)
    b = add_out(repo, envelope("SPS-1", document_type=DocumentType.SPS_CERTIFICATE, receiver="MO"), 10)
    add_in(repo, inbound("CO-9"), 20, status=S.REJECTED, error=ErrorInfo("ENVELOPE_SIGNATURE_INVALID", "bad"))
    sent = {m.message_id: m for m in claim(repo, 30)}
    repo.transition(a.message_id, S.DELIVERED, at=at(42.5), expected=S.SENDING,
                    receipt=verified_receipt(sent[a.message_id].envelope))
    repo.transition(b.message_id, S.RETRY_WAIT, at=at(43), expected=S.SENDING, next_attempt_at=at(60),
                    error=ErrorInfo("DELIVERY_FAILED", "connection refused"))

    facts = repo.message_facts()
    assert [(f.direction, f.partner, f.document_type, f.status, f.attempts, f.error_code) for f in facts] == [
        (Direction.OUTBOUND, "HK", DocumentType.CERTIFICATE_OF_ORIGIN, S.DELIVERED, 1, None),
        (Direction.OUTBOUND, "MO", DocumentType.SPS_CERTIFICATE, S.RETRY_WAIT, 1, "DELIVERY_FAILED"),
        (Direction.INBOUND, "HK", DocumentType.CERTIFICATE_OF_ORIGIN, S.REJECTED, 0, "ENVELOPE_SIGNATURE_INVALID"),
    ]
    # A DELIVERED message's updated_at is when its receipt was recorded: the end of Submit -> DELIVERED.
    assert (facts[0].created_at, facts[0].updated_at) == (at(0), at(42.5))
    # The range is half-open on creation time; states filter.
    assert [f.message_id for f in repo.message_facts(since=at(10), until=at(20))] == [b.message_id]
    assert [f.message_id for f in repo.message_facts(until=at(10))] == [a.message_id]
    assert [f.status for f in repo.message_facts(statuses=[S.RETRY_WAIT, S.REJECTED])] == [S.RETRY_WAIT, S.REJECTED]
    assert repo.message_facts(since=at(0) + timedelta(days=1)) == []
    # Changed at or after a time, whenever created: the partner's last answers.
    assert [f.message_id for f in repo.message_facts(updated_since=at(42.5))] == [a.message_id, b.message_id]
    assert [f.message_id for f in repo.message_facts(updated_since=at(43), statuses=[S.DELIVERED])] == []
