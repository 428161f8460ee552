"""Proto <-> domain round trips, and the one error -> gRPC status table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.core.domain import (
    Action,
    Attachment,
    BusinessKey,
    DocumentType,
    Envelope,
    ErrorInfo,
    PartyId,
    Receipt,
    ReceiptOutcome,
    Signature,
    sha256_hex,
)
from gateway.core.errors import EnvelopeInvalid, PayloadDigestMismatch
from gateway.transports import codec
from gateway.transports.status_map import status_for

AT = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
SIG = Signature("header.payload.signature")


def _envelope() -> Envelope:
    payload = b"<doc/>"
    return Envelope(
        message_id="m-1", business_key=BusinessKey("CN-GACC", "K1", 2), sender=PartyId("CN"),
        receiver=PartyId("HK"), document_type=DocumentType.CERTIFICATE_OF_ORIGIN, document_format="urn:x",
        action=Action.REPLACE, created_at=AT, payload=payload, payload_sha256=sha256_hex(payload),
        attachments=(Attachment("co.pdf", "application/pdf", b"%PDF"),), refers_to=BusinessKey("CN-GACC", "K1", 1),
        signature=SIG,
    )


def test_envelope_round_trip_keeps_every_field_and_the_signed_header() -> None:
    envelope = _envelope()
    back = codec.envelope_from_proto(codec.envelope_to_proto(envelope))
    assert back == envelope
    assert back.signed_header() == envelope.signed_header()


def test_receipt_round_trip_and_json_storage() -> None:
    receipt = Receipt(message_id="m-1", receipt_id="r-1", issuer=PartyId("HK"), outcome=ReceiptOutcome.REJECTED,
                      payload_sha256="ab" * 32, received_at=AT,
                      errors=(ErrorInfo("SIGNATURE_INVALID", "bad", "envelope.payload"),), signature=SIG)
    assert codec.receipt_from_proto(codec.receipt_to_proto(receipt)) == receipt
    assert Receipt.from_json(receipt.to_json()) == receipt


@pytest.mark.parametrize(("field", "value", "path"), [
    ("message_id", "", "envelope.message_id"),
    ("payload_sha256", b"short", "envelope.payload_sha256"),
    ("document_type", 0, "envelope.document_type"),
])
def test_missing_envelope_fields_name_the_path(field: str, value: object, path: str) -> None:
    message = codec.envelope_to_proto(_envelope())
    setattr(message, field, value)
    with pytest.raises(EnvelopeInvalid) as caught:
        codec.envelope_from_proto(message)
    assert caught.value.field_path == path


def test_attachment_digest_is_checked() -> None:
    message = codec.envelope_to_proto(_envelope())
    message.attachments[0].content = b"%PDF-altered"
    with pytest.raises(PayloadDigestMismatch):
        codec.envelope_from_proto(message)


@pytest.mark.parametrize(("code", "status"), [
    ("PARTNER_UNAUTHENTICATED", grpc.StatusCode.UNAUTHENTICATED),
    ("PAYLOAD_TOO_LARGE", grpc.StatusCode.RESOURCE_EXHAUSTED),
    ("SIGNATURE_INVALID", grpc.StatusCode.PERMISSION_DENIED),
    ("RECORD_INVALID", grpc.StatusCode.INVALID_ARGUMENT),
    ("MESSAGE_NOT_FOUND", grpc.StatusCode.NOT_FOUND),
    ("DUPLICATE_CONFLICT", grpc.StatusCode.ALREADY_EXISTS),
])
def test_status_table(code: str, status: grpc.StatusCode) -> None:
    assert status_for(code) is status


@pytest.mark.parametrize("value", [
    datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
    datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2025, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=8))),
    datetime(2025, 3, 1, 12, 0, 0, 1, tzinfo=timezone(-timedelta(hours=3, microseconds=7))),
])
def test_timestamps_are_what_protobuf_makes_of_the_datetime(value: datetime) -> None:
    expected = Timestamp()
    expected.FromDatetime(value.astimezone(UTC))
    assert codec.timestamp(value) == expected
    assert codec.from_timestamp(codec.timestamp(value)) == value
