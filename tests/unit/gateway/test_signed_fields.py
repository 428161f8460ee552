"""What envelope and receipt signatures cover, the signature format on the wire, and rows stored before JWS."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

import trust
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.adapters.persistence.rows import envelope_from_json, envelope_to_json
from gateway.core.domain import (
    LEGACY_SIGNATURE_FORMAT,
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
from gateway.core.errors import SignatureFormatUnsupported
from gateway.pipeline import signatures
from trust import devpki

AT = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _envelope(signature: Signature | None = None) -> Envelope:
    payload = b"<doc/>"
    return Envelope(
        message_id="m-1", business_key=BusinessKey("CN-GACC", "K1", 2), sender=PartyId("CN"),
        receiver=PartyId("HK"), document_type=DocumentType.CERTIFICATE_OF_ORIGIN, document_format="urn:x",
        action=Action.REPLACE, created_at=AT, payload=payload, payload_sha256=sha256_hex(payload),
        attachments=(Attachment("co.pdf", "application/pdf", b"%PDF"),), refers_to=BusinessKey("CN-GACC", "K1", 1),
        signature=signature,
    )


def _receipt(signature: Signature | None = None) -> Receipt:
    return Receipt(message_id="m-1", receipt_id="r-1", issuer=PartyId("HK"), outcome=ReceiptOutcome.REJECTED,
                   payload_sha256="ab" * 32, received_at=AT,
                   errors=(ErrorInfo("SIGNATURE_INVALID", "bad"),), signature=signature)


@pytest.fixture(scope="module")
def hk() -> tuple[trust.SigningIdentity, trust.PartnerTrust]:
    ca = devpki.create_ca("HK CA", at=AT - timedelta(days=1))
    signer = devpki.issue_certificate(ca, "HK signer", at=AT - timedelta(days=1), usage="signing")
    return signer.identity(), trust.PartnerTrust(partner="HK", anchors=(ca.certificate,))


def test_envelope_signed_fields() -> None:
    assert _envelope().header_fields() == {
        "message_id": "m-1",
        "business_key": {"issuer": "CN-GACC", "number": "K1", "version": 2},
        "sender": {"scheme": "urn:swgw:party", "value": "CN"},
        "receiver": {"scheme": "urn:swgw:party", "value": "HK"},
        "document_type": "DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN",
        "document_format": "urn:x",
        "action": "ACTION_REPLACE",
        "created_at": "2026-03-01T12:30:15.123456Z",
        "payload_sha256": sha256_hex(b"<doc/>"),
        "attachments": [{"name": "co.pdf", "media_type": "application/pdf", "sha256": sha256_hex(b"%PDF")}],
        "refers_to": {"issuer": "CN-GACC", "number": "K1", "version": 1},
    }
    assert dataclasses.replace(_envelope(), refers_to=None).header_fields()["refers_to"] is None
    assert dataclasses.replace(_envelope(), created_at=AT.replace(microsecond=0)).header_fields()["created_at"] == (
        "2026-03-01T12:30:15.000000Z")


@pytest.mark.parametrize(("created_at", "spelled"), [
    (datetime(2026, 3, 1, 20, 30, 15, 5, tzinfo=timezone(timedelta(hours=8))), "2026-03-01T12:30:15.000005Z"),
    (datetime(1000, 1, 1, tzinfo=UTC), "1000-01-01T00:00:00.000000Z"),
    (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "9999-12-31T23:59:59.999999Z"),
    # Years before 1000 keep the unpadded spelling the signed fields have always had.
    (datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC), "999-12-31T23:59:59.000000Z"),
    (datetime(1, 1, 1, tzinfo=UTC), "1-01-01T00:00:00.000000Z"),
])
def test_signed_time_spelling(created_at: datetime, spelled: str) -> None:
    assert dataclasses.replace(_envelope(), created_at=created_at).header_fields()["created_at"] == spelled


def test_receipt_signed_fields() -> None:
    assert _receipt().header_fields() == {
        "message_id": "m-1", "receipt_id": "r-1", "issuer": {"scheme": "urn:swgw:party", "value": "HK"},
        "outcome": "RECEIPT_OUTCOME_REJECTED", "payload_sha256": "ab" * 32,
        "received_at": "2026-03-01T12:30:15.123456Z",
        "errors": [{"code": "SIGNATURE_INVALID", "message": "bad", "field_path": ""}],
    }


def test_signed_enumerations_are_the_protobuf_names() -> None:
    # A partner copies the enum names from the wire; they must be exactly the proto's.
    for document_type in DocumentType:
        assert pb.DocumentType.Value(f"DOCUMENT_TYPE_{document_type.name}")
    for action in Action:
        assert pb.Action.Value(f"ACTION_{action.name}")
    for outcome in ReceiptOutcome:
        assert pb.ReceiptOutcome.Value(f"RECEIPT_OUTCOME_{outcome.name}")


def test_signed_envelope_and_receipt_verify(hk: tuple[trust.SigningIdentity, trust.PartnerTrust]) -> None:
    identity, material = hk
    envelope = signatures.sign_envelope(_envelope(), identity)
    assert envelope.signature is not None and envelope.signature.format == "jws-rfc7515+rfc8785/1"
    verified = signatures.verify_envelope_jws(envelope, partner_trust=material, now=AT, policy=trust.DEFAULT_POLICY)
    assert verified.payload == envelope.signed_header()
    receipt = signatures.sign_receipt(_receipt(), identity)
    signatures.verify_receipt_jws(receipt, issuer_trust=material, now=AT, policy=trust.DEFAULT_POLICY)
    # The media type is signed: relabelling an attachment breaks the signature.
    (pdf,) = envelope.attachments
    relabelled = dataclasses.replace(envelope, attachments=(dataclasses.replace(pdf, media_type="text/plain"),))
    with pytest.raises(trust.SignatureInvalid, match="attachments"):
        signatures.verify_envelope_jws(relabelled, partner_trust=material, now=AT, policy=trust.DEFAULT_POLICY)


def test_unknown_signature_format_is_refused(hk: tuple[trust.SigningIdentity, trust.PartnerTrust]) -> None:
    identity, material = hk
    envelope = signatures.sign_envelope(_envelope(), identity)
    assert envelope.signature is not None
    renamed = dataclasses.replace(envelope, signature=Signature(envelope.signature.value, format="jws/2"))
    with pytest.raises(SignatureFormatUnsupported) as caught:
        signatures.verify_envelope_jws(renamed, partner_trust=material, now=AT, policy=trust.DEFAULT_POLICY)
    assert (caught.value.code, caught.value.field_path) == ("SIGNATURE_FORMAT_UNSUPPORTED", "envelope.signature.format")


# Signatures as the pre-JWS code stored them (trust.detached: algorithm, base64 value, base64 DER certificates).
LEGACY = {"algorithm": "ecdsa-sha256", "value": base64.b64encode(b"sig").decode(),
          "certificates": [base64.b64encode(b"cert").decode()]}


def test_receipt_stored_before_jws_reads_and_writes_back_byte_for_byte() -> None:
    stored = json.dumps({
        "message_id": "m-1", "receipt_id": "r-1", "issuer": ["urn:swgw:party", "HK"], "outcome": "REJECTED",
        "payload_sha256": "ab" * 32, "received_at": AT.isoformat(), "errors": [{"code": "X", "message": "m"}],
        "signature": LEGACY,
    }, sort_keys=True)
    receipt = Receipt.from_json(stored)
    assert receipt.signature is not None and receipt.signature.format == LEGACY_SIGNATURE_FORMAT
    assert receipt.to_json() == stored


def test_legacy_receipt_is_signed_anew_when_replayed(hk: tuple[trust.SigningIdentity, trust.PartnerTrust]) -> None:
    identity, material = hk
    legacy = _receipt(Signature(json.dumps(LEGACY, sort_keys=True), format=LEGACY_SIGNATURE_FORMAT))
    replayed = signatures.replayable_receipt(legacy, identity)
    assert dataclasses.replace(replayed, signature=None) == dataclasses.replace(legacy, signature=None)
    signatures.verify_receipt_jws(replayed, issuer_trust=material, now=AT, policy=trust.DEFAULT_POLICY)
    # A JWS receipt is replayed as stored.
    current = signatures.sign_receipt(_receipt(), identity)
    assert signatures.replayable_receipt(current, identity) is current


def test_envelope_stored_before_jws_reads_and_writes_back() -> None:
    stored = envelope_to_json(_envelope(Signature("a.b.c")))
    data = json.loads(stored)
    assert data["signature"] == {"format": "jws-rfc7515+rfc8785/1", "jws": "a.b.c"}
    data["signature"] = LEGACY
    old = json.dumps(data, sort_keys=True, separators=(",", ":"))
    envelope = envelope_from_json(old, b"<doc/>", None)
    assert envelope.signature is not None and envelope.signature.format == LEGACY_SIGNATURE_FORMAT
    assert envelope_to_json(envelope) == old
