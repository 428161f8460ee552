"""Which receipt check runs follows the agreement: a partner reached through the ePhyto Hub is answered by the
hub's attestation (its TLS certificate, validated to the partner's trust), a swgw partner by its JWS signature;
neither stands in for the other, and an attestation by a certificate outside the partner's trust is refused."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.core.domain import (
    Action,
    BusinessKey,
    DocumentType,
    Envelope,
    PartyId,
    Receipt,
    ReceiptOutcome,
    sha256_hex,
)
from gateway.core.errors import ReceiptInvalid
from gateway.core.partners import EphytoHubSettings, PartnerProfile
from gateway.core.relay import RELAY_TLS_FORMAT, relay_attestation, relay_chain
from gateway.pipeline import signatures, steps
from trust import PartnerTrust, devpki

NOW = datetime.now(UTC).replace(microsecond=0)
HUB_CA = devpki.create_ca("ePhyto Hub CA", at=NOW - timedelta(hours=1))
HUB = devpki.issue_certificate(HUB_CA, "hub.ephyto.test", at=NOW - timedelta(hours=1), usage="tls")
OTHER_CA = devpki.create_ca("Somebody else", at=NOW - timedelta(hours=1))
IMPOSTOR = devpki.issue_certificate(OTHER_CA, "hub.ephyto.test", at=NOW - timedelta(hours=1), usage="tls")
TRUST = PartnerTrust(partner="VN", anchors=(HUB_CA.certificate,))
PAYLOAD = b"<rsm:SPSCertificate/>"
ENVELOPE = Envelope(
    message_id="m-1", business_key=BusinessKey("CN", "1", 1), sender=PartyId("CN"), receiver=PartyId("VN"),
    document_type=DocumentType.SPS_CERTIFICATE, document_format="urn:x", action=Action.ISSUE, created_at=NOW,
    payload=PAYLOAD, payload_sha256=sha256_hex(PAYLOAD),
)
GRPC = PartnerProfile(party=PartyId("VN"), endpoint="127.0.0.1:9", tls_server_name="vn",
                      mapping_profiles={DocumentType.SPS_CERTIFICATE: "sps-ephyto-17"})
VIA_HUB = dataclasses.replace(GRPC, endpoint="", tls_server_name="", transport="ephyto-hub", ephyto_hub=EphytoHubSettings(
    url="https://hub.test/hub", wsdl="ephyto.wsdl", client_certificate="c.pem", client_key="c.key", country="CN",
    partner_country="VN"))


def _receipt(certificate: devpki.IssuedCertificate) -> Receipt:
    return Receipt(message_id="m-1", receipt_id="r-1", issuer=PartyId("VN"), outcome=ReceiptOutcome.ACCEPTED,
                   payload_sha256=ENVELOPE.payload_sha256, received_at=NOW,
                   signature=relay_attestation([certificate.certificate.public_bytes(Encoding.DER)]))


def test_hub_attested_receipt_verifies_with_the_hub_as_signer() -> None:
    verified = steps.verify_receipt(_receipt(HUB), envelope=ENVELOPE, partner_trust=TRUST, now=NOW, profile=VIA_HUB)
    assert verified.signer == HUB.certificate


def test_attestation_by_a_certificate_outside_the_partner_trust_is_refused() -> None:
    with pytest.raises(ReceiptInvalid) as refused:
        steps.verify_receipt(_receipt(IMPOSTOR), envelope=ENVELOPE, partner_trust=TRUST, now=NOW, profile=VIA_HUB)
    assert refused.value.field_path == "receipt.signature" and "CERTIFICATE_UNTRUSTED" in refused.value.message


def test_a_swgw_partner_cannot_answer_with_an_attestation() -> None:
    with pytest.raises(ReceiptInvalid) as refused:
        steps.verify_receipt(_receipt(HUB), envelope=ENVELOPE, partner_trust=TRUST, now=NOW, profile=GRPC)
    assert refused.value.field_path == "receipt.signature.format"


def test_a_hub_partner_cannot_answer_with_anything_but_an_attestation() -> None:
    unsigned = dataclasses.replace(_receipt(HUB), signature=None)
    with pytest.raises(ReceiptInvalid) as refused:
        steps.verify_receipt(unsigned, envelope=ENVELOPE, partner_trust=TRUST, now=NOW, profile=VIA_HUB)
    assert refused.value.field_path == "receipt.signature.format"


def test_an_attestation_answering_another_payload_is_refused() -> None:
    other = dataclasses.replace(_receipt(HUB), payload_sha256=sha256_hex(b"other"))
    with pytest.raises(ReceiptInvalid) as refused:
        steps.verify_receipt(other, envelope=ENVELOPE, partner_trust=TRUST, now=NOW, profile=VIA_HUB)
    assert refused.value.field_path == "receipt.payload_sha256"


def test_relayed_envelope_is_verified_by_the_relay_certificate() -> None:
    verified = signatures.verify_relayed_envelope(ENVELOPE, [HUB.certificate], partner_trust=TRUST, now=NOW,
                                                  profile=VIA_HUB)
    assert verified.signer == HUB.certificate
    with pytest.raises(Exception) as refused:
        signatures.verify_relayed_envelope(ENVELOPE, [IMPOSTOR.certificate], partner_trust=TRUST, now=NOW,
                                           profile=VIA_HUB)
    assert getattr(refused.value, "code", None) == "ENVELOPE_SIGNATURE_INVALID"


def test_attestation_round_trips_and_refuses_garbage() -> None:
    der = HUB.certificate.public_bytes(Encoding.DER)
    assert relay_chain(relay_attestation([der, der])) == [der, der]
    with pytest.raises(ValueError):
        relay_chain(dataclasses.replace(relay_attestation([der]), value="not base64!"))
    with pytest.raises(ValueError):
        relay_chain(dataclasses.replace(relay_attestation([der]), format="jws"))
    assert relay_attestation([der]).format == RELAY_TLS_FORMAT
