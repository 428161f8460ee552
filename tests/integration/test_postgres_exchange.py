"""The same end-to-end exchange with both gateways on PostgreSQL (each in its own schema)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from tests.integration.network import example, record_bytes, running_network, wait_for


@pytest.fixture
def schemas(postgres_url: str) -> Iterator[dict[str, str]]:
    names = {party: f"swgw_it_{party.lower()}_{uuid.uuid4().hex[:10]}" for party in ("CN", "HK")}
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        for name in names.values():
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield {
            party: make_url(postgres_url).update_query_dict({"options": f"-csearch_path={name}"})
            .render_as_string(hide_password=False)
            for party, name in names.items()
        }
    finally:
        with admin.begin() as connection:
            for name in names.values():
                connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_exchange_over_postgresql(tmp_path: Path, schemas: dict[str, str]) -> None:
    with running_network(tmp_path, ("CN", "HK"), database_urls=schemas) as network:
        with network.client("CN") as cn:
            response = cn.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN,
                                 record_bytes(example("coo-cn-hk")))
            summary = wait_for(lambda: (s := cn.status(response.message_id)).status == pb.MESSAGE_STATUS_DELIVERED
                               and s)
        assert summary.attempts == 1
        with network.client("HK") as hk:
            documents = hk.receive(max_documents=1, timeout=10)
            assert [d.message_id for d in documents] == [response.message_id]
            assert hk.status(response.message_id).status == pb.MESSAGE_STATUS_HANDED_OVER
