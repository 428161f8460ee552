"""The partner transport router: each delivery takes the transport its agreement names; the in-memory twin stands
in for any of them in unit tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.adapters.partners.memory import MemoryPartnerTransport
from gateway.adapters.partners.router import RoutingPartnerTransport
from gateway.core.domain import Action, BusinessKey, DocumentType, Envelope, PartyId, Receipt, ReceiptOutcome, \
    sha256_hex
from gateway.core.errors import DeliveryFailed
from gateway.core.partners import As4Settings, PartnerProfile

COO = DocumentType.CERTIFICATE_OF_ORIGIN
AT = datetime(2026, 3, 2, tzinfo=UTC)


def _partner(name: str, transport: str) -> PartnerProfile:
    as4 = As4Settings(endpoint_url=f"https://{name}.example/msh", our_party_id="CN", partner_party_id=name,
                      actions={COO: "Submit"}) if transport == "as4" else None
    return PartnerProfile(party=PartyId(name), endpoint="", tls_server_name="", mapping_profiles={COO: "x"},
                          transport=transport, as4=as4)  # type: ignore[arg-type]


def _envelope(receiver: str) -> Envelope:
    return Envelope(message_id=f"m-{receiver}", business_key=BusinessKey("CN", "1", 1), sender=PartyId("CN"),
                    receiver=PartyId(receiver), document_type=COO, document_format="f", action=Action.ISSUE,
                    created_at=AT, payload=b"p", payload_sha256=sha256_hex(b"p"))


def _answer(name: str) -> object:
    def answer(envelope: Envelope) -> Receipt:
        return Receipt(message_id=envelope.message_id, receipt_id=f"r-{name}", issuer=PartyId(name),
                       outcome=ReceiptOutcome.ACCEPTED, payload_sha256=envelope.payload_sha256, received_at=AT)
    return answer


def test_each_delivery_takes_the_transport_its_agreement_names() -> None:
    grpc_twin = MemoryPartnerTransport({"HK": _answer("HK")})  # type: ignore[dict-item]
    as4_twin = MemoryPartnerTransport({"VN": _answer("VN")})  # type: ignore[dict-item]
    router = RoutingPartnerTransport({"swgw-grpc": grpc_twin, "as4": as4_twin})
    assert router.deliver(_partner("HK", "swgw-grpc"), _envelope("HK")).receipt_id == "r-HK"
    assert router.deliver(_partner("VN", "as4"), _envelope("VN")).receipt_id == "r-VN"
    assert [p for p, _ in grpc_twin.delivered] == ["HK"] and [p for p, _ in as4_twin.delivered] == ["VN"]
    # The agreement decides, not the partner's name: VN named as a gRPC partner is not reached over AS4.
    with pytest.raises(DeliveryFailed) as caught:
        router.deliver(_partner("VN", "swgw-grpc"), _envelope("VN"))
    assert caught.value.retryable  # the gRPC twin does not know VN: unreachable, as a partner that is down


def test_a_transport_this_gateway_lacks_fails_for_good() -> None:
    router = RoutingPartnerTransport({"swgw-grpc": MemoryPartnerTransport()})
    with pytest.raises(DeliveryFailed) as caught:
        router.deliver(_partner("IPPC", "ephyto-hub"), _envelope("IPPC"))
    assert (caught.value.code, caught.value.retryable) == ("TRANSPORT_UNAVAILABLE", False)
