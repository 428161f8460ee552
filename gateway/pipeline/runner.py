"""The pipeline runner: runs the pure steps in order and persists each transition through the ports.

It never swallows an error: a step's error either propagates to the transport (and becomes a gRPC status) or,
for inbound documents whose envelope is authentic, becomes a signed negative receipt that is stored like any
other, so that a repeated delivery gets the same answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

import mappings
from cryptography import x509

from trust import LongTerm, PartnerTrust, SigningIdentity

from ..core.domain import (
    Attachment,
    DocumentType,
    Envelope,
    MessageStatus,
    PartyId,
    Receipt,
    VerifiedEnvelope,
    sha256_hex,
)
from ..core.errors import (
    AttachmentIncomplete,
    DocumentRejected,
    DuplicateConflict,
    GatewayError,
    MessageNotFound,
    PartnerUnauthenticated,
)
from ..core.ports import (
    BlobStore,
    Clock,
    DeliveryHandoff,
    DocumentRenderer,
    IdFactory,
    MessageRepository,
    NewInbound,
    StoredMessage,
    TransitionObserver,
    TrustBook,
)
from ..core.partners import PartnerProfile
from ..core.routing import route_inbound
from ..core.settings import Settings
from ..core.signals import Signals
from . import signatures, steps
from .results import PreparedOutbound, SubmitResult, ValidateResult, error_report, ignore, inbound_json

__all__ = ["Pipeline"]

log = logging.getLogger(__name__)


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
        blobs: BlobStore | None = None,
    ) -> None:
        # long_term makes our document signatures long-term; tsa_trust says whose time-stamps prove a time.
        self._long_term = long_term
        self._tsa_trust = tsa_trust
        self._settings = settings
        self._handoff = handoff
        self._blobs = blobs
        self._messages = messages
        self._trustbook = trustbook
        self._identity = identity
        self._clock = clock
        self._ids = ids
        self._signals = signals
        self._render_pdf = render_pdf
        self._observe: TransitionObserver = observer or ignore

    @property
    def party(self) -> PartyId:
        """This gateway's party id."""
        return self._settings.party

    # Outbound ---------------------------------------------------------------------------------------------

    def submit(self, command: steps.SubmitCommand) -> SubmitResult:
        """Validate, map, sign and queue a document for a partner (idempotent by key)."""
        prepared = self.prepare_submission(command)
        if isinstance(prepared, SubmitResult):
            return prepared
        now = self._clock.now()
        # A free delivery worker takes the message at once: stored already claimed, no claim query needed.
        claim = self._handoff.reserve(now) if self._handoff is not None else None
        try:
            stored = self._messages.add_outbound(
                prepared.envelope, at=now, record_json=prepared.record_json, report_json=prepared.report_json,
                idempotency_key=prepared.idempotency_key, domestic_client=prepared.domestic_client, claim=claim,
            )
        except BaseException as error:
            if claim is not None and self._handoff is not None:
                self._handoff.release()
            if isinstance(error, DuplicateConflict):
                earlier = self.submitted_earlier(command)
                if earlier is not None:
                    return earlier
            raise
        self._observe(stored, MessageStatus.QUEUED, stored.created_at)
        if claim is not None and self._handoff is not None:
            self._handoff.deliver_claimed(stored)
        else:
            self._signals.outbound.fire()
        self._signals.status.fire()
        return SubmitResult(stored, prepared.report)

    def prepare_submission(self, command: steps.SubmitCommand, *, known: Mapping[str, StoredMessage] | None = None
                           ) -> SubmitResult | PreparedOutbound:
        """The first result of a repeated idempotency key, or the validated, mapped and signed message to store
        (the steps of Submit before the commit, shared by :meth:`submit` and the group commit). ``known``: the
        messages already stored under the batch's idempotency keys, read at once (None: look this one up)."""
        earlier = self.submitted_earlier(command, known) if command.idempotency_key else None
        if earlier is not None:
            return earlier
        profile = self._settings.partner(command.receiver)
        steps.check_large_attachments(command.attachments, profile, field_path="attachments")
        self.check_stored(command.attachments, field_path="attachments")
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
        return PreparedOutbound(prepared.envelope, prepared.record_json, json.dumps(report, ensure_ascii=False),
                                command.idempotency_key, command.domestic_client, report)

    def submitted_earlier(self, command: steps.SubmitCommand, known: Mapping[str, StoredMessage] | None = None
                          ) -> SubmitResult | None:
        """The result of the message first submitted under ``command``'s idempotency key, if any (a concurrent
        request with the same key may have won the race to the commit); found in ``known`` when given."""
        if not command.idempotency_key:
            return None
        existing = (known.get(command.idempotency_key) if known is not None
                    else self._messages.find_by_idempotency_key(command.domestic_client, command.idempotency_key))
        if existing is None:
            return None
        return SubmitResult(existing, json.loads(existing.report_json or "{}"))

    def queued(self, stored: list[StoredMessage]) -> None:
        """Announce outbound messages stored unclaimed by a group commit: observers, then one wake-up of the
        dispatcher (which claims them in batches) and of the status streams."""
        for message in stored:
            self._observe(message, MessageStatus.QUEUED, message.created_at)
        if stored:
            self._signals.outbound.fire()
            self._signals.status.fire()

    def check_stored(self, attachments: tuple[Attachment, ...], *, field_path: str, partner: str | None = None) -> None:
        """Every large attachment must be in the blob store whole (uploaded, or received on DeliverLarge), and
        must not be a PDF; raises AttachmentIncomplete or DocumentRejected naming the attachment."""
        for index, attachment in enumerate(attachments):
            if attachment.stored is None:
                continue
            found = self._blobs.find(attachment.sha256) if self._blobs is not None else None
            if found is None or found.size != attachment.size:
                raise AttachmentIncomplete(f"attachment {attachment.name!r} ({attachment.sha256}) was not received "
                                           "whole", partner=partner, field_path=f"{field_path}[{index}].sha256")
        if partner is None:
            self._refuse_large_pdfs(attachments, field_path=field_path)

    def _refuse_large_pdfs(self, attachments: tuple[Attachment, ...], *, field_path: str) -> None:
        # A PDF's PAdES signature is verified on the whole file in memory, which a large attachment must never be:
        # a PDF travels in the envelope (within max_payload_bytes), and one sent apart is refused, recognised by its
        # media type or by its first bytes as for attachments in the envelope (steps.is_pdf).
        for index, attachment in enumerate(attachments):
            if attachment.stored is None or self._blobs is None:
                continue
            head = Attachment(attachment.name, attachment.media_type, self._blobs.head(attachment.sha256, 1024))
            if steps.is_pdf(head):
                raise DocumentRejected(f"PDF attachment {attachment.name!r} must travel in the envelope, where its "
                                       "signature is verified", code="ATTACHMENT_NOT_VERIFIABLE",
                                       field_path=f"{field_path}[{index}]")

    def admit_large(self, envelope: Envelope, *, peer: str) -> Receipt | None:
        """Before a large envelope's attachments are read (DeliverLarge): the stored receipt when the message is
        known already, otherwise None after the checks that need no attachment bytes and the envelope signature
        (raises), so that nobody unauthenticated can make this gateway write to disk."""
        profile = self.agreement(peer)
        existing = self._messages.find(envelope.message_id)
        if existing is not None:
            return self._replay(existing, envelope, peer)
        now = self._clock.now()
        steps.check_inbound_envelope(envelope, peer=peer, me=self._settings.party, profile=profile, now=now)
        try:
            signatures.verify_envelope_signature(envelope, partner_trust=self._trustbook.for_partner(peer, at=now),
                                                 now=now, profile=profile)
        except DocumentRejected:
            pass  # authenticated by TLS, refused by its own trust: a signed negative receipt after the transfer
        return None

    def agreement(self, peer: str, transport: str = "swgw-grpc") -> PartnerProfile:
        """The agreement with an authenticated partner that came by ``transport``; raises PartnerUnauthenticated
        when there is none, or when the agreement names another transport: a relay's CA among a partner's anchors
        must not let a relay's client certificate speak for that partner over gRPC, nor a gRPC partner be handed
        over by a relay."""
        try:
            profile = self._settings.partner(peer)
        except GatewayError:
            raise PartnerUnauthenticated(f"{peer!r} has no agreement with this gateway", partner=peer) from None
        if profile.transport != transport:
            raise PartnerUnauthenticated(f"the agreement with {peer!r} names transport {profile.transport}, not "
                                         f"{transport}", partner=peer)
        return profile

    @property
    def messages(self) -> MessageRepository:
        """The message book the pipeline writes to (the group commit stores through it too)."""
        return self._messages

    @property
    def clock(self) -> Clock:
        """The pipeline's clock."""
        return self._clock

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
            return ValidateResult(report=error_report(e), document=b"", document_format="")
        report = mapped.report.to_dict()
        report["ok"] = True
        return ValidateResult(report=report, document=mapped.document, document_format=mapped.format)

    # Inbound ----------------------------------------------------------------------------------------------

    def receive(self, envelope: Envelope, *, peer: str, transport: str = "swgw-grpc") -> Receipt:
        """Take one envelope from an authenticated partner and return the signed receipt; ``transport`` is the one
        it came by (PartnerExchange or the AS4 endpoint), which must be the one the partner's agreement names."""
        assessed = self.assess_inbound(envelope, peer=peer, transport=transport)
        if isinstance(assessed, Receipt):
            return assessed
        return self.store_inbound(assessed, peer)

    def assess_inbound(self, envelope: Envelope, *, peer: str, transport: str = "swgw-grpc",
                       known: Mapping[str, StoredMessage] | None = None) -> Receipt | NewInbound:
        """The stored receipt of a duplicate, or the checked, verified and mapped (or refused) message to store
        with its signed receipt: the steps of Deliver before the commit, shared by :meth:`receive` and the group
        commit. Raises what is answered with a gRPC error (the envelope is not authentic, or not agreed).
        ``known``: the batch's stored messages by id, read at once (None: look this one up)."""
        profile = self.agreement(peer, transport)
        existing = known.get(envelope.message_id) if known is not None else self._messages.find(envelope.message_id)
        if existing is not None:
            return self._replay(existing, envelope, peer)
        now = self._clock.now()
        steps.check_inbound_envelope(envelope, peer=peer, me=self._settings.party, profile=profile, now=now)
        self.check_stored(envelope.attachments, field_path="envelope.attachments", partner=peer)
        partner_trust = self._trustbook.for_partner(peer, at=now)
        # From here on the partner is authenticated (its TLS certificate, then its envelope signer): document-level
        # problems, and a signer the partner's own trust has revoked, become signed negative receipts.
        try:
            verified = signatures.verify_envelope_signature(envelope, partner_trust=partner_trust, now=now,
                                                            profile=profile)
            self._refuse_large_pdfs(envelope.attachments, field_path="envelope.attachments")
            document = steps.map_inbound(verified, profile=profile, partner_trust=partner_trust, now=now,
                                         tsa_trust=self._tsa_trust)
        except DocumentRejected as e:
            log.info("rejected %s from %s: %s", envelope.message_id, peer, e)
            return self._inbound(envelope, peer, None, e, now)
        return self._inbound(envelope, peer, document, None, now)

    def receive_relayed(self, envelope: Envelope, *, peer: str, relay_chain: Sequence[x509.Certificate]) -> Receipt:
        """Take one envelope a relay (the ePhyto Hub) handed over for ``peer`` and return our signed receipt.

        ``relay_chain`` is the relay's TLS server chain (leaf first); it must validate to the partner's trust, the
        relay's CA. The envelope carries the document only (no sender signature, no business key of ours): its
        business key is read from the document. The same document from the same partner again (the relay handing
        over an envelope whose acknowledgement was lost) is answered with the stored receipt.
        """
        profile = self.agreement(peer, "ephyto-hub")
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
        profile = self.agreement(peer, "as4")
        envelope = replace(envelope, receiver=self._settings.party,
                           document_format=steps.agreed_format(profile, envelope.document_type,
                                                               field_path="envelope.document_type"))
        return self._receive_document(envelope, peer, profile, lambda partner_trust, now: (
            signatures.verify_access_point_envelope(envelope, signer, partner_trust=partner_trust, now=now,
                                                    profile=profile)))

    def _receive_document(self, envelope: Envelope, peer: str, profile: PartnerProfile,
                          verify: Callable[[PartnerTrust, datetime], VerifiedEnvelope]) -> Receipt:
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
                                         partner_trust=partner_trust, now=now, tsa_trust=self._tsa_trust)
        except DocumentRejected as e:
            log.info("rejected %s from %s: %s", envelope.message_id, peer, e)
            return self.store_inbound(self._inbound(envelope, peer, None, e, now), peer)
        return self.store_inbound(self._inbound(envelope, peer, document, None, now), peer)

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

    def _inbound(
        self, envelope: Envelope, peer: str, document: steps.InboundDocument | None, error: GatewayError | None,
        now: datetime,
    ) -> NewInbound:
        errors = (steps.error_info(error),) if error is not None else ()
        record_json, report_json = inbound_json(document) if document else (None, None)
        receipt = steps.make_receipt(
            envelope, issuer=self._settings.party, receipt_id=self._ids.new_id(), at=now,
            identity=self._identity(peer), errors=errors,
        )
        return NewInbound(
            envelope,
            status=MessageStatus.REJECTED if error is not None else MessageStatus.RECEIVED,
            receipt=receipt,
            record_json=record_json, report_json=report_json,
            signer_subject=document.signer_subject if document else None,
            signer_fingerprint=document.signer_fingerprint if document else None,
            error=errors[0] if errors else None,
            domestic_client=route_inbound(self._settings.domestic_clients, peer, envelope.document_type),
        )

    def store_inbound(self, item: NewInbound, peer: str) -> Receipt:
        """Store one assessed inbound message on its own and return its receipt; a duplicate that raced in is
        answered as it was, and a business key taken by another message is refused, signed and stored."""
        try:
            stored = self._messages.add_inbound(
                item.envelope, at=item.receipt.received_at, status=item.status, receipt=item.receipt,
                record_json=item.record_json, report_json=item.report_json, signer_subject=item.signer_subject,
                signer_fingerprint=item.signer_fingerprint, error=item.error, domestic_client=item.domestic_client,
            )
        except DuplicateConflict:
            again = self._messages.find(item.envelope.message_id)
            if again is not None:
                # The same message raced in on another connection or replica: answer as it was answered.
                return self._replay(again, item.envelope, peer)
            if item.error is not None:
                raise
            # The business key is already taken by another message: refuse this one, signed and stored.
            refusal = DuplicateConflict(
                f"business key {item.envelope.business_key} was already received with other content", partner=peer,
                field_path="envelope.business_key",
            )
            return self.store_inbound(self._inbound(item.envelope, peer, None, refusal, item.receipt.received_at),
                                      peer)
        self.received(stored)
        return item.receipt

    def received(self, stored: StoredMessage) -> None:
        """Announce a stored inbound message: observers and the status and handover streams."""
        self._observe(stored, stored.status, stored.created_at)
        self._signals.status.fire()
        if stored.status is MessageStatus.RECEIVED:
            self._signals.inbound.fire()

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
