"""The payloads of an inbound User Message, as the P-Mode says they travel, and the envelope an access point that
does not run swgw sends us.

The P-Mode's ``packaging`` decides where payloads are (never the message): in the SOAP Body, or as MIME parts
(SOAP with Attachments) named by ``cid:`` in eb:PartInfo. MIME parts are read decrypted (by :mod:`trust.swa`) and
are decompressed here when their eb:PartInfo says ``CompressionType = application/gzip``. For a partner whose
``peer = "access-point"``, the first payload is the document (unwrapped from its Standard Business Document when
the P-Mode says ``sbdh``), the others its attachments.
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

from lxml import etree

import trust
from trust.swa import Part

from ...core.domain import Action, Attachment, BusinessKey, DocumentType, Envelope, PartyId, sha256_hex
from ...core.partners import As4Settings, PartnerProfile
from .ebms import As4Error, UserMessage

__all__ = ["SBDH", "access_point_envelope", "resolve_parts"]

SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
"""The namespace of the UN/CEFACT Standard Business Document Header."""
_GZIP = "application/gzip"


def _external(message: str, field: str = "eb:PayloadInfo") -> As4Error:
    return As4Error(message, ebms_code="EBMS:0011", code="ENVELOPE_INVALID", field_path=field)


def _decompress(content: bytes, where: str, max_bytes: int) -> bytes:
    reader = zlib.decompressobj(wbits=31)  # gzip framing only
    try:
        plain = reader.decompress(content, max_bytes + 1)
    except zlib.error as e:
        raise As4Error(f"{where} does not decompress: {e}", ebms_code="EBMS:0303", code="ENVELOPE_INVALID",
                       field_path=where) from e
    if len(plain) > max_bytes:
        # A small compressed part may expand without bound: stop at the limit instead of filling memory.
        raise As4Error(f"{where} decompresses to more than {max_bytes} bytes", ebms_code="EBMS:0103",
                       code="PAYLOAD_TOO_LARGE", field_path=where)
    if not reader.eof:
        raise As4Error(f"{where} is not one complete gzip stream", ebms_code="EBMS:0303", code="ENVELOPE_INVALID",
                       field_path=where)
    return plain


def resolve_parts(message: UserMessage, pmode: As4Settings, body: etree._Element, mime: Mapping[str, Part],
                  *, max_bytes: int) -> UserMessage:
    """``message`` with its payloads where ``pmode`` says they are: ``mime`` are the MIME parts by Content-ID
    (decrypted, still compressed). Raises EBMS:0011 for payloads elsewhere or missing, EBMS:0303 for a part that
    does not decompress."""
    infos = message.part_infos
    if not infos:
        raise _external("no eb:PartInfo: the message carries no payload")
    if pmode.packaging == "body":
        if len(infos) != 1 or infos[0].href or mime:
            raise _external("the P-Mode carries payloads in the SOAP Body: one eb:PartInfo without href and no "
                            "MIME parts")
        if pmode.peer == "swgw":
            return message
        elements = [e for e in body if isinstance(e.tag, str)]
        if len(elements) != 1:
            raise _external(f"the SOAP Body holds {len(elements)} elements; the document is its one child",
                            "env:Body")
        document = etree.tostring(elements[0], encoding="UTF-8")
        media_type = infos[0].properties.get("MimeType", "application/xml")
        return replace(message, parts={"payload": (media_type, None, document)})
    parts: dict[str, tuple[str, str | None, bytes]] = {}
    named: set[str] = set()
    for n, info in enumerate(infos):
        content_id = (info.href or "")[len("cid:"):] if (info.href or "").startswith("cid:") else ""
        if not content_id or content_id not in mime or content_id in named:
            raise _external(f"eb:PartInfo[{n}] must name one MIME part of the message by cid: (the P-Mode carries "
                            "payloads as MIME parts)", f"eb:PartInfo[{n}]/@href")
        named.add(content_id)
        content = mime[content_id][1]
        compression = info.properties.get("CompressionType")
        if compression is not None:
            if compression != _GZIP:
                raise As4Error(f"CompressionType {compression!r} is not {_GZIP}", ebms_code="EBMS:0303",
                               code="ENVELOPE_INVALID", field_path=f"eb:PartInfo[{n}]")
            content = _decompress(content, f"eb:PartInfo[{n}]", max_bytes)
        media_type = info.properties.get("MimeType") or mime[content_id][0]
        parts["payload" if n == 0 else f"attachment-{n - 1}"] = (media_type, info.properties.get("FileName"), content)
    if set(mime) - named:
        raise _external(f"MIME parts {sorted(set(mime) - named)} are named by no eb:PartInfo")
    if any(isinstance(e.tag, str) for e in body):
        raise _external("the P-Mode carries payloads as MIME parts; the SOAP Body must be empty", "env:Body")
    return replace(message, parts=parts)


def _unwrap_sbdh(document: bytes, max_bytes: int) -> bytes:
    """The business document inside a Standard Business Document, as its own XML document."""
    try:
        root = trust.parse_xml(document, max_bytes=max_bytes)
    except trust.TrustError as e:
        raise _external(f"the payload is not the Standard Business Document the P-Mode says: {e.message}") from e
    children = [e for e in root if isinstance(e.tag, str)]
    if root.tag != f"{{{SBDH}}}StandardBusinessDocument" or len(children) != 2 \
            or children[0].tag != f"{{{SBDH}}}StandardBusinessDocumentHeader":
        raise _external("the payload is not a Standard Business Document (its header, then one document)")
    # A copy of the document in a tree of its own, without the wrapper's namespace declarations, so that its
    # canonical form (which its own signature may cover) is what its author signed.
    inner = copy.deepcopy(children[1])
    etree.cleanup_namespaces(inner)
    return etree.tostring(inner, xml_declaration=True, encoding="UTF-8")


def access_point_envelope(message: UserMessage, *, partner: PartnerProfile, me: PartyId, document_type: DocumentType,
                          max_bytes: int) -> Envelope:
    """The envelope a plain ebMS User Message from ``partner``'s access point stands for (its payloads resolved):
    the ebMS MessageId, eb:Timestamp, the document and its attachments. The format (the agreement's for the
    document type) and the business key (read from the document) are the pipeline's to fill in. An access point
    issues; amendments and cancellations are swgw's own and need ``peer = "swgw"``."""
    pmode: As4Settings = partner.as4  # type: ignore[assignment]  # an AS4 partner's profile has its P-Mode
    payload = message.parts.get("payload")
    if payload is None:
        raise _external("no payload")
    document = _unwrap_sbdh(payload[2], max_bytes) if pmode.sbdh else payload[2]
    try:
        created = datetime.fromisoformat(message.timestamp.replace("Z", "+00:00"))
    except ValueError as e:
        raise As4Error(f"eb:Timestamp {message.timestamp!r} is not an xsd:dateTime", field_path="eb:Timestamp") from e
    attachments = tuple(Attachment(name=name or part_id, media_type=media_type, content=content)
                        for part_id, (media_type, name, content) in message.parts.items() if part_id != "payload")
    return Envelope(
        message_id=message.message_id,
        business_key=BusinessKey(issuer=partner.party.value, number=message.message_id, version=1),
        sender=partner.party,
        receiver=me,
        document_type=document_type,
        document_format="",
        action=Action.ISSUE,
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
        payload=document,
        payload_sha256=sha256_hex(document),
        attachments=attachments,
    )
