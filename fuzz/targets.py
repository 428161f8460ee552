"""The harnesses: one per parser that faces a stranger, each calling what the gateway calls, in the same order.

Every harness takes raw bytes, as they arrive from a partner, a domestic client, an operator or a file. Everything
a harness calls is imported here, at the top, so that ``fuzz/run.py`` instruments it for coverage.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import PurePath

from google.protobuf.message import DecodeError

import mappings
import trust
from gateway._generated.swgw.v1 import certificate_ledger_pb2 as lpb
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.retry import next_attempt
from gateway.core.errors import ConfigInvalid, GatewayError, RequestMalformed
from gateway.pipeline import signatures, steps
from gateway.core.settings import parse_settings_toml
from gateway.transports import codec, ledger_codec

from fuzz.property import Target, is_stable_code
from fuzz.seeds import (AT, INTERCHANGE, PKI, codec_seeds, crl_seeds, edifact_seeds, inquiry_seeds, record_seeds,
                        reverse_seeds, settings_seeds, xml_seeds)

__all__ = ["TARGETS", "target"]

EDIFACT_PROFILE = "manifest-cuscar-d96b"



def _undecodable(message_type: str, error: DecodeError) -> RequestMalformed:
    # What the servers' RequestDecodingInterceptor answers for bytes that are not the RPC's message (every RPC is
    # tested so on real servers in tests/integration/test_bad_requests.py).
    return RequestMalformed(f"not a valid {message_type}: {error}", field_path="request")


def _record(data: bytes) -> None:
    # What Submit and Validate do with a record: the gateway's parse, the business key (for every document type,
    # since the record's own type comes from elsewhere), then the forward mapping of every profile.
    record = steps.parse_record(data)
    # The CLI's parser; both must refuse what either refuses (results are not compared: NaN != NaN).
    mappings.parse_record(data)
    for document_type in mappings.DOCUMENT_TYPES:
        mappings.validate_record(document_type, record)
        try:
            mappings.business_key(document_type, record)
        except mappings.RecordInvalid:
            pass
    for profile in mappings.list_profiles():
        try:
            mappings.map_forward(record, profile.id, interchange=INTERCHANGE)
        except mappings.MappingError as e:
            # Refusals by one profile must not hide what the next profile does with the record.
            if not is_stable_code(e.code):
                raise


def _xml(data: bytes) -> None:
    # The inbound path: hardened parse, then verification against the partner's trust at a fixed time.
    trust.parse_xml(data)
    verified = trust.verify_xml(data, trust=PKI.partner, at=AT)
    assert verified.signed_xml, "a verified document with no signed bytes"


def _reverse(profile_id: str, data: bytes) -> None:
    mappings.map_reverse(data, profile_id)


def _crl(data: bytes) -> None:
    info = trust.load_crl(data, issuers=[PKI.ca.certificate])
    # What the trust book does next with an imported CRL: a partner trust holding it, consulted for a signer.
    partner = trust.PartnerTrust(partner="FUZZ", anchors=(PKI.ca.certificate,), crls=(info,))
    trust.validate_path(PKI.signer.certificate, [], trust=partner, at=AT, purpose="signing")


def _envelope(data: bytes) -> None:
    try:
        message = pb.Envelope.FromString(data)
    except DecodeError as e:
        raise _undecodable("swgw.v1.Envelope", e) from e
    envelope = codec.envelope_from_proto(message)
    # The next step of Deliver: the envelope's JWS over its fields, against the partner's trust.
    signatures.verify_envelope_jws(envelope, partner_trust=PKI.partner, now=AT, policy=trust.DEFAULT_POLICY)


def _receipt(data: bytes) -> None:
    try:
        message = pb.Receipt.FromString(data)
    except DecodeError as e:
        raise _undecodable("swgw.v1.Receipt", e) from e
    receipt = codec.receipt_from_proto(message)
    # What the dispatcher does next with a partner's receipt: its JWS, against the partner's trust.
    signatures.verify_receipt_jws(receipt, issuer_trust=PKI.partner, now=AT, policy=trust.DEFAULT_POLICY)


def _inquiry(data: bytes) -> None:
    # What InquireCertificate decodes from a partner before it reads the ledger.
    try:
        message = lpb.InquireCertificateRequest.FromString(data)
    except DecodeError as e:
        raise _undecodable("swgw.v1.InquireCertificateRequest", e) from e
    ledger_codec.inquiry_from_proto(message.inquiry)


def _inquiry_answer(data: bytes) -> None:
    try:
        message = lpb.InquireCertificateResponse.FromString(data)
    except DecodeError as e:
        raise _undecodable("swgw.v1.InquireCertificateResponse", e) from e
    answer = ledger_codec.answer_from_proto(message.answer)
    # What CertificateLedgers.ask does next with a partner's answer: its JWS, against the partner's trust.
    signatures.verify_inquiry_answer_jws(answer, answerer_trust=PKI.partner, now=AT, policy=trust.DEFAULT_POLICY)


def _settings(data: bytes) -> None:
    settings = parse_settings_toml(data, PurePath("/etc/swgw"))
    # What the dispatcher later computes from each agreement: the retry schedule, over the whole exponent range.
    for partner in settings.partners:
        for attempts in (1, 2, 3, 10, 65, 100):
            next_attempt(partner.retry, attempts, AT, AT, 0.5)


# Decoding refuses with GatewayError; the signature check after it with TrustError (the pipeline wraps those into
# ENVELOPE_SIGNATURE_INVALID / RECEIPT_INVALID, keeping the cause).
_CODEC_REFUSALS: tuple[type[Exception], ...] = (GatewayError, trust.TrustError)


def _reverse_target(profile_id: str) -> Target:
    seeds: Callable[[], list[tuple[str, bytes]]] = partial(reverse_seeds, profile_id)
    return Target(f"reverse-{profile_id}", partial(_reverse, profile_id), (mappings.MappingError,), seeds)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("record-json", _record, (mappings.MappingError, GatewayError), record_seeds),
        Target("xml-verify", _xml, (trust.TrustError,), xml_seeds),
        *(_reverse_target(p.id) for p in mappings.list_profiles() if p.id != EDIFACT_PROFILE),
        Target("edifact-cuscar", partial(_reverse, EDIFACT_PROFILE), (mappings.MappingError,), edifact_seeds),
        Target("codec-envelope", _envelope, _CODEC_REFUSALS, partial(codec_seeds, "envelope")),
        Target("codec-receipt", _receipt, _CODEC_REFUSALS, partial(codec_seeds, "receipt")),
        Target("codec-inquiry", _inquiry, (GatewayError,), partial(inquiry_seeds, "inquiry")),
        Target("codec-inquiry-answer", _inquiry_answer, _CODEC_REFUSALS, partial(inquiry_seeds, "answer")),
        Target("crl-import", _crl, (trust.TrustError,), crl_seeds),
        Target("settings-toml", _settings, (ConfigInvalid,), settings_seeds),
    )
}
"""Every harness by name."""


def target(name: str) -> Target:
    """The harness ``name``; raises KeyError naming the known ones."""
    try:
        return TARGETS[name]
    except KeyError:
        raise KeyError(f"no fuzz target {name!r}; known: {', '.join(TARGETS)}") from None
