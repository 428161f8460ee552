"""Partner profiles: the exchange agreement with one foreign single window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import mappings

from .domain import DocumentType, PartyId
from .errors import DocumentTypeNotAgreed
from .retry import RetryPolicy

__all__ = ["EdifactSettings", "PartnerProfile"]


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
    signing_key_files: tuple[str, str, str | None] | None = None
    """(key, certificate, chain) PEM files of a signing identity for this partner only, e.g. an RSA key where the
    agreement asks for RSA; the gateway's own identity (ECDSA P-256 by default) when None."""
    edifact: EdifactSettings = field(default_factory=EdifactSettings)
    """How UN/EDIFACT interchanges with the partner are enveloped and which character sets are read."""
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
        e = self.edifact
        return mappings.Interchange(
            sender=e.sender_id or me.value,
            recipient=e.recipient_id or self.party.value,
            sender_qualifier=e.sender_qualifier,
            recipient_qualifier=e.recipient_qualifier,
            syntax_identifier=e.syntax_identifier,
            syntax_version=e.syntax_version,
            accept=e.accept,
        )

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
