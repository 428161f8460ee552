"""Errors always arrive: what travels in trailers is bounded, and clients read any failed call without raising."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, status_pb2

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.errors import DocumentRejected, EnvelopeInvalid
from gateway.transports import codec
from gateway.transports.status_map import TRAILER_FINDINGS, _status, error_from_status
from mappings import Finding, Severity, ValidationReport

# What a gRPC client accepts in trailers by default (grpc.max_metadata_size).
CLIENT_METADATA_LIMIT = 8 * 1024


class FakeCallError(grpc.RpcError):
    """The shapes a failed call takes on the client side (grpc's _InactiveRpcError has these methods)."""

    def __init__(self, code: grpc.StatusCode | None, details: str | None,
                 trailers: Sequence[tuple[str, bytes | str]] | None = None) -> None:
        super().__init__()
        self._code, self._details, self._trailers = code, details, trailers

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def details(self) -> str | None:
        return self._details

    def trailing_metadata(self) -> Sequence[tuple[str, bytes | str]] | None:
        return self._trailers


def _detail_trailer(code: int, detail: pb.ErrorDetail) -> list[tuple[str, bytes]]:
    packed = any_pb2.Any()
    packed.Pack(detail)
    status = status_pb2.Status(code=code, message="whatever", details=[packed])
    return [("grpc-status-details-bin", status.SerializeToString())]


def test_the_error_detail_is_read_when_present() -> None:
    trailers = _detail_trailer(code_pb2.INVALID_ARGUMENT,
                               pb.ErrorDetail(code="RECORD_INVALID", message="bad\nunit", field_path="$.a"))
    error = FakeCallError(grpc.StatusCode.INVALID_ARGUMENT, "RECORD_INVALID: bad", trailers)
    assert error_from_status(error) == ("RECORD_INVALID", "bad unit", "$.a")


@pytest.mark.parametrize(("error", "expected"), [
    # Refused at the TLS handshake, or nobody listening: no status details at all.
    (FakeCallError(grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses;\n last error: handshake"),
     ("UNAVAILABLE", "failed to connect to all addresses; last error: handshake", "")),
    (FakeCallError(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded", []),
     ("DEADLINE_EXCEEDED", "Deadline Exceeded", "")),
    # Trailers over the client's metadata limit are dropped, code and all.
    (FakeCallError(grpc.StatusCode.RESOURCE_EXHAUSTED, "Stream removed", None),
     ("RESOURCE_EXHAUSTED", "Stream removed", "")),
    # Garbage where the status should be.
    (FakeCallError(grpc.StatusCode.INTERNAL, "", [("grpc-status-details-bin", b"\xff\x00garbage")]),
     ("INTERNAL", "no details", "")),
    # A status whose code differs from the call's (a proxy rewrote it): rpc_status.from_call raised ValueError.
    (FakeCallError(grpc.StatusCode.RESOURCE_EXHAUSTED, "Stream removed",
                   _detail_trailer(code_pb2.INVALID_ARGUMENT, pb.ErrorDetail(code="RECORD_INVALID"))),
     ("RECORD_INVALID", "", "")),
    # Details that hold no ErrorDetail.
    (FakeCallError(grpc.StatusCode.NOT_FOUND, "nope",
                   [("grpc-status-details-bin", status_pb2.Status(code=5, message="nope").SerializeToString())]),
     ("NOT_FOUND", "nope", "")),
    (FakeCallError(None, None, None), ("UNKNOWN", "no details", "")),
])
def test_any_failed_call_becomes_one_readable_line(error: FakeCallError, expected: tuple[str, str, str]) -> None:
    assert error_from_status(error) == expected


def test_an_rpc_error_without_call_methods() -> None:
    class Bare(grpc.RpcError):
        def __str__(self) -> str:
            return "bare failure"

    assert error_from_status(Bare()) == ("UNKNOWN", "bare failure", "")


def _trailer_bytes(status: grpc.Status) -> int:
    """Bytes the status takes in HTTP/2 trailers: binary values travel base64-encoded."""
    # grpc-message is percent-encoded: up to three characters per byte.
    size = len("grpc-status") + 2 + len("grpc-message") + len(status.details.encode("utf-8")) * 3
    for key, value in status.trailing_metadata:
        raw = value if isinstance(value, bytes) else value.encode()
        size += len(key) + (len(base64.b64encode(raw)) if key.endswith("-bin") else len(raw))
    return size


def _report(count: int, text: str) -> ValidationReport:
    return ValidationReport(tuple(
        Finding(Severity.ERROR, "CODE_UNKNOWN", f"$.goods_items[{i}].quantity_unit_{text}", f"unit {text} unknown")
        for i in range(count)))


@pytest.mark.parametrize("text", ["X" * 2_000, "单位" * 1_000])
def test_a_large_report_is_cut_to_the_first_findings_with_the_total(text: str) -> None:
    error = DocumentRejected("record breaks the catalog: " + text, code="RECORD_INVALID",
                             field_path="$.goods_items[0]." + text, report=_report(100, text))
    status = _status(error)
    assert status is not None
    assert status.code is grpc.StatusCode.INVALID_ARGUMENT
    assert status.details.startswith("RECORD_INVALID: ")
    assert "100 findings" in status.details and "Validate returns the full report" in status.details
    assert _trailer_bytes(status) < CLIENT_METADATA_LIMIT * 5 // 8
    detail = error_from_status(FakeCallError(status.code, status.details, status.trailing_metadata))
    assert detail[0] == "RECORD_INVALID"
    packed = status_pb2.Status.FromString(dict(status.trailing_metadata)["grpc-status-details-bin"])
    info = pb.ErrorDetail()
    assert packed.details[0].Unpack(info)
    assert info.code == "RECORD_INVALID" and len(info.report.findings) == TRAILER_FINDINGS
    assert info.report.findings_total == 100 and not info.report.ok
    assert info.report.findings[0].path.startswith("$.goods_items[0].")


def test_a_small_error_travels_whole() -> None:
    status = _status(EnvelopeInvalid("receiver is required", field_path="receiver"))
    assert status is not None and status.details == "ENVELOPE_INVALID: receiver is required"


def test_the_full_report_is_not_cut() -> None:
    report = codec.report_to_proto(_report(100, "X" * 300).to_dict())
    assert len(report.findings) == report.findings_total == 100
    assert report.findings[99].message.endswith("X unknown")


@pytest.mark.parametrize(("code", "retryable"), [("PAYLOAD_TOO_LARGE", False), (None, True)])
def test_an_oversized_envelope_is_not_retried_but_overload_is(code: str | None, retryable: bool) -> None:
    from gateway.adapters.partners.grpc_client import GrpcPartnerTransport

    trailers = _detail_trailer(code_pb2.RESOURCE_EXHAUSTED, pb.ErrorDetail(code=code)) if code else []
    error = FakeCallError(grpc.StatusCode.RESOURCE_EXHAUSTED, f"{code or 'overloaded'}", trailers)
    partner = type("Partner", (), {"name": "HK"})()
    failure = GrpcPartnerTransport._failure(partner, error)
    assert failure.retryable is retryable
