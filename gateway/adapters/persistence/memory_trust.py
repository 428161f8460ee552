"""In-memory twins of the trust and audit repositories (combined into ``MemoryMessageRepository``)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from trust import CertificateRole

from ...core.audit import audit_entry_hash
from ...core.ports import Actor, AuditEntry, StoredTrustedCertificate
from .checks import canonical_details, optional_utc, parse_crl, utc

__all__ = ["MemoryAuditRepository", "MemoryTrustRepository"]


@dataclass(frozen=True)
class _Crl:
    this_update: datetime
    issuer_name: str
    der: bytes


def _copy(entry: AuditEntry) -> AuditEntry:
    # Details are a mutable dict: hand out copies, as the database does.
    return replace(entry, details=json.loads(canonical_details(entry.details)))


class MemoryTrustRepository:
    """:class:`~gateway.core.ports.TrustRepository` in memory."""

    def __init__(self) -> None:
        super().__init__()
        self._trust_lock = threading.Lock()
        self._trust: dict[tuple[str, str], StoredTrustedCertificate] = {}
        self._crls: dict[tuple[str, str], _Crl] = {}
        self._trust_version = 0

    def list_trust(self, partner: str | None = None) -> list[StoredTrustedCertificate]:
        """Stored certificates, optionally of one partner, by partner and time added."""
        with self._trust_lock:
            records = [r for r in self._trust.values() if partner in (None, r.partner)]
        return sorted(records, key=lambda r: (r.partner, r.added_at, r.fingerprint))

    def upsert_trust(self, record: StoredTrustedCertificate) -> None:
        """Insert or replace the row keyed by (partner, fingerprint)."""
        record = replace(
            record,
            added_at=utc(record.added_at, "added_at"),
            valid_from_use=optional_utc(record.valid_from_use, "valid_from_use"),
            revoked_at=optional_utc(record.revoked_at, "revoked_at"),
        )
        with self._trust_lock:
            self._trust[(record.partner, record.fingerprint)] = record
            self._trust_version += 1

    def change_trust_role(
        self, partner: str, fingerprint: str, *, expected: CertificateRole, role: CertificateRole
    ) -> bool:
        """Set the role of one row if it is still ``expected``; True when this call changed it."""
        with self._trust_lock:
            record = self._trust.get((partner, fingerprint))
            if record is None or record.role != expected:
                return False
            self._trust[(partner, fingerprint)] = replace(record, role=role)
            self._trust_version += 1
            return True

    def trust_version(self) -> int:
        """A counter increased by every trust or CRL change."""
        with self._trust_lock:
            return self._trust_version

    def add_crl(self, partner: str, crl_der: bytes, *, at: datetime) -> None:
        """Store a CRL (DER; PEM is converted), replacing the stored one of the same issuer unless that one is newer."""
        utc(at)
        crl = parse_crl(crl_der)
        with self._trust_lock:
            stored = self._crls.get((partner, crl.issuer_key))
            if stored is not None and stored.this_update > crl.this_update:
                return
            self._crls[(partner, crl.issuer_key)] = _Crl(crl.this_update, crl.issuer_name, crl.der)
            self._trust_version += 1

    def list_crls(self, partner: str | None = None) -> list[tuple[str, bytes]]:
        """(partner, CRL DER) pairs by partner and issuer."""
        with self._trust_lock:
            items = [(p, crl) for (p, _), crl in self._crls.items() if partner in (None, p)]
        return [(p, crl.der) for p, crl in sorted(items, key=lambda item: (item[0], item[1].issuer_name))]


class MemoryAuditRepository:
    """:class:`~gateway.core.ports.AuditRepository` in memory, hashed exactly as the SQL one."""

    def __init__(self) -> None:
        super().__init__()
        self._audit_lock = threading.Lock()
        self._audit: list[AuditEntry] = []

    def append_audit(self, *, actor: Actor, action: str, details: dict[str, Any], at: datetime) -> AuditEntry:
        """Append an entry after the current last one."""
        at = utc(at)
        stored_details: dict[str, Any] = json.loads(canonical_details(details))
        with self._audit_lock:
            sequence = len(self._audit) + 1
            previous = self._audit[-1].entry_hash if self._audit else ""
            entry = AuditEntry(
                sequence=sequence,
                at=at,
                actor=actor.name,
                action=action,
                details=stored_details,
                previous_hash=previous,
                entry_hash=audit_entry_hash(
                    previous, sequence, at, actor.name, action, stored_details, actor.kind.value
                ),
                actor_kind=actor.kind.value,
            )
            self._audit.append(entry)
            return _copy(entry)

    def list_audit(self, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Entries with a sequence greater than ``after``, oldest first."""
        with self._audit_lock:
            return [_copy(e) for e in self._audit[max(after, 0) : max(after, 0) + max(limit, 0)]]
