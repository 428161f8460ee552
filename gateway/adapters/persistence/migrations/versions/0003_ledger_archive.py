"""Retention: the ledger entries kept for messages archived and purged (``ledger_archive``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

A new table only; nothing existing changes. Column types are spelled out (see 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``ledger_archive`` with its indexes."""
    op.create_table(
        "ledger_archive",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("bk_issuer", sa.String(64), nullable=False),
        sa.Column("bk_number", sa.String(128), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_ledger_archive"),
    )
    op.create_index("ix_ledger_archive_payload_sha256", "ledger_archive", ["payload_sha256"])
    op.create_index("ix_ledger_archive_bk_issuer_bk_number", "ledger_archive", ["bk_issuer", "bk_number"])


def downgrade() -> None:
    """Drop ``ledger_archive`` (the kept ledger entries of purged messages are lost)."""
    op.drop_table("ledger_archive")
