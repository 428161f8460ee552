"""End-entity certificates an older release stored as anchors become pinned when the trust is loaded: once,
logged with partner and fingerprint, audited; a new one is refused as anchor (TRUST_ANCHOR_NOT_CA)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

import trust
from gateway.adapters.clock import ManualClock
from gateway.adapters.persistence.memory import MemoryMessageRepository
from gateway.adapters.trustbook.book import StoredTrustBook
from gateway.core.ports import Actor, ActorKind, StoredTrustedCertificate
from trust import CertificateRole, CertificateState
from trust.devpki import create_ca, issue_certificate

#: The audit actor of the changes these tests make.
OPERATOR = Actor(ActorKind.OS_USER, "test-operator")

AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _row(certificate: object, role: str, state: str = "active", **extra: object) -> StoredTrustedCertificate:
    return StoredTrustedCertificate(
        partner="HK", fingerprint=trust.fingerprint(certificate), role=role, state=state,  # type: ignore[arg-type]
        certificate_der=certificate.public_bytes(Encoding.DER), added_at=AT, **extra)  # type: ignore[attr-defined, arg-type]


def test_leaf_anchors_are_migrated_to_pinned_once(caplog: pytest.LogCaptureFixture) -> None:
    repo = MemoryMessageRepository()
    ca = create_ca("HK CA", at=AT - timedelta(days=1))
    signing = issue_certificate(ca, "HK signing", at=AT - timedelta(days=1), usage="signing").certificate
    tls = issue_certificate(ca, "hk.gateway.test", at=AT - timedelta(days=1), usage="tls").certificate
    repo.upsert_trust(_row(ca.certificate, "anchor"))
    repo.upsert_trust(_row(signing, "anchor"))
    repo.upsert_trust(_row(tls, "intermediate", "revoked", revoked_at=AT, revocation_reason="lost"))
    clock = ManualClock(AT)
    # Two replicas load the same database; exactly one migrates (and audits) each row.
    first, second = StoredTrustBook(repo, repo, clock), StoredTrustBook(repo, repo, clock)
    with caplog.at_level("WARNING", logger="gateway.adapters.trustbook.book"):
        store = first.store()
        second.store()
    roles = {r.fingerprint: (r.role, r.state) for r in repo.list_trust("HK")}
    assert roles == {trust.fingerprint(ca.certificate): ("anchor", "active"),
                     trust.fingerprint(signing): ("pinned", "active"),
                     trust.fingerprint(tls): ("pinned", "revoked")}
    assert {e.role for e in store.entries if e.certificate != ca.certificate} == {CertificateRole.PINNED}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2
    for certificate, old_role in ((signing, "anchor"), (tls, "intermediate")):
        assert any(trust.fingerprint(certificate) in w and "partner HK" in w and f"from {old_role} to pinned" in w
                   and "not TRUE" in w for w in warnings), warnings
    audit = [e for e in repo.list_audit(limit=100) if e.action == "trust.migrate-role"]
    assert sorted(e.details["fingerprint"] for e in audit) == sorted(trust.fingerprint(c) for c in (signing, tls))
    assert all(e.actor == "trust role migration" and e.actor_kind == "upgrade" and e.details["partner"] == "HK"
               for e in audit)
    # Loading again (a restart) changes nothing more.
    caplog.clear()
    with caplog.at_level("WARNING", logger="gateway.adapters.trustbook.book"):
        StoredTrustBook(repo, repo, clock).store()
    assert not caplog.records
    assert len([e for e in repo.list_audit(limit=100) if e.action == "trust.migrate-role"]) == 2


def test_a_leaf_is_refused_as_anchor_and_accepted_pinned() -> None:
    repo = MemoryMessageRepository()
    book = StoredTrustBook(repo, repo, ManualClock(AT))
    ca = create_ca("HK CA", at=AT - timedelta(days=1))
    leaf = issue_certificate(ca, "HK signing", at=AT - timedelta(days=1), usage="signing").certificate
    for role in (CertificateRole.ANCHOR, CertificateRole.INTERMEDIATE):
        with pytest.raises(trust.TrustAnchorNotCa):
            book.add("HK", leaf, role=role, actor=OPERATOR)
    assert repo.list_trust() == [] and repo.list_audit() == []
    assert book.add("HK", leaf, role=CertificateRole.PINNED, actor=OPERATOR).role == "pinned"
    assert book.add("HK", ca.certificate, role=CertificateRole.ANCHOR, actor=OPERATOR).state == CertificateState.ACTIVE
