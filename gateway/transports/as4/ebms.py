"""ebMS 3.0 messages of the AS4 transport: User Messages carrying swgw envelopes, and the Receipt and Error
signals that answer them. Building and reading only; signing is :mod:`trust.wssec`'s.

A User Message is built from the agreement's P-Mode (:class:`gateway.core.partners.As4Settings`): party ids and
roles, service, the action agreed for the document type, agreement reference and MPC. The swgw envelope header
travels as eb:MessageProperties (so a Domibus plug-in sees business key, format and action as properties), its
JWS signature too. The payload and attachments are base64 parts of the SOAP Body under one eb:PartInfo, or, when
the P-Mode's packaging is SOAP with Attachments, MIME parts (optionally gzip-compressed) each named by its own
eb:PartInfo (:mod:`.mime` frames them, :mod:`.payloads` reads them back).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from lxml import etree

from trust.swa import Part

from ...core.domain import (
    Action,
    Attachment,
    BusinessKey,
    DocumentType,
    Envelope,
    PartyId,
    Signature,
    signature_from_dict,
    signature_to_dict,
)
from ...core.partners import As4Settings
from .namespaces import EB, SOAP, SWGW, q

__all__ = ["As4Error", "PartInfo", "UserMessage", "build_message", "build_user_message", "envelope_from_user_message",
           "read_user_message", "soap_envelope", "timestamp"]

_SOAP_NSMAP = {"env": SOAP, "eb": EB}


class As4Error(Exception):
    """An ebMS message that cannot be read; ``ebms_code`` is the EBMS:xxxx error to answer with, ``code`` the
    gateway's code and ``field_path`` the element at fault."""

    def __init__(self, message: str, *, ebms_code: str = "EBMS:0009", code: str = "ENVELOPE_INVALID",
                 field_path: str | None = None) -> None:
        super().__init__(message)
        self.ebms_code = ebms_code
        self.code = code
        self.field_path = field_path


@dataclass(frozen=True)
class PartInfo:
    """One eb:PayloadInfo/eb:PartInfo: where a payload is (``cid:`` for a MIME part, None for the Body) and its
    eb:PartProperties (MimeType, CompressionType, ...)."""

    href: str | None
    """The href attribute, if any."""
    properties: Mapping[str, str]
    """eb:PartProperties by name."""


@dataclass(frozen=True)
class UserMessage:
    """What an inbound User Message says, as read (before any agreement check)."""

    message_id: str
    """eb:MessageInfo/eb:MessageId."""
    timestamp: str
    """eb:MessageInfo/eb:Timestamp as written."""
    from_party: str
    """eb:From/eb:PartyId."""
    to_party: str
    """eb:To/eb:PartyId."""
    service: str
    """eb:Service."""
    action: str
    """eb:Action."""
    agreement_ref: str | None
    """eb:AgreementRef, if any."""
    mpc: str
    """The mpc attribute (the default MPC when absent)."""
    properties: Mapping[str, str]
    """eb:MessageProperties by name."""
    parts: Mapping[str, tuple[str, str | None, bytes]]
    """The payloads by part id (``payload``, ``attachment-0``, ...): (MimeType, FileName, bytes). As read, the
    ``swgw:Part`` carriers of the Body; :func:`.payloads.resolve_parts` replaces them by what the P-Mode's
    packaging says."""
    part_infos: tuple[PartInfo, ...] = ()
    """eb:PayloadInfo, in order."""


def timestamp(at: datetime) -> str:
    """xsd:dateTime in UTC with milliseconds and Z, as ebMS writes it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def soap_envelope() -> tuple[etree._Element, etree._Element, etree._Element]:
    """A fresh SOAP 1.2 envelope with an eb:Messaging header; returns (envelope, eb:Messaging, Body)."""
    root = etree.Element(q(SOAP, "Envelope"), nsmap=_SOAP_NSMAP)
    header = etree.SubElement(root, q(SOAP, "Header"))
    messaging = etree.SubElement(header, q(EB, "Messaging"))
    messaging.set(q(SOAP, "mustUnderstand"), "true")
    body = etree.SubElement(root, q(SOAP, "Body"))
    return root, messaging, body


def _sub(parent: etree._Element, tag: str, text: str | None = None, /, **attributes: str | None) -> etree._Element:
    element = etree.SubElement(parent, q(EB, tag), {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _party(parent: etree._Element, name: str, party_id: str, party_type: str, role: str) -> None:
    side = _sub(parent, name)
    _sub(side, "PartyId", party_id, type=party_type)
    _sub(side, "Role", role)


def _properties(envelope: Envelope, pmode: As4Settings) -> dict[str, str]:
    key = envelope.business_key
    properties = {
        # The eDelivery four-corner properties Domibus expects by default.
        "originalSender": pmode.our_party_id,
        "finalRecipient": pmode.partner_party_id,
        "swgw.sender": envelope.sender.value,
        "swgw.senderScheme": envelope.sender.scheme,
        "swgw.receiver": envelope.receiver.value,
        "swgw.receiverScheme": envelope.receiver.scheme,
        "swgw.documentType": envelope.document_type.value,
        "swgw.documentFormat": envelope.document_format,
        "swgw.action": envelope.action.value,
        "swgw.businessKey": f"{key.issuer}/{key.number}/{key.version}",
        "swgw.createdAt": envelope.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "swgw.payloadSha256": envelope.payload_sha256,
    }
    if envelope.refers_to is not None:
        ref = envelope.refers_to
        properties["swgw.refersTo"] = f"{ref.issuer}/{ref.number}/{ref.version}"
    if envelope.signature is not None:
        properties["swgw.signature"] = json.dumps(signature_to_dict(envelope.signature), sort_keys=True)
    return properties


def build_user_message(envelope: Envelope, pmode: As4Settings, *, at: datetime) -> etree._Element:
    """The unsigned SOAP envelope of a User Message carrying ``envelope`` under ``pmode``, its payloads in the
    SOAP Body (see :func:`build_message` for MIME parts)."""
    root, _parts = build_message(envelope, replace(pmode, packaging="body", compress=False), at=at)
    return root


def build_message(envelope: Envelope, pmode: As4Settings, *, at: datetime) -> tuple[etree._Element, dict[str, Part]]:
    """The unsigned SOAP envelope of a User Message carrying ``envelope`` under ``pmode`` and its MIME parts by
    Content-ID (none when the P-Mode's packaging is the Body).

    The ebMS MessageId is the envelope's message id, so that the receiver's duplicate elimination by MessageId and
    ours by envelope id are one and the same.
    """
    root, messaging, body = soap_envelope()
    user = _sub(messaging, "UserMessage", mpc=pmode.mpc)
    info = _sub(user, "MessageInfo")
    _sub(info, "Timestamp", timestamp(at))
    _sub(info, "MessageId", envelope.message_id)
    parties = _sub(user, "PartyInfo")
    _party(parties, "From", pmode.our_party_id, pmode.party_id_type, pmode.initiator_role)
    _party(parties, "To", pmode.partner_party_id, pmode.party_id_type, pmode.responder_role)
    collaboration = _sub(user, "CollaborationInfo")
    if pmode.agreement_ref:
        _sub(collaboration, "AgreementRef", pmode.agreement_ref)
    _sub(collaboration, "Service", pmode.service, type=pmode.service_type)
    _sub(collaboration, "Action", pmode.actions[envelope.document_type])
    _sub(collaboration, "ConversationId", f"{envelope.business_key.issuer}/{envelope.business_key.number}")
    properties = _sub(user, "MessageProperties")
    for name, value in _properties(envelope, pmode).items():
        _sub(properties, "Property", value, name=name)
    payload_info = _sub(user, "PayloadInfo")
    kind = "application/xml" if envelope.payload.lstrip()[:1] == b"<" else "application/octet-stream"
    files: list[tuple[str, str, str | None, bytes]] = [("payload", kind, None, envelope.payload)]
    files += [(f"attachment-{i}", a.media_type, a.name, a.content) for i, a in enumerate(envelope.attachments)]
    if pmode.packaging == "swa":
        # SOAP with Attachments: one MIME part per payload, in order (the document first), each named by its
        # eb:PartInfo and signed by a cid: reference; gzip-compressed before signing when the P-Mode says so.
        parts: dict[str, Part] = {}
        for part_id, media_type, file_name, content in files:
            content_id = f"{part_id}@{envelope.message_id}"
            part_properties = _sub(_sub(payload_info, "PartInfo", href=f"cid:{content_id}"), "PartProperties")
            _sub(part_properties, "Property", media_type, name="MimeType")
            if file_name is not None:
                _sub(part_properties, "Property", file_name, name="FileName")
            if pmode.compress:
                _sub(part_properties, "Property", "application/gzip", name="CompressionType")
                parts[content_id] = ("application/octet-stream", gzip.compress(content, mtime=0))
            else:
                parts[content_id] = (media_type, content)
        return root, parts
    # One part without href: per ebMS 3.0 (5.2.2.12) the payload is the SOAP Body, which the WS-Security signature
    # covers. The Body holds the document and its attachments as base64 swgw:Part elements, each with its media
    # type (and file name for attachments).
    part_properties = _sub(_sub(payload_info, "PartInfo"), "PartProperties")
    _sub(part_properties, "Property", "application/xml", name="MimeType")
    for part_id, media_type, file_name, content in files:
        carrier = etree.SubElement(body, q(SWGW, "Part"), nsmap={"swgw": SWGW}, id=part_id, MimeType=media_type)
        if file_name is not None:
            carrier.set("FileName", file_name)
        carrier.text = base64.b64encode(content).decode("ascii")
    return root, {}


def _text(parent: etree._Element, path: str, field: str) -> str:
    element = parent.find(path, namespaces={"eb": EB})
    value = (element.text or "").strip() if element is not None else ""
    if not value:
        raise As4Error(f"missing {field}", field_path=field)
    return value


def read_user_message(messaging: etree._Element, body: etree._Element) -> UserMessage:
    """Read the User Message in ``messaging`` and its parts in ``body``; raises :class:`As4Error`."""
    users = messaging.findall(q(EB, "UserMessage"))
    if len(users) != 1:
        raise As4Error(f"{len(users)} eb:UserMessage elements (one expected)", field_path="eb:Messaging")
    user = users[0]
    properties = {p.get("name", ""): (p.text or "") for p in user.iterfind("eb:MessageProperties/eb:Property",
                                                                            namespaces={"eb": EB})}
    infos = tuple(
        PartInfo(href=info.get("href"),
                 properties={p.get("name", ""): (p.text or "").strip()
                             for p in info.iterfind("eb:PartProperties/eb:Property", namespaces={"eb": EB})})
        for info in user.iterfind("eb:PayloadInfo/eb:PartInfo", namespaces={"eb": EB}))
    parts: dict[str, tuple[str, str | None, bytes]] = {}
    for carrier in body.iterfind(q(SWGW, "Part")):
        part_id = carrier.get("id", "")
        if not part_id or part_id in parts:
            raise As4Error(f"swgw:Part id {part_id!r} is missing or repeated", field_path="env:Body")
        try:
            content = base64.b64decode(carrier.text or "", validate=True)
        except binascii.Error as e:
            raise As4Error(f"swgw:Part {part_id!r} is not base64", field_path="env:Body") from e
        parts[part_id] = (carrier.get("MimeType", "application/octet-stream"), carrier.get("FileName"), content)
    return UserMessage(
        message_id=_text(user, "eb:MessageInfo/eb:MessageId", "eb:MessageId"),
        timestamp=_text(user, "eb:MessageInfo/eb:Timestamp", "eb:Timestamp"),
        from_party=_text(user, "eb:PartyInfo/eb:From/eb:PartyId", "eb:From/eb:PartyId"),
        to_party=_text(user, "eb:PartyInfo/eb:To/eb:PartyId", "eb:To/eb:PartyId"),
        service=_text(user, "eb:CollaborationInfo/eb:Service", "eb:Service"),
        action=_text(user, "eb:CollaborationInfo/eb:Action", "eb:Action"),
        agreement_ref=user.findtext("eb:CollaborationInfo/eb:AgreementRef", namespaces={"eb": EB}),
        mpc=user.get("mpc") or As4Settings.mpc,
        properties=properties,
        parts=parts,
        part_infos=infos,
    )


def _key(value: str, field: str) -> BusinessKey:
    issuer, _, rest = value.partition("/")
    number, _, version = rest.rpartition("/")
    if not issuer or not number or not version.isdigit():
        raise As4Error(f"{field} must be issuer/number/version", field_path=field)
    return BusinessKey(issuer, number, int(version))


def envelope_from_user_message(message: UserMessage, document_type: DocumentType) -> Envelope:
    """The swgw envelope a User Message carries (``document_type`` is what the P-Mode says its action means)."""
    p = message.properties

    def prop(name: str) -> str:
        if name not in p:
            raise As4Error(f"missing message property {name}", ebms_code="EBMS:0009", field_path=f"eb:Property[{name}]")
        return p[name]

    payload = message.parts.get("payload")
    if payload is None:
        raise As4Error("no payload part", ebms_code="EBMS:0011", field_path="eb:PayloadInfo")
    attachments = []
    for part_id, (mime, file_name, content) in message.parts.items():
        if part_id != "payload":
            attachments.append(Attachment(name=file_name or part_id, media_type=mime, content=content))
    try:
        signature: Signature | None = signature_from_dict(json.loads(p["swgw.signature"])) \
            if "swgw.signature" in p else None
        created = datetime.fromisoformat(prop("swgw.createdAt"))
        action = Action(prop("swgw.action"))
    except (ValueError, KeyError, TypeError) as e:
        raise As4Error(f"unreadable swgw message property: {e}", field_path="eb:MessageProperties") from e
    if prop("swgw.documentType") != document_type.value:
        raise As4Error("swgw.documentType differs from what eb:Action means", ebms_code="EBMS:0003",
                       code="DOCUMENT_TYPE_NOT_AGREED", field_path="eb:Property[swgw.documentType]")
    return Envelope(
        message_id=message.message_id,
        business_key=_key(prop("swgw.businessKey"), "eb:Property[swgw.businessKey]"),
        sender=PartyId(prop("swgw.sender"), p.get("swgw.senderScheme") or PartyId("x").scheme),
        receiver=PartyId(prop("swgw.receiver"), p.get("swgw.receiverScheme") or PartyId("x").scheme),
        document_type=document_type,
        document_format=prop("swgw.documentFormat"),
        action=action,
        created_at=created,
        payload=payload[2],
        payload_sha256=prop("swgw.payloadSha256"),
        attachments=tuple(attachments),
        refers_to=_key(p["swgw.refersTo"], "eb:Property[swgw.refersTo]") if "swgw.refersTo" in p else None,
        signature=signature,
    )
