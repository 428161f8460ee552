"""What the pipeline answers: Submit's and Validate's results, and the reports it stores with messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trust.timestamp import UNTRUSTED_TIMESTAMP

from ..core.domain import MessageStatus
from ..core.errors import GatewayError
from ..core.ports import NewOutbound, StoredMessage
from . import steps

__all__ = [
    "PreparedOutbound", "SubmitResult", "ValidateResult", "error_report", "ignore", "inbound_json", "inbound_report",
]


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


@dataclass(frozen=True)
class PreparedOutbound(NewOutbound):
    """An outbound message to store, with its mapping report as a dict too: what ``report_json`` encodes, kept for
    Submit's answer so that the JSON just written is not decoded again."""

    report: dict[str, Any]
    """The mapping report, JSON-ready (``report_json`` is its encoding)."""


def error_report(error: GatewayError) -> dict[str, Any]:
    """A refused record's report, JSON-ready, with ``ok`` false and the error among its findings."""
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


def ignore(message: StoredMessage, status: MessageStatus, at: datetime) -> None:
    """The observer when nobody observes."""


def inbound_report(document: steps.InboundDocument) -> dict[str, Any]:
    """An accepted inbound document's report, with trust's warnings as findings."""
    report: dict[str, Any] = document.report.to_dict()
    # trust/ emits two warnings: a time-stamp no trusted TSA made (so the signer was judged now), and the ones
    # where a policy turns a refusal into a warning, which today is the agreement's "revocation_unknown = warn".
    for warning in document.warnings:
        code = "TIMESTAMP_UNTRUSTED" if warning.startswith(UNTRUSTED_TIMESTAMP) else "REVOCATION_UNKNOWN"
        report.setdefault("findings", []).append(
            {"severity": "WARNING", "code": code, "path": "envelope.payload", "message": warning})
    return report


# json.dumps with options builds an encoder per call; these are built once (encode keeps no state between calls).
_RECORD_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_REPORT_ENCODER = json.JSONEncoder(ensure_ascii=False)


def inbound_json(document: steps.InboundDocument) -> tuple[str, str]:
    """What is stored of an accepted inbound document: its record as JSON with sorted keys, and its report
    (:func:`inbound_report`) as JSON."""
    return _RECORD_ENCODER.encode(document.record), _REPORT_ENCODER.encode(inbound_report(document))
