"""StoredTrustBook.identify reuses a partner identification only while nothing it depends on can have changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import trust
from gateway.adapters.clock import ManualClock
from gateway.adapters.persistence.memory import MemoryMessageRepository
from gateway.adapters.trustbook.book import StoredTrustBook
from gateway.core.ports import Actor, ActorKind
from trust import CertificateRole, CertificateState, TrustStore
from trust.devpki import create_ca, issue_certificate

#: The audit actor of the changes these tests make.
OPERATOR = Actor(ActorKind.OS_USER, "test-operator")

AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def book(monkeypatch: pytest.MonkeyPatch) -> tuple[StoredTrustBook, ManualClock, Any, list[int]]:
    clock = ManualClock(AT)
    repo = MemoryMessageRepository()
    book = StoredTrustBook(repo, repo, clock, refresh_seconds=0.0)
    ca = create_ca("HK CA", at=AT - timedelta(days=1))
    book.add("HK", ca.certificate, role=CertificateRole.ANCHOR, actor=OPERATOR)
    # The client certificate expires two seconds after AT: a time boundary inside the reuse window.
    tls = issue_certificate(ca, "hk.gateway.test", at=AT - timedelta(days=1, seconds=-2), usage="tls",
                            dns_names=("hk.gateway.test",), days=1)
    validations = [0]
    original = TrustStore.identify

    def counting(self: TrustStore, *args: Any, **kwargs: Any) -> str:
        validations[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TrustStore, "identify", counting)
    return book, clock, tls.certificate, validations


def test_identification_is_reused_within_a_second_for_the_same_store(book: Any) -> None:
    trustbook, clock, leaf, validations = book
    assert trustbook.identify(leaf, [], at=clock.now()) == "HK"
    assert trustbook.identify(leaf, [], at=clock.now() + timedelta(milliseconds=500)) == "HK"
    assert validations[0] == 1
    assert trustbook.identify(leaf, [], at=clock.now() + timedelta(seconds=1)) == "HK"
    assert validations[0] == 2


def test_identification_is_recomputed_after_a_time_boundary(book: Any) -> None:
    trustbook, clock, leaf, validations = book
    expiry = leaf.not_valid_after_utc
    before = expiry - timedelta(milliseconds=300)
    assert trustbook.identify(leaf, [], at=before) == "HK"
    with pytest.raises(trust.CertificateExpired):
        trustbook.identify(leaf, [], at=expiry + timedelta(milliseconds=300))
    assert validations[0] == 2


def test_identification_is_recomputed_after_a_trust_change(book: Any) -> None:
    trustbook, clock, leaf, validations = book
    assert trustbook.identify(leaf, [], at=clock.now()) == "HK"
    anchor = trustbook.records("HK")[0]
    trustbook.change_state("HK", anchor.fingerprint, CertificateState.REVOKED, actor=OPERATOR, reason="compromise")
    with pytest.raises(trust.TrustError):
        trustbook.identify(leaf, [], at=clock.now())
    assert validations[0] == 2


def test_refusals_are_not_reused(book: Any) -> None:
    trustbook, clock, _, validations = book
    stranger = issue_certificate(create_ca("Other CA", at=AT - timedelta(days=1)), "x.test", at=AT - timedelta(days=1),
                                 usage="tls", dns_names=("x.test",))
    for _ in range(2):
        with pytest.raises(trust.CertificateUntrusted):
            trustbook.identify(stranger.certificate, [], at=clock.now())
    assert validations[0] == 2
