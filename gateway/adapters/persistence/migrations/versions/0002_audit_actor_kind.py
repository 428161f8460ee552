"""Audit log: record how the actor was identified (``actor_kind``) and let the actor name be any length.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

Existing entries keep a NULL ``actor_kind`` and their stored ``actor`` text unchanged, so their hashes (which never
covered a kind) still verify; the chain continues from them. The actor becomes TEXT because an operator
certificate's subject with its fingerprint can exceed 256 characters, which PostgreSQL would refuse.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``audit_log.actor_kind`` (nullable) and widen ``audit_log.actor`` to TEXT."""
    # Batch mode: SQLite cannot change a column's type in place, so alembic copies the table there (rows, and
    # with them every hash, unchanged); on PostgreSQL these are plain ALTER TABLE statements.
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("actor", existing_type=sa.String(256), type_=sa.Text(), existing_nullable=False)
        batch.add_column(sa.Column("actor_kind", sa.String(32), nullable=True))


def downgrade() -> None:
    """Drop ``actor_kind`` and narrow ``actor`` back (fails on PostgreSQL if a longer actor was stored).

    Entries written with a kind no longer verify after a downgrade: their hash covers the dropped kind.
    """
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("actor_kind")
        batch.alter_column("actor", existing_type=sa.Text(), type_=sa.String(256), existing_nullable=False)
