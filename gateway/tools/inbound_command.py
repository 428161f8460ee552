"""``swgw inbound``: the domestic hub's side of ReceiveInbound, for a window without a hub yet or for tests.

Each inbound document is written to ``OUT/<message id>/`` and acknowledged only once that folder is durably on
disk: the files are written into a temporary folder, each fsynced, the folder renamed into place and the parent
fsynced. A crash before the acknowledgement leaves the document RECEIVED at the gateway, which offers it again;
a folder already there (a document offered again) is kept as it is and acknowledged.

Files: ``record.json`` (the document mapped to the domestic catalog), ``document.<xml|edi|pdf|bin>`` (the signed
document as the partner sent it), ``attachments/<name>`` and ``meta.json`` (sender, type, business key, signer,
received_at, mapping report; the ``--json`` naming).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_choices import DOCUMENT_TYPES
from .output import JSON_HELP

if TYPE_CHECKING:
    from .._generated.swgw.v1 import domestic_exchange_pb2 as dpb

__all__ = ["add_inbound_command", "meta", "write_document"]


def _suffix(document: bytes) -> str:
    head = document.lstrip()[:8]
    if head.startswith(b"<"):
        return "xml"
    if head.startswith((b"UNA", b"UNB")):
        return "edi"
    if head.startswith(b"%PDF"):
        return "pdf"
    return "bin"


def _safe_name(name: str, index: int) -> str:
    # The sender chose the name: never a path, a hidden file or something a shell would trip over.
    keep = "".join(c for c in name if c.isalnum() or c in "-_.")
    return keep if keep and not keep.startswith(".") and keep == name else f"attachment-{index}"


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def meta(document: dpb.InboundDocument) -> dict[str, Any]:
    """The ``meta.json`` (and ``--json``) description of an inbound document."""
    from google.protobuf.json_format import MessageToDict

    from ..transports import codec

    def key(k: Any) -> str:
        return f"{k.issuer}/{k.number}/v{k.version}"

    return {
        "message_id": document.message_id, "sender": document.sender.value,
        "document_type": codec.document_type_from_proto(document.document_type).value,
        "action": codec.action_from_proto(document.action).value, "business_key": key(document.business_key),
        "refers_to": key(document.refers_to) if document.HasField("refers_to") else None,
        "document_format": document.document_format, "signer_subject": document.signer_subject or None,
        "signer_fingerprint": document.signer_fingerprint or None,
        "received_at": codec.from_timestamp(document.received_at).isoformat()
        if document.HasField("received_at") else None,
        "attachments": [a.name for a in document.attachments],
        "report": MessageToDict(document.report, preserving_proto_field_name=True)
        if document.HasField("report") else None,
    }


def write_document(out: Path, document: dpb.InboundDocument) -> Path:
    """Write ``document`` durably to ``out/<message id>/`` (kept as is when there already) and return it."""
    message_id = document.message_id
    if not message_id or _safe_name(message_id, 0) != message_id:
        raise ValueError(f"unusable message id {message_id!r}")
    final = out / message_id
    if final.is_dir():
        return final
    temporary = out / f".{message_id}.partial"
    if temporary.exists():  # left by a crash mid-write: start over
        for path in sorted(temporary.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        temporary.rmdir()
    temporary.mkdir()
    _write(temporary / "record.json", document.record_json)
    _write(temporary / f"document.{_suffix(document.signed_document)}", document.signed_document)
    if document.attachments:
        (temporary / "attachments").mkdir()
        for index, attachment in enumerate(document.attachments):
            _write(temporary / "attachments" / _safe_name(attachment.name, index), attachment.content)
        _fsync_dir(temporary / "attachments")
    _write(temporary / "meta.json", json.dumps(meta(document), indent=2, ensure_ascii=False).encode())
    _fsync_dir(temporary)
    os.rename(temporary, final)
    _fsync_dir(out)
    return final


def _run(args: argparse.Namespace) -> int:
    from ..core.domain import DocumentType
    from ..transports import codec
    from .cli import domestic_client

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    types = [codec.document_type_to_proto(DocumentType(t)) for t in args.type or ()]
    stop = threading.Event()
    if args.follow:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    taken = 0

    def handle(document: dpb.InboundDocument) -> None:
        nonlocal taken
        folder = write_document(out, document)
        taken += 1
        if args.json:
            print(json.dumps({**meta(document), "folder": str(folder)}, ensure_ascii=False), flush=True)
        else:
            print(f"{document.message_id}  {document.sender.value}  "
                  f"{codec.document_type_from_proto(document.document_type).value}  "
                  f"{document.business_key.issuer}/{document.business_key.number}/v{document.business_key.version}"
                  f"  -> {folder}", flush=True)

    with domestic_client(args) as client:
        while True:
            left = args.max - taken if args.max else 1000
            client.receive(max_documents=left, timeout=args.wait, handle=handle, document_types=types)
            if not args.follow or stop.is_set() or (args.max and taken >= args.max):
                break
    if not args.json:
        print(f"{taken} documents written to {out} and acknowledged")
    return 0


def add_inbound_command(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                        client_options: Any) -> None:
    """Register ``swgw inbound``; ``client_options`` adds --gateway/--config and the TLS client options."""
    p = sub.add_parser("inbound", help="act as the domestic hub: receive inbound documents into a folder and "
                                       "acknowledge each once it is on disk")
    p.add_argument("--out", type=Path, required=True, help="folder to write OUT/<message id>/ into")
    p.add_argument("--type", action="append", choices=DOCUMENT_TYPES,
                   help="only this document type (repeat for several): %(choices)s")
    p.add_argument("--wait", type=float, default=5.0,
                   help="seconds to wait for documents (per round with --follow; default %(default)s)")
    p.add_argument("--max", type=int, default=0, help="stop after this many documents (default: no limit)")
    p.add_argument("--follow", action="store_true", help="keep receiving until interrupted (SIGINT, SIGTERM)")
    p.add_argument("--json", action="store_true", help=JSON_HELP + "; one object per line, as documents arrive")
    client_options(p)
    p.set_defaults(func=_run)
