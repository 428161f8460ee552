"""Our envelopes as the hub's, and back: the hub envelope header fields (From, To, CertificateType,
CertificateStatus, NPPOCertificateNumber) and Content, the SPS certificate as text.

The header repeats what the certificate says (its ``SPSExchangedDocument`` ID, TypeCode and StatusCode), read with
the project's hardened XML parser, so the hub routes by what the document is.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import mappings

from ....core.domain import Action, BusinessKey, DocumentType, Envelope, PartyId, sha256_hex
from ....core.partners import EphytoHubSettings, PartnerProfile
from .client import HubError

__all__ = ["HUB_MESSAGE_IDS", "hub_envelope", "relayed_envelope"]

_RSM = "urn:un:unece:uncefact:data:standard:SPSCertificate:17"
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21"

#: The namespace of the message ids given to envelopes pulled from the hub (UUID v5 of sender, certificate number
#: and content digest): the same certificate handed over twice gets the same id, so it is recorded once.
HUB_MESSAGE_IDS = uuid.UUID("5b0f3c1e-7d7a-5e0b-9c55-2f3f1c9e0a17")


def hub_envelope(envelope: Envelope, hub: EphytoHubSettings) -> dict[str, Any]:
    """The hub ``Envelope`` for one of our SPS certificates; raises :class:`HubError` (HUB_ENVELOPE_INVALID) when
    the document does not say what the header needs."""
    if envelope.document_type is not DocumentType.SPS_CERTIFICATE:
        raise HubError(f"the ePhyto Hub carries SPS certificates, not {envelope.document_type.value}",
                       code="HUB_ENVELOPE_INVALID", retryable=False)
    if envelope.action is not Action.ISSUE:
        # The hub has no reference to an earlier envelope: a replacement is a new certificate with its own status.
        raise HubError(f"the ePhyto Hub connector sends issued certificates only, not a {envelope.action.value}",
                       code="HUB_ACTION_UNSUPPORTED", retryable=False)
    try:
        root = mappings.parse_xml(envelope.payload)
    except mappings.MappingError as e:
        raise HubError(f"the SPS certificate is not XML: {e.message}", code="HUB_ENVELOPE_INVALID",
                       retryable=False) from e
    document = root.find(f"{{{_RSM}}}SPSExchangedDocument")
    fields = {}
    for name in ("ID", "TypeCode", "StatusCode"):
        element = document.find(f"{{{_RAM}}}{name}") if document is not None else None
        text = (element.text or "").strip() if element is not None else ""
        if not text:
            raise HubError(f"SPSExchangedDocument/{name} is missing: the hub envelope needs it",
                           code="HUB_ENVELOPE_INVALID", retryable=False)
        fields[name] = text
    codes = {}
    for name in ("TypeCode", "StatusCode"):
        if not fields[name].isdigit():
            raise HubError(f"SPSExchangedDocument/{name} {fields[name][:20]!r} is not the numeric code the hub "
                           f"envelope carries", code="HUB_ENVELOPE_INVALID", retryable=False)
        codes[name] = int(fields[name])
    return {
        "From": hub.country,
        "To": hub.partner_country,
        "CertificateType": codes["TypeCode"],
        "CertificateStatus": codes["StatusCode"],
        "NPPOCertificateNumber": fields["ID"],
        "Content": envelope.payload.decode("utf-8"),
    }


def relayed_envelope(hub_env: Any, *, partner: PartnerProfile, me: PartyId, at: datetime) -> Envelope:
    """Our envelope for a hub ``Envelope`` pulled from the hub: the document only, to be verified by the relay's
    attestation. The business key is provisional (the pipeline reads the real one from the document)."""
    payload = str(hub_env.Content or "").encode("utf-8")
    number = str(hub_env.NPPOCertificateNumber or "")
    digest = sha256_hex(payload)
    profile = mappings.get_profile(partner.mapping_profile(DocumentType.SPS_CERTIFICATE))
    return Envelope(
        message_id=str(uuid.uuid5(HUB_MESSAGE_IDS, f"{hub_env.From}|{number}|{digest}")),
        business_key=BusinessKey(issuer=str(hub_env.From), number=number or "-", version=1),
        sender=partner.party,
        receiver=me,
        document_type=DocumentType.SPS_CERTIFICATE,
        document_format=profile.format,
        action=Action.ISSUE,
        created_at=at,
        payload=payload,
        payload_sha256=digest,
    )
