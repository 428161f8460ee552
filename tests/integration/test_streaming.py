"""The streaming high-volume path across two gateways: SubmitStream at CN, DeliverStream from CN to HK.

Every document gets one answer in order, committed before it is answered; repeated keys and message ids are
answered with the first result; a stream broken off midway is resumed by sending the unanswered requests again,
and nothing is lost or stored twice. Each test runs on SQLite and (when configured) PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway._generated.swgw.v1 import partner_exchange_pb2 as ppb
from gateway.core.domain import Direction, DocumentType, MessageStatus
from gateway.tools.client import ClientError, submit_request
from tests.integration.network import Network, postgres_schemas, running_network, wait_for
from tests.integration.reliability import numbered_record

COO = DocumentType.CERTIFICATE_OF_ORIGIN


def _streaming(party: str, data: dict[str, Any]) -> None:
    for partner in data["partners"]:
        partner["streaming"] = True
        partner["stream_window"] = 16


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_urls(request: pytest.FixtureRequest) -> Iterator[dict[str, str] | None]:
    if request.param == "sqlite":
        yield None
        return
    with postgres_schemas(request.getfixturevalue("postgres_url"), prefix="swgw_st") as urls:
        yield urls


def _requests(count: int, prefix: str, start: int = 0) -> list[Any]:
    return [submit_request("HK", COO, numbered_record(i, prefix), idempotency_key=f"{prefix}-{i}")
            for i in range(start, start + count)]


def _delivered(network: Network, ids: set[str]) -> bool:
    repository = network.apps["CN"].repository
    return all(repository.get(i).status is MessageStatus.DELIVERED for i in ids)


def test_documents_stream_through_both_gateways_once_each_in_order(tmp_path: Path,
                                                                   database_urls: dict[str, str] | None) -> None:
    with running_network(tmp_path, ("CN", "HK"), configure=_streaming, database_urls=database_urls) as network:
        requests = _requests(120, "S")
        # The same submission twice within the stream, and once more after: the first result each time.
        requests.insert(50, requests[10])
        with network.client("CN") as cn:
            answers = list(cn.submit_stream(requests, window=32, timeout=120))
            again = list(cn.submit_stream(_requests(3, "S", start=10), window=4, timeout=30))
        assert [a.idempotency_key for a in answers] == [r.idempotency_key for r in requests]
        assert all(a.HasField("result") for a in answers), [a.error for a in answers if a.HasField("error")]
        # A new document is answered as committed (QUEUED); a repeated key with where its first message stands.
        assert {a.result.status for i, a in enumerate(answers) if i != 50} == {pb.MESSAGE_STATUS_QUEUED}
        ids = [a.result.message_id for a in answers]
        assert ids[50] == ids[10] and len(set(ids)) == 120
        assert [a.result.message_id for a in again] == ids[10:13]
        wait_for(lambda: _delivered(network, set(ids)), timeout=60)
        hk = network.apps["HK"].repository
        received = [m for m in hk.list_messages(partner="CN", limit=500) if m.direction is Direction.INBOUND]
        assert sorted(m.message_id for m in received) == sorted(set(ids))
        assert all(m.status is MessageStatus.RECEIVED for m in received)
        # One delivery attempt each: every document went out once, on a stream, and was receipted once.
        cn_repository = network.apps["CN"].repository
        assert {cn_repository.get(i).attempts for i in ids} == {1}
        # Handed over in submission order (one partner, one business key each: the order of the commits).
        with network.client("HK") as hk_client:
            handed = [d.message_id for d in hk_client.receive(max_documents=120, timeout=30)]
        unique = list(dict.fromkeys(ids))
        assert sorted(handed) == sorted(unique)


def test_a_refused_document_is_answered_in_its_place_and_the_stream_goes_on(tmp_path: Path) -> None:
    with running_network(tmp_path, ("CN", "HK"), configure=_streaming) as network:
        requests = _requests(5, "E")
        requests[2] = submit_request("HK", COO, b'{"certificate": ', idempotency_key="E-bad")
        requests[3] = submit_request("XX", COO, numbered_record(3, "E"), idempotency_key="E-nobody")
        with network.client("CN") as cn:
            answers = list(cn.submit_stream(requests, window=2, timeout=30))
        assert [a.WhichOneof("outcome") if a.HasField("result") else a.error.code for a in answers] == [
            "result", "result", "RECORD_MALFORMED", "PARTNER_UNKNOWN", "result"]
        assert answers[2].error.field_path == "$"


def test_a_broken_stream_is_resumed_without_loss_or_duplicates(tmp_path: Path) -> None:
    with running_network(tmp_path, ("CN", "HK"), configure=_streaming) as network:
        requests = _requests(80, "B")
        answered: dict[str, str] = {}
        with network.client("CN") as cn:
            stream = cn.submit_stream(requests, window=8, timeout=60)
            for answer in stream:
                answered[answer.idempotency_key] = answer.result.message_id
                if len(answered) == 20:
                    break
            stream.close()  # the hub goes away: the call is cancelled with requests in flight
            # The hub resends everything it has no answer for, with the same keys.
            rest = [r for r in requests if r.idempotency_key not in answered]
            for answer in cn.submit_stream(rest, window=8, timeout=60):
                answered[answer.idempotency_key] = answer.result.message_id
            # And, not knowing, the first ones again: the same results.
            for answer in cn.submit_stream(requests[:20], window=8, timeout=60):
                assert answered[answer.idempotency_key] == answer.result.message_id
        assert len(answered) == 80 and len(set(answered.values())) == 80
        wait_for(lambda: _delivered(network, set(answered.values())), timeout=60)
        outbound = [m for m in network.apps["CN"].repository.list_messages(limit=500)]
        assert len(outbound) == 80


def _deliver_stream(network: Network, envelopes: list[Any]) -> list[ppb.DeliverStreamResponse]:
    """DeliverStream to HK as CN would call it (CN's TLS identity), outside CN's dispatcher."""
    from gateway._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc

    cn = network.apps["CN"]
    profile = cn.settings.partner("HK")
    stub: ppb_grpc.PartnerExchangeServiceStub = cn.transport.for_partner(profile)._stub(  # type: ignore[attr-defined]
        profile, cn.clock.now())
    call = stub.DeliverStream(iter([ppb.DeliverStreamRequest(envelope=e) for e in envelopes]), timeout=30)
    return list(call)


def test_deliver_stream_answers_duplicates_and_refusals_per_envelope(tmp_path: Path) -> None:
    from gateway.transports import codec

    with running_network(tmp_path, ("CN", "HK"), configure=_streaming) as network:
        with network.client("CN") as cn:
            answers = list(cn.submit_stream(_requests(3, "D"), window=4, timeout=30))
        ids = [a.result.message_id for a in answers]
        wait_for(lambda: _delivered(network, set(ids)), timeout=30)
        cn_repository = network.apps["CN"].repository
        envelopes = [codec.envelope_to_proto(cn_repository.get(i).envelope) for i in ids]
        tampered = pb.Envelope()
        tampered.CopyFrom(envelopes[1])
        tampered.payload = tampered.payload + b" "
        responses = _deliver_stream(network, [envelopes[0], tampered, envelopes[2], envelopes[0]])
        assert [r.message_id for r in responses] == [ids[0], ids[1], ids[2], ids[0]]
        first = cn_repository.get(ids[0]).receipt
        assert first is not None
        # A duplicate is answered with the stored receipt (re-signed or as stored, but for the same message).
        assert responses[0].receipt.receipt_id == responses[3].receipt.receipt_id == first.receipt_id
        assert responses[1].error.code == "DUPLICATE_CONFLICT"  # the id is known with other content
        assert responses[2].receipt.outcome == pb.RECEIPT_OUTCOME_ACCEPTED


def test_deliver_stream_is_refused_without_the_agreement(tmp_path: Path) -> None:
    def hk_only(party: str, data: dict[str, Any]) -> None:
        if party == "CN":
            _streaming(party, data)

    with running_network(tmp_path, ("CN", "HK"), configure=hk_only) as network:
        with pytest.raises(grpc.RpcError) as caught:
            _deliver_stream(network, [])
        assert caught.value.code() is grpc.StatusCode.FAILED_PRECONDITION
        from gateway.transports.status_map import error_from_status

        assert error_from_status(caught.value)[0] == "STREAMING_NOT_AGREED"
        # CN streams to HK, which refuses: the refusal is final, not retried for ever, and the unary path is not
        # silently used instead (the agreements differ: an operator must fix one of them).
        with network.client("CN") as cn:
            answer = next(cn.submit_stream(_requests(1, "N"), window=1, timeout=30))
        message_id = answer.result.message_id
        stored = wait_for(lambda: (m := network.apps["CN"].repository.get(message_id)).status
                          in (MessageStatus.FAILED, MessageStatus.RETRY_WAIT) and m)
        assert stored.last_error is not None and stored.last_error.code == "STREAMING_NOT_AGREED"


def test_client_error_type_is_exported() -> None:
    assert issubclass(ClientError, Exception)


def test_a_replacement_is_never_handed_over_before_its_original(tmp_path: Path) -> None:
    import json

    from gateway.core.domain import Action, BusinessKey

    original = json.loads(numbered_record(1, "O"))
    replacement = json.loads(numbered_record(1, "O"))
    replacement["certificate"].update(version=2, action="replace", replaces_number=original["certificate"]["number"])
    key = BusinessKey(original["certificate"]["issuer_code"], original["certificate"]["number"], 1)
    with running_network(tmp_path, ("CN", "HK"), configure=_streaming) as network:
        # The replacement first, on the same stream: it may well reach HK first.
        requests = [
            submit_request("HK", COO, json.dumps(replacement).encode(), action=Action.REPLACE, refers_to=key,
                           idempotency_key="O-2"),
            submit_request("HK", COO, json.dumps(original).encode(), idempotency_key="O-1"),
        ]
        with network.client("CN") as cn:
            answers = list(cn.submit_stream(requests, window=2, timeout=30))
        assert all(a.HasField("result") for a in answers), answers
        v2, v1 = (a.result.message_id for a in answers)
        wait_for(lambda: _delivered(network, {v1, v2}), timeout=30)
        with network.client("HK") as hk:
            handed = [d.message_id for d in hk.receive(max_documents=1, timeout=10)]
            handed += [d.message_id for d in hk.receive(max_documents=1, timeout=10)]
        assert handed == [v1, v2]
