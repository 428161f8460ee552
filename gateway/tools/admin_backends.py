"""What the operator CLI talks to: the gateway's database directly (offline), or a running gateway's Operator
service over TLS with an operator certificate (online). Both return the same JSON-ready rows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Protocol

from cryptography import x509
from google.protobuf.json_format import MessageToDict

from trust import CertificateRole, CertificateState

from .._generated.swgw.v1 import envelope_pb2 as pb
from .._generated.swgw.v1 import operator_pb2 as opb
from ..core.domain import MessageStatus
from ..core.ports import Actor, StoredMessage, StoredTrustedCertificate
from ..pipeline.operations import Operations
from ..transports import codec
from .client import GatewayClient

__all__ = ["AdminBackend", "LocalBackend", "RemoteBackend", "message_row"]

Row = dict[str, Any]


class AdminBackend(Protocol):
    """The operator actions the CLI offers."""

    def trust_list(self, partner: str | None) -> list[Row]: ...
    def trust_add(self, partner: str, certificate: bytes, role: CertificateRole,
                  valid_from: datetime | None) -> Row: ...
    def trust_change(self, partner: str, fingerprint: str, state: CertificateState, reason: str | None,
                     effective_at: datetime | None) -> Row: ...
    def import_crl(self, partner: str, crl: bytes) -> Row: ...
    def export(self) -> bytes: ...
    def expiring(self, days: int) -> Row: ...
    def audit(self, limit: int) -> list[Row]: ...
    def audit_verify(self) -> Row: ...
    def messages(self, status: MessageStatus | None, partner: str | None, limit: int) -> list[Row]: ...
    def resend(self, message_id: str) -> Row: ...
    def partners(self) -> list[Row]: ...
    def message(self, message_id: str) -> Row: ...
    def export_message(self, message_id: str) -> bytes: ...


def _cert_row(partner: str, fingerprint: str, role: str, state: str, der: bytes,
              valid_from_use: datetime | None, revoked_at: datetime | None, reason: str | None) -> Row:
    cert = x509.load_der_x509_certificate(der)
    return {
        "partner": partner, "fingerprint": fingerprint, "role": role, "state": state,
        "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
        "not_before": cert.not_valid_before_utc.isoformat(), "not_after": cert.not_valid_after_utc.isoformat(),
        "valid_from_use": valid_from_use.isoformat() if valid_from_use else None,
        "revoked_at": revoked_at.isoformat() if revoked_at else None,
        "revocation_reason": reason or None,
    }


def _record_row(record: StoredTrustedCertificate) -> Row:
    return _cert_row(record.partner, record.fingerprint, record.role, record.state, record.certificate_der,
                     record.valid_from_use, record.revoked_at, record.revocation_reason)


def _proto_row(cert: opb.TrustCertificate) -> Row:
    def ts(field: str) -> datetime | None:
        return codec.from_timestamp(getattr(cert, field)) if cert.HasField(field) else None

    return _cert_row(cert.partner, cert.fingerprint, codec.TRUST_ROLES_BACK[cert.role],
                     codec.TRUST_STATES_BACK[cert.state], cert.certificate_der, ts("valid_from_use"),
                     ts("revoked_at"), cert.revocation_reason)


def message_row(message: StoredMessage, transport: str = "") -> Row:
    """A stored message as the JSON row the CLI prints (``transport``: how its partner is reached)."""
    return {
        "message_id": message.message_id, "direction": message.direction.value, "partner": message.partner,
        "transport": transport,
        "document_type": message.document_type.value, "business_key": str(message.business_key),
        "status": message.status.value, "attempts": message.attempts,
        "created_at": message.created_at.isoformat(), "updated_at": message.updated_at.isoformat(),
        "next_attempt_at": message.next_attempt_at.isoformat() if message.next_attempt_at else None,
        "last_error": message.last_error.to_dict() if message.last_error else None,
    }


class LocalBackend:
    """Operator actions on the gateway's database (the gateway may be running)."""

    def __init__(self, operations: Operations, actor: Actor) -> None:
        self._ops = operations
        self._actor = actor

    def trust_list(self, partner: str | None) -> list[Row]:
        return [_record_row(r) for r in self._ops.trustbook.records(partner)]

    def trust_add(self, partner: str, certificate: bytes, role: CertificateRole,
                  valid_from: datetime | None) -> Row:
        return _record_row(self._ops.add_trust(partner, certificate, role=role, actor=self._actor,
                                               valid_from_use=valid_from))

    def trust_change(self, partner: str, fingerprint: str, state: CertificateState, reason: str | None,
                     effective_at: datetime | None) -> Row:
        return _record_row(self._ops.trustbook.change_state(partner, fingerprint, state, actor=self._actor,
                                                            reason=reason, effective_at=effective_at))

    def import_crl(self, partner: str, crl: bytes) -> Row:
        info = self._ops.trustbook.import_crl(partner, crl, actor=self._actor)
        return {"issuer": info.issuer.rfc4514_string(), "revoked": len(info.revoked_serials),
                "next_update": info.next_update.isoformat() if info.next_update else None}

    def export(self) -> bytes:
        return self._ops.export_own_certificates()

    def expiring(self, days: int) -> Row:
        report = self._ops.expiry_report(timedelta(days=days))
        return {"expiring": [_record_row(r) for r in report.expiring],
                "partners_without_valid_certificate": list(report.partners_without_valid_certificate)}

    def audit(self, limit: int) -> list[Row]:
        return [{"sequence": e.sequence, "at": e.at.isoformat(), "actor": e.actor, "actor_kind": e.actor_kind,
                 "action": e.action, "details": e.details, "entry_hash": e.entry_hash}
                for e in self._ops.audit_entries(limit=limit)]

    def audit_verify(self) -> Row:
        check = self._ops.verify_audit()
        return {"ok": check.ok, "entries": check.entries, "first_bad_sequence": check.first_bad_sequence,
                "problem": check.problem}

    def messages(self, status: MessageStatus | None, partner: str | None, limit: int) -> list[Row]:
        found = self._ops.messages.list_messages(status=status, partner=partner, limit=limit)
        return [message_row(m, self._transport(m.partner)) for m in found]

    def message(self, message_id: str) -> Row:
        """One message with its history and report."""
        message = self._ops.messages.get(message_id)
        row = message_row(message, self._transport(message.partner))
        row["history"] = [
            {"sequence": e.sequence, "status": e.status.value, "at": e.at.isoformat(), "attempt": e.attempt,
             "error": e.error.to_dict() if e.error else None}
            for e in self._ops.messages.history(message.message_id)
        ]
        row["report"] = json.loads(message.report_json) if message.report_json else None
        return row

    def resend(self, message_id: str) -> Row:
        message = self._ops.resend(message_id, actor=self._actor)
        return message_row(message, self._transport(message.partner))

    def _transport(self, partner: str) -> str:
        return next((p.transport for p in self._ops.partners() if p.name == partner), "")

    def export_message(self, message_id: str) -> bytes:
        """The stored envelope and receipt of a message, for offline verification."""
        from .verify_offline import export_message

        message = self._ops.messages.get(message_id)
        return export_message(message.envelope, message.receipt)

    def partners(self) -> list[Row]:
        return [{"party": p.name, "transport": p.transport,
                 "endpoint": p.as4.endpoint_url if p.as4 is not None else p.endpoint,
                 "documents": {d.value: list(p.profiles_for(d)) if len(p.profiles_for(d)) > 1 else m
                               for d, m in p.mapping_profiles.items()}}
                for p in self._ops.partners()]


def _summary_row(summary: pb.MessageSummary) -> Row:
    return MessageToDict(summary, preserving_proto_field_name=True)


class RemoteBackend:
    """Operator actions on a running gateway through its Operator service."""

    def __init__(self, client: GatewayClient) -> None:
        self._client = client
        self._op = client.operator

    def trust_list(self, partner: str | None) -> list[Row]:
        response = self._client.call(self._op.ListTrustCertificates,
                                     opb.ListTrustCertificatesRequest(partner=partner or ""))
        return [_proto_row(c) for c in response.certificates]  # type: ignore[attr-defined]

    def trust_add(self, partner: str, certificate: bytes, role: CertificateRole,
                  valid_from: datetime | None) -> Row:
        roles = {v: k for k, v in codec.TRUST_ROLES_BACK.items()}
        request = opb.AddTrustCertificateRequest(partner=partner, role=roles[role.value],  # type: ignore[arg-type]
                                                 certificate=certificate)
        if valid_from is not None:
            request.valid_from_use.CopyFrom(codec.timestamp(valid_from))
        return _proto_row(self._client.call(self._op.AddTrustCertificate, request).certificate)  # type: ignore[attr-defined]

    def trust_change(self, partner: str, fingerprint: str, state: CertificateState, reason: str | None,
                     effective_at: datetime | None) -> Row:
        states = {v: k for k, v in codec.TRUST_STATES_BACK.items()}
        request = opb.ChangeTrustCertificateStateRequest(partner=partner, fingerprint=fingerprint,
                                                         state=states[state.value],  # type: ignore[arg-type]
                                                         reason=reason or "")
        if effective_at is not None:
            request.effective_at.CopyFrom(codec.timestamp(effective_at))
        return _proto_row(self._client.call(self._op.ChangeTrustCertificateState, request).certificate)  # type: ignore[attr-defined]

    def import_crl(self, partner: str, crl: bytes) -> Row:
        response = self._client.call(self._op.ImportCrl, opb.ImportCrlRequest(partner=partner, crl=crl))
        return MessageToDict(response, preserving_proto_field_name=True)  # type: ignore[arg-type]

    def export(self) -> bytes:
        response = self._client.call(self._op.ExportOwnCertificates, opb.ExportOwnCertificatesRequest())
        return bytes(response.certificates_pem)  # type: ignore[attr-defined]

    def expiring(self, days: int) -> Row:
        response = self._client.call(self._op.ListExpiringCertificates,
                                     opb.ListExpiringCertificatesRequest(within_days=days))
        return {"expiring": [_proto_row(c) for c in response.certificates],  # type: ignore[attr-defined]
                "partners_without_valid_certificate": list(response.partners_without_valid_certificate)}  # type: ignore[attr-defined]

    def audit(self, limit: int) -> list[Row]:
        response = self._client.call(self._op.ListAuditEntries, opb.ListAuditEntriesRequest(limit=limit))
        return [{"sequence": e.sequence, "at": codec.from_timestamp(e.at).isoformat(), "actor": e.actor,
                 "actor_kind": e.actor_kind or None, "action": e.action, "details": json.loads(e.details_json),
                 "entry_hash": e.entry_hash}
                for e in response.entries]  # type: ignore[attr-defined]

    def audit_verify(self) -> Row:
        response = self._client.call(self._op.VerifyAuditLog, opb.VerifyAuditLogRequest())
        return {"ok": response.ok, "entries": response.entries,  # type: ignore[attr-defined]
                "first_bad_sequence": response.first_bad_sequence or None,  # type: ignore[attr-defined]
                "problem": response.problem}  # type: ignore[attr-defined]

    def messages(self, status: MessageStatus | None, partner: str | None, limit: int) -> list[Row]:
        request = opb.ListMessagesRequest(status=codec.status_to_proto(status), partner=partner or "", limit=limit)
        return [_summary_row(m) for m in self._client.call(self._op.ListMessages, request).messages]  # type: ignore[attr-defined]

    def message(self, message_id: str) -> Row:
        """One message with its history."""
        return _summary_row(self._client.status(message_id))

    def export_message(self, message_id: str) -> bytes:
        raise SystemExit("swgw: messages export works offline only (--config)")

    def resend(self, message_id: str) -> Row:
        response = self._client.call(self._op.ResendMessage, opb.ResendMessageRequest(message_id=message_id))
        return _summary_row(response.message)  # type: ignore[attr-defined]

    def partners(self) -> list[Row]:
        response = self._client.call(self._op.ListPartners, opb.ListPartnersRequest())
        return [{"party": p.party.value, "transport": p.transport, "endpoint": p.as4_endpoint_url or p.endpoint,
                 "documents": dict(p.mapping_profiles)} for p in response.partners]  # type: ignore[attr-defined]
