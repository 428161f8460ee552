"""Partner trust certificates and CRLs on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, select, update
from sqlalchemy.dialects import postgresql, sqlite

from trust import CertificateRole

from ...core.ports import StoredTrustedCertificate
from .transactions import SqlRepositoryBase
from .checks import optional_utc, parse_crl, utc
from .tables import TRUST_VERSION_KEY, Base, CrlRow, MetaRow, TrustCertificateRow

__all__ = ["SqlTrustRepository"]


def _record(row: Mapping[Any, Any]) -> StoredTrustedCertificate:
    return StoredTrustedCertificate(
        partner=row["partner"],
        fingerprint=row["fingerprint"],
        role=row["role"],
        state=row["state"],
        certificate_der=row["certificate_der"],
        added_at=row["added_at"],
        valid_from_use=row["valid_from_use"],
        revoked_at=row["revoked_at"],
        revocation_reason=row["revocation_reason"],
    )


class SqlTrustRepository(SqlRepositoryBase):
    """:class:`~gateway.core.ports.TrustRepository` on SQLite or PostgreSQL.

    Every change bumps the ``trust_version`` counter in the same transaction, so replicas that cache trust
    notice the change with one cheap query.
    """

    def list_trust(self, partner: str | None = None) -> list[StoredTrustedCertificate]:
        """Stored certificates, optionally of one partner, by partner and time added."""
        query = select(TrustCertificateRow).order_by(
            TrustCertificateRow.partner, TrustCertificateRow.added_at, TrustCertificateRow.fingerprint
        )
        if partner is not None:
            query = query.where(TrustCertificateRow.partner == partner)
        with self._db.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [_record(row) for row in rows]

    def upsert_trust(self, record: StoredTrustedCertificate) -> None:
        """Insert or replace the row keyed by (partner, fingerprint)."""
        values: dict[str, Any] = {
            "partner": record.partner,
            "fingerprint": record.fingerprint,
            # The stored text is the enum's value (a driver may render an Enum by its name).
            "role": record.role.value,
            "state": record.state.value,
            "certificate_der": record.certificate_der,
            "added_at": utc(record.added_at, "added_at"),
            "valid_from_use": optional_utc(record.valid_from_use, "valid_from_use"),
            "revoked_at": optional_utc(record.revoked_at, "revoked_at"),
            "revocation_reason": record.revocation_reason,
        }
        with self._db.write() as connection:
            connection.execute(self._upsert(TrustCertificateRow, values, ("partner", "fingerprint")))
            _bump_version(connection)

    def change_trust_role(
        self, partner: str, fingerprint: str, *, expected: CertificateRole, role: CertificateRole
    ) -> bool:
        """Set the role of one row if it is still ``expected``; True when this call changed it.

        The condition is part of the UPDATE, so of replicas racing to migrate the same row exactly one sees a
        changed row (and audits the change).
        """
        statement = (
            update(TrustCertificateRow)
            .where(TrustCertificateRow.partner == partner, TrustCertificateRow.fingerprint == fingerprint,
                   TrustCertificateRow.role == CertificateRole(expected).value)
            .values(role=CertificateRole(role).value)
        )
        with self._db.write() as connection:
            changed = connection.execute(statement).rowcount == 1
            if changed:
                _bump_version(connection)
        return changed

    def trust_version(self) -> int:
        """A counter increased by every trust or CRL change."""
        with self._db.read() as connection:
            value = connection.scalar(select(MetaRow.value).where(MetaRow.key == TRUST_VERSION_KEY))
        if value is None:
            raise RuntimeError("meta row 'trust_version' missing: run gateway.adapters.persistence.migrate(engine)")
        return value

    def add_crl(self, partner: str, crl_der: bytes, *, at: datetime) -> None:
        """Store a CRL (DER; PEM is converted), replacing the stored one of the same issuer unless that one is newer.

        A CRL older (by thisUpdate) than the stored one is ignored: importing an outdated list must never undo a
        revocation. Raises ValueError when the bytes are not a CRL. The signature is not checked here: verify
        with ``trust.load_crl`` first.
        """
        at = utc(at)
        crl = parse_crl(crl_der)
        values = {
            "partner": partner,
            "issuer_key": crl.issuer_key,
            "issuer_name": crl.issuer_name,
            "this_update": crl.this_update,
            "crl_der": crl.der,
            "imported_at": at,
        }
        stored = select(CrlRow.this_update).where(CrlRow.partner == partner, CrlRow.issuer_key == crl.issuer_key)
        with self._db.write() as connection:
            newest = connection.scalar(stored.with_for_update())
            if newest is not None and newest > crl.this_update:
                return
            connection.execute(self._upsert(CrlRow, values, ("partner", "issuer_key")))
            _bump_version(connection)

    def _upsert(self, table: type[Base], values: dict[str, Any], key: tuple[str, ...]) -> Executable:
        """INSERT ... ON CONFLICT (key) DO UPDATE, in the dialect at hand (SQLite and PostgreSQL agree)."""
        insert = postgresql.insert if self._db.is_postgresql else sqlite.insert
        statement = insert(table).values(values)
        return statement.on_conflict_do_update(
            index_elements=list(key), set_={k: statement.excluded[k] for k in values if k not in key}
        )

    def list_crls(self, partner: str | None = None) -> list[tuple[str, bytes]]:
        """(partner, CRL DER) pairs by partner and issuer."""
        query = select(CrlRow.partner, CrlRow.crl_der).order_by(CrlRow.partner, CrlRow.issuer_name)
        if partner is not None:
            query = query.where(CrlRow.partner == partner)
        with self._db.read() as connection:
            return [(p, der) for p, der in connection.execute(query)]


def _bump_version(connection: Connection) -> None:
    connection.execute(update(MetaRow).where(MetaRow.key == TRUST_VERSION_KEY).values(value=MetaRow.value + 1))
