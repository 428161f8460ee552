"""The message book: search with filters and paging, a message's timeline, its documents and receipt, resend."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from google.protobuf import json_format
from werkzeug.wrappers import Response as BaseResponse

from ...core.domain import Direction, DocumentType, MessageStatus
from ...core.errors import MessageNotFound, RequestMalformed
from ...core.ports import Role, StoredMessage
from .. import codec
from .web import context, current_actor, notify, requires, utc_time

__all__ = ["blueprint"]

blueprint = Blueprint("messages", __name__)

#: Messages per page of the book.
PAGE = 25

#: File name extensions of payload formats, so that a downloaded document opens in the right program.
_EXTENSIONS = {"pdf": ".pdf", "edifact": ".edi", "json": ".json"}


def _enum(kind: type, field: str) -> object:
    value = request.args.get(field) or None
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        raise RequestMalformed(f"unknown {field} {value!r}", field_path=field) from None


def _time(field: str) -> datetime | None:
    return utc_time(request.args.get(field), field)


@blueprint.get("/messages")
def book() -> str:
    """Search the message book."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    filters = {
        "partner": request.args.get("partner") or None,
        "status": _enum(MessageStatus, "state"),
        "direction": _enum(Direction, "direction"),
        "document_type": _enum(DocumentType, "type"),
        "business_key": (request.args.get("key") or "").strip() or None,
        "since": _time("since"),
        "until": _time("until"),
    }
    # One more than a page tells whether a next page exists without counting the whole book.
    found = context().operations.messages.list_messages(limit=PAGE + 1, offset=(page - 1) * PAGE,
                                                        **filters)  # type: ignore[arg-type]
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "messages.html", title="Message book", messages=found[:PAGE], page=page, more=len(found) > PAGE,
        query=query, partners=[p.name for p in context().operations.partners()],
        states=[s.value for s in MessageStatus], types=[t.value for t in DocumentType],
        directions=[d.value for d in Direction])


def _message(message_id: str) -> StoredMessage:
    found = context().operations.messages.find(message_id)
    if found is None:
        abort(404)
    return found


@blueprint.get("/messages/<message_id>")
def timeline(message_id: str) -> str:
    """One message: its header, every status event, its documents and receipt, and the resend action."""
    message = _message(message_id)
    history = context().operations.messages.history(message_id)
    report = json.loads(message.report_json) if message.report_json else None
    return render_template("message.html", title=f"Message {message_id}", message=message, history=history,
                           report=report)


def _safe_name(name: str, fallback: str) -> str:
    # Message ids and attachment names are chosen by senders: keep only characters that cannot end the header's
    # quoted file name or climb out of a download folder.
    return "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-")).lstrip(".") or fallback


def _download(content: bytes, name: str, media_type: str) -> Response:
    name = _safe_name(name, "download")
    response = Response(content, mimetype=media_type)
    # Always an attachment: a stored document is never rendered inside the console's origin.
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.get("/messages/<message_id>/document")
def document(message_id: str) -> Response:
    """The document (payload) as sent or received."""
    envelope = _message(message_id).envelope
    extension = next((e for k, e in _EXTENSIONS.items() if k in envelope.document_format.lower()), ".xml")
    media = "application/octet-stream" if extension != ".xml" else "application/xml"
    return _download(envelope.payload, f"{message_id}{extension}", media)


@blueprint.get("/messages/<message_id>/attachments/<int:index>")
def attachment(message_id: str, index: int) -> Response:
    """One attachment of the envelope."""
    attachments = _message(message_id).envelope.attachments
    if not 0 <= index < len(attachments):
        abort(404)
    item = attachments[index]
    return _download(item.content, _safe_name(item.name, f"attachment-{index}"), "application/octet-stream")


@blueprint.get("/messages/<message_id>/receipt")
def receipt(message_id: str) -> Response:
    """The receipt (with its signature) as protobuf JSON, the form ``swgw messages export`` writes."""
    message = _message(message_id)
    if message.receipt is None:
        abort(404)
    data = json.dumps(json_format.MessageToDict(codec.receipt_to_proto(message.receipt)), indent=1).encode()
    return _download(data, f"{message_id}.receipt.json", "application/json")


@blueprint.route("/messages/<message_id>/resend", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def resend(message_id: str) -> BaseResponse | str:
    """Confirm, then queue a FAILED outbound message again through the operator action the gRPC service uses."""
    message = _message(message_id)
    if request.method == "GET":
        return render_template("confirm.html", title="Resend message", subject=f"message {message_id}",
                               facts=[("Partner", message.partner), ("Business key", str(message.business_key)),
                                      ("State", message.status.value), ("Attempts", str(message.attempts))],
                               warning="The message goes back to the queue and is delivered again with the same id.",
                               action=url_for("messages.resend", message_id=message_id), button="Resend message",
                               back=url_for("messages.timeline", message_id=message_id), fields=[])
    try:
        context().operations.resend(message_id, actor=current_actor())
    except MessageNotFound:
        abort(404)
    notify("ok", f"Message {message_id} is queued again.")
    return redirect(url_for("messages.timeline", message_id=message_id))
