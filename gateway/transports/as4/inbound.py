"""The inbound side of AS4, without sockets: one User Message in, one signed Receipt or Error signal out.

The order follows the inbound path of every transport: the TLS client certificate names a partner; the User
Message must name the same partner (eb:From) and match its P-Mode (eb:To, service, action, agreement, MPC); its
payloads are decrypted (the Body, or MIME parts) and its WS-Security signature must verify against that partner's
trust, covering eb:Messaging, the Body and every MIME part; then what it carries goes through the same pipeline as
the gRPC PartnerExchange service (envelope checks, duplicate elimination by message id, which is the ebMS MessageId,
document signature, mapping, storage) and the signed receipt comes back inside the AS4 receipt.

What it carries depends on the P-Mode's ``peer``, never on the message: from a swgw gateway, the swgw envelope
(``swgw.*`` properties and the envelope's JWS); from any other access point, the document itself, whose envelope
signature is the access point's WS-Security signature (:meth:`gateway.pipeline.runner.Pipeline.
receive_from_access_point`). Such a partner is answered with a Receipt only for a document the pipeline accepted,
with an ebMS Error otherwise.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from cryptography import x509
from lxml import etree

import trust
from trust import SigningIdentity

from ...core.domain import DocumentType, PartyId, ReceiptOutcome
from ...core.errors import GatewayError
from ...core.partners import As4Settings, PartnerProfile
from ...core.ports import Clock, TrustBook
from ...pipeline.runner import Pipeline
from .ebms import As4Error, UserMessage, envelope_from_user_message, read_user_message
from .errors import ebms_code_for
from .mime import SOAP_CONTENT_TYPE, split
from .namespaces import EB, SOAP, WSSE, q
from .payloads import access_point_envelope, resolve_parts
from .signals import build_error, build_receipt

__all__ = ["As4Inbound"]

log = logging.getLogger(__name__)


class As4Inbound:
    """Answers AS4 User Messages from the partners whose agreement names ``transport = "as4"``."""

    def __init__(self, *, pipeline: Pipeline, partners: Sequence[PartnerProfile], trustbook: TrustBook,
                 clock: Clock, identity: Callable[[str | None], SigningIdentity], max_bytes: int,
                 me: PartyId) -> None:
        self._pipeline = pipeline
        self._me = me
        self._partners = {p.as4.partner_party_id: p for p in partners if p.transport == "as4" and p.as4 is not None}
        self._trustbook = trustbook
        self._clock = clock
        self._identity = identity
        self._max = max_bytes

    def handle(self, body: bytes, *, peer_certificate: x509.Certificate | None,
               content_type: str = SOAP_CONTENT_TYPE) -> bytes:
        """The signed answer (SOAP envelope bytes) to one POSTed message of ``content_type`` (SOAP, or
        multipart/related with MIME parts); never raises for bad input."""
        now = self._clock.now()
        ref_to: str | None = None
        partner: PartnerProfile | None = None
        try:
            soap, mime = split(content_type, body)
            root = trust.parse_xml(soap, max_bytes=self._max)
            header = root.find(q(SOAP, "Header"))
            messaging = header.find(q(EB, "Messaging")) if header is not None else None
            soap_body = root.find(q(SOAP, "Body"))
            if header is None or root.tag != q(SOAP, "Envelope") or messaging is None or soap_body is None:
                raise As4Error("not a SOAP 1.2 envelope with eb:Messaging", field_path="env:Envelope")
            message = read_user_message(messaging, soap_body)
            ref_to = message.message_id
            partner = self._partner(message, peer_certificate, now)
            document_type = _check_pmode(message, partner)
            pmode: As4Settings = partner.as4  # type: ignore[assignment]  # _partner found it among AS4 partners
            if mime and pmode.packaging != "swa":
                raise As4Error(f"the P-Mode with {partner.name} carries payloads in the SOAP Body, not in MIME parts",
                               ebms_code="EBMS:0011", code="ENVELOPE_INVALID", field_path="eb:PayloadInfo")
            identity = self._identity(partner.name)
            security = header.find(q(WSSE, "Security"))
            decrypted = trust.decrypt_parts(security, identity, mime) if security is not None and mime else {}
            encrypted = trust.decrypt_body(root, identity) or (bool(mime) and set(decrypted) == set(mime))
            if pmode.encryption_certificate_file is not None and not encrypted:
                raise As4Error(f"the P-Mode with {partner.name} requires encrypted payloads",
                               ebms_code="EBMS:0103", code="ENVELOPE_INVALID", field_path="env:Body")
            # What the signature covers: the parts' plaintext (the eDelivery profile signs, then encrypts).
            parts = {cid: decrypted.get(cid, part) for cid, part in mime.items()}
            verified = trust.verify_soap(root, partner_trust=self._trustbook.for_partner(partner.name, at=now), at=now,
                                         parts=parts)
            # Read again from what the signature covers (and, once decrypted, the plaintext parts).
            message = resolve_parts(read_user_message(verified.messaging, verified.body), pmode, verified.body, parts,
                                    max_bytes=self._max)
            if pmode.peer == "access-point":
                envelope = access_point_envelope(message, partner=partner, me=self._me, document_type=document_type,
                                                 max_bytes=self._max)
                receipt = self._pipeline.receive_from_access_point(envelope, peer=partner.name,
                                                                   signer=verified.signer)
                if receipt.outcome is not ReceiptOutcome.ACCEPTED:
                    # An access point takes any Receipt signal for delivery: a refused document is an Error.
                    first = receipt.errors[0] if receipt.errors else None
                    code = first.code if first is not None else "DOCUMENT_REJECTED"
                    raise As4Error(first.message if first is not None else "document rejected",
                                   ebms_code=ebms_code_for(code), code=code,
                                   field_path=first.field_path if first is not None else None)
            else:
                envelope = envelope_from_user_message(message, document_type)
                receipt = self._pipeline.receive(envelope, peer=partner.name, transport="as4")
            answer = build_receipt(verified, message.message_id, receipt, message_id=_new_id(), at=self._clock.now())
        except As4Error as e:
            answer = self._error(e.ebms_code, e.code, f"{e} [{e.field_path}]" if e.field_path else str(e), ref_to, now)
        except trust.TrustError as e:
            answer = self._error(ebms_code_for(e.code), e.code, e.message, ref_to, now)
        except GatewayError as e:
            where = f" [{e.field_path}]" if e.field_path else ""
            answer = self._error(ebms_code_for(e.code), e.code, f"{e.message}{where}", ref_to, now)
        except Exception:  # noqa: BLE001 - a fault of ours: answer "try again", leak nothing
            log.exception("AS4 message %s could not be processed", ref_to)
            # No gateway code: EBMS:0004 alone tells the sender to try again.
            answer = self._error("EBMS:0004", None, "internal error", ref_to, now)
        trust.sign_soap(answer, self._identity(partner.name if partner else None), id_prefix=f"id-{uuid.uuid4().hex}")
        return etree.tostring(answer, xml_declaration=True, encoding="UTF-8")

    def _error(self, ebms_code: str, code: str | None, description: str, ref_to: str | None,
               now: datetime) -> etree._Element:
        log.info("AS4 message %s refused: %s %s: %s", ref_to, ebms_code, code, description)
        return build_error(ebms_code, message_id=_new_id(), ref_to=ref_to, at=now, description=description,
                           detail=code)

    def _partner(self, message: UserMessage, peer_certificate: x509.Certificate | None,
                 now: datetime) -> PartnerProfile:
        partner = self._partners.get(message.from_party)
        if partner is None:
            raise As4Error(f"no AS4 agreement with {message.from_party!r}", ebms_code="EBMS:0101",
                           code="PARTNER_UNAUTHENTICATED", field_path="eb:From/eb:PartyId")
        if peer_certificate is None:
            raise As4Error("no TLS client certificate", ebms_code="EBMS:0101", code="PARTNER_UNAUTHENTICATED")
        try:
            peer = self._trustbook.identify(peer_certificate, [], at=now)
        except trust.TrustError as e:
            raise As4Error(f"TLS client certificate belongs to no partner: {e.code}", ebms_code="EBMS:0101",
                           code="PARTNER_UNAUTHENTICATED") from e
        if peer != partner.name:
            raise As4Error(f"TLS client {peer!r} sends as {message.from_party!r}", ebms_code="EBMS:0101",
                           code="SENDER_MISMATCH", field_path="eb:From/eb:PartyId")
        return partner


def _check_pmode(message: UserMessage, partner: PartnerProfile) -> DocumentType:
    """The document type the P-Mode's action means; raises EBMS:0010 for anything the P-Mode does not say."""
    pmode: As4Settings = partner.as4  # type: ignore[assignment]  # _partner found it among the AS4 partners
    expected = {
        "eb:To/eb:PartyId": (message.to_party, pmode.our_party_id),
        "eb:Service": (message.service, pmode.service),
        "eb:UserMessage/@mpc": (message.mpc, pmode.mpc),
    }
    if pmode.agreement_ref is not None:
        expected["eb:AgreementRef"] = (message.agreement_ref or "", pmode.agreement_ref)
    for field, (got, agreed) in expected.items():
        if got != agreed:
            raise As4Error(f"{field} is {got!r}; the P-Mode with {partner.name} says {agreed!r}",
                           ebms_code="EBMS:0010", code="ENVELOPE_INVALID", field_path=field)
    for document_type, action in pmode.actions.items():
        if action == message.action:
            return document_type
    raise As4Error(f"eb:Action {message.action!r} is not agreed with {partner.name}", ebms_code="EBMS:0010",
                   code="DOCUMENT_TYPE_NOT_AGREED", field_path="eb:Action")


def _new_id() -> str:
    # ebMS MessageIds of signals are ours alone; the content-id form (id@host) is what Domibus writes.
    return f"{uuid.uuid4()}@swgw"
