"""Signed documents stay schema-valid: for every XML profile, the bytes as sent (from the sender's message book) and
as received (handed to the domestic hub) are the same, pass the official schema with xmllint and verify with
xmlsec1 given only the sender's CA. UBL documents carry the signature in their extension block; eFTI and ePhyto
documents, whose schemas have no place for one, travel unchanged with a detached signature beside them.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from lxml import etree

import mappings
import trust
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.adapters.coo_pdf import render_certificate_pdf
from gateway.core.domain import DocumentType, PartyId, sha256_hex
from gateway.pipeline import signatures, steps
from gateway.tools.cli import load_settings, main
from gateway.tools.verify_offline import export_message, verify_bytes
from gateway.transports import codec
from tests.conftest import REFERENCE
from tests.integration.network import Network, record_bytes, running_network, wait_for
from tests.official_tools import official_schema, xmllint_validate, xmlsec1_verify

COO, MANIFEST, SPS = DocumentType.CERTIFICATE_OF_ORIGIN, DocumentType.CARGO_MANIFEST, DocumentType.SPS_CERTIFICATE
AGREEMENTS = {
    ("CN", "HK"): {COO.value: "coo-ubl24-cepa-hk", SPS.value: "sps-ephyto-17"},
    ("CN", "MO"): {COO.value: "coo-ubl24-cepa-mo", MANIFEST.value: "manifest-efti-consignment"},
    ("CN", "VN"): {COO.value: "coo-ubl24-acfta-forme"},
    ("CN", "JP"): {COO.value: "coo-ubl24-rcep"},
}
# profile -> (receiver, document type, example record; None: read from the ePhyto hub's sample)
PROFILES: dict[str, tuple[str, DocumentType, str | None]] = {
    "coo-ubl24-cepa-hk": ("HK", COO, "coo-cn-hk"),
    "coo-ubl24-cepa-mo": ("MO", COO, "coo-cn-mo"),
    "coo-ubl24-acfta-forme": ("VN", COO, "coo-cn-vn"),
    "coo-ubl24-rcep": ("JP", COO, "coo-cn-jp"),
    "manifest-efti-consignment": ("MO", MANIFEST, "manifest-cn-mo-single"),
    "sps-ephyto-17": ("HK", SPS, None),
}
SPS_SAMPLE = REFERENCE / "sps-ephyto" / "SPSCertificateContent.xml"


def _record(profile: str) -> dict[str, Any]:
    name = PROFILES[profile][2]
    if name is not None:
        # Issued today: the agreements refuse certificates past their validity period.
        return mappings.load_example(name, issued_on=datetime.now(UTC).date())
    if not SPS_SAMPLE.is_file():
        pytest.skip(f"the ePhyto sample {SPS_SAMPLE} is absent (it supplies the SPS record)")
    return mappings.map_reverse(SPS_SAMPLE.read_bytes(), profile).record


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    with running_network(tmp_path_factory.mktemp("signed"), ("CN", "HK", "MO", "VN", "JP"), AGREEMENTS) as net:
        yield net


@dataclasses.dataclass(frozen=True)
class Exchanged:
    sent: Any  # the sender's stored message (envelope and receipt)
    received: Any  # the receiving hub's InboundDocument


@pytest.fixture(scope="module")
def exchanged(network: Network) -> dict[str, Exchanged]:
    """Every profile sent once from CN, delivered, and taken over by the receiving domestic hub."""
    sent: dict[str, str] = {}
    with network.client("CN") as cn:
        for profile, (receiver, document_type, _) in PROFILES.items():
            if PROFILES[profile][2] is None and not SPS_SAMPLE.is_file():
                continue
            response = cn.submit(receiver, document_type, record_bytes(_record(profile)))
            sent[profile] = response.message_id
        for message_id in sent.values():
            wait_for(lambda m=message_id: cn.status(m).status == pb.MESSAGE_STATUS_DELIVERED)  # type: ignore[misc]
    received: dict[str, Any] = {}
    for party in {PROFILES[p][0] for p in sent}:
        expected = {m for p, m in sent.items() if PROFILES[p][0] == party}
        with network.client(party) as client:
            documents = client.receive(max_documents=len(expected), timeout=20)
        assert {d.message_id for d in documents} == expected
        received.update((d.message_id, d) for d in documents)
    book = network.apps["CN"].repository
    return {p: Exchanged(book.get(m), received[m]) for p, m in sent.items()}


def _write_pair(folder: Path, name: str, document: bytes, attachments: Any) -> tuple[Path, Path | None]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(document)
    carriers = [a for a in attachments if a.name == signatures.SIGNATURE_NAME]
    if not carriers:
        return folder / name, None
    (folder / f"{name}.{signatures.SIGNATURE_NAME}").write_bytes(carriers[0].content)
    return folder / name, folder / f"{name}.{signatures.SIGNATURE_NAME}"


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_sent_and_received_documents_are_schema_valid_and_verify_with_the_sender_ca(
    profile: str, network: Network, exchanged: dict[str, Exchanged], tmp_path: Path
) -> None:
    if profile not in exchanged:
        pytest.skip(f"no record for {profile} (reference sample absent)")
    stored, document = exchanged[profile].sent, exchanged[profile].received
    envelope = stored.envelope
    placement = mappings.get_profile(profile).signature
    # The bytes handed to the receiving hub are the bytes the sender keeps: nothing re-serialised on the way.
    assert document.signed_document == envelope.payload
    assert [(a.name, a.content) for a in document.attachments] == [(a.name, a.content) for a in envelope.attachments]
    ca = network.files["CN"].folder / "keys" / "ca.cert.pem"
    for side, payload, attachments in (("sent", envelope.payload, envelope.attachments),
                                       ("received", document.signed_document, document.attachments)):
        path, signature = _write_pair(tmp_path / side, "document.xml", payload, attachments)
        assert (signature is not None) == (placement == "detached")
        root = etree.fromstring(payload)
        if root.tag in OFFICIAL_ROOTS:
            result = xmllint_validate(path, official_schema(root.tag))
            assert result.returncode == 0, result.stderr
        else:
            # No official SPS schema is public: the document must at least be the mapping's output, unaltered.
            assert payload == mappings.map_forward(_record(profile), profile).document
        result = xmlsec1_verify(path, ca, signature)
        assert result.returncode == 0, result.stderr
        # Another window's CA alone does not do.
        other = network.files["HK"].folder / "keys" / "ca.cert.pem"
        assert xmlsec1_verify(path, other, signature).returncode != 0
    if placement == "ubl-extension":
        root = etree.fromstring(envelope.payload)
        assert etree.QName(root[0]).localname == "UBLExtensions"
        assert len(root.findall(".//{http://www.w3.org/2000/09/xmldsig#}Signature")) == 1
    else:
        # Signed without altering the document: the payload is the mapping's output byte for byte.
        assert b"xmldsig" not in envelope.payload
    # swgw verify on the file (and its detached signature), as an officer holding only these files would run it.
    path, signature = _write_pair(tmp_path / "offline", "document.xml", envelope.payload, envelope.attachments)
    folder = tmp_path / "trust"
    folder.mkdir()
    (folder / "CN.pem").write_bytes(ca.read_bytes())
    argv = ["verify", str(path), "--trust", str(folder)] + (["--signature", str(signature)] if signature else [])
    assert main(argv) == 0
    path.write_bytes(envelope.payload.replace(b"</", b" </", 1))
    assert main(argv) == 1
    # swgw verify on the exported message checks the same placement through the inbound step.
    report = verify_bytes(export_message(envelope, stored.receipt), {"CN": _cn_trust(network)},
                          at=datetime.now(UTC))
    assert report.valid, report
    assert any(c.startswith("XML signature: valid") for c in report.checks), report.checks


OFFICIAL_ROOTS = (
    "{urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2}CertificateOfOrigin",
    "{http://efti.eu/v1/consignment/common}consignment",
)


def _cn_trust(network: Network) -> trust.PartnerTrust:
    from cryptography import x509

    ca = x509.load_pem_x509_certificate((network.files["CN"].folder / "keys" / "ca.cert.pem").read_bytes())
    return trust.PartnerTrust(partner="CN", anchors=(ca,))


# --- the receiving side requires the agreed placement -------------------------------------------------------------


def _deliver(network: Network, receiver: str, envelope: Any) -> pb.Receipt:
    from gateway._generated.swgw.v1 import partner_exchange_pb2 as ppb
    from gateway._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc

    keys = network.files["CN"].folder / "keys"
    ca = (network.files[receiver].folder / "keys" / "ca.cert.pem").read_bytes()
    credentials = grpc.ssl_channel_credentials(root_certificates=ca, private_key=(keys / "tls.key.pem").read_bytes(),
                                               certificate_chain=(keys / "tls.cert.pem").read_bytes())
    with grpc.secure_channel(f"127.0.0.1:{network.apps[receiver].partner_port}", credentials,
                             options=[("grpc.ssl_target_name_override", f"{receiver.lower()}.gateway.test")]) as ch:
        stub = ppb_grpc.PartnerExchangeServiceStub(ch)
        return stub.Deliver(ppb.DeliverRequest(envelope=codec.envelope_to_proto(envelope)), timeout=10).receipt


def _manifest_envelope(network: Network) -> Any:
    settings = load_settings(network.files["CN"].config)
    keys = network.files["CN"].folder / "keys"
    identity = trust.SigningIdentity.from_pem((keys / "signing.key.pem").read_bytes(),
                                              (keys / "signing.cert.pem").read_bytes(),
                                              (keys / "ca.cert.pem").read_bytes())
    record = mappings.load_example("manifest-cn-mo-single")
    prepared = steps.prepare_outbound(
        steps.SubmitCommand(receiver="MO", document_type=MANIFEST, action=steps.Action.ISSUE,
                            record_json=record_bytes(record)),
        sender=PartyId("CN"), profile=settings.partner("MO"), identity=identity, message_id=str(uuid.uuid4()),
        created_at=datetime.now(UTC),
        render_pdf=render_certificate_pdf,
    )
    return prepared.envelope, identity


def _resigned(envelope: Any, identity: trust.SigningIdentity, **changes: Any) -> Any:
    changed = dataclasses.replace(envelope, signature=None, **changes)
    if "payload" in changes:
        changed = dataclasses.replace(changed, payload_sha256=sha256_hex(changes["payload"]))
    return signatures.sign_envelope(changed, identity)


def test_detached_profile_refuses_a_document_without_its_signature(network: Network) -> None:
    envelope, identity = _manifest_envelope(network)
    others = tuple(a for a in envelope.attachments if a.name != signatures.SIGNATURE_NAME)
    assert len(others) == len(envelope.attachments) - 1
    receipt = _deliver(network, "MO", _resigned(envelope, identity, attachments=others))
    assert receipt.outcome == pb.RECEIPT_OUTCOME_REJECTED
    assert [(e.code, e.field_path) for e in receipt.errors] == [("SIGNATURE_MISSING", "envelope.attachments")]


def test_detached_profile_refuses_a_changed_document_and_an_enveloped_one(network: Network) -> None:
    envelope, identity = _manifest_envelope(network)
    changed = envelope.payload.replace(b"<id>", b"<id>X", 1)
    assert changed != envelope.payload
    receipt = _deliver(network, "MO", _resigned(envelope, identity, payload=changed))
    assert [e.code for e in receipt.errors] == ["SIGNATURE_INVALID"]

    # An eFTI document signed the old way (ds:Signature under the root) is neither schema-valid nor agreed.
    envelope, identity = _manifest_envelope(network)
    enveloped = trust.sign_xml(envelope.payload, identity)
    others = tuple(a for a in envelope.attachments if a.name != signatures.SIGNATURE_NAME)
    receipt = _deliver(network, "MO", _resigned(envelope, identity, payload=enveloped, attachments=others))
    assert [e.code for e in receipt.errors] == ["SIGNATURE_MISSING"]
    # ... and with the detached signature of the unsigned document beside it (a fresh message id: a repeated one
    # would get the stored answer).
    receipt = _deliver(network, "MO", _resigned(envelope, identity, payload=enveloped,
                                                message_id=str(uuid.uuid4())))
    assert [e.code for e in receipt.errors] == ["SIGNATURE_REFERENCE_INVALID"]


def test_submitted_attachment_may_not_take_the_signature_name(network: Network) -> None:
    from gateway.core.domain import Attachment
    from gateway.core.errors import EnvelopeInvalid

    settings = load_settings(network.files["CN"].config)
    with pytest.raises(EnvelopeInvalid) as caught:
        steps.prepare_outbound(
            steps.SubmitCommand(receiver="MO", document_type=MANIFEST, action=steps.Action.ISSUE,
                                record_json=record_bytes(mappings.load_example("manifest-cn-mo-single")),
                                attachments=(Attachment(signatures.SIGNATURE_NAME, "application/xml", b"<x/>"),)),
            sender=PartyId("CN"), profile=settings.partner("MO"), identity=_manifest_envelope(network)[1],
            message_id=str(uuid.uuid4()), created_at=datetime.now(UTC), render_pdf=render_certificate_pdf,
        )
    assert caught.value.field_path == "attachments[0].name"
