"""The MessageRepository contract, run against the in-memory twin, SQLite and PostgreSQL (see conftest)."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from typing import Any

import pytest
from repository_testkit import T0, Repository, at, envelope, receipt, verified_receipt

from gateway.core.domain import (
    Action,
    Attachment,
    BusinessKey,
    Direction,
    DocumentType,
    Envelope,
    ErrorInfo,
    MessageStatus,
    ReceiptOutcome,
)
from gateway.core.errors import DuplicateConflict, InvalidTransition, MessageNotFound
from gateway.core.ports import NewInbound, NewOutbound, OutboundClaim, StoredMessage, Transition

S = MessageStatus
CLAIM = timedelta(seconds=30)


def add_out(
    repo: Repository, env: Envelope, when: float = 0, *, key: str | None = None, client: str | None = "hub"
) -> StoredMessage:
    record, report = '{"r":1}', '{"findings":[]}'
    return repo.add_outbound(
        env, at=at(when), record_json=record, report_json=report, idempotency_key=key, domestic_client=client
    )


def add_in(
    repo: Repository,
    env: Envelope,
    when: float = 0,
    *,
    status: MessageStatus = S.RECEIVED,
    client: str | None = "hub",
    error: ErrorInfo | None = None,
) -> StoredMessage:
    return repo.add_inbound(
        env,
        at=at(when),
        status=status,
        receipt=receipt(env, ReceiptOutcome.ACCEPTED if status is S.RECEIVED else ReceiptOutcome.REJECTED),
        record_json='{"mapped":true}' if status is S.RECEIVED else None,
        report_json=None,
        signer_subject="CN=Signer" if status is S.RECEIVED else None,
        signer_fingerprint="ab" * 32 if status is S.RECEIVED else None,
        error=error,
        domestic_client=client,
    )


def inbound(number: str = "CO-1", version: int = 1, **kw: Any) -> Envelope:
    """An envelope HK sent us."""
    return envelope(number, version, sender="HK", receiver="CN", issuer="HK-TID", **kw)


def claim(repo: Repository, when: float, *, limit: int = 10, claimer: str = "replica-a") -> list[StoredMessage]:
    return repo.claim_due(now=at(when), limit=limit, claimer=claimer, claim_timeout=CLAIM)


# -- storing and finding ------------------------------------------------------------------------------------


def test_add_outbound_stores_queued_message_with_accepted_and_queued_events(repo: Repository) -> None:
    env = envelope(
        "CO-9",
        2,
        action=Action.REPLACE,
        refers_to=BusinessKey("CN-CIQ", "CO-9", 1),
        attachments=(Attachment("invoice.pdf", "application/pdf", b"%PDF-1.7\x00\xff"),),
        created_at=T0.astimezone(timezone(timedelta(hours=8))),
    )
    stored = add_out(repo, env, key="k-1")
    assert (stored.status, stored.direction, stored.partner, stored.attempts) == (S.QUEUED, Direction.OUTBOUND, "HK", 0)
    loaded = repo.get(env.message_id)
    assert loaded == stored == repo.find(env.message_id)
    assert loaded.envelope == env
    assert loaded.envelope.signed_header() == env.signed_header()
    assert (loaded.record_json, loaded.report_json) == ('{"r":1}', '{"findings":[]}')
    assert (loaded.idempotency_key, loaded.domestic_client) == ("k-1", "hub")
    assert loaded.created_at == loaded.updated_at == T0 and loaded.created_at.tzinfo == UTC
    history = repo.history(env.message_id)
    assert [(e.previous_status, e.status) for e in history] == [(None, S.ACCEPTED), (S.ACCEPTED, S.QUEUED)]
    assert history[0].business_key == env.business_key and history[0].partner == "HK"


def test_timestamps_come_back_in_utc_and_naive_ones_are_refused(repo: Repository) -> None:
    env = envelope()
    stored = repo.add_outbound(
        env,
        at=T0.astimezone(timezone(timedelta(hours=8))),
        record_json="{}",
        report_json="{}",
        idempotency_key=None,
        domestic_client=None,
    )
    assert repo.get(env.message_id).created_at.utcoffset() == timedelta(0)
    assert stored.created_at == T0 and stored.domestic_client is None
    with pytest.raises(ValueError, match="timezone-aware"):
        repo.add_outbound(
            envelope("CO-2"), at=T0.replace(tzinfo=None), record_json="{}", report_json="{}",
            idempotency_key=None, domestic_client=None,
        )  # fmt: skip


def test_unknown_message_is_none_or_not_found(repo: Repository) -> None:
    assert repo.find("nope") is None
    with pytest.raises(MessageNotFound):
        repo.get("nope")


def test_add_inbound_stores_receipt_signer_and_error(repo: Repository) -> None:
    good, bad = inbound("CO-1"), inbound("CO-2")
    stored = add_in(repo, good)
    assert (stored.status, stored.direction, stored.partner) == (S.RECEIVED, Direction.INBOUND, "HK")
    loaded = repo.get(good.message_id)
    assert loaded == stored
    assert loaded.receipt is not None and stored.receipt is not None
    assert loaded.receipt == stored.receipt and loaded.receipt.to_json() == stored.receipt.to_json()
    assert (loaded.signer_subject, loaded.signer_fingerprint) == ("CN=Signer", "ab" * 32)
    error = ErrorInfo("SIGNATURE_INVALID", "digest mismatch", "/doc/Signature")
    rejected = add_in(repo, bad, status=S.REJECTED, error=error)
    assert repo.get(bad.message_id).last_error == error == rejected.last_error
    [event] = repo.history(bad.message_id)
    assert (event.previous_status, event.status, event.error) == (None, S.REJECTED, error)


def test_add_inbound_refuses_a_status_a_message_cannot_start_in(repo: Repository) -> None:
    with pytest.raises(InvalidTransition):
        add_in(repo, inbound(), status=S.HANDED_OVER)
    assert repo.events_after(0) == []


def test_find_by_business_key_oldest_first_with_filters(repo: Repository) -> None:
    v1, v2 = envelope("CO-7", 1), envelope("CO-7", 2, action=Action.REPLACE)
    add_out(repo, v2, 2)
    add_out(repo, v1, 1)
    add_in(repo, envelope("CO-7", 1, sender="HK", receiver="CN"), 3)
    assert [m.envelope.business_key.version for m in repo.find_by_business_key("CN-CIQ", "CO-7")] == [1, 2, 1]
    outbound = repo.find_by_business_key("CN-CIQ", "CO-7", direction=Direction.OUTBOUND)
    assert [m.message_id for m in outbound] == [v1.message_id, v2.message_id]
    assert [m.message_id for m in repo.find_by_business_key("CN-CIQ", "CO-7", 2)] == [v2.message_id]
    assert repo.find_by_business_key("CN-CIQ", "CO-8") == []


# -- duplicates -----------------------------------------------------------------------------------------------


def test_same_message_id_is_a_duplicate(repo: Repository) -> None:
    first = envelope("CO-1")
    add_out(repo, first)
    with pytest.raises(DuplicateConflict, match="message id"):
        add_out(repo, envelope("CO-2", message_id=first.message_id))
    with pytest.raises(DuplicateConflict, match="message id"):
        add_in(repo, inbound("CO-3", message_id=first.message_id))
    assert len(repo.events_after(0)) == 2


def test_idempotency_key_is_unique_per_domestic_client(repo: Repository) -> None:
    first = add_out(repo, envelope("CO-1"), key="submit-1", client="hub")
    with pytest.raises(DuplicateConflict, match="idempotency"):
        add_out(repo, envelope("CO-2"), key="submit-1", client="hub")
    other = add_out(repo, envelope("CO-3"), key="submit-1", client="other-hub")
    anonymous = add_out(repo, envelope("CO-4"), key="submit-1", client=None)
    with pytest.raises(DuplicateConflict, match="idempotency"):
        add_out(repo, envelope("CO-5"), key="submit-1", client=None)
    add_out(repo, envelope("CO-6"), key=None)
    add_out(repo, envelope("CO-7"), key=None)
    assert repo.find_by_idempotency_key("hub", "submit-1") == first
    assert repo.find_by_idempotency_key("other-hub", "submit-1") == other
    assert repo.find_by_idempotency_key(None, "submit-1") == anonymous
    assert repo.find_by_idempotency_key("hub", "submit-2") is None


def test_batch_lookups_find_what_the_single_ones_find(repo: Repository) -> None:
    # The streams' duplicate and idempotency checks read a whole batch at once; they must agree with find and
    # find_by_idempotency_key, client and direction included.
    first = add_out(repo, envelope("CO-1"), key="k-1", client="hub")
    second = add_out(repo, envelope("CO-2"), key="k-2", client="hub")
    other = add_out(repo, envelope("CO-3"), key="k-1", client="other-hub")
    anonymous = add_out(repo, envelope("CO-4"), key="k-3", client=None)
    inbound = add_in(repo, envelope("CO-5", sender="HK", receiver="CN"))
    assert repo.find_by_idempotency_keys("hub", ["k-1", "k-2", "k-3", "absent"]) == {"k-1": first, "k-2": second}
    assert repo.find_by_idempotency_keys("other-hub", ["k-1", "k-2"]) == {"k-1": other}
    assert repo.find_by_idempotency_keys(None, ["k-1", "k-3"]) == {"k-3": anonymous}
    assert repo.find_by_idempotency_keys("hub", []) == {}
    ids = [first.message_id, inbound.message_id, "absent"]
    assert repo.find_many(ids) == {first.message_id: first, inbound.message_id: inbound}
    assert repo.find_many(ids) == {i: m for i in ids if (m := repo.find(i)) is not None}
    assert repo.find_many([]) == {}


def test_business_key_is_unique_per_direction_partner_and_document_type(repo: Repository) -> None:
    add_out(repo, envelope("CO-1"))
    with pytest.raises(DuplicateConflict, match="business key"):
        add_out(repo, envelope("CO-1"))
    add_out(repo, envelope("CO-1", receiver="MO"))
    add_out(repo, envelope("CO-1", document_type=DocumentType.SPS_CERTIFICATE))
    add_out(repo, envelope("CO-1", 2, action=Action.REPLACE))
    add_in(repo, envelope("CO-1", sender="HK", receiver="CN"))
    with pytest.raises(DuplicateConflict, match="business key"):
        add_in(repo, envelope("CO-1", sender="HK", receiver="CN"))


def test_a_batch_commits_together_and_answers_each_duplicate_in_its_place(repo: Repository) -> None:
    add_out(repo, envelope("CO-0"), key="k-0")
    taken = inbound("CO-9")
    add_in(repo, taken)

    def out(number: str, key: str) -> NewOutbound:
        return NewOutbound(envelope(number), '{"r":1}', '{"findings":[]}', key, "hub")

    accepted, again = inbound("CO-5"), inbound("CO-8", message_id=taken.message_id)
    items: list[NewOutbound | NewInbound] = [
        out("CO-1", "k-1"),
        out("CO-2", "k-0"),  # the idempotency key is taken
        out("CO-1", "k-3"),  # the business key was taken a moment ago, in this very batch
        NewInbound(accepted, S.RECEIVED, receipt(accepted, ReceiptOutcome.ACCEPTED), '{"m":1}', None, "CN=S", "ab",
                   None, "hub"),
        NewInbound(again, S.RECEIVED, receipt(again, ReceiptOutcome.ACCEPTED), '{"m":1}', None, "CN=S", "ab", None,
                   "hub"),  # the message id exists
        out("CO-4", "k-4"),
    ]
    results = repo.add_batch(items, at=at(5))
    assert [type(r).__name__ for r in results] == [
        "StoredMessage", "DuplicateConflict", "DuplicateConflict", "StoredMessage", "DuplicateConflict",
        "StoredMessage"]
    assert "idempotency" in str(results[1]) and "business key" in str(results[2]) and "message id" in str(results[4])
    for item, result in zip(items, results, strict=True):
        if isinstance(result, StoredMessage):
            assert repo.get(item.envelope.message_id) == result
    stored_in = results[3]
    assert isinstance(stored_in, StoredMessage) and stored_in.receipt is not None
    assert (stored_in.status, stored_in.direction) == (S.RECEIVED, Direction.INBOUND)
    assert repo.get(items[0].envelope.message_id).status is S.QUEUED
    assert repo.find(items[1].envelope.message_id) is None and repo.find(items[2].envelope.message_id) is None
    # Two events per outbound message and one per inbound, nothing of the refused ones, in the batch's order.
    events = repo.events_after(0)
    assert len(events) == 2 + 1 + 2 + 1 + 2
    assert [e.message_id for e in events[3:]] == [items[0].envelope.message_id] * 2 + [accepted.message_id] + \
        [items[5].envelope.message_id] * 2


def test_transitions_commit_together_and_a_refused_one_changes_nothing(repo: Repository) -> None:
    envelopes = [envelope(f"CO-{i}") for i in range(4)]
    for env in envelopes:
        add_out(repo, env)
    claimed = {m.message_id for m in claim(repo, 1, claimer="replica-a")}
    assert claimed == {e.message_id for e in envelopes}
    delivered = verified_receipt(envelopes[0])
    error = ErrorInfo("DELIVERY_FAILED", "partner down")
    results = repo.transition_batch([
        Transition(envelopes[0].message_id, S.DELIVERED, expected=S.SENDING, receipt=delivered, claimer="replica-a"),
        Transition(envelopes[1].message_id, S.RETRY_WAIT, expected=S.SENDING, next_attempt_at=at(9), error=error,
                   claimer="replica-a"),
        Transition(envelopes[2].message_id, S.DELIVERED, expected=S.SENDING, receipt=verified_receipt(envelopes[2]),
                   claimer="replica-b"),  # not its claim
        Transition("no-such-message", S.FAILED, expected=S.SENDING, error=error),
    ], at=at(2))
    assert [type(r).__name__ for r in results] == ["StoredMessage", "StoredMessage", "InvalidTransition",
                                                   "MessageNotFound"]
    assert repo.get(envelopes[0].message_id).status is S.DELIVERED
    assert repo.get(envelopes[0].message_id).receipt == delivered.receipt
    retry = repo.get(envelopes[1].message_id)
    assert (retry.status, retry.next_attempt_at, retry.last_error) == (S.RETRY_WAIT, at(9), error)
    assert repo.get(envelopes[2].message_id).status is S.SENDING
    assert [e.status for e in repo.history(envelopes[2].message_id)] == [S.ACCEPTED, S.QUEUED, S.SENDING]


def test_a_worker_records_its_outcome_and_claims_its_next_messages_in_one_call(repo: Repository) -> None:
    envelopes = [envelope(f"CO-{i}") for i in range(4)]
    add_out(repo, envelopes[0])
    [sending] = claim(repo, 1, claimer="replica-a")
    for i, env in enumerate(envelopes[1:]):
        add_out(repo, env, 2 + i)
    results, claimed = repo.record_and_claim([
        Transition(sending.message_id, S.DELIVERED, expected=S.SENDING, receipt=verified_receipt(envelopes[0]),
                   claimer="replica-a"),
        Transition(envelopes[1].message_id, S.FAILED, expected=S.SENDING, claimer="replica-a",
                   error=ErrorInfo("X", "y")),  # not SENDING yet: refused, changes nothing
    ], at=at(10), limit=2, claimer="replica-a", claim_timeout=CLAIM)
    assert [type(r).__name__ for r in results] == ["StoredMessage", "InvalidTransition"]
    assert repo.get(sending.message_id).status is S.DELIVERED
    # Claimed as claim_due claims: oldest first, at most ``limit``, attempt counted, claimed until at + timeout.
    assert [m.message_id for m in claimed] == [envelopes[1].message_id, envelopes[2].message_id]
    assert [(m.status, m.attempts, m.updated_at) for m in claimed] == [(S.SENDING, 1, at(10))] * 2
    history = [(e.message_id, e.status) for e in repo.events_after(0)][-3:]
    assert history == [(sending.message_id, S.DELIVERED), (envelopes[1].message_id, S.SENDING),
                       (envelopes[2].message_id, S.SENDING)]
    expiry = 10 + CLAIM.total_seconds()
    assert [m.message_id for m in claim(repo, expiry - 1, claimer="replica-b")] == [envelopes[3].message_id]
    taken_over = claim(repo, expiry, claimer="replica-b")
    assert sorted(m.message_id for m in taken_over) == sorted(e.message_id for e in envelopes[1:3])
    results, claimed = repo.record_and_claim([], at=at(11), limit=0, claimer="replica-a", claim_timeout=CLAIM)
    assert (results, claimed) == ([], [])


def test_a_transition_given_the_held_message_answers_as_one_without(repo: Repository) -> None:
    """``Transition.message`` (the claimed message a worker holds) changes nothing of what is stored or answered."""
    envelopes = [envelope(f"CO-{i}") for i in range(3)]
    for env in envelopes:
        add_out(repo, env)
    held = {m.message_id: m for m in claim(repo, 1, claimer="replica-a")}
    error = ErrorInfo("DELIVERY_FAILED", "partner down")
    first, second, third = (e.message_id for e in envelopes)
    mismatched = Transition(first, S.FAILED, expected=S.SENDING, error=error, message=held[second])
    with pytest.raises(ValueError, match="Transition.message"):
        repo.transition_batch([Transition(third, S.FAILED, expected=S.SENDING, error=error), mismatched], at=at(2))
    assert {repo.get(m).status for m in held} == {S.SENDING}  # nothing of the refused batch was written
    given = repo.transition_batch([
        Transition(first, S.DELIVERED, expected=S.SENDING, receipt=verified_receipt(envelopes[0]),
                   claimer="replica-a", message=held[first]),
        Transition(second, S.RETRY_WAIT, expected=S.SENDING, next_attempt_at=at(9), error=error, message=held[second]),
        Transition(third, S.FAILED, expected=S.SENDING, claimer="replica-b", message=held[third]),  # not its claim
    ], at=at(2))
    assert [type(r).__name__ for r in given] == ["StoredMessage", "StoredMessage", "InvalidTransition"]
    assert given[:2] == [repo.get(first), repo.get(second)]
    assert repo.get(second).record_json == held[second].record_json == '{"r":1}'


def test_rejected_inbound_does_not_block_a_later_valid_one(repo: Repository) -> None:
    error = ErrorInfo("SIGNATURE_INVALID", "bad signature")
    add_in(repo, inbound("CO-1"), 0, status=S.REJECTED, error=error)
    add_in(repo, inbound("CO-1"), 1, status=S.REJECTED, error=error)
    accepted = add_in(repo, inbound("CO-1"), 2)
    with pytest.raises(DuplicateConflict, match="business key"):
        add_in(repo, inbound("CO-1"), 3)
    add_in(repo, inbound("CO-1"), 4, status=S.REJECTED, error=error)
    statuses = [m.status for m in repo.find_by_business_key("HK-TID", "CO-1")]
    assert statuses == [S.REJECTED, S.REJECTED, S.RECEIVED, S.REJECTED]
    assert repo.get(accepted.message_id).status is S.RECEIVED


def test_outbound_rejected_by_the_partner_frees_its_business_key(repo: Repository) -> None:
    first = add_out(repo, envelope("CO-1"))
    claim(repo, 1)
    repo.transition(first.message_id, S.REJECTED, at=at(2), error=ErrorInfo("SCHEMA_INVALID", "partner said no"))
    add_out(repo, envelope("CO-1"), 3)


# -- transitions -----------------------------------------------------------------------------------------------


def test_claims_go_in_the_order_messages_became_due(repo: Repository) -> None:
    retried, fresh = envelope("CO-OLD"), envelope("CO-NEW")
    add_out(repo, retried, 0)
    [claimed] = claim(repo, 1)
    repo.transition(retried.message_id, S.RETRY_WAIT, at=at(2), expected=S.SENDING, next_attempt_at=at(10),
                    error=ErrorInfo("DELIVERY_FAILED", "down"), claimer="replica-a")
    add_out(repo, fresh, 5)  # queued before the retry falls due, though created after it
    assert [m.message_id for m in claim(repo, 11, limit=1)] == [fresh.message_id]
    assert [m.message_id for m in claim(repo, 11, limit=1)] == [retried.message_id]


def test_transition_follows_the_state_machine_and_records_events(repo: Repository) -> None:
    env = envelope()
    add_out(repo, env)
    [claimed] = claim(repo, 1)
    assert (claimed.status, claimed.attempts) == (S.SENDING, 1)
    error = ErrorInfo("DELIVERY_FAILED", "connection refused")
    waiting = repo.transition(
        env.message_id, S.RETRY_WAIT, at=at(2), expected=S.SENDING, next_attempt_at=at(60), error=error
    )
    assert (waiting.status, waiting.next_attempt_at, waiting.last_error, waiting.updated_at) == (
        S.RETRY_WAIT, at(60), error, at(2),
    )  # fmt: skip
    claim(repo, 60)
    partner_receipt = receipt(env, issuer="HK")
    done = repo.transition(env.message_id, S.DELIVERED, at=at(61), expected=S.SENDING,
                           receipt=verified_receipt(env, partner_receipt))
    assert done == repo.get(env.message_id)
    assert (done.status, done.attempts, done.receipt, done.next_attempt_at) == (S.DELIVERED, 2, partner_receipt, None)
    history = repo.history(env.message_id)
    assert [(e.previous_status, e.status, e.attempt) for e in history] == [
        (None, S.ACCEPTED, 0),
        (S.ACCEPTED, S.QUEUED, 0),
        (S.QUEUED, S.SENDING, 1),
        (S.SENDING, S.RETRY_WAIT, 1),
        (S.RETRY_WAIT, S.SENDING, 2),
        (S.SENDING, S.DELIVERED, 2),
    ]
    assert (history[3].error, history[3].next_attempt_at, history[3].at) == (error, at(60), at(2))


@pytest.mark.parametrize(
    ("setup", "target"),
    [
        ([], S.DELIVERED),  # QUEUED cannot skip SENDING
        ([], S.RECEIVED),  # an inbound state
        ([S.SENDING, S.DELIVERED], S.QUEUED),  # DELIVERED is final
        ([S.SENDING], S.DELIVERED),  # only with the partner's verified receipt
        ([S.SENDING, S.FAILED], S.SENDING),  # a failed message is resent through QUEUED
    ],
)
def test_forbidden_transition_raises_and_changes_nothing(
    repo: Repository, setup: list[MessageStatus], target: MessageStatus
) -> None:
    env = envelope()
    add_out(repo, env)
    for i, status in enumerate(setup, start=1):
        repo.transition(env.message_id, status, at=at(i),
                        receipt=verified_receipt(env) if status is S.DELIVERED else None)
    before, events = repo.get(env.message_id), repo.history(env.message_id)
    with pytest.raises(InvalidTransition):
        repo.transition(env.message_id, target, at=at(100))
    assert repo.get(env.message_id) == before and repo.history(env.message_id) == events


def test_expected_status_mismatch_raises_and_changes_nothing(repo: Repository) -> None:
    env = envelope()
    add_out(repo, env)
    claim(repo, 1)
    with pytest.raises(InvalidTransition, match="not RETRY_WAIT"):
        repo.transition(env.message_id, S.FAILED, at=at(2), expected=S.RETRY_WAIT)
    assert repo.get(env.message_id).status is S.SENDING
    assert len(repo.history(env.message_id)) == 3


def test_transition_of_unknown_message_and_retry_wait_without_time(repo: Repository) -> None:
    with pytest.raises(MessageNotFound):
        repo.transition("nope", S.QUEUED, at=T0)
    env = envelope()
    add_out(repo, env)
    claim(repo, 1)
    with pytest.raises(ValueError, match="next_attempt_at"):
        repo.transition(env.message_id, S.RETRY_WAIT, at=at(2))


def test_resending_a_failed_message_starts_the_attempts_afresh(repo: Repository) -> None:
    env = envelope()
    add_out(repo, env)
    claim(repo, 1)
    repo.transition(env.message_id, S.FAILED, at=at(2), error=ErrorInfo("DELIVERY_FAILED", "gave up"))
    requeued = repo.transition(env.message_id, S.QUEUED, at=at(3), expected=S.FAILED)
    assert (requeued.status, requeued.attempts) == (S.QUEUED, 0)
    [again] = claim(repo, 4)
    assert (again.message_id, again.attempts) == (env.message_id, 1)


def test_inbound_is_handed_over_once(repo: Repository) -> None:
    env = inbound()
    add_in(repo, env)
    assert repo.transition(env.message_id, S.HANDED_OVER, at=at(1), expected=S.RECEIVED).status is S.HANDED_OVER
    with pytest.raises(InvalidTransition):
        repo.transition(env.message_id, S.HANDED_OVER, at=at(2), expected=S.RECEIVED)



def test_replay_reopens_a_delivered_or_handed_over_message_with_its_id_and_nothing_else(repo: Repository) -> None:
    out = envelope()
    add_out(repo, out)
    repo.transition(out.message_id, S.SENDING, at=at(1))
    with pytest.raises(InvalidTransition):  # only final states are replayed; SENDING is still on its way
        repo.transition(out.message_id, S.QUEUED, at=at(2), replay=True)
    repo.transition(out.message_id, S.DELIVERED, at=at(3), receipt=verified_receipt(out))
    replayed = repo.transition(out.message_id, S.QUEUED, at=at(4), expected=S.DELIVERED, replay=True)
    assert (replayed.message_id, replayed.status, replayed.attempts) == (out.message_id, S.QUEUED, 0)
    assert [e.status for e in repo.history(out.message_id)][-2:] == [S.DELIVERED, S.QUEUED]
    [again] = claim(repo, 5)
    assert again.message_id == out.message_id
    with pytest.raises(InvalidTransition):  # a replay edge is no normal transition, nor the other way round
        repo.transition(out.message_id, S.RETRY_WAIT, at=at(6), next_attempt_at=at(7), replay=True)

    env = inbound()
    add_in(repo, env)
    repo.transition(env.message_id, S.HANDED_OVER, at=at(1), expected=S.RECEIVED)
    assert repo.transition(env.message_id, S.RECEIVED, at=at(2), replay=True).status is S.RECEIVED
    assert repo.transition(env.message_id, S.HANDED_OVER, at=at(3), expected=S.RECEIVED).status is S.HANDED_OVER


# -- events ------------------------------------------------------------------------------------------------------


def test_events_after_is_a_gap_free_cursor_in_order(repo: Repository) -> None:
    envs = [envelope(f"CO-{i}") for i in range(4)]
    for i, env in enumerate(envs):
        add_out(repo, env, i)
    claim(repo, 10, limit=2)
    add_in(repo, inbound(), 11)
    everything = repo.events_after(0)
    assert len(everything) == 4 * 2 + 2 + 1
    sequences = [e.sequence for e in everything]
    assert sequences == list(range(1, len(everything) + 1))  # increasing, without gaps
    assert [e.message_id for e in everything[:2]] == [envs[0].message_id] * 2
    assert everything[-1].direction is Direction.INBOUND and everything[-1].status is S.RECEIVED
    page, cursor, collected = None, 0, []
    while page != []:
        page = repo.events_after(cursor, limit=3)
        assert len(page) <= 3
        collected.extend(page)
        cursor = page[-1].sequence if page else cursor
    assert collected == everything
    assert repo.events_after(everything[-1].sequence) == []
    assert repo.events_after(everything[4].sequence) == everything[5:]


# -- claims ------------------------------------------------------------------------------------------------------


def test_claim_due_takes_queued_messages_oldest_first_up_to_the_limit(repo: Repository) -> None:
    envs = [envelope(f"CO-{i}") for i in range(5)]
    for i, env in reversed(list(enumerate(envs))):
        add_out(repo, env, i)
    first = claim(repo, 10, limit=3)
    assert [m.message_id for m in first] == [e.message_id for e in envs[:3]]
    assert all((m.status, m.attempts, m.updated_at) == (S.SENDING, 1, at(10)) for m in first)
    assert [m.message_id for m in claim(repo, 10, limit=3, claimer="replica-b")] == [e.message_id for e in envs[3:]]
    assert claim(repo, 10) == []
    assert claim(repo, 10, limit=0) == []


def test_retry_wait_is_claimed_only_when_due(repo: Repository) -> None:
    env = envelope()
    add_out(repo, env)
    claim(repo, 1)
    repo.transition(env.message_id, S.RETRY_WAIT, at=at(2), next_attempt_at=at(10))
    assert claim(repo, 9.999) == []
    [due] = claim(repo, 10)
    assert (due.message_id, due.attempts, due.next_attempt_at) == (env.message_id, 2, None)


def test_bring_forward_makes_a_partners_unanswered_retries_due_and_nothing_else(repo: Repository) -> None:
    no_answer = ErrorInfo(code="UNAVAILABLE", message="failed to connect to all addresses")
    no_http_answer = ErrorInfo(code="DELIVERY_FAILED", message="connection refused")
    bad_receipt = ErrorInfo(code="RECEIPT_INVALID", message="receipt signature")
    waiting = {}
    for number, receiver, error, next_at in (("CO-1", "HK", no_answer, 100), ("CO-2", "HK", bad_receipt, 100),
                                             ("CO-3", "HK", no_answer, 5), ("CO-4", "MO", no_answer, 100),
                                             ("CO-5", "HK", no_http_answer, 200)):
        env = envelope(number, receiver=receiver)
        add_out(repo, env)
        claim(repo, 1)
        repo.transition(env.message_id, S.RETRY_WAIT, at=at(2), next_attempt_at=at(next_at), error=error)
        waiting[number] = env.message_id

    events = len(repo.history(waiting["CO-1"]))
    assert repo.bring_forward("HK", at=at(10), error_codes={"DELIVERY_FAILED", "UNAVAILABLE"}) == 2
    assert repo.bring_forward("HK", at=at(10), error_codes={"DELIVERY_FAILED", "UNAVAILABLE"}) == 0  # done
    brought = repo.get(waiting["CO-1"])
    assert (brought.status, brought.next_attempt_at, brought.last_error) == (S.RETRY_WAIT, at(10), no_answer)
    assert len(repo.history(waiting["CO-1"])) == events  # no state change, no event
    # Due now: the one brought forward and the one due earlier anyway; not the other error, not the other partner.
    assert sorted(m.message_id for m in claim(repo, 10)) == sorted(waiting[n] for n in ("CO-1", "CO-3", "CO-5"))
    assert repo.get(waiting["CO-2"]).next_attempt_at == at(100)
    assert repo.get(waiting["CO-4"]).next_attempt_at == at(100)


def test_an_expired_sending_claim_is_taken_over(repo: Repository) -> None:
    env = envelope()
    add_out(repo, env)
    claim(repo, 0, claimer="replica-a")
    assert claim(repo, 29, claimer="replica-b") == []
    [taken] = claim(repo, 30, claimer="replica-b")
    assert (taken.status, taken.attempts) == (S.SENDING, 2)
    assert [(e.previous_status, e.status) for e in repo.history(env.message_id)][-2:] == [
        (S.QUEUED, S.SENDING),
        (S.SENDING, S.SENDING),
    ]
    repo.transition(env.message_id, S.DELIVERED, at=at(31), expected=S.SENDING, receipt=verified_receipt(env))
    assert claim(repo, 1000) == []


def test_the_outcome_of_an_expired_claim_does_not_overwrite_the_new_claimants(repo: Repository) -> None:
    env = envelope()
    add_out(repo, env)
    claim(repo, 0, claimer="replica-a")
    claim(repo, 30, claimer="replica-b")
    # replica-a's delivery ends late: its outcome is refused while replica-b's delivery is under way...
    failed = ErrorInfo(code="UNAVAILABLE", message="late")
    with pytest.raises(InvalidTransition):
        repo.transition(env.message_id, S.FAILED, at=at(31), expected=S.SENDING, claimer="replica-a", error=failed)
    assert repo.get(env.message_id).status is S.SENDING
    # ...and replica-b's is recorded.
    assert repo.transition(env.message_id, S.DELIVERED, at=at(32), expected=S.SENDING, receipt=verified_receipt(env),
                           claimer="replica-b").status is S.DELIVERED
    with pytest.raises(InvalidTransition):
        repo.transition(env.message_id, S.DELIVERED, at=at(33), expected=S.SENDING, claimer="replica-a",
                        receipt=verified_receipt(env))


def test_a_message_stored_under_a_claim_is_sending_and_its_claim_holds_until_it_expires(repo: Repository) -> None:
    env = envelope()
    stored = repo.add_outbound(env, at=at(0), record_json="{}", report_json="{}", idempotency_key=None,
                               domestic_client="hub", claim=OutboundClaim("replica-a", at(30)))
    assert (stored.status, stored.attempts) == (S.SENDING, 1)
    assert repo.get(env.message_id) == stored
    history = repo.history(env.message_id)
    assert [(e.previous_status, e.status, e.attempt) for e in history] == [
        (None, S.ACCEPTED, 0), (S.ACCEPTED, S.QUEUED, 0), (S.QUEUED, S.SENDING, 1)]
    assert [e.sequence for e in history] == sorted(e.sequence for e in history)
    # Nobody else takes it while the claim holds, and only its claimant records the outcome...
    assert claim(repo, 29, claimer="replica-b") == []
    with pytest.raises(InvalidTransition):
        repo.transition(env.message_id, S.DELIVERED, at=at(1), expected=S.SENDING, claimer="replica-b",
                        receipt=verified_receipt(env))
    # ...but once it expired (the claimant died before delivering), another replica does: attempt 2.
    [taken] = claim(repo, 30, claimer="replica-b")
    assert (taken.status, taken.attempts) == (S.SENDING, 2)
    assert repo.transition(env.message_id, S.DELIVERED, at=at(31), expected=S.SENDING, receipt=verified_receipt(env),
                           claimer="replica-b").status is S.DELIVERED


def test_a_refused_message_under_a_claim_leaves_nothing_claimed(repo: Repository) -> None:
    env = envelope()
    add_out(repo, env)
    with pytest.raises(DuplicateConflict):
        repo.add_outbound(env, at=at(0), record_json="{}", report_json="{}", idempotency_key=None,
                          domestic_client="hub", claim=OutboundClaim("replica-a", at(30)))
    assert repo.get(env.message_id).status is S.QUEUED
    assert [m.message_id for m in claim(repo, 1, claimer="replica-b")] == [env.message_id]


def test_claim_due_ignores_inbound_and_settled_messages(repo: Repository) -> None:
    add_in(repo, inbound())
    delivered, waiting = envelope("CO-1"), envelope("CO-2")
    add_out(repo, delivered)
    add_out(repo, waiting, 1)
    claim(repo, 2)
    repo.transition(delivered.message_id, S.DELIVERED, at=at(3), receipt=verified_receipt(delivered))
    repo.transition(waiting.message_id, S.RETRY_WAIT, at=at(3), next_attempt_at=at(100))
    assert claim(repo, 50) == []


# -- handover, listing, counts -------------------------------------------------------------------------------------


def test_pending_handover_offers_only_the_oldest_version_per_business_key(repo: Repository) -> None:
    k1v1, k2v1, k1v2, k1v3 = inbound("CO-1", 1), inbound("CO-2", 1), inbound("CO-1", 2), inbound("CO-1", 3)
    add_in(repo, k1v2, 0)  # the replacement arrives before its original
    add_in(repo, k2v1, 1)
    add_in(repo, k1v1, 2)
    add_in(repo, k1v3, 3)
    add_in(repo, inbound("CO-3", 1), 4, status=S.REJECTED, error=ErrorInfo("SIGNATURE_INVALID", "bad"))
    ids = lambda ms: [m.message_id for m in ms]  # noqa: E731
    assert ids(repo.pending_handover(domestic_client="hub")) == [k2v1.message_id, k1v1.message_id]
    repo.transition(k1v1.message_id, S.HANDED_OVER, at=at(5))
    assert ids(repo.pending_handover(domestic_client="hub")) == [k1v2.message_id, k2v1.message_id]
    assert ids(repo.pending_handover(domestic_client="hub", limit=1)) == [k1v2.message_id]
    repo.transition(k1v2.message_id, S.HANDED_OVER, at=at(6))
    assert ids(repo.pending_handover(domestic_client="hub")) == [k2v1.message_id, k1v3.message_id]


def test_a_replacement_with_a_new_number_waits_for_the_document_it_replaces(repo: Repository) -> None:
    original = inbound("CO-OLD", 1)
    replacement = inbound("CO-NEW", 1, action=Action.REPLACE, refers_to=BusinessKey("HK-TID", "CO-OLD", 1))
    add_in(repo, replacement, 0)  # arrives first, under another certificate number
    ids = lambda ms: [m.message_id for m in ms]  # noqa: E731
    assert ids(repo.pending_handover(domestic_client="hub")) == []
    add_in(repo, original, 1)
    assert ids(repo.pending_handover(domestic_client="hub")) == [original.message_id]
    repo.transition(original.message_id, S.HANDED_OVER, at=at(2))
    assert ids(repo.pending_handover(domestic_client="hub")) == [replacement.message_id]


def test_pending_handover_filters_by_client_and_document_type(repo: Repository) -> None:
    co = inbound("CO-1")
    sps = inbound("SPS-1", document_type=DocumentType.SPS_CERTIFICATE)
    elsewhere = inbound("CO-2")
    add_in(repo, co, 0)
    add_in(repo, sps, 1)
    add_in(repo, elsewhere, 2, client="customs")
    ids = lambda ms: [m.message_id for m in ms]  # noqa: E731
    assert ids(repo.pending_handover(domestic_client="hub")) == [co.message_id, sps.message_id]
    assert ids(repo.pending_handover(domestic_client="customs")) == [elsewhere.message_id]
    assert ids(repo.pending_handover(domestic_client=None)) == [co.message_id, sps.message_id, elsewhere.message_id]
    only_sps = repo.pending_handover(domestic_client=None, document_types=[DocumentType.SPS_CERTIFICATE])
    assert ids(only_sps) == [sps.message_id]
    assert repo.pending_handover(domestic_client="nobody") == []


def test_list_messages_newest_first_with_filters(repo: Repository) -> None:
    a, b, c = envelope("CO-1"), envelope("CO-2", receiver="MO"), inbound("CO-3")
    add_out(repo, a, 0)
    add_out(repo, b, 1)
    add_in(repo, c, 2)
    ids = lambda ms: [m.message_id for m in ms]  # noqa: E731
    assert ids(repo.list_messages()) == [c.message_id, b.message_id, a.message_id]
    assert ids(repo.list_messages(limit=2)) == [c.message_id, b.message_id]
    assert ids(repo.list_messages(status=S.QUEUED)) == [b.message_id, a.message_id]
    assert ids(repo.list_messages(partner="HK")) == [c.message_id, a.message_id]
    assert ids(repo.list_messages(partner="MO", status=S.RECEIVED)) == []


def test_counts_by_status(repo: Repository) -> None:
    add_out(repo, envelope("CO-1"), 0)
    add_out(repo, envelope("CO-2"), 1)
    add_out(repo, envelope("SPS-1", document_type=DocumentType.SPS_CERTIFICATE), 2)
    claim(repo, 3, limit=1)
    add_in(repo, inbound("CO-3"))
    assert repo.counts_by_status() == {
        ("outbound", "HK", "certificate-of-origin", "SENDING"): 1,
        ("outbound", "HK", "certificate-of-origin", "QUEUED"): 1,
        ("outbound", "HK", "sps-certificate", "QUEUED"): 1,
        ("inbound", "HK", "certificate-of-origin", "RECEIVED"): 1,
    }


def test_backlog_counts_undelivered_outbound_per_partner_with_oldest_and_deepest(repo: Repository) -> None:
    add_out(repo, envelope("CO-1"), 0)
    add_out(repo, envelope("CO-2"), 5)
    add_out(repo, envelope("CO-3", receiver="MO"), 7)
    add_out(repo, envelope("CO-4"), 8)
    first, second = claim(repo, 10, limit=2)
    repo.transition(first.message_id, S.RETRY_WAIT, at=at(11), expected=S.SENDING, next_attempt_at=at(12))
    # Everything due at 12 is claimed: CO-3 and CO-4 (queued at 7 and 8), then CO-1's second attempt.
    assert [m.business_key.number for m in claim(repo, 12, limit=3)] == ["CO-3", "CO-4", "CO-1"]
    repo.transition(second.message_id, S.DELIVERED, at=at(13), expected=S.SENDING,
                    receipt=verified_receipt(second.envelope))
    add_in(repo, inbound("CO-9"))
    assert [(b.partner, b.messages, b.oldest_created_at, b.max_attempts) for b in repo.backlog()] == [
        ("HK", 2, at(0), 2),
        ("MO", 1, at(7), 1),
    ]


def test_find_by_payload_digest_one_way_with_one_partner(repo: Repository) -> None:
    to_hk = add_out(repo, envelope("CO-D"))
    add_out(repo, envelope("CO-D", receiver="MO"))  # the same document to MO: another partner
    received = add_in(repo, inbound("CO-D"))  # the same bytes (the test payload), received from HK
    digest = to_hk.envelope.payload_sha256
    assert [m.message_id for m in repo.find_by_payload_digest(digest, direction=Direction.OUTBOUND,
                                                                partner="HK")] == [to_hk.message_id]
    assert [m.message_id for m in repo.find_by_payload_digest(digest, direction=Direction.INBOUND,
                                                                partner="HK")] == [received.message_id]
    assert repo.find_by_payload_digest(digest, direction=Direction.OUTBOUND, partner="SG") == []
    assert repo.find_by_payload_digest("00" * 32, direction=Direction.OUTBOUND, partner="HK") == []
