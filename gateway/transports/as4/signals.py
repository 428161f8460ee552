"""ebMS 3.0 Signal Messages: the signed Receipt with non-repudiation information (ebbp:NonRepudiationInformation)
that answers an accepted User Message, and the Error signal that answers a refused one.

A receipt repeats the ds:References of the User Message's signature (what the receiver verified), and carries
swgw's own signed receipt (its JSON form, with the JWS) in eb:Receipt, so that the sender's pipeline verifies and
stores it as it does every receipt.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from ...core.domain import Receipt
from .ebms import As4Error, soap_envelope, timestamp
from .errors import EBMS_ERRORS
from .namespaces import DS, EB, EBBP, SWGW, q
from trust import SignedReference, VerifiedSoap

__all__ = ["ErrorSignal", "ReceiptSignal", "build_error", "build_receipt", "read_signal"]


@dataclass(frozen=True)
class ReceiptSignal:
    """A Receipt signal as read (its signature already verified by the caller)."""

    ref_to_message_id: str
    """The User Message it answers."""
    message_id: str
    """The signal's own eb:MessageId."""
    timestamp: datetime
    """Its eb:Timestamp."""
    references: tuple[SignedReference, ...]
    """The User Message references it repeats (non-repudiation of receipt)."""
    receipt: Receipt | None
    """swgw's signed receipt inside, when the receiver is a swgw gateway."""


@dataclass(frozen=True)
class ErrorSignal:
    """An Error signal as read."""

    ref_to_message_id: str | None
    """The User Message in error, if named."""
    ebms_code: str
    """EBMS:xxxx."""
    description: str
    """eb:Description, or the shortDescription."""
    detail: str | None
    """eb:ErrorDetail: for a swgw receiver, its stable error code."""


def _signal(message_id: str, ref_to: str | None, at: datetime) -> tuple[etree._Element, etree._Element]:
    root, messaging, _body = soap_envelope()
    signal = etree.SubElement(messaging, q(EB, "SignalMessage"))
    info = etree.SubElement(signal, q(EB, "MessageInfo"))
    etree.SubElement(info, q(EB, "Timestamp")).text = timestamp(at)
    etree.SubElement(info, q(EB, "MessageId")).text = message_id
    if ref_to is not None:
        etree.SubElement(info, q(EB, "RefToMessageId")).text = ref_to
    return root, signal


def build_receipt(verified: VerifiedSoap, user_message_id: str, receipt: Receipt, *, message_id: str,
                  at: datetime) -> etree._Element:
    """The (unsigned) Receipt signal for a verified User Message, carrying swgw's signed ``receipt``."""
    root, signal = _signal(message_id, user_message_id, at)
    element = etree.SubElement(signal, q(EB, "Receipt"))
    nri = etree.SubElement(element, q(EBBP, "NonRepudiationInformation"), nsmap={"ebbp": EBBP})
    signature = verified.root.find(f".//{q(DS, 'Signature')}/{q(DS, 'SignedInfo')}")
    assert signature is not None  # verified signatures have one
    for reference in signature.iterfind(q(DS, "Reference")):
        part = etree.SubElement(nri, q(EBBP, "MessagePartNRInformation"))
        part.append(copy.deepcopy(reference))
    carried = etree.SubElement(element, q(SWGW, "Receipt"), nsmap={"swgw": SWGW})
    carried.text = receipt.to_json()
    return root


def build_error(ebms_code: str, *, message_id: str, ref_to: str | None, at: datetime, description: str,
                detail: str | None) -> etree._Element:
    """The (unsigned) Error signal reporting ``ebms_code`` for the User Message ``ref_to``."""
    root, signal = _signal(message_id, ref_to, at)
    known = EBMS_ERRORS.get(ebms_code, EBMS_ERRORS["EBMS:0004"])
    error = etree.SubElement(signal, q(EB, "Error"), {
        "errorCode": ebms_code, "severity": "failure", "category": known.category,
        "shortDescription": known.short_description, "origin": "ebMS",
        **({"refToMessageInError": ref_to} if ref_to else {}),
    })
    text = etree.SubElement(error, q(EB, "Description"))
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    text.text = description
    if detail:
        etree.SubElement(error, q(EB, "ErrorDetail")).text = detail
    return root


def read_signal(messaging: etree._Element) -> ReceiptSignal | ErrorSignal:
    """Read the Signal Message in ``messaging``; raises :class:`As4Error`."""
    signals = messaging.findall(q(EB, "SignalMessage"))
    if len(signals) != 1:
        raise As4Error(f"{len(signals)} eb:SignalMessage elements (one expected)", ebms_code="EBMS:0302",
                       code="RECEIPT_INVALID", field_path="eb:Messaging")
    signal = signals[0]
    ref_to = signal.findtext(f"{q(EB, 'MessageInfo')}/{q(EB, 'RefToMessageId')}")
    error = signal.find(q(EB, "Error"))
    if error is not None:
        return ErrorSignal(
            ref_to_message_id=ref_to or error.get("refToMessageInError"),
            ebms_code=error.get("errorCode", "EBMS:0004"),
            description=(error.findtext(q(EB, "Description")) or error.get("shortDescription") or "").strip(),
            detail=(error.findtext(q(EB, "ErrorDetail")) or "").strip() or None,
        )
    receipt_element = signal.find(q(EB, "Receipt"))
    if receipt_element is None or not ref_to:
        raise As4Error("signal is neither a Receipt nor an Error", ebms_code="EBMS:0302", code="RECEIPT_INVALID",
                       field_path="eb:SignalMessage")
    references = tuple(
        SignedReference(uri=r.get("URI", ""), digest_value=(r.findtext(q(DS, "DigestValue")) or "").strip())
        for r in receipt_element.iterfind(f"{q(EBBP, 'NonRepudiationInformation')}/"
                                          f"{q(EBBP, 'MessagePartNRInformation')}/{q(DS, 'Reference')}")
    )
    carried = receipt_element.findtext(q(SWGW, "Receipt"))
    try:
        receipt = Receipt.from_json(carried) if carried else None
    except (ValueError, KeyError, TypeError) as e:
        raise As4Error(f"unreadable swgw receipt: {e}", ebms_code="EBMS:0302", code="RECEIPT_INVALID",
                       field_path="eb:Receipt/swgw:Receipt") from e
    message_id = (signal.findtext(f"{q(EB, 'MessageInfo')}/{q(EB, 'MessageId')}") or "").strip()
    try:
        at = datetime.fromisoformat((signal.findtext(f"{q(EB, 'MessageInfo')}/{q(EB, 'Timestamp')}") or "").strip())
    except ValueError as e:
        raise As4Error(f"receipt timestamp unreadable: {e}", ebms_code="EBMS:0302", code="RECEIPT_INVALID",
                       field_path="eb:Timestamp") from e
    if not message_id:
        raise As4Error("receipt without eb:MessageId", ebms_code="EBMS:0302", code="RECEIPT_INVALID",
                       field_path="eb:MessageId")
    return ReceiptSignal(ref_to_message_id=ref_to, message_id=message_id,
                         timestamp=at if at.tzinfo else at.replace(tzinfo=UTC), references=references,
                         receipt=receipt)
