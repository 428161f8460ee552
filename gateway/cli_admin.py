"""Operator sub-commands: ``swgw trust``, ``swgw messages`` and ``swgw partners`` against a gateway's database."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509

from trust import CertificateRole, CertificateState

from .domain import MessageStatus
from .operations import Operations
from .ports import StoredMessage, TrustRecord

__all__ = ["add_admin_commands"]


def _ops(args: argparse.Namespace) -> Operations:
    from .app import open_operations
    from .cli import load_settings

    return open_operations(load_settings(args.config))


def _actor() -> str:
    return f"cli:{os.environ.get('SUDO_USER') or os.environ.get('USER') or 'unknown'}"


def _trust_row(record: TrustRecord) -> dict[str, Any]:
    cert = x509.load_der_x509_certificate(record.certificate_der)
    return {
        "partner": record.partner, "fingerprint": record.fingerprint, "role": record.role, "state": record.state,
        "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
        "not_before": cert.not_valid_before_utc.isoformat(), "not_after": cert.not_valid_after_utc.isoformat(),
        "valid_from_use": record.valid_from_use.isoformat() if record.valid_from_use else None,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
        "revocation_reason": record.revocation_reason,
    }


def _message_row(message: StoredMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id, "direction": message.direction.value, "partner": message.partner,
        "document_type": message.document_type.value, "business_key": str(message.business_key),
        "status": message.status.value, "attempts": message.attempts,
        "created_at": message.created_at.isoformat(), "updated_at": message.updated_at.isoformat(),
        "next_attempt_at": message.next_attempt_at.isoformat() if message.next_attempt_at else None,
        "last_error": message.last_error.to_dict() if message.last_error else None,
    }


def _print(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _find(ops: Operations, partner: str, prefix: str) -> TrustRecord:
    matches = [r for r in ops.trustbook.records(partner) if r.fingerprint.startswith(prefix.lower())]
    if len(matches) != 1:
        raise SystemExit(f"swgw: {len(matches)} certificates of {partner} match {prefix!r}")
    return matches[0]


def _trust(args: argparse.Namespace) -> int:
    ops = _ops(args)
    action = args.trust_command
    if action == "list":
        _print([_trust_row(r) for r in ops.trustbook.records(args.partner)])
    elif action == "show":
        _print(_trust_row(_find(ops, args.partner, args.fingerprint)))
    elif action == "add":
        valid_from = datetime.fromisoformat(args.valid_from) if args.valid_from else None
        record = ops.add_trust(args.partner, args.certificate.read_bytes(), role=CertificateRole(args.role),
                               actor=_actor(), valid_from_use=valid_from)
        _print(_trust_row(record))
    elif action in ("activate", "retire", "revoke"):
        record = _find(ops, args.partner, args.fingerprint)
        state = {"activate": CertificateState.ACTIVE, "retire": CertificateState.RETIRING,
                 "revoke": CertificateState.REVOKED}[action]
        effective = datetime.fromisoformat(args.effective_at) if getattr(args, "effective_at", None) else None
        _print(_trust_row(ops.trustbook.change_state(
            args.partner, record.fingerprint, state, actor=_actor(), reason=getattr(args, "reason", None),
            effective_at=effective,
        )))
    elif action == "import-crl":
        info = ops.trustbook.import_crl(args.partner, args.crl.read_bytes(), actor=_actor())
        _print({"issuer": info.issuer.rfc4514_string(), "revoked": len(info.revoked_serials),
                "next_update": info.next_update.isoformat() if info.next_update else None})
    elif action == "export":
        sys.stdout.buffer.write(ops.export_own_certificates())
    elif action == "expiring":
        report = ops.expiry_report(timedelta(days=args.days))
        _print({"expiring": [_trust_row(r) for r in report.expiring],
                "partners_without_valid_certificate": list(report.partners_without_valid_certificate)})
    elif action == "audit":
        if args.verify:
            check = ops.verify_audit()
            _print({"ok": check.ok, "entries": check.entries, "first_bad_sequence": check.first_bad_sequence,
                    "problem": check.problem})
            return 0 if check.ok else 1
        _print([{"sequence": e.sequence, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                 "details": e.details, "entry_hash": e.entry_hash} for e in ops.audit_entries(limit=args.limit)])
    return 0


def _messages(args: argparse.Namespace) -> int:
    ops = _ops(args)
    if args.messages_command == "list":
        status = MessageStatus(args.status) if args.status else None
        _print([_message_row(m) for m in ops.messages.list_messages(status=status, partner=args.partner,
                                                                    limit=args.limit)])
    elif args.messages_command == "show":
        message = ops.messages.get(args.message_id)
        row = _message_row(message)
        row["history"] = [
            {"sequence": e.sequence, "status": e.status.value, "at": e.at.isoformat(), "attempt": e.attempt,
             "error": e.error.to_dict() if e.error else None}
            for e in ops.messages.history(message.message_id)
        ]
        row["report"] = json.loads(message.report_json) if message.report_json else None
        _print(row)
    elif args.messages_command == "resend":
        _print(_message_row(ops.resend(args.message_id, actor=_actor())))
    return 0


def _partners(args: argparse.Namespace) -> int:
    ops = _ops(args)
    _print([{"party": p.name, "endpoint": p.endpoint, "documents": {d.value: m for d, m in p.mapping_profiles.items()},
             "retry": {"strategy": p.retry.strategy, "max_attempts": p.retry.max_attempts}}
            for p in ops.partners()])
    return 0


def add_admin_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the operator sub-commands."""
    def config(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path, required=True, help="the gateway's configuration file")

    trust_parser = sub.add_parser("trust", help="partner trust certificates and the audit log")
    tsub = trust_parser.add_subparsers(dest="trust_command", required=True)
    p = tsub.add_parser("list", help="list trust certificates")
    p.add_argument("--partner")
    config(p)
    p = tsub.add_parser("show", help="show one certificate")
    p.add_argument("partner")
    p.add_argument("fingerprint", help="SHA-256 fingerprint or a unique prefix")
    config(p)
    p = tsub.add_parser("add", help="add a certificate to a partner's trust")
    p.add_argument("partner")
    p.add_argument("certificate", type=Path, help="PEM or DER file")
    p.add_argument("--role", default="anchor", choices=[r.value for r in CertificateRole])
    p.add_argument("--valid-from", help="ISO time from which it is accepted (pending until then)")
    config(p)
    for name, helptext in (("activate", "make a pending certificate active"),
                           ("retire", "stop using a certificate for sending, keep accepting it")):
        p = tsub.add_parser(name, help=helptext)
        p.add_argument("partner")
        p.add_argument("fingerprint")
        config(p)
    p = tsub.add_parser("revoke", help="revoke a certificate")
    p.add_argument("partner")
    p.add_argument("fingerprint")
    p.add_argument("--reason", required=True)
    p.add_argument("--effective-at", help="ISO time from which it is refused (default now)")
    config(p)
    p = tsub.add_parser("import-crl", help="import a CRL issued by a partner's CA")
    p.add_argument("partner")
    p.add_argument("crl", type=Path)
    config(p)
    p = tsub.add_parser("export", help="print our own certificates (PEM) for partners to trust")
    config(p)
    p = tsub.add_parser("expiring", help="certificates expiring soon and partners without valid trust")
    p.add_argument("--days", type=int, default=90)
    config(p)
    p = tsub.add_parser("audit", help="show the audit log, or verify its hash chain")
    p.add_argument("--verify", action="store_true")
    p.add_argument("--limit", type=int, default=100)
    config(p)
    trust_parser.set_defaults(func=_trust)

    messages_parser = sub.add_parser("messages", help="the message book")
    msub = messages_parser.add_subparsers(dest="messages_command", required=True)
    p = msub.add_parser("list", help="list messages, newest first")
    p.add_argument("--status", choices=[s.value for s in MessageStatus])
    p.add_argument("--partner")
    p.add_argument("--limit", type=int, default=50)
    config(p)
    p = msub.add_parser("show", help="one message with its history")
    p.add_argument("message_id")
    config(p)
    p = msub.add_parser("resend", help="queue a FAILED message again (keeps its id)")
    p.add_argument("message_id")
    config(p)
    messages_parser.set_defaults(func=_messages)

    p = sub.add_parser("partners", help="list partner agreements")
    config(p)
    p.set_defaults(func=_partners)


