"""Typed SQLAlchemy 2 models of the gateway's database.

The schema itself is created by the alembic migrations in ``migrations/``; these models are the Python view of it,
and a test checks that both agree. Enumerations (direction, status, document type, action) are stored as their
string values, timestamps as timezone-aware UTC (see :class:`UtcDateTime`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AuditRow",
    "Base",
    "ConsoleAccountRow",
    "CrlRow",
    "LedgerArchiveRow",
    "MessageBodyRow",
    "MessageRow",
    "MetaRow",
    "StatusEventRow",
    "TRUST_VERSION_KEY",
    "TrustCertificateRow",
    "UtcDateTime",
]

#: The ``meta`` row whose value changes whenever trust certificates or CRLs change.
TRUST_VERSION_KEY = "trust_version"

# Named constraints let the repository tell which uniqueness rule an IntegrityError broke, and keep alembic's
# generated names stable across SQLite and PostgreSQL.
_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only turns an INTEGER PRIMARY KEY into an auto-incrementing rowid alias, not a BIGINT one.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, so values are converted to UTC and stored naive there; PostgreSQL stores
    ``timestamptz``. Naive datetimes are refused on the way in: the core never guesses a time zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}; timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    # On SQLite the two steps above and SQLAlchemy's DATETIME text conversion below them are fused into one
    # function each way: timestamps are bound about fifteen times per document, and the fused form costs a third.
    # The stored text is the same ("YYYY-MM-DD HH:MM:SS.ffffff", the DATETIME storage format), and so are the checks.

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is not UTC:
                if value.tzinfo is None or value.utcoffset() is None:
                    raise ValueError(f"naive datetime {value!r}; timestamps must be timezone-aware")
                value = value.astimezone(UTC)
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        parse = self.impl_instance.result_processor(dialect, coltype)
        if dialect.name != "sqlite" or parse is None:
            return super().result_processor(dialect, coltype)

        def process(value: str | None) -> datetime | None:
            if value is None:
                return None
            parsed: datetime | None = parse(value)
            if parsed is None:
                return None
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

        return process


class Base(DeclarativeBase):
    """Declarative base with the gateway's constraint naming convention."""

    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map = {datetime: UtcDateTime()}


class MessageRow(Base):
    """One message, outbound or inbound: its keys and delivery state. Its envelope, payload, record and report,
    written once, are in :class:`MessageBodyRow` (revision 0005)."""

    __tablename__ = "messages"

    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The envelope's message id."""
    direction: Mapped[str] = mapped_column(String(8))
    """``outbound`` or ``inbound``."""
    partner: Mapped[str] = mapped_column(String(64))
    """Receiver (outbound) or sender (inbound) single window."""
    document_type: Mapped[str] = mapped_column(String(64))
    """The envelope's document type value."""
    document_format: Mapped[str] = mapped_column(String(256))
    """URN of the payload format."""
    action: Mapped[str] = mapped_column(String(16))
    """issue, replace or withdraw."""
    bk_issuer: Mapped[str] = mapped_column(String(64))
    """Business key: issuer."""
    bk_number: Mapped[str] = mapped_column(String(128))
    """Business key: document number."""
    bk_version: Mapped[int] = mapped_column(Integer)
    """Business key: version."""
    refers_issuer: Mapped[str | None] = mapped_column(String(64))
    """Replace/withdraw: the earlier document's issuer."""
    refers_number: Mapped[str | None] = mapped_column(String(128))
    """Replace/withdraw: the earlier document's number."""
    refers_version: Mapped[int | None] = mapped_column(Integer)
    """Replace/withdraw: the earlier document's version."""
    status: Mapped[str] = mapped_column(String(16))
    """Current :class:`~gateway.core.domain.MessageStatus` value."""
    created_at: Mapped[datetime]
    """When the message was first stored."""
    updated_at: Mapped[datetime]
    """When its state last changed."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Delivery attempts made."""
    next_attempt_at: Mapped[datetime | None]
    """RETRY_WAIT: when the next attempt is due."""
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    """SENDING: the dispatcher replica holding the claim."""
    claim_expires_at: Mapped[datetime | None]
    """SENDING: after this instant another replica may take the claim over."""
    idempotency_key: Mapped[str | None] = mapped_column(String(256))
    """Outbound: the submitter's idempotency key."""
    domestic_client: Mapped[str] = mapped_column(String(128), default="")
    """Outbound: submitter. Inbound: the domestic client it is routed to. "" stands for none: NULLs never collide
    in a unique index, and the idempotency key must be unique for the anonymous submitter too."""
    payload_sha256: Mapped[str] = mapped_column(String(64))
    """Declared hex SHA-256 of the payload."""
    receipt_json: Mapped[str | None] = mapped_column(Text)
    """``Receipt.to_json()`` of the partner's (outbound) or our (inbound) receipt."""
    last_error_code: Mapped[str | None] = mapped_column(String(64))
    """The last error's code."""
    last_error_message: Mapped[str | None] = mapped_column(Text)
    """The last error's explanation."""
    last_error_path: Mapped[str | None] = mapped_column(String(512))
    """The last error's field path."""
    signer_subject: Mapped[str | None] = mapped_column(Text)
    """Inbound: the document signer's subject."""
    signer_fingerprint: Mapped[str | None] = mapped_column(String(64))
    """Inbound: SHA-256 fingerprint of the signer's certificate."""

    __table_args__ = (
        # The dispatcher's claim query.
        Index("ix_messages_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_messages_bk_issuer_bk_number_bk_version", "bk_issuer", "bk_number", "bk_version"),
        Index("ix_messages_created_at", "created_at"),
        # A business document is accepted once per direction, partner and type. Rejected messages do not count:
        # an inbound document refused for a bad signature must not block the corrected one.
        Index(
            "uq_messages_business_key",
            "direction",
            "partner",
            "document_type",
            "bk_issuer",
            "bk_number",
            "bk_version",
            unique=True,
            sqlite_where=text("status <> 'REJECTED'"),
            postgresql_where=text("status <> 'REJECTED'"),
        ),
        Index(
            "uq_messages_idempotency",
            "domestic_client",
            "idempotency_key",
            unique=True,
            sqlite_where=text("idempotency_key IS NOT NULL"),
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
    )


class MessageBodyRow(Base):
    """The large, write-once part of a message (revision 0005): one row per message, inserted in the same
    transaction as its ``messages`` row and deleted with it.

    Kept apart because SQLite rewrites a whole record, overflow pages included, on any UPDATE: with the payload in
    ``messages`` every status change wrote the 5-50 KB document again.
    """

    __tablename__ = "message_bodies"

    message_id: Mapped[str] = mapped_column(String(64), ForeignKey("messages.message_id"), primary_key=True)
    """The message."""
    envelope_json: Mapped[str] = mapped_column(Text)
    """Every envelope field except payload and attachments; the signature via ``signature_to_dict``."""
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    """The document bytes."""
    attachments_json: Mapped[str | None] = mapped_column(Text)
    """Attachments as a JSON list of {name, media_type, content (base64)}; NULL when there are none."""
    record_json: Mapped[str | None] = mapped_column(Text)
    """The domestic catalog record."""
    report_json: Mapped[str | None] = mapped_column(Text)
    """The mapping report."""


class StatusEventRow(Base):
    """One recorded transition; ``sequence`` is the gateway-wide WatchStatus cursor.

    Writers insert events without a sequence number. Numbers are given later, in one serialized step, to the
    events committed by then (see ``SqlMessageRepository.events_after``): a concurrent writer that commits late
    therefore gets a higher number than everything already visible, and a cursor never skips an event.
    """

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    """Insertion order; follows each message's own event order."""
    sequence: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    """The cursor: 1, 2, 3, ... in commit order, without gaps; NULL until numbered."""
    message_id: Mapped[str] = mapped_column(String(64), ForeignKey("messages.message_id"), index=True)
    """The message."""
    from_status: Mapped[str | None] = mapped_column(String(16))
    """The state left; NULL for the first event."""
    to_status: Mapped[str] = mapped_column(String(16))
    """The state entered."""
    at: Mapped[datetime]
    """When."""
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    """Delivery attempt number."""
    error_code: Mapped[str | None] = mapped_column(String(64))
    """The causing error's code."""
    error_message: Mapped[str | None] = mapped_column(Text)
    """The causing error's explanation."""
    error_path: Mapped[str | None] = mapped_column(String(512))
    """The causing error's field path."""
    next_attempt_at: Mapped[datetime | None]
    """RETRY_WAIT: the next attempt."""

    __table_args__ = (
        Index(
            "ix_status_events_unsequenced",
            "id",
            sqlite_where=text("sequence IS NULL"),
            postgresql_where=text("sequence IS NULL"),
        ),
    )


class TrustCertificateRow(Base):
    """A partner trust certificate (persisted ``trust.TrustedCertificate``)."""

    __tablename__ = "trust_certificates"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The partner it belongs to."""
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the DER, hex."""
    role: Mapped[str] = mapped_column(String(16))
    """anchor, intermediate or pinned."""
    state: Mapped[str] = mapped_column(String(16))
    """pending, active, retiring or revoked."""
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    """The certificate."""
    added_at: Mapped[datetime]
    """When it was added."""
    valid_from_use: Mapped[datetime | None]
    """Pending until then."""
    revoked_at: Mapped[datetime | None]
    """Revoked from then on."""
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    """Why."""


class CrlRow(Base):
    """The newest imported CRL of one issuer for one partner."""

    __tablename__ = "crls"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The partner whose trust the CRL serves."""
    issuer_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """Hex SHA-256 of the issuer name's DER."""
    issuer_name: Mapped[str] = mapped_column(Text)
    """The issuer name, RFC 4514."""
    this_update: Mapped[datetime]
    """The CRL's thisUpdate (lastUpdate)."""
    crl_der: Mapped[bytes] = mapped_column(LargeBinary)
    """The CRL."""
    imported_at: Mapped[datetime]
    """When it was imported."""


class AuditRow(Base):
    """One entry of the hash-chained audit log."""

    __tablename__ = "audit_log"

    sequence: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=False)
    """Position in the chain from 1, without gaps (a gap reveals a deleted entry)."""
    at: Mapped[datetime]
    """When."""
    actor: Mapped[str] = mapped_column(Text)
    """Who (an operator certificate's subject and fingerprint have no useful length limit)."""
    actor_kind: Mapped[str | None] = mapped_column(String(32))
    """How the actor was identified (``ActorKind``); NULL for entries written before revision 0002."""
    action: Mapped[str] = mapped_column(String(128))
    """What."""
    details_json: Mapped[str] = mapped_column(Text)
    """Canonical JSON of the details."""
    previous_hash: Mapped[str] = mapped_column(String(64))
    """The previous entry's hash ("" for the first)."""
    entry_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 over previous_hash and the canonical content."""


class MetaRow(Base):
    """Small named counters, e.g. the trust version."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """Counter name."""
    value: Mapped[int] = mapped_column(BigInteger)
    """Counter value."""


class LedgerArchiveRow(Base):
    """The ledger entry kept for a message that retention archived and purged (revision 0003)."""

    __tablename__ = "ledger_archive"

    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The purged message."""
    bk_issuer: Mapped[str] = mapped_column(String(64))
    """Its certificate's issuer."""
    bk_number: Mapped[str] = mapped_column(String(128))
    """Its certificate's number."""
    direction: Mapped[str] = mapped_column(String(8))
    """outbound or inbound."""
    partner: Mapped[str] = mapped_column(String(64))
    """The partner."""
    payload_sha256: Mapped[str] = mapped_column(String(64), index=True)
    """Hex SHA-256 of the document it carried (verification inquiries by digest)."""
    purged_at: Mapped[datetime]
    """When it was purged."""
    entry_json: Mapped[str] = mapped_column(Text)
    """``ArchivedEntry.to_json()``: the whole entry, with where the message was archived."""

    __table_args__ = (Index("ix_ledger_archive_bk_issuer_bk_number", "bk_issuer", "bk_number"),)


class ConsoleAccountRow(Base):
    """An account of the web console (revision 0004)."""

    __tablename__ = "console_accounts"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The login name."""
    role: Mapped[str] = mapped_column(String(16))
    """viewer, operator or administrator."""
    password_hash: Mapped[str] = mapped_column(Text)
    """argon2id PHC string."""
    created_at: Mapped[datetime]
    """When it was added."""
    failed_logins: Mapped[int] = mapped_column(Integer)
    """Failed logins since the last success or lockout."""
    locked_until: Mapped[datetime | None]
    """Refused until then."""
