"""Initial schema: messages, status events, trust certificates, CRLs, audit log, meta counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Migrations spell their column types out instead of importing ``gateway.adapters.persistence.tables``, so that a later
change to the models cannot change what an old revision does.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, *, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create every table, index and the initial counters."""
    op.create_table(
        "messages",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("document_type", sa.String(64), nullable=False),
        sa.Column("document_format", sa.String(256), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("bk_issuer", sa.String(64), nullable=False),
        sa.Column("bk_number", sa.String(128), nullable=False),
        sa.Column("bk_version", sa.Integer(), nullable=False),
        sa.Column("refers_issuer", sa.String(64), nullable=True),
        sa.Column("refers_number", sa.String(128), nullable=True),
        sa.Column("refers_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at", nullable=True),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        _ts("claim_expires_at", nullable=True),
        sa.Column("idempotency_key", sa.String(256), nullable=True),
        sa.Column("domestic_client", sa.String(128), nullable=False),
        sa.Column("envelope_json", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("attachments_json", sa.Text(), nullable=True),
        sa.Column("record_json", sa.Text(), nullable=True),
        sa.Column("report_json", sa.Text(), nullable=True),
        sa.Column("receipt_json", sa.Text(), nullable=True),
        sa.Column("last_error_code", sa.String(64), nullable=True),
        sa.Column("last_error_message", sa.Text(), nullable=True),
        sa.Column("last_error_path", sa.String(512), nullable=True),
        sa.Column("signer_subject", sa.Text(), nullable=True),
        sa.Column("signer_fingerprint", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("message_id", name="pk_messages"),
    )
    op.create_index("ix_messages_status_next_attempt_at", "messages", ["status", "next_attempt_at"])
    op.create_index("ix_messages_bk_issuer_bk_number_bk_version", "messages", ["bk_issuer", "bk_number", "bk_version"])
    op.create_index("ix_messages_created_at", "messages", ["created_at"])
    not_rejected = sa.text("status <> 'REJECTED'")
    op.create_index(
        "uq_messages_business_key",
        "messages",
        ["direction", "partner", "document_type", "bk_issuer", "bk_number", "bk_version"],
        unique=True,
        sqlite_where=not_rejected,
        postgresql_where=not_rejected,
    )
    has_key = sa.text("idempotency_key IS NOT NULL")
    op.create_index(
        "uq_messages_idempotency",
        "messages",
        ["domestic_client", "idempotency_key"],
        unique=True,
        sqlite_where=has_key,
        postgresql_where=has_key,
    )

    op.create_table(
        "status_events",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        _ts("at", nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_path", sa.String(512), nullable=True),
        _ts("next_attempt_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.message_id"], name="fk_status_events_message_id_messages"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_status_events"),
        sa.UniqueConstraint("sequence", name="uq_status_events_sequence"),
    )
    op.create_index("ix_status_events_message_id", "status_events", ["message_id"])
    unsequenced = sa.text("sequence IS NULL")
    op.create_index(
        "ix_status_events_unsequenced",
        "status_events",
        ["id"],
        sqlite_where=unsequenced,
        postgresql_where=unsequenced,
    )

    op.create_table(
        "trust_certificates",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        _ts("added_at", nullable=False),
        _ts("valid_from_use", nullable=True),
        _ts("revoked_at", nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("partner", "fingerprint", name="pk_trust_certificates"),
    )
    op.create_table(
        "crls",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("issuer_key", sa.String(64), nullable=False),
        sa.Column("issuer_name", sa.Text(), nullable=False),
        _ts("this_update", nullable=False),
        sa.Column("crl_der", sa.LargeBinary(), nullable=False),
        _ts("imported_at", nullable=False),
        sa.PrimaryKeyConstraint("partner", "issuer_key", name="pk_crls"),
    )
    op.create_table(
        "audit_log",
        sa.Column("sequence", _BIG_ID, autoincrement=False, nullable=False),
        _ts("at", nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(128), nullable=False),
        sa.Column("details_json", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name="pk_audit_log"),
    )
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_meta"),
    )
    op.bulk_insert(meta, [{"key": "trust_version", "value": 0}])


def downgrade() -> None:
    """Drop everything."""
    for table in ("meta", "audit_log", "crls", "trust_certificates", "status_events", "messages"):
        op.drop_table(table)
