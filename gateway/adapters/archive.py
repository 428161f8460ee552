"""The retention archive: one folder per purged message, verifiable offline.

``<root>/<document-type>/<YYYY>/<MM>/<message-id>/`` (month of the message's creation) holds:

* ``message.json``: the exported message (``swgw-message/1``: envelope with payload, attachments and signature,
  and the receipt), which ``swgw verify message.json --trust DIR`` checks;
* ``document.xml`` (``document.edi`` for EDIFACT, ``document.bin`` otherwise): the payload as sent or received,
  which xmlsec1 checks by itself; a detached signature (``document-signature.xml``) and every other attachment
  lie beside it under their own names, so that the detached signature's reference ``document.xml`` resolves;
* ``record.json``, ``report.json``: the domestic record and the mapping report; ``history.json``: the status
  events with their times, attempts and errors.

A folder is written under a temporary name, synced and renamed into place, so it is complete or absent; writing a
message again (a run that died before its purge) replaces it. The archive adapter writes the exchange's wire
format (``gateway.transports.export``), like the partner client speaks it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..core.ports import StatusEvent, StoredMessage
from ..transports.export import export_message

__all__ = ["FolderArchive", "MemoryArchive"]

_OWN = {"message.json", "record.json", "report.json", "history.json", "document.xml", "document.edi", "document.bin"}


def _document_name(payload: bytes) -> str:
    head = payload[:16].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "document.xml"
    if head.startswith((b"UNA", b"UNB")):
        return "document.edi"
    return "document.bin"


def _attachment_name(name: str) -> str:
    # A partner chose the name: keep it only as a plain file name that cannot collide with ours.
    base = os.path.basename(name.replace("\\", "/"))
    if not base or base in _OWN or base.startswith(".") or base != name:
        return f"attachment-{hashlib.sha256(name.encode()).hexdigest()[:8]}-{base.lstrip('.') or 'file'}"
    return base


def _files(message: StoredMessage, history: Sequence[StatusEvent]) -> dict[str, bytes]:
    envelope = message.envelope
    files = {"message.json": export_message(envelope, message.receipt),
             _document_name(envelope.payload): envelope.payload}
    for attachment in envelope.attachments:
        files[_attachment_name(attachment.name)] = attachment.content
    if message.record_json is not None:
        files["record.json"] = message.record_json.encode()
    if message.report_json is not None:
        files["report.json"] = message.report_json.encode()
    files["history.json"] = json.dumps([
        {"status": e.status.value, "previous_status": e.previous_status.value if e.previous_status else None,
         "at": e.at.isoformat(), "attempt": e.attempt, "error": e.error.to_dict() if e.error else None}
        for e in history], indent=1).encode()
    return files


def _location(message: StoredMessage) -> str:
    created = message.created_at
    return f"{message.document_type.value}/{created:%Y}/{created:%m}/{message.message_id}"


class FolderArchive:
    """:class:`~gateway.core.ports.MessageArchive` in a folder of the file system."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def store(self, message: StoredMessage, history: Sequence[StatusEvent]) -> str:
        """Write one message's folder (complete or not at all) and return its path relative to the root."""
        location = _location(message)
        target = self.root / location
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
        for name, content in _files(message, history).items():
            with open(staging / name, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        if target.exists():
            shutil.rmtree(target)
        os.rename(staging, target)
        descriptor = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)  # the rename itself survives a power loss
        finally:
            os.close(descriptor)
        return location


class MemoryArchive:
    """The in-memory twin: the files of each stored message by location."""

    def __init__(self) -> None:
        self.folders: dict[str, dict[str, bytes]] = {}
        """Location -> file name -> content."""

    def store(self, message: StoredMessage, history: Sequence[StatusEvent]) -> str:
        """Keep the files in memory."""
        location = _location(message)
        self.folders[location] = _files(message, history)
        return location
