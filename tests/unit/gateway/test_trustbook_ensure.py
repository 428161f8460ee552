"""StoredTrustBook.ensure (the configured anchors' import at start-up) tolerates replicas importing the same anchor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.adapters.clock import ManualClock
from gateway.adapters.persistence.memory import MemoryMessageRepository
from gateway.adapters.trustbook.book import StoredTrustBook
from gateway.core.ports import Actor, ActorKind, StoredTrustedCertificate
from trust import CertificateRole
from trust.devpki import create_ca

#: The audit actor of a start-up import from the configuration.
CONFIGURATION = Actor(ActorKind.CONFIGURATION, "trust_anchors")

AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class _LateSightRepository(MemoryMessageRepository):
    """The first list_trust answers as it would just before another replica's import committed."""

    def __init__(self) -> None:
        super().__init__()
        self.stale_reads = 1

    def list_trust(self, partner: str | None = None) -> list[StoredTrustedCertificate]:
        if self.stale_reads:
            self.stale_reads -= 1
            return []
        return super().list_trust(partner)


def test_an_anchor_imported_by_another_replica_meanwhile_is_not_an_error() -> None:
    repo = _LateSightRepository()
    clock = ManualClock(AT)
    anchor = create_ca("HK CA", at=AT - timedelta(days=1)).certificate
    # Another replica, started at the same time, imports the anchor first.
    assert StoredTrustBook(repo, repo, clock).ensure("HK", anchor, role=CertificateRole.ANCHOR, actor=CONFIGURATION)
    repo.stale_reads = 1
    assert not StoredTrustBook(repo, repo, clock, refresh_seconds=0.0).ensure(
        "HK", anchor, role=CertificateRole.ANCHOR, actor=CONFIGURATION)
    assert len(repo.list_trust("HK")) == 1


def test_an_anchor_found_imported_by_another_replica_is_in_the_next_store() -> None:
    repo = MemoryMessageRepository()
    clock = ManualClock(AT)
    anchor = create_ca("HK CA", at=AT - timedelta(days=1)).certificate
    book = StoredTrustBook(repo, repo, clock)  # refreshes at most once a second
    assert book.store().entries == ()
    # Another replica imports the anchor; this one, starting, finds it there and must not serve its stale store.
    assert StoredTrustBook(repo, repo, clock).ensure("HK", anchor, role=CertificateRole.ANCHOR, actor=CONFIGURATION)
    assert not book.ensure("HK", anchor, role=CertificateRole.ANCHOR, actor=CONFIGURATION)
    assert [e.certificate for e in book.store().entries] == [anchor]
