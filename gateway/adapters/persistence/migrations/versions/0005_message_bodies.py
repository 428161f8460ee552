"""Messages: move the large, write-once columns into ``message_bodies``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

SQLite rewrites a whole record, overflow pages included, on any UPDATE: with the payload (5-50 KB of signed XML),
the envelope, the record and the report in ``messages``, every status change and claim wrote them again (about
twelve 4 KB pages per change at 5 KB). ``message_bodies`` holds them, one row per message written with it; the
``messages`` row that transitions update stays small. Existing rows' bodies are copied over, then the columns are
dropped (SQLite 3.35+ drops a column in place; on SQLite the freed pages are reused, the file shrinks only after a
VACUUM). Column types are spelled out (see 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_COLUMNS = "message_id, envelope_json, payload, attachments_json, record_json, report_json"
_MOVED = ("envelope_json", "payload", "attachments_json", "record_json", "report_json")


def upgrade() -> None:
    """Create ``message_bodies``, copy every message's body into it, drop the moved columns from ``messages``."""
    op.create_table(
        "message_bodies",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("envelope_json", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("attachments_json", sa.Text(), nullable=True),
        sa.Column("record_json", sa.Text(), nullable=True),
        sa.Column("report_json", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.message_id"],
                                name="fk_message_bodies_message_id_messages"),
        sa.PrimaryKeyConstraint("message_id", name="pk_message_bodies"),
    )
    op.execute(f"INSERT INTO message_bodies ({_COLUMNS}) SELECT {_COLUMNS} FROM messages")
    for column in _MOVED:
        op.drop_column("messages", column)


def downgrade() -> None:
    """Put the bodies back into ``messages`` and drop ``message_bodies``.

    On SQLite the restored columns stay nullable (SQLite cannot add a NOT NULL column without a default, nor
    tighten one in place); every row gets its values back, and the older code never writes NULL there.
    """
    postgresql = op.get_bind().dialect.name == "postgresql"
    for column, kind, required in (("envelope_json", sa.Text(), True), ("payload", sa.LargeBinary(), True),
                                   ("attachments_json", sa.Text(), False), ("record_json", sa.Text(), False),
                                   ("report_json", sa.Text(), False)):
        op.add_column("messages", sa.Column(column, kind, nullable=True))
        op.execute(f"UPDATE messages SET {column} = (SELECT b.{column} FROM message_bodies b"
                   f" WHERE b.message_id = messages.message_id)")
        if required and postgresql:
            op.alter_column("messages", column, existing_type=kind, nullable=False)
    op.drop_table("message_bodies")
