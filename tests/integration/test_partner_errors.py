"""Bad input from a partner gets a stable error code, nothing accepted is lost, and the server keeps serving.

Each case builds a valid signed envelope as CN would, spoils it in one way, and delivers it to HK's partner port
over mutual TLS with CN's certificate. Expected outcomes are data: a gRPC error with an ErrorDetail code, or a
signed REJECTED receipt carrying the code.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import grpc
from cryptography import x509
import pytest

import mappings
import trust
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway._generated.swgw.v1 import partner_exchange_pb2 as ppb
from gateway._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
from gateway.adapters.coo_pdf import render_certificate_pdf
from gateway.core.domain import Attachment, BusinessKey, DocumentType, Envelope, PartyId, Signature, sha256_hex
from gateway.pipeline import signatures, steps
from gateway.tools.cli import load_settings
from gateway.transports import codec
from gateway.transports.status_map import error_from_status
from tests.integration.network import Network, example, record_bytes, running_network
from trust import devpki

MAX_PAYLOAD = 150_000


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Network:
    def limit(party: str, data: dict) -> None:  # type: ignore[type-arg]
        if party == "HK":
            for partner in data["partners"]:
                partner["max_payload_bytes"] = MAX_PAYLOAD
    with running_network(tmp_path_factory.mktemp("net"), ("CN", "HK"), configure=limit) as net:
        yield net  # type: ignore[misc]


class Sender:
    """Plays CN's gateway by hand, so that envelopes can be spoiled before they leave."""

    def __init__(self, network: Network) -> None:
        settings = load_settings(network.files["CN"].config)
        folder = network.files["CN"].folder / "keys"
        self.identity = trust.SigningIdentity.from_pem(
            (folder / "signing.key.pem").read_bytes(), (folder / "signing.cert.pem").read_bytes(),
            (folder / "ca.cert.pem").read_bytes())
        self.profile = settings.partner("HK")
        self.port = network.apps["HK"].partner_port
        self.tls = ((folder / "tls.key.pem").read_bytes(), (folder / "tls.cert.pem").read_bytes())
        self.hk_ca = (network.files["HK"].folder / "keys" / "ca.cert.pem").read_bytes()

    def envelope(self, name: str = "coo-cn-hk", **changes: object) -> Envelope:
        record = example(name)
        # A fresh certificate number per envelope keeps business keys apart between cases.
        record["certificate"]["number"] = f"T{uuid.uuid4().hex[:12].upper()}"
        prepared = steps.prepare_outbound(
            steps.SubmitCommand(receiver="HK", document_type=DocumentType.CERTIFICATE_OF_ORIGIN,
                                action=steps.Action.ISSUE, record_json=record_bytes(record)),
            sender=PartyId("CN"), profile=self.profile, identity=self.identity,
            message_id=str(uuid.uuid4()), created_at=datetime.now(UTC), render_pdf=render_certificate_pdf,
        )
        return dataclasses.replace(prepared.envelope, **changes)  # type: ignore[arg-type]

    def resign(self, envelope: Envelope, identity: trust.SigningIdentity | None = None) -> Envelope:
        return signatures.sign_envelope(envelope, identity or self.identity)

    def with_payload(self, envelope: Envelope, payload: bytes) -> Envelope:
        return self.resign(dataclasses.replace(envelope, payload=payload, payload_sha256=sha256_hex(payload)))

    def deliver(self, envelope: Envelope, tls: tuple[bytes, bytes] | None = None) -> pb.Receipt:
        key, cert = tls or self.tls
        credentials = grpc.ssl_channel_credentials(root_certificates=self.hk_ca, private_key=key,
                                                   certificate_chain=cert)
        with grpc.secure_channel(f"127.0.0.1:{self.port}", credentials,
                                 options=[("grpc.ssl_target_name_override", "hk.gateway.test")]) as channel:
            stub = ppb_grpc.PartnerExchangeServiceStub(channel)
            return stub.Deliver(ppb.DeliverRequest(envelope=codec.envelope_to_proto(envelope)), timeout=10).receipt


@pytest.fixture(scope="module")
def sender(network: Network) -> Sender:
    return Sender(network)


def _tampered_document(s: Sender) -> Envelope:
    envelope = s.envelope()
    spoiled = envelope.payload.replace(b"</cbc:Description>", b" (altered)</cbc:Description>", 1)
    assert spoiled != envelope.payload
    return s.with_payload(envelope, spoiled)


def _foreign_signer(s: Sender) -> Envelope:
    now = datetime.now(UTC)
    rogue_ca = devpki.create_ca("Rogue CA", at=now)
    rogue = devpki.issue_certificate(rogue_ca, "Rogue Signer", at=now, usage="signing").identity()
    envelope = s.envelope()
    unsigned = mappings.map_forward(example("coo-cn-hk") | {
        "certificate": example("coo-cn-hk")["certificate"] | {"number": envelope.business_key.number}
    }, s.profile.mapping_profile(DocumentType.CERTIFICATE_OF_ORIGIN)).document
    return s.with_payload(envelope, trust.sign_xml(unsigned, rogue, placement=trust.SignaturePlacement.UBL_EXTENSION))


def _signature_moved_to_the_root(s: Sender) -> Envelope:
    """The UBL signature taken out of its extension block and put under the root: the digest still matches (the
    enveloped transform drops the signature wherever it is), the place is wrong."""
    from lxml import etree

    envelope = s.envelope()
    root = etree.fromstring(envelope.payload)
    [signature] = root.findall(".//{http://www.w3.org/2000/09/xmldsig#}Signature")
    root.append(signature)
    return s.with_payload(envelope, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _signed_at_the_root(s: Sender) -> Envelope:
    """A valid signature by CN's own key, in the generic enveloped place the UBL agreement does not use."""
    envelope = s.envelope()
    record = mappings.load_example("coo-cn-hk")
    record["certificate"]["number"] = envelope.business_key.number
    unsigned = mappings.map_forward(record, "coo-ubl24-cepa-hk").document
    return s.with_payload(envelope, trust.sign_xml(unsigned, s.identity))


def _tampered_pdf(s: Sender) -> Envelope:
    from gateway.core.domain import Attachment

    now = datetime.now(UTC)
    signed = trust.sign_pdf(render_certificate_pdf(example("coo-cn-hk"), created_at=now),
                            s.identity, at=now)
    spoiled = signed.replace(b"Certificate of origin", b"Certificate of ORIGIN", 1)
    assert spoiled != signed
    envelope = s.envelope()
    return s.resign(dataclasses.replace(envelope, attachments=(Attachment("co.pdf", "application/pdf", spoiled),)))


def _expired_certificate(s: Sender) -> Envelope:
    """A certificate issued 200 days ago: CEPA certificates are valid for 120 days, so HK refuses it on receipt."""
    from datetime import date

    envelope = s.envelope()
    record = mappings.load_example("coo-cn-hk", issued_on=date.today() - timedelta(days=200))
    record["certificate"]["number"] = envelope.business_key.number
    # Mapped without a time, as a sender that does not check validity would.
    unsigned = mappings.map_forward(record, "coo-ubl24-cepa-hk").document
    signed, _ = signatures.sign_document(unsigned, "ubl-extension", s.identity)
    return s.with_payload(envelope, signed)


def _mislabelled_pdf(s: Sender) -> Envelope:
    """A tampered signed PDF declared as plain bytes: the content, not the label, decides that it is checked."""
    envelope = _tampered_pdf(s)
    (pdf,) = envelope.attachments
    return s.resign(dataclasses.replace(
        envelope, attachments=(dataclasses.replace(pdf, name="scan.bin", media_type="application/octet-stream"),)))


def _format_confusion(s: Sender) -> Envelope:
    """An unsigned UBL certificate declared as EDIFACT CUSCAR, a format with no document signature."""
    cuscar = mappings.get_profile("manifest-cuscar-d96b").format
    unsigned = mappings.map_forward(example("coo-cn-hk"), "coo-ubl24-cepa-hk").document
    return s.with_payload(dataclasses.replace(s.envelope(), document_format=cuscar), unsigned)


def _media_type_changed(s: Sender) -> Envelope:
    """An attachment relabelled after signing: its media type is signed (since the JWS format) like its digest."""
    signed = s.resign(dataclasses.replace(s.envelope(), attachments=(Attachment("note.txt", "text/plain", b"hi"),)))
    (note,) = signed.attachments
    return dataclasses.replace(signed, attachments=(dataclasses.replace(note, media_type="text/html"),))


def _alg_none(s: Sender) -> Envelope:
    """An unsecured JWS (alg "none") over the envelope's own fields, with CN's trusted chain in x5c."""
    envelope = s.envelope()
    assert envelope.signature is not None
    header = json.loads(base64.urlsafe_b64decode(envelope.signature.value.split(".")[0] + "=="))
    header["alg"] = "none"
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    payload = envelope.signature.value.split(".")[1]
    return dataclasses.replace(envelope, signature=Signature(f"{encoded}.{payload}."))


HOSTILE = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n'
           b"<CertificateOfOrigin>&lol2;</CertificateOfOrigin>")

# name -> (build the envelope, expected gRPC status or None for a receipt, expected stable code)
CASES: dict[str, tuple[Callable[[Sender], Envelope], grpc.StatusCode | None, str]] = {
    "payload-digest-mismatch": (
        lambda s: s.resign(dataclasses.replace(s.envelope(), payload_sha256="00" * 32)),
        grpc.StatusCode.INVALID_ARGUMENT, "PAYLOAD_DIGEST_MISMATCH"),
    "envelope-signature-invalid": (
        lambda s: dataclasses.replace(s.envelope(), business_key=BusinessKey("CN-GACC-5300", "FORGED", 1)),
        grpc.StatusCode.PERMISSION_DENIED, "ENVELOPE_SIGNATURE_INVALID"),
    "envelope-unsigned": (
        lambda s: dataclasses.replace(s.envelope(), signature=None),
        grpc.StatusCode.PERMISSION_DENIED, "ENVELOPE_SIGNATURE_INVALID"),
    "envelope-signed-by-stranger": (
        lambda s: s.resign(s.envelope(), devpki.issue_certificate(
            devpki.create_ca("Stranger CA", at=datetime.now(UTC)), "Stranger", at=datetime.now(UTC),
            usage="signing").identity()),
        grpc.StatusCode.PERMISSION_DENIED, "ENVELOPE_SIGNATURE_INVALID"),
    "envelope-signature-format-unknown": (
        lambda s: dataclasses.replace(s.envelope(), signature=Signature("e30.e30.AA", format="swgw-detached/0")),
        grpc.StatusCode.INVALID_ARGUMENT, "SIGNATURE_FORMAT_UNSUPPORTED"),
    "envelope-alg-none": (_alg_none, grpc.StatusCode.PERMISSION_DENIED, "ENVELOPE_SIGNATURE_INVALID"),
    "attachment-media-type-changed": (
        _media_type_changed, grpc.StatusCode.PERMISSION_DENIED, "ENVELOPE_SIGNATURE_INVALID"),
    "document-type-not-agreed": (
        lambda s: s.resign(dataclasses.replace(s.envelope(), document_type=DocumentType.SPS_CERTIFICATE)),
        grpc.StatusCode.PERMISSION_DENIED, "DOCUMENT_TYPE_NOT_AGREED"),
    "sender-mismatch": (
        lambda s: s.resign(dataclasses.replace(s.envelope(), sender=PartyId("MO"))),
        grpc.StatusCode.PERMISSION_DENIED, "SENDER_MISMATCH"),
    "wrong-receiver": (
        lambda s: s.resign(dataclasses.replace(s.envelope(), receiver=PartyId("SG"))),
        grpc.StatusCode.PERMISSION_DENIED, "SENDER_MISMATCH"),
    "stale": (
        lambda s: s.resign(dataclasses.replace(s.envelope(), created_at=datetime.now(UTC) - timedelta(days=30))),
        grpc.StatusCode.FAILED_PRECONDITION, "MESSAGE_STALE"),
    "from-the-future": (
        lambda s: s.resign(dataclasses.replace(s.envelope(), created_at=datetime.now(UTC) + timedelta(hours=1))),
        grpc.StatusCode.FAILED_PRECONDITION, "MESSAGE_STALE"),
    "oversized": (
        lambda s: s.with_payload(s.envelope(), b"<x>" + b"a" * MAX_PAYLOAD + b"</x>"),
        grpc.StatusCode.RESOURCE_EXHAUSTED, "PAYLOAD_TOO_LARGE"),
    "document-tampered": (_tampered_document, None, "SIGNATURE_INVALID"),
    "document-signer-untrusted": (_foreign_signer, None, "CERTIFICATE_UNTRUSTED"),
    "document-hostile-xml": (lambda s: s.with_payload(s.envelope(), HOSTILE), None, "XML_HOSTILE"),
    "document-malformed-xml": (lambda s: s.with_payload(s.envelope(), b"<CertificateOfOrigin><unclosed>"), None,
                               "XML_MALFORMED"),
    "pdf-attachment-tampered": (_tampered_pdf, None, "PDF_SIGNATURE_INVALID"),
    "format-not-agreed": (_format_confusion, grpc.StatusCode.PERMISSION_DENIED, "FORMAT_NOT_AGREED"),
    "format-unknown": (
        lambda s: s.resign(dataclasses.replace(s.envelope(), document_format="urn:example:plain-text")),
        grpc.StatusCode.PERMISSION_DENIED, "FORMAT_NOT_AGREED"),
    "pdf-attachment-mislabelled": (_mislabelled_pdf, None, "PDF_SIGNATURE_INVALID"),
    "agreement-validity-expired": (_expired_certificate, None, "AGREEMENT_VIOLATED"),


    "document-signature-moved-to-root": (_signature_moved_to_the_root, None, "SIGNATURE_REFERENCE_INVALID"),
    "document-signed-outside-the-ubl-extension": (_signed_at_the_root, None, "SIGNATURE_REFERENCE_INVALID"),
    "document-unsigned": (
        lambda s: s.with_payload(s.envelope(), mappings.map_forward(
            example("coo-cn-hk"), "coo-ubl24-cepa-hk").document),
        None, "SIGNATURE_MISSING"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_partner_input_gets_stable_code(sender: Sender, case: str) -> None:
    build, status, code = CASES[case]
    envelope = build(sender)
    if status is None:
        receipt = sender.deliver(envelope)
        assert receipt.outcome == pb.RECEIPT_OUTCOME_REJECTED
        assert [e.code for e in receipt.errors] == [code]
        # The negative receipt is signed by HK like any other.
        assert receipt.signature.format == trust.JWS_FORMAT and receipt.signature.jws
        # A repeated delivery gets the stored answer.
        assert sender.deliver(envelope).receipt_id == receipt.receipt_id
    else:
        with pytest.raises(grpc.RpcError) as caught:
            sender.deliver(envelope)
        assert caught.value.code() == status
        assert error_from_status(caught.value)[0] == code


def test_certificate_of_an_unknown_ca_cannot_connect(sender: Sender) -> None:
    now = datetime.now(UTC)
    ca = devpki.create_ca("Unknown Window CA", at=now)
    tls = devpki.issue_certificate(ca, "xx.gateway.test", at=now, usage="tls", dns_names=("xx.gateway.test",))
    with pytest.raises(grpc.RpcError) as caught:
        sender.deliver(sender.envelope(), tls=(tls.key_pem(), tls.cert_pem()))
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


def test_replay_returns_original_receipt_and_conflicting_reuse_is_refused(sender: Sender) -> None:
    envelope = sender.envelope()
    first = sender.deliver(envelope)
    assert first.outcome == pb.RECEIPT_OUTCOME_ACCEPTED
    again = sender.deliver(envelope)
    assert again.SerializeToString() == first.SerializeToString()
    other = sender.envelope()
    reused = sender.resign(dataclasses.replace(other, message_id=envelope.message_id))
    with pytest.raises(grpc.RpcError) as caught:
        sender.deliver(reused)
    assert error_from_status(caught.value)[0] == "DUPLICATE_CONFLICT"


def test_same_business_key_with_other_content_is_refused(sender: Sender) -> None:
    first = sender.envelope()
    assert sender.deliver(first).outcome == pb.RECEIPT_OUTCOME_ACCEPTED
    record = example("coo-cn-hk")
    record["certificate"]["number"] = first.business_key.number
    record["certificate"]["remarks"] = "different content, same certificate number"
    second = sender.envelope()
    payload = trust.sign_xml(mappings.map_forward(record, "coo-ubl24-cepa-hk").document, sender.identity,
                             placement=trust.SignaturePlacement.UBL_EXTENSION)
    second = sender.with_payload(dataclasses.replace(second, business_key=first.business_key), payload)
    receipt = sender.deliver(second)
    assert receipt.outcome == pb.RECEIPT_OUTCOME_REJECTED
    assert [e.code for e in receipt.errors] == ["DUPLICATE_CONFLICT"]


def test_server_keeps_serving_and_loses_nothing_after_bad_input(network: Network, sender: Sender) -> None:
    good = sender.envelope()
    assert sender.deliver(good).outcome == pb.RECEIPT_OUTCOME_ACCEPTED
    for build, _, _ in CASES.values():
        try:
            sender.deliver(build(sender))
        except grpc.RpcError:
            pass
    after = sender.envelope()
    assert sender.deliver(after).outcome == pb.RECEIPT_OUTCOME_ACCEPTED
    stored = network.apps["HK"].repository
    assert stored.get(good.message_id).status.value in ("RECEIVED", "HANDED_OVER")
    assert stored.get(after.message_id).status.value in ("RECEIVED", "HANDED_OVER")




def test_a_certificate_of_the_partner_ca_without_client_use_is_not_the_partner(
        network: Network, sender: Sender) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    keys = network.files["CN"].folder / "keys"
    ca = devpki.IssuedCertificate(
        certificate=x509.load_pem_x509_certificate((keys / "ca.cert.pem").read_bytes()),
        private_key=load_pem_private_key((keys / "ca.key.pem").read_bytes(), None),  # type: ignore[arg-type]
    )
    # Issued by CN's CA (so the TLS layer lets it through) but for document signing, not TLS client use.
    signing_only = devpki.issue_certificate(ca, "cn.gateway.test", at=datetime.now(UTC), usage="signing")
    with pytest.raises(grpc.RpcError) as caught:
        sender.deliver(sender.envelope(), tls=(signing_only.key_pem(), signing_only.cert_pem()))
    assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED, caught.value
    assert error_from_status(caught.value)[0] == "PARTNER_UNAUTHENTICATED"


def _other_content(s: Sender, envelope: Envelope) -> list[Envelope]:
    """The same message id and signature with other bytes: the declared digest and the header stay as they were."""
    spoiled = envelope.payload.replace(b"</cbc:Description>", b" (altered)</cbc:Description>", 1)
    assert spoiled != envelope.payload
    forged_attachment = dataclasses.replace(
        envelope, attachments=(*envelope.attachments, Attachment("extra.txt", "text/plain", b"smuggled")))
    return [
        dataclasses.replace(envelope, payload=spoiled),
        forged_attachment,
        # Re-signed by the partner itself: a replay must not be answered from the store with other content either.
        s.resign(forged_attachment),
        s.with_payload(envelope, spoiled),
    ]


def test_known_message_id_with_other_content_is_a_conflict(sender: Sender) -> None:
    envelope = sender.envelope()
    first = sender.deliver(envelope)
    assert first.outcome == pb.RECEIPT_OUTCOME_ACCEPTED
    for replay in _other_content(sender, envelope):
        with pytest.raises(grpc.RpcError) as caught:
            sender.deliver(replay)
        assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
        assert error_from_status(caught.value)[0] == "DUPLICATE_CONFLICT"
    # The genuine duplicate still gets the stored receipt, byte for byte.
    assert sender.deliver(envelope) == first
