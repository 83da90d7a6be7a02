"""steps: the undo journal, what each logged step changed

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Self-contained like 0001. A new table only: existing rows are untouched, and a step
logged before this revision simply cannot be undone.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGINT on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY is the rowid.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "steps",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name="fk_steps_member_id_members"),
        sa.PrimaryKeyConstraint("id", name="pk_steps"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_steps_member_id_created_at", "steps", ["member_id", "created_at"])


def downgrade() -> None:
    op.drop_table("steps")  # its index goes with it
