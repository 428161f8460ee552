"""The MIME envelope of an AS4 message with SOAP-with-Attachments payloads (multipart/related, SOAP 1.2 root part),
read and written by the standard library's ``email`` package.

Parts are named by Content-ID (without the angle brackets), as ``cid:`` URIs in eb:PartInfo/@href and in the
WS-Security references name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from trust.swa import Part

from .ebms import As4Error

__all__ = ["SOAP_CONTENT_TYPE", "join", "split"]

SOAP_CONTENT_TYPE = "application/soap+xml; charset=UTF-8"
"""The media type of an AS4 message without MIME parts, and of the root part of one with them."""

_PARSER = BytesParser(policy=policy.HTTP)
# CRLF line ends (RFC 2046) and base64 lines of the usual length.
_POLICY = policy.HTTP.clone(max_line_length=76)


def _mime_error(message: str) -> As4Error:
    return As4Error(message, ebms_code="EBMS:0007", code="REQUEST_MALFORMED", field_path="Content-Type")


def split(content_type: str, body: bytes) -> tuple[bytes, dict[str, Part]]:
    """The SOAP envelope and the other parts (by Content-ID) of a request with ``content_type``; a plain SOAP
    request has no parts. Raises EBMS:0007 MimeInconsistency for a multipart message that cannot be read."""
    if not content_type.strip().lower().startswith("multipart/"):
        return body, {}
    message = _PARSER.parsebytes(b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + body)
    if message.get_content_type() != "multipart/related" or not message.is_multipart():
        raise _mime_error(f"{message.get_content_type()} is not multipart/related")
    start = (message.get_param("start", header="content-type") or "")
    start = str(start).strip().strip("<>")
    soap: bytes | None = None
    parts: dict[str, Part] = {}
    for part in message.iter_parts():
        content = part.get_payload(decode=True)
        content_id = str(part.get("Content-ID", "")).strip().strip("<>")
        if not isinstance(content, bytes):
            raise _mime_error(f"MIME part {content_id or '(root)'} is itself multipart")
        is_root = content_id == start if start else (soap is None and part.get_content_type() == "application/soap+xml")
        if is_root:
            soap = content
            continue
        if not content_id or content_id in parts:
            raise _mime_error(f"a MIME part without Content-ID or with a repeated one ({content_id!r})")
        parts[content_id] = (part.get("Content-Type", "application/octet-stream"), content)
    if soap is None:
        raise _mime_error("no SOAP 1.2 root part")
    return soap, parts


def join(soap: bytes, parts: Mapping[str, Part]) -> tuple[str, bytes]:
    """The Content-Type and body of a multipart/related message: ``soap`` first, then ``parts`` (base64)."""
    message = EmailMessage(policy=_POLICY)
    message.set_type("multipart/related")
    message.set_param("type", "application/soap+xml")
    message.set_param("start", "<soap-part@swgw>")
    root = EmailMessage(policy=_POLICY)
    root.set_content(soap, "application", "soap+xml", cte="binary", params={"charset": "UTF-8"})
    root["Content-ID"] = "<soap-part@swgw>"
    message.attach(root)
    for content_id, (media_type, content) in parts.items():
        maintype, _, subtype = media_type.partition(";")[0].strip().partition("/")
        part = EmailMessage(policy=_POLICY)
        part.set_content(content, maintype or "application", subtype or "octet-stream", cte="base64")
        part["Content-ID"] = f"<{content_id}>"
        message.attach(part)
    data = message.as_bytes(policy=_POLICY)
    headers, _, body = data.partition(b"\r\n\r\n")
    return str(message["Content-Type"]), body
