"""The RetentionRepository contract (memory, SQLite, PostgreSQL): what is due, the purge, the entries it keeps."""

from __future__ import annotations

from datetime import timedelta

from repository_testkit import Repository, at, envelope, receipt, verified_receipt

from gateway.core.audit import verify_audit_chain
from gateway.core.domain import Direction, DocumentType, MessageStatus, ReceiptOutcome
from gateway.core.ledger import archived_entry, build_ledger
from gateway.core.ports import Actor, ActorKind, StoredMessage

S = MessageStatus
COO = DocumentType.CERTIFICATE_OF_ORIGIN
ACTOR = Actor(ActorKind.CONFIGURATION, "retention")


def _delivered(repo: Repository, number: str, when: float) -> StoredMessage:
    env = envelope(number)
    repo.add_outbound(env, at=at(when), record_json="{}", report_json="{}", idempotency_key=f"k-{number}",
                      domestic_client="hub")
    repo.claim_due(now=at(when), limit=10, claimer="a", claim_timeout=timedelta(seconds=30))
    return repo.transition(env.message_id, S.DELIVERED, at=at(when), expected=S.SENDING,
                           receipt=verified_receipt(env))


def test_only_final_states_older_than_the_cutoff_are_due(repo: Repository) -> None:
    old = _delivered(repo, "CO-OLD", 0)
    _delivered(repo, "CO-NEW", 500)
    waiting = envelope("CO-WAIT")
    repo.add_outbound(waiting, at=at(0), record_json="{}", report_json="{}", idempotency_key=None,
                      domestic_client="hub")
    received = envelope("CO-IN", sender="HK", receiver="CN", issuer="HK-TID")
    repo.add_inbound(received, at=at(0), status=S.RECEIVED, receipt=receipt(received), record_json="{}",
                     report_json=None, signer_subject="CN=x", signer_fingerprint="ab" * 32, error=None,
                     domestic_client="hub")
    rejected = envelope("CO-REJ", sender="HK", receiver="CN", issuer="HK-TID")
    repo.add_inbound(rejected, at=at(0), status=S.REJECTED, receipt=receipt(rejected, ReceiptOutcome.REJECTED),
                     record_json=None, report_json=None, signer_subject=None, signer_fingerprint=None, error=None,
                     domestic_client="hub")
    due = repo.purge_candidates(COO, before=at(100))
    # QUEUED and RECEIVED (not yet handed over) are never due; the newer delivered one not yet.
    assert sorted(m.message_id for m in due) == sorted([old.message_id, rejected.message_id])
    assert repo.purge_candidates(DocumentType.CARGO_MANIFEST, before=at(100)) == []
    first = min(m.message_id for m in due)
    assert [m.message_id for m in repo.purge_candidates(COO, before=at(100), after_id=first)] == [
        max(m.message_id for m in due)]


def test_purge_keeps_the_ledger_entry_audits_and_frees_nothing_else(repo: Repository) -> None:
    repo.append_audit(actor=ACTOR, action="trust.add", details={"x": 1}, at=at(0))
    old = _delivered(repo, "CO-P", 0)
    kept = archived_entry(old, "certificate-of-origin/2025/03/" + old.message_id)
    purged, entry = repo.purge([kept], actor=ACTOR, details={"cutoff": "c"}, at=at(200))
    assert purged == [old.message_id]
    assert entry is not None and entry.action == "retention.purge"
    assert entry.details == {"cutoff": "c", "messages": [old.message_id]}
    assert repo.find(old.message_id) is None and repo.history(old.message_id) == []
    assert all(e.message_id != old.message_id for e in repo.events_after(0))
    assert repo.archived_entries("CN-CIQ", "CO-P") == [kept]
    assert repo.archived_by_digest(old.envelope.payload_sha256, direction=Direction.OUTBOUND, partner="HK") == [kept]
    assert repo.archived_by_digest(old.envelope.payload_sha256, direction=Direction.INBOUND, partner="HK") == []
    ledger = build_ledger("CN-CIQ", "CO-P", repo.find_by_business_key("CN-CIQ", "CO-P"),
                          repo.archived_entries("CN-CIQ", "CO-P"))
    assert [(e.version, e.accepted, e.archived_to) for e in ledger.entries] == [(1, True, kept.entry.archived_to)]
    # The audit chain still verifies, the purge recorded in it.
    entries = repo.list_audit()
    assert verify_audit_chain(entries)[0] and entries[-1].action == "retention.purge"
    # Purging it again finds nothing and audits nothing.
    assert repo.purge([kept], actor=ACTOR, details={}, at=at(201)) == ([], None)


def test_a_message_replayed_since_it_was_read_is_not_purged(repo: Repository) -> None:
    old = _delivered(repo, "CO-R", 0)
    repo.transition(old.message_id, S.QUEUED, at=at(150), replay=True)
    purged, entry = repo.purge([archived_entry(old, "x")], actor=ACTOR, details={}, at=at(200))
    assert (purged, entry) == ([], None)
    assert repo.get(old.message_id).status is S.QUEUED
    assert repo.archived_entries("CN-CIQ", "CO-R") == []
