"""The pipeline runner: runs the pure steps in order and persists each transition through the ports.

It never swallows an error: a step's error either propagates to the transport (and becomes a gRPC status) or,
for inbound documents whose envelope is authentic, becomes a signed negative receipt that is stored like any
other, so that a repeated delivery gets the same answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import mappings
from cryptography import x509

from trust import LongTerm, PartnerTrust, SigningIdentity
from trust.timestamp import UNTRUSTED_TIMESTAMP

from ..core.domain import DocumentType, Envelope, MessageStatus, PartyId, Receipt, VerifiedEnvelope, sha256_hex
from ..core.errors import DocumentRejected, DuplicateConflict, GatewayError, MessageNotFound, PartnerUnauthenticated
from ..core.ports import (
    Clock,
    DeliveryHandoff,
    DocumentRenderer,
    IdFactory,
    MessageRepository,
    StoredMessage,
    TransitionObserver,
    TrustBook,
)
from ..core.partners import PartnerProfile
from ..core.routing import route_inbound
from ..core.settings import Settings
from ..core.signals import Signals
from . import signatures, steps

__all__ = ["Pipeline", "SubmitResult", "ValidateResult"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubmitResult:
    """What Submit answers."""

    message: StoredMessage
    """The stored message (the first one, for a repeated idempotency key)."""
    report: dict[str, Any]
    """The mapping report, JSON-ready."""


@dataclass(frozen=True)
class ValidateResult:
    """What Validate answers."""

    report: dict[str, Any]
    """The validation and mapping report, JSON-ready, with ``ok``."""
    document: bytes
    """The mapped unsigned document, empty when mapping failed."""
    document_format: str
    """Its format URN."""


def _error_report(error: GatewayError) -> dict[str, Any]:
    if error.report is not None:
        report: dict[str, Any] = error.report.to_dict()
    else:
        report = {"findings": []}
    if not any(f.get("code") == error.code for f in report.get("findings", [])):
        report.setdefault("findings", []).append(
            {"severity": "ERROR", "code": error.code, "path": error.field_path or "", "message": error.message}
        )
    report["ok"] = False
    return report


def _ignore(message: StoredMessage, status: MessageStatus, at: datetime) -> None:
    """The observer when nobody observes."""


def _inbound_report(document: steps.InboundDocument) -> dict[str, Any]:
    report: dict[str, Any] = document.report.to_dict()
    # trust/ emits two warnings: a time-stamp no trusted TSA made (so the signer was judged now), and the ones
    # where a policy turns a refusal into a warning, which today is the agreement's "revocation_unknown = warn".
    for warning in document.warnings:
        code = "TIMESTAMP_UNTRUSTED" if warning.startswith(UNTRUSTED_TIMESTAMP) else "REVOCATION_UNKNOWN"
        report.setdefault("findings", []).append(
            {"severity": "WARNING", "code": code, "path": "envelope.payload", "message": warning})
    return report


class Pipeline:
    """Outbound submission, dry-run validation, inbound reception and handover acknowledgement."""

    def __init__(
        self,
        *,
        settings: Settings,
        messages: MessageRepository,
        trustbook: TrustBook,
        identity: Callable[[str | None], SigningIdentity],
        clock: Clock,
        ids: IdFactory,
        signals: Signals,
        render_pdf: DocumentRenderer,
        observer: TransitionObserver | None = None,
        handoff: DeliveryHandoff | None = None,
        long_term: LongTerm | None = None,
        tsa_trust: PartnerTrust | None = None,
    ) -> None:
        # long_term makes our document signatures long-term; tsa_trust says whose time-stamps prove a time.
        self._long_term = long_term
        self._tsa_trust = tsa_trust
        self._settings = settings
        self._handoff = handoff
        self._messages = messages
        self._trustbook = trustbook
        self._identity = identity
        self._clock = clock
        self._ids = ids
        self._signals = signals
        self._render_pdf = render_pdf
        self._observe: TransitionObserver = observer or _ignore

    @property
    def party(self) -> PartyId:
        """This gateway's party id."""
        return self._settings.party

    # Outbound ---------------------------------------------------------------------------------------------

    def submit(self, command: steps.SubmitCommand) -> SubmitResult:
        """Validate, map, sign and queue a document for a partner (idempotent by key)."""
        if command.idempotency_key:
            existing = self._messages.find_by_idempotency_key(command.domestic_client, command.idempotency_key)
            if existing is not None:
                return SubmitResult(existing, json.loads(existing.report_json or "{}"))
        profile = self._settings.partner(command.receiver)
        prepared = steps.prepare_outbound(
            command,
            sender=self._settings.party,
            profile=profile,
            identity=self._identity(profile.name),
            message_id=self._ids.new_id(),
            created_at=self._clock.now(),
            render_pdf=self._render_pdf,
            long_term=self._long_term,
        )
        report = prepared.report.to_dict()
        now = self._clock.now()
        # A free delivery worker takes the message at once: stored already claimed, no claim query needed.
        claim = self._handoff.reserve(now) if self._handoff is not None else None
        try:
            stored = self._messages.add_outbound(
                prepared.envelope,
                at=now,
                record_json=prepared.record_json,
                report_json=json.dumps(report, ensure_ascii=False),
                idempotency_key=command.idempotency_key,
                domestic_client=command.domestic_client,
                claim=claim,
            )
        except BaseException as error:
            if claim is not None and self._handoff is not None:
                self._handoff.release()
            if isinstance(error, DuplicateConflict) and command.idempotency_key:
                # A concurrent request with the same idempotency key won the race: answer with its result.
                existing = self._messages.find_by_idempotency_key(command.domestic_client, command.idempotency_key)
                if existing is not None:
                    return SubmitResult(existing, json.loads(existing.report_json or "{}"))
            raise
        self._observe(stored, MessageStatus.QUEUED, stored.created_at)
        if claim is not None and self._handoff is not None:
            self._handoff.deliver_claimed(stored)
        else:
            self._signals.outbound.fire()
        self._signals.status.fire()
        return SubmitResult(stored, report)

    def validate(self, receiver: str, document_type: DocumentType, record_json: bytes) -> ValidateResult:
        """Map and validate as Submit would; send nothing. Errors are reported, not raised."""
        profile = self._settings.partner(receiver)
        try:
            record = steps.parse_record(record_json)
            mapping_profile = profile.profile_for_record(document_type, record)
            with steps.rejection():
                mapped = mappings.map_forward(record, mapping_profile, at=self._clock.now(),
                                              interchange=profile.interchange(self._settings.party))
        except DocumentRejected as e:
            return ValidateResult(report=_error_report(e), document=b"", document_format="")
        report = mapped.report.to_dict()
        report["ok"] = True
        return ValidateResult(report=report, document=mapped.document, document_format=mapped.format)

    # Inbound ----------------------------------------------------------------------------------------------

    def receive(self, envelope: Envelope, *, peer: str, transport: str = "swgw-grpc") -> Receipt:
        """Take one envelope from an authenticated partner and return the signed receipt; ``transport`` is the one
        it came by (PartnerExchange or the AS4 endpoint), which must be the one the partner's agreement names."""
        profile = self._profile(peer, transport)
        existing = self._messages.find(envelope.message_id)
        if existing is not None:
            return self._replay(existing, envelope, peer)
        now = self._clock.now()
        steps.check_inbound_envelope(envelope, peer=peer, me=self._settings.party, profile=profile, now=now)
        partner_trust = self._trustbook.for_partner(peer, at=now)
        # From here on the partner is authenticated (its TLS certificate, then its envelope signer): document-level
        # problems, and a signer the partner's own trust has revoked, become signed negative receipts.
        try:
            verified = signatures.verify_envelope_signature(envelope, partner_trust=partner_trust, now=now,
                                                            profile=profile)
            document = steps.map_inbound(verified, profile=profile, partner_trust=partner_trust, now=now,
                                         tsa_trust=self._tsa_trust)
        except DocumentRejected as e:
            log.info("rejected %s from %s: %s", envelope.message_id, peer, e)
            return self._store_inbound(envelope, peer, None, e, now)
        return self._store_inbound(envelope, peer, document, None, now)

    def receive_relayed(self, envelope: Envelope, *, peer: str, relay_chain: Sequence[x509.Certificate]) -> Receipt:
        """Take one envelope a relay (the ePhyto Hub) handed over for ``peer`` and return our signed receipt.

        ``relay_chain`` is the relay's TLS server chain (leaf first); it must validate to the partner's trust, the
        relay's CA. The envelope carries the document only (no sender signature, no business key of ours): its
        business key is read from the document. The same document from the same partner again (the relay handing
        over an envelope whose acknowledgement was lost) is answered with the stored receipt.
        """
        profile = self._profile(peer, "ephyto-hub")
        return self._receive_document(envelope, peer, profile, lambda partner_trust, now: (
            signatures.verify_relayed_envelope(envelope, relay_chain, partner_trust=partner_trust, now=now,
                                               profile=profile)))

    def receive_from_access_point(self, envelope: Envelope, *, peer: str, signer: x509.Certificate) -> Receipt:
        """Take the document an AS4 access point that does not run swgw sent (``peer = "access-point"`` in the
        P-Mode) and return our signed receipt.

        ``signer`` signed the User Message (WS-Security, verified by the AS4 endpoint); validated again to the
        partner's trust under the agreement's signature policy, it is the envelope's signer. The document is in
        the format the agreement names for its type, its business key read from it; the same ebMS MessageId again
        with the same document gets the stored receipt, with another ``DUPLICATE_CONFLICT``.
        """
        profile = self._profile(peer, "as4")
        envelope = replace(envelope, receiver=self._settings.party,
                           document_format=steps.agreed_format(profile, envelope.document_type,
                                                               field_path="envelope.document_type"))
        return self._receive_document(envelope, peer, profile, lambda partner_trust, now: (
            signatures.verify_access_point_envelope(envelope, signer, partner_trust=partner_trust, now=now,
                                                    profile=profile)))

    def _receive_document(self, envelope: Envelope, peer: str, profile: PartnerProfile,
                          verify: Callable[[PartnerTrust, Any], VerifiedEnvelope]) -> Receipt:
        # An envelope that carries the document only, vouched for by ``verify`` (a relay, an access point).
        existing = self._messages.find(envelope.message_id)
        if existing is not None:
            if existing.partner != peer or sha256_hex(envelope.payload) != existing.envelope.payload_sha256:
                raise DuplicateConflict(f"message id {envelope.message_id} is already known with other content",
                                        partner=peer, field_path="envelope.message_id")
            if existing.receipt is None:  # pragma: no cover - inbound rows are always stored with their receipt
                raise MessageNotFound(f"no receipt stored for {envelope.message_id}")
            return signatures.replayable_receipt(existing.receipt, self._identity(peer))
        now = self._clock.now()
        partner_trust = self._trustbook.for_partner(peer, at=now)
        verified = verify(partner_trust, now)
        try:
            envelope = replace(envelope, business_key=steps.relayed_business_key(envelope, profile=profile, now=now))
            steps.check_inbound_envelope(envelope, peer=peer, me=self._settings.party, profile=profile, now=now)
            document = steps.map_inbound(replace(verified, envelope=envelope), profile=profile,
                                         partner_trust=partner_trust, now=now)
        except DocumentRejected as e:
            log.info("rejected %s from %s: %s", envelope.message_id, peer, e)
            return self._store_inbound(envelope, peer, None, e, now)
        return self._store_inbound(envelope, peer, document, None, now)

    def _profile(self, peer: str, transport: str) -> PartnerProfile:
        # A partner is reached one way only: a relay's CA among a partner's anchors must not let a relay's client
        # certificate speak for that partner over gRPC, nor a gRPC partner be handed over by a relay.
        try:
            profile = self._settings.partner(peer)
        except GatewayError:
            raise PartnerUnauthenticated(f"{peer!r} has no agreement with this gateway", partner=peer) from None
        if profile.transport != transport:
            raise PartnerUnauthenticated(f"the agreement with {peer!r} names transport {profile.transport}, not "
                                         f"{transport}", partner=peer)
        return profile

    def _replay(self, existing: StoredMessage, envelope: Envelope, peer: str) -> Receipt:
        # The stored answer belongs to the stored content only. The declared digest is the sender's claim, so the
        # bytes as received are hashed; the signed header adds every other field (attachment digests included,
        # computed from their bytes).
        same = (
            existing.partner == peer
            and sha256_hex(envelope.payload) == existing.envelope.payload_sha256
            and envelope.signed_header() == existing.envelope.signed_header()
        )
        if not same:
            raise DuplicateConflict(
                f"message id {envelope.message_id} is already known with other content", partner=peer,
                field_path="envelope.message_id",
            )
        if existing.receipt is None:  # pragma: no cover - inbound rows are always stored with their receipt
            raise MessageNotFound(f"no receipt stored for {envelope.message_id}")
        return signatures.replayable_receipt(existing.receipt, self._identity(peer))

    def _store_inbound(
        self,
        envelope: Envelope,
        peer: str,
        document: steps.InboundDocument | None,
        error: GatewayError | None,
        now: Any,
    ) -> Receipt:
        errors = (steps.error_info(error),) if error is not None else ()
        receipt = steps.make_receipt(
            envelope, issuer=self._settings.party, receipt_id=self._ids.new_id(), at=now,
            identity=self._identity(peer), errors=errors,
        )
        try:
            stored = self._messages.add_inbound(
                envelope,
                at=now,
                status=MessageStatus.REJECTED if error is not None else MessageStatus.RECEIVED,
                receipt=receipt,
                record_json=json.dumps(document.record, ensure_ascii=False, sort_keys=True) if document else None,
                report_json=json.dumps(_inbound_report(document), ensure_ascii=False) if document else None,
                signer_subject=document.signer_subject if document else None,
                signer_fingerprint=document.signer_fingerprint if document else None,
                error=errors[0] if errors else None,
                domestic_client=route_inbound(self._settings.domestic_clients, peer, envelope.document_type),
            )
        except DuplicateConflict:
            again = self._messages.find(envelope.message_id)
            if again is not None:
                # The same message raced in on another connection or replica: answer as it was answered.
                return self._replay(again, envelope, peer)
            if error is not None:
                raise
            # The business key is already taken by another message: refuse this one, signed and stored.
            refusal = DuplicateConflict(
                f"business key {envelope.business_key} was already received with other content", partner=peer,
                field_path="envelope.business_key",
            )
            return self._store_inbound(envelope, peer, None, refusal, now)
        self._observe(stored, stored.status, now)
        self._signals.status.fire()
        if error is None:
            self._signals.inbound.fire()
        return receipt

    def get_receipt(self, message_id: str, *, peer: str) -> Receipt:
        """The stored receipt of a message ``peer`` delivered earlier."""
        stored = self._messages.find(message_id)
        if stored is None or stored.partner != peer or stored.receipt is None or stored.direction.value != "inbound":
            raise MessageNotFound(f"no message {message_id} received from {peer}", partner=peer,
                                  field_path="message_id")
        return signatures.replayable_receipt(stored.receipt, self._identity(peer))

    def acknowledge(self, message_id: str, *, client: str | None = None) -> StoredMessage:
        """The domestic hub took over an inbound document: mark it HANDED_OVER (idempotent).

        ``client``, the authenticated domestic client when clients are configured, may acknowledge only documents
        routed to it; any other id is unknown to it (MessageNotFound).
        """
        stored = self._messages.get(message_id)
        if client is not None and stored.domestic_client != client:
            raise MessageNotFound(f"{message_id} is not routed to {client}")
        if stored.status is MessageStatus.HANDED_OVER:
            return stored
        at = self._clock.now()
        result = self._messages.transition(message_id, MessageStatus.HANDED_OVER, at=at,
                                           expected=MessageStatus.RECEIVED)
        self._observe(stored, MessageStatus.HANDED_OVER, at)
        self._signals.status.fire()
        self._signals.inbound.fire()
        return result
