"""Protobuf ⇄ domain for the certificate ledger and verification inquiries (``swgw/v1/certificate_ledger.proto``).

Beside ``codec`` (envelopes, receipts, status) so that neither module outgrows its size; it uses codec's public
helpers for times, keys and enums.
"""

from __future__ import annotations

from typing import cast

from .._generated.swgw.v1 import certificate_ledger_pb2 as lpb
from .._generated.swgw.v1 import envelope_pb2 as pb
from ..core.domain import DEFAULT_PARTY_SCHEME, Action, BusinessKey, PartyId, Signature
from ..core.errors import GatewayError
from ..core.ledger import (
    AnsweredVersion,
    CertificateInquiry,
    CertificateLedger,
    CertificateStatus,
    InquiryAnswer,
    InquiryAnswerInvalid,
    InquiryInvalid,
    LedgerEntry,
)
from . import codec

__all__ = ["answer_from_proto", "answer_to_proto", "inquiry_from_proto", "inquiry_to_proto", "ledger_to_proto"]


def _status(value: CertificateStatus) -> lpb.CertificateStatus:
    return cast(lpb.CertificateStatus, lpb.CertificateStatus.Value(f"CERTIFICATE_STATUS_{value.value}"))


def _key(value: BusinessKey) -> pb.BusinessKey:
    return pb.BusinessKey(issuer=value.issuer, number=value.number, version=value.version)


def _action(value: Action) -> pb.Action:
    return cast(pb.Action, pb.Action.Value(f"ACTION_{value.name}"))


def _party(value: PartyId) -> pb.PartyId:
    return pb.PartyId(scheme=value.scheme, value=value.value)


def ledger_to_proto(ledger: CertificateLedger) -> lpb.CertificateLedger:
    """Wire form of a certificate's ledger."""
    message = lpb.CertificateLedger(certificate=pb.BusinessKey(issuer=ledger.issuer, number=ledger.number),
                                    status=_status(ledger.status))
    if ledger.current is not None:
        message.current.CopyFrom(_key(ledger.key(ledger.current)))
    for entry in ledger.entries:
        message.entries.append(_entry(entry))
    return message


def _entry(entry: LedgerEntry) -> lpb.LedgerEntry:
    message = lpb.LedgerEntry(
        version=entry.version, action=_action(entry.action),
        direction=cast(pb.Direction, pb.Direction.Value(f"DIRECTION_{entry.direction.name}")),
        partner=entry.partner, message_id=entry.message_id, status=codec.status_to_proto(entry.status),
        accepted=entry.accepted, payload_sha256=bytes.fromhex(entry.payload_sha256), by=entry.by,
        at=codec.timestamp(entry.at), receipt_id=entry.receipt_id or "",
    )
    if entry.refers_to is not None:
        message.refers_to.CopyFrom(_key(entry.refers_to))
    if entry.accepted_at is not None:
        message.accepted_at.CopyFrom(codec.timestamp(entry.accepted_at))
    return message


def inquiry_to_proto(inquiry: CertificateInquiry) -> lpb.CertificateInquiry:
    """Wire form of a question."""
    message = lpb.CertificateInquiry(inquiry_id=inquiry.inquiry_id)
    if inquiry.business_key is not None:
        message.business_key.CopyFrom(_key(inquiry.business_key))
    else:
        message.document_sha256 = bytes.fromhex(inquiry.document_sha256 or "")
    return message


def inquiry_from_proto(message: lpb.CertificateInquiry, field: str = "inquiry") -> CertificateInquiry:
    """Domain question; raises :class:`InquiryInvalid` naming the field (under ``field``)."""
    which = message.WhichOneof("subject")
    try:
        if which == "business_key":
            key = message.business_key
            return CertificateInquiry(inquiry_id=message.inquiry_id,
                                      business_key=BusinessKey(key.issuer, key.number, key.version))
        if which == "document_sha256":
            if len(message.document_sha256) != 32:
                raise InquiryInvalid("document_sha256 must be 32 bytes", field_path="document_sha256")
            return CertificateInquiry(inquiry_id=message.inquiry_id, document_sha256=message.document_sha256.hex())
        raise InquiryInvalid("give either business_key or document_sha256", field_path="subject")
    except InquiryInvalid as e:
        raise InquiryInvalid(e.message, field_path=f"{field}.{e.field_path}") from e


def answer_to_proto(answer: InquiryAnswer) -> lpb.InquiryAnswer:
    """Wire form of an answer."""
    message = lpb.InquiryAnswer(
        inquiry_id=answer.inquiry_id, answerer=_party(answer.answerer), asker=_party(answer.asker),
        inquiry=inquiry_to_proto(answer.inquiry), status=_status(answer.status),
        answered_at=codec.timestamp(answer.answered_at),
        history=[lpb.AnsweredVersion(version=v.version, action=_action(v.action),
                                     payload_sha256=bytes.fromhex(v.payload_sha256),
                                     accepted_at=codec.timestamp(v.accepted_at)) for v in answer.history],
    )
    if answer.certificate is not None:
        message.certificate.CopyFrom(_key(answer.certificate))
    if answer.current is not None:
        message.current.CopyFrom(_key(answer.current))
    if answer.signature is not None:
        message.signature.CopyFrom(pb.Signature(format=answer.signature.format, jws=answer.signature.value))
    return message


def answer_from_proto(message: lpb.InquiryAnswer) -> InquiryAnswer:
    """Domain answer as received; raises :class:`InquiryAnswerInvalid` when it cannot be read."""
    try:
        status = CertificateStatus(lpb.CertificateStatus.Name(message.status).removeprefix("CERTIFICATE_STATUS_"))
        if not message.answerer.value or not message.asker.value:
            raise InquiryAnswerInvalid("answerer and asker are required", field_path="answer.answerer")
        return InquiryAnswer(
            inquiry_id=message.inquiry_id,
            answerer=PartyId(message.answerer.value, message.answerer.scheme or DEFAULT_PARTY_SCHEME),
            asker=PartyId(message.asker.value, message.asker.scheme or DEFAULT_PARTY_SCHEME),
            inquiry=inquiry_from_proto(message.inquiry, "answer.inquiry"), status=status,
            certificate=_key_from(message, "certificate"), current=_key_from(message, "current"),
            history=tuple(
                AnsweredVersion(version=v.version, action=codec.action_from_proto(v.action, "answer.history.action"),
                                payload_sha256=v.payload_sha256.hex(),
                                accepted_at=codec.from_timestamp(v.accepted_at, "answer.history.accepted_at"))
                for v in message.history),
            answered_at=codec.from_timestamp(message.answered_at, "answer.answered_at"),
            signature=Signature(format=message.signature.format, value=message.signature.jws)
            if message.HasField("signature") else None,
        )
    except InquiryAnswerInvalid:
        raise
    except (GatewayError, ValueError) as e:
        raise InquiryAnswerInvalid(f"unreadable answer: {e}", field_path="answer") from e


def _key_from(message: lpb.InquiryAnswer, field: str) -> BusinessKey | None:
    if not message.HasField(field):
        return None
    key: pb.BusinessKey = getattr(message, field)
    return BusinessKey(key.issuer, key.number, key.version)
