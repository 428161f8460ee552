"""What the operator and domestic commands print: one JSON row shape per thing (the ``--json`` naming of
:mod:`gateway.tools.output`), whether it came from the database or over gRPC, and its table for people."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from google.protobuf.json_format import MessageToDict

from .._generated.swgw.v1 import domestic_exchange_pb2 as dpb
from .._generated.swgw.v1 import envelope_pb2 as pb
from ..transports import codec
from .output import print_json, print_table

__all__ = [
    "emit",
    "print_fields",
    "proto_row",
    "show_audit",
    "show_audit_check",
    "show_certificates",
    "show_expiring",
    "show_message",
    "show_messages",
    "show_partners",
    "show_report",
    "submit_row",
    "summary_row",
]

Row = dict[str, Any]

_DIRECTIONS = {pb.DIRECTION_OUTBOUND: "outbound", pb.DIRECTION_INBOUND: "inbound"}


def emit(json_wanted: bool, data: Any, render: Callable[[Any], None]) -> None:
    """Print ``data`` as JSON when asked, else with ``render`` (a table or aligned fields)."""
    if json_wanted:
        print_json(data)
    else:
        render(data)


def _time(message: Any, field: str) -> str | None:
    return codec.from_timestamp(getattr(message, field)).isoformat() if message.HasField(field) else None


def _error(detail: pb.ErrorDetail) -> Row | None:
    if not detail.code:
        return None
    # As ErrorInfo.to_dict (the offline rows): field_path only where there is one.
    row: Row = {"code": detail.code, "message": detail.message}
    if detail.field_path:
        row["field_path"] = detail.field_path
    return row


def _key(key: pb.BusinessKey) -> str:
    return f"{key.issuer}/{key.number}/v{key.version}"


def proto_row(message: Any) -> Row:
    """Any reply message in the ``--json`` naming: field names as in the proto (snake_case), bytes as hex, enum
    values by their short lower-case name (``CERTIFICATE_STATUS_VALID`` is ``valid``) and message states as in the
    README (``DELIVERED``), times as ISO 8601, business keys as ``ISSUER/NUMBER[/vN]``."""
    return {field.name: ([_proto_value(field, v) for v in value] if _repeated(field) else _proto_value(field, value))
            for field, value in message.ListFields()}


def _repeated(field: Any) -> bool:
    return bool(field.label == field.LABEL_REPEATED)


def _proto_value(field: Any, value: Any) -> Any:
    if field.type == field.TYPE_BYTES:
        return value.hex()
    if field.type == field.TYPE_ENUM:
        if field.enum_type.full_name == "swgw.v1.MessageStatus":
            return _status(value)
        name: str = field.enum_type.values_by_number[value].name if value in field.enum_type.values_by_number \
            else str(value)
        prefix = "".join(f"{part}_" for part in _words(field.enum_type.name))
        return name.removeprefix(prefix).lower()
    if field.type == field.TYPE_MESSAGE:
        if field.message_type.full_name == "google.protobuf.Timestamp":
            return codec.from_timestamp(value).isoformat()
        if field.message_type.full_name == "swgw.v1.BusinessKey":
            return f"{value.issuer}/{value.number}" + (f"/v{value.version}" if value.version else "")
        return proto_row(value)
    return value


def _words(camel: str) -> list[str]:
    """``CertificateStatus`` -> ``["CERTIFICATE", "STATUS"]``: the prefix protobuf style puts on enum values."""
    words, current = [], ""
    for char in camel:
        if char.isupper() and current:
            words.append(current.upper())
            current = ""
        current += char
    return [*words, current.upper()] if current else words


def _status(value: int) -> str | None:
    status = codec.status_from_proto(value)
    return status.value if status is not None else None


def summary_row(summary: pb.MessageSummary) -> Row:
    """A message as the gateway reports it over gRPC, in the same shape as an offline ``messages`` row."""
    row: Row = {
        "message_id": summary.message_id, "direction": _DIRECTIONS.get(summary.direction),
        "partner": summary.partner.value,
        "document_type": codec.document_type_from_proto(summary.document_type).value
        if summary.document_type else None,
        "business_key": _key(summary.business_key), "status": _status(summary.status),
        "attempts": summary.attempts, "created_at": _time(summary, "created_at"),
        "updated_at": _time(summary, "updated_at"), "next_attempt_at": _time(summary, "next_attempt_at"),
        "last_error": _error(summary.last_error) if summary.HasField("last_error") else None,
        "payload_sha256": summary.payload_sha256.hex() or None,
    }
    if summary.history:
        row["history"] = [
            {"sequence": e.sequence, "status": _status(e.status), "at": _time(e, "at"), "attempt": e.attempt,
             "error": _error(e.error) if e.HasField("error") else None}
            for e in summary.history
        ]
    return row


def submit_row(response: dpb.SubmitResponse) -> Row:
    """The answer to Submit: the message id, business key, state, payload digest and the mapping report."""
    report = MessageToDict(response.report, preserving_proto_field_name=True) if response.HasField("report") else None
    return {"message_id": response.message_id, "business_key": _key(response.business_key),
            "status": _status(response.status), "payload_sha256": response.payload_sha256.hex() or None,
            "report": report}


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "-"
    return str(value)


def print_fields(row: Mapping[str, Any], *, skip: Sequence[str] = ()) -> None:
    """``name  value`` lines, names aligned; nested values on one line."""
    shown = [(k, v) for k, v in row.items() if k not in skip]
    width = max((len(k) for k, _ in shown), default=0)
    for key, value in shown:
        print(f"{key.ljust(width)}  {_text(value)}")


def show_messages(rows: Sequence[Row]) -> None:
    """Messages, one line each."""
    print_table(["MESSAGE ID", "DIR", "PARTNER", "DOCUMENT TYPE", "BUSINESS KEY", "STATE", "ATTEMPTS", "UPDATED",
                 "LAST ERROR"],
                [(r["message_id"], r["direction"], r["partner"], r["document_type"], r["business_key"], r["status"],
                  r["attempts"], r["updated_at"], (r["last_error"] or {}).get("code")) for r in rows],
                empty="no messages")


def show_message(row: Row) -> None:
    """One message: its fields, then its history."""
    print_fields(row, skip=("history", "report"))
    if row.get("history"):
        print()
        print_table(["SEQUENCE", "STATE", "AT", "ATTEMPT", "ERROR"],
                    [(e["sequence"], e["status"], e["at"], e["attempt"], _text(e["error"]) if e["error"] else None)
                     for e in row["history"]])


def show_certificates(rows: Sequence[Row]) -> None:
    """Trust certificates, one line each (the fingerprint shortened: any unique prefix names it)."""
    print_table(["PARTNER", "FINGERPRINT", "ROLE", "STATE", "NOT AFTER", "SUBJECT"],
                [(r["partner"], r["fingerprint"][:16], r["role"], r["state"], r["not_after"], r["subject"])
                 for r in rows], empty="no trust certificates")


def show_expiring(report: Row) -> None:
    """The expiry report."""
    show_certificates(report["expiring"])
    if report["partners_without_valid_certificate"]:
        print(f"partners without a valid certificate: {', '.join(report['partners_without_valid_certificate'])}")


def show_audit(rows: Sequence[Row]) -> None:
    """Audit entries, one line each."""
    print_table(["SEQUENCE", "AT", "ACTION", "ACTOR", "DETAILS"],
                [(r["sequence"], r["at"], r["action"], r["actor"], _text(r["details"])) for r in rows],
                empty="no audit entries")


def show_audit_check(row: Row) -> None:
    """The outcome of verifying the audit chain, in one line."""
    if row["ok"]:
        print(f"audit chain intact: {row['entries']} entries verified")
    else:
        print(f"audit chain BROKEN at entry {row['first_bad_sequence']} of {row['entries']}: {row['problem']}")


def show_partners(rows: Sequence[Row]) -> None:
    """Partner agreements, one line each."""
    print_table(["PARTY", "ENDPOINT", "DOCUMENTS (TYPE=PROFILE)"],
                [(r["party"], r["endpoint"], _text(r["documents"])) for r in rows], empty="no partners")


def show_report(report: Row) -> None:
    """A validation report: valid or not, then its findings."""
    findings = report.get("findings", [])
    print(f"{'valid' if report['ok'] else 'INVALID'}: {len(findings)} findings")
    if findings:
        print_table(["SEVERITY", "CODE", "PATH", "MESSAGE"],
                    [(f.get("severity"), f.get("code"), f.get("path"), f.get("message")) for f in findings])
