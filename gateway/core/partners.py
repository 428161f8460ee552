"""Partner profiles: the exchange agreement with one foreign single window."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import mappings

from .domain import DocumentType, PartyId
from .errors import DocumentTypeNotAgreed
from .retry import RetryPolicy

__all__ = ["As4Settings", "EdifactSettings", "EphytoHubSettings", "PartnerProfile", "Transport"]

Transport = Literal["swgw-grpc", "as4", "ephyto-hub"]
"""How a partner is reached: swgw's own gRPC PartnerExchange, an AS4 access point, or the IPPC ePhyto Hub. The same
names label the transport in ``swgw messages``, status and metrics."""


@dataclass(frozen=True)
class EdifactSettings:
    """The UN/EDIFACT interchange settings of an agreement (``[partners.edifact]``), for EDIFACT profiles."""

    syntax_identifier: str = "UNOC"
    """Syntax identifier (character set) written: UNOA..UNOK, UNOW or UNOY; UNOC (ISO 8859-1) by default."""
    syntax_version: int = 4
    """Syntax version written: 4 (UNB date CCYYMMDD) or 3 (YYMMDD)."""
    accept: tuple[str, ...] = mappings.SYNTAX_IDENTIFIERS
    """Syntax identifiers accepted from the partner; every supported one by default."""
    sender_id: str | None = None
    """Our interchange id in UNB; our party id when None."""
    sender_qualifier: str | None = None
    """Its code qualifier (0007), e.g. ``ZZZ``; none when None."""
    recipient_id: str | None = None
    """The partner's interchange id in UNB; the partner's party id when None."""
    recipient_qualifier: str | None = None
    """Its code qualifier (0007); none when None."""


@dataclass(frozen=True)
class EphytoHubSettings:
    """How a partner is reached through the IPPC ePhyto Hub (``[partners.ephyto_hub]``).

    The hub is a relay: we deliver to it, it holds the envelope until the importing NPPO pulls and acknowledges it,
    and it reports the delivery status. The hub's CA is the partner's trust anchor (``trust_anchors``): what we
    trust for this agreement is the hub, which authenticated the exporting NPPO by its client certificate.
    """

    url: str
    """The hub's DeliveryService address (https), e.g. ``https://hub.ephytoexchange.org/hub/DeliveryService``."""
    wsdl: str
    """The hub's published WSDL file (read locally; never fetched over the network)."""
    client_certificate: str
    """PEM certificate (with chain) the hub registered for our NPPO: our TLS client identity towards the hub."""
    client_key: str
    """Its PEM private key."""
    country: str
    """Our NPPO's country code as the hub knows it (envelope ``From`` outbound, ``To`` inbound)."""
    partner_country: str
    """The partner NPPO's country code at the hub (envelope ``To`` outbound, ``From`` inbound)."""
    mode: Literal["pull"] = "pull"
    """How envelopes waiting for us are received: ``pull`` (we poll the hub, pull and acknowledge)."""
    poll_interval: timedelta = timedelta(seconds=30)
    """How often the hub is asked for envelopes waiting for us."""
    timeout: timedelta = timedelta(seconds=30)
    """Time limit of one call to the hub."""


@dataclass(frozen=True)
class As4Settings:
    """The AS4 P-Mode of an agreement (``[partners.as4]``): what goes into, and is required of, every ebMS 3.0
    User Message exchanged with the partner's access point (One-Way/Push, eDelivery AS4 profile)."""

    endpoint_url: str
    """The partner access point's HTTPS URL that our User Messages are POSTed to."""
    our_party_id: str
    """Our eb:From/eb:PartyId."""
    partner_party_id: str
    """The partner's eb:To/eb:PartyId (inbound: the eb:From that must name the partner)."""
    party_id_type: str = "urn:oasis:names:tc:ebcore:partyid-type:unregistered"
    """The PartyId type attribute of both party ids."""
    initiator_role: str = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/initiator"
    """The role of the sending party."""
    responder_role: str = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/responder"
    """The role of the receiving party."""
    service: str = "urn:swgw:service:trade-documents"
    """eb:CollaborationInfo/eb:Service."""
    service_type: str | None = None
    """Its type attribute, when the agreement names one."""
    actions: Mapping[DocumentType, str] = field(default_factory=dict)
    """eb:Action per agreed document type (both ways: inbound, the action tells the document type)."""
    agreement_ref: str | None = None
    """eb:AgreementRef, e.g. the P-Mode id of the partner's Domibus."""
    mpc: str = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/defaultMPC"
    """The message partition channel of our User Messages."""
    signing_certificate_files: tuple[str, ...] = ()
    """PEM certificates the partner signs its messages and receipts with, pinned at start-up; when empty, its
    signer must chain to the partner's trust anchors."""
    encryption_certificate_file: str | None = None
    """The partner's RSA certificate that payloads are encrypted to (AES-128-GCM, RSA-OAEP). When set, encryption is
    agreed both ways: the partner's messages must come encrypted to our key for it, which must then be RSA."""
    timeout_seconds: float = 30.0
    """How long one POST may take before the attempt counts as failed (retryably)."""
    peer: str = "swgw"
    """What the partner's access point runs: ``"swgw"`` (its User Messages carry the swgw envelope: ``swgw.*``
    properties and the envelope's JWS) or ``"access-point"`` (any AS4 access point: a plain User Message whose
    action names the document type, its payload the document, its WS-Security signature the envelope's)."""
    packaging: str = "body"
    """Where payloads travel, both ways: ``"body"`` (the SOAP Body) or ``"swa"`` (MIME parts, SOAP with
    Attachments, the eDelivery AS4 profile's default)."""
    compress: bool = False
    """Whether our MIME parts are gzip-compressed (CompressionType ``application/gzip``), as the eDelivery AS4
    profile does; compressed parts we receive are decompressed either way."""
    sbdh: bool = False
    """Whether the partner's payload is a Standard Business Document (SBDH, as Peppol sends) around the document,
    which is unwrapped before mapping (only with ``peer = "access-point"``)."""


@functools.lru_cache(maxsize=1024)
def _interchange(e: EdifactSettings, me: str, partner: str) -> mappings.Interchange:
    # Every document sent or received asks for its envelope, and building one re-checks the settings
    # (Interchange.__post_init__); both it and the settings are frozen, so one instance per key serves them all.
    return mappings.Interchange(
        sender=e.sender_id or me,
        recipient=e.recipient_id or partner,
        sender_qualifier=e.sender_qualifier,
        recipient_qualifier=e.recipient_qualifier,
        syntax_identifier=e.syntax_identifier,
        syntax_version=e.syntax_version,
        accept=e.accept,
    )


@dataclass(frozen=True)
class PartnerProfile:
    """What this gateway and one partner agreed (in Domibus terms, the PMode)."""

    party: PartyId
    """The partner's party id."""
    endpoint: str
    """host:port of the partner's PartnerExchange service."""
    tls_server_name: str
    """The name the partner's TLS certificate is checked against."""
    mapping_profiles: Mapping[DocumentType, str]
    """The mapping profile per agreed document type; a type not listed is refused both ways."""
    further_profiles: Mapping[DocumentType, tuple[str, ...]] = field(default_factory=dict)
    """More profiles agreed for a document type besides its first (``certificate-of-origin = ["coo-ubl24-acfta-forme",
    "coo-ubl24-rcep"]``): outbound, a record goes by the first profile whose ``require`` it meets; inbound, by the
    profile whose format the envelope declares, among the agreed ones only."""
    trust_anchor_files: tuple[str, ...] = ()
    """PEM files of the partner's CA certificates, imported as anchors at start-up (operators manage trust
    afterwards); an end-entity certificate among them stops the start (TRUST_ANCHOR_NOT_CA)."""
    trust_pinned_files: tuple[str, ...] = ()
    """PEM files of end-entity certificates trusted as such (pinned) at start-up, for a partner without a CA."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    """How deliveries to the partner are retried."""
    max_payload_bytes: int = 8 * 1024 * 1024
    """Largest payload accepted from or sent to the partner."""
    max_message_age: timedelta = timedelta(days=7)
    """Oldest envelope accepted from the partner (freshness check against replays)."""
    attach_pdf: bool = False
    """Whether outbound certificates carry a PAdES-signed PDF rendering."""
    revocation_unknown: Literal["reject", "warn"] = "reject"
    """When the partner's CA has CRLs but none is current: refuse the document, or accept it with a WARNING
    recorded on the message."""
    signature_level: Literal["B-B", "B-T", "B-LT"] = "B-B"
    """The least the partner's document signatures (XML and PDF) must prove: ``B-T`` or ``B-LT`` refuse a
    signature without a time-stamp by a trusted TSA (``SIGNATURE_LEVEL_INSUFFICIENT``)."""
    signing_key_files: tuple[str, str, str | None] | None = None
    """(key, certificate, chain) PEM files of a signing identity for this partner only, e.g. an RSA key where the
    agreement asks for RSA; the gateway's own identity (ECDSA P-256 by default) when None."""
    edifact: EdifactSettings = field(default_factory=EdifactSettings)
    """How UN/EDIFACT interchanges with the partner are enveloped and which character sets are read."""
    transport: Transport = "swgw-grpc"
    """How the partner is reached; everything above the transport is the same for all of them. ``endpoint`` and
    ``tls_server_name`` apply to ``swgw-grpc`` only."""
    as4: As4Settings | None = None
    """The AS4 P-Mode, present exactly when ``transport`` is ``"as4"``."""
    ephyto_hub: EphytoHubSettings | None = None
    """The hub connection, present exactly when ``transport`` is ``"ephyto-hub"``."""
    streaming: bool = False
    """Whether both sides use the streaming DeliverStream RPC: this gateway delivers to the partner over it, and
    accepts it from the partner (refused with STREAMING_NOT_AGREED otherwise). Unary Deliver stays available."""
    max_attachment_bytes: int = 0
    """Largest large attachment (sent apart from the envelope in chunks, DeliverLarge) accepted from or sent to the
    partner; 0, the default, agrees to none (attachments then travel in the envelope, within
    ``max_payload_bytes``)."""
    stream_window: int = 64
    """Envelopes sent on a DeliverStream before their receipts come back (the sender's flow-control window)."""

    @property
    def name(self) -> str:
        """The partner's party id value, used as its name in the trust store and logs."""
        return self.party.value

    def interchange(self, me: PartyId) -> mappings.Interchange:
        """The interchange envelope for documents between ``me`` (sender) and this partner (recipient).

        Raises :class:`ValueError` for settings the interchange refuses (checked when the configuration loads).
        """
        return _interchange(self.edifact, me.value, self.party.value)

    def profiles_for(self, document_type: DocumentType, *, field_path: str | None = None) -> tuple[str, ...]:
        """Every profile agreed for ``document_type``, the first first; raises when it is not agreed."""
        return (self.mapping_profile(document_type, field_path=field_path),
                *self.further_profiles.get(document_type, ()))

    def profile_for_record(self, document_type: DocumentType, record: Mapping[str, object], *,
                           field_path: str | None = None) -> str:
        """The agreed profile an outbound ``record`` goes by: the first whose ``require`` it meets (the first
        profile when none does, so that its validation names what is wrong)."""
        profiles = self.profiles_for(document_type, field_path=field_path)
        return next((p for p in profiles if mappings.profile_matches(p, record)), profiles[0])

    def profile_for_format(self, document_type: DocumentType, document_format: str, *,
                           field_path: str | None = None) -> str | None:
        """The agreed profile of ``document_type`` writing ``document_format``, or None."""
        profiles = self.profiles_for(document_type, field_path=field_path)
        return next((p for p in profiles if mappings.get_profile(p).format == document_format), None)

    def mapping_profile(self, document_type: DocumentType, *, field_path: str | None = None) -> str:
        """The mapping profile for ``document_type``; raises when the agreement does not cover it, naming
        ``field_path`` (where the caller read the document type) when given."""
        try:
            return self.mapping_profiles[document_type]
        except KeyError:
            raise DocumentTypeNotAgreed(
                f"the agreement with {self.name} does not cover {document_type.value}", partner=self.name,
                field_path=field_path,
            ) from None
