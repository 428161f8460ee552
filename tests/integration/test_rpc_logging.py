"""Per-call logging on the gateway's gRPC servers: one DEBUG line when a call ends, nothing at other levels."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.app import create_server


@pytest.fixture
def health() -> Iterator[health_pb2_grpc.HealthStub]:
    """A server with only health checking and reflection, built as the gateway builds its servers."""
    server, port = create_server("127.0.0.1:0", [], credentials=None, max_message_bytes=1 << 20, workers=2)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield health_pb2_grpc.HealthStub(channel)
    finally:
        channel.close()
        server.stop(None)


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "swgw.rpc"]


def test_each_call_logs_request_id_method_status_and_duration(
    health: health_pb2_grpc.HealthStub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="swgw.rpc")
    health.Check(health_pb2.HealthCheckRequest(), metadata=(("x-request-id", "req-ok"),), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"),
                     metadata=(("x-request-id", "req-missing"),), timeout=5)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    lines = _lines(caplog)
    assert any(line.startswith("rpc req-ok /grpc.health.v1.Health/Check OK in ") and line.endswith(" ms")
               for line in lines), lines
    assert any(line.startswith("rpc req-missing /grpc.health.v1.Health/Check NOT_FOUND in ") for line in lines), lines


def test_nothing_is_logged_above_debug(health: health_pb2_grpc.HealthStub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="swgw.rpc")
    health.Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert _lines(caplog) == []
