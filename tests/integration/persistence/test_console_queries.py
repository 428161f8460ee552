"""What the web console asks the database, on SQLite and PostgreSQL alike as on the in-memory twin: the message
book's filters and paging, and console accounts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from persistence_testkit import T0, envelope

from gateway.adapters.persistence import MemoryMessageRepository, SqlMessageRepository, create_engine_for
from gateway.core.domain import Direction, DocumentType, MessageStatus
from gateway.core.errors import DuplicateConflict
from gateway.core.ports import ConsoleAccount, Role


@pytest.fixture(params=["sql", "memory"])
def repository(request: pytest.FixtureRequest, database_url: str) -> SqlMessageRepository | MemoryMessageRepository:
    if request.param == "memory":
        return MemoryMessageRepository()
    engine = create_engine_for(database_url)
    request.addfinalizer(engine.dispose)
    return SqlMessageRepository(engine)


def test_the_message_book_filters_by_every_criterion_and_pages(
        repository: SqlMessageRepository | MemoryMessageRepository) -> None:
    for i, number in enumerate(["A-1", "A-2", "B_1", "B%2", "C-1"]):
        repository.add_outbound(dataclasses.replace(envelope(number), created_at=T0 + timedelta(minutes=i)),
                                at=T0 + timedelta(minutes=i), record_json="{}", report_json="{}",
                                idempotency_key=None, domestic_client=None)

    def numbers(**criteria: object) -> list[str]:
        return [m.business_key.number for m in repository.list_messages(**criteria)]  # type: ignore[arg-type]

    assert numbers() == ["C-1", "B%2", "B_1", "A-2", "A-1"]
    assert numbers(limit=2, offset=2) == ["B_1", "A-2"]
    assert numbers(business_key="A-") == ["A-2", "A-1"]
    # LIKE's wildcards in the search text are plain characters.
    assert numbers(business_key="B_") == ["B_1"] and numbers(business_key="%") == ["B%2"]
    assert numbers(business_key="CN-CIQ", limit=1) == ["C-1"]  # the issuer matches too
    assert numbers(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)) == ["B_1", "A-2"]
    assert numbers(direction=Direction.INBOUND) == []
    assert len(numbers(direction=Direction.OUTBOUND, document_type=DocumentType.CERTIFICATE_OF_ORIGIN,
                       status=MessageStatus.QUEUED, partner="HK")) == 5
    assert numbers(partner="MO") == []


def test_console_accounts_are_stored_and_updated(repository: SqlMessageRepository | MemoryMessageRepository) -> None:
    account = ConsoleAccount(name="alice", role=Role.OPERATOR, password_hash="$argon2id$x", created_at=T0)
    repository.add_account(account)
    with pytest.raises(DuplicateConflict):
        repository.add_account(account)
    locked = dataclasses.replace(account, failed_logins=0, locked_until=T0 + timedelta(minutes=15))
    repository.update_account(locked)
    assert repository.find_account("alice") == locked
    assert repository.find_account("bob") is None
    assert [a.name for a in repository.list_accounts()] == ["alice"]
    assert repository.remove_account("alice") and not repository.remove_account("alice")
    assert repository.list_accounts() == []


def test_concurrent_failed_logins_are_all_counted_and_lock_at_the_limit(
        repository: SqlMessageRepository | MemoryMessageRepository) -> None:
    from concurrent.futures import ThreadPoolExecutor

    repository.add_account(ConsoleAccount(name="olga", role=Role.VIEWER, password_hash="$argon2id$x", created_at=T0))
    lock_until = T0 + timedelta(minutes=15)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: repository.record_failed_login("olga", limit=100, lock_until=lock_until), range(12)))
    counted = repository.find_account("olga")
    assert counted is not None and (counted.failed_logins, counted.locked_until) == (12, None)
    for _ in range(87):
        repository.record_failed_login("olga", limit=100, lock_until=lock_until)
    locked = repository.record_failed_login("olga", limit=100, lock_until=lock_until)
    assert locked is not None and (locked.failed_logins, locked.locked_until) == (0, lock_until)
    assert repository.record_failed_login("nobody", limit=3, lock_until=lock_until) is None
