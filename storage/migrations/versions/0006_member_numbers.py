"""contacts, followups, meetings: each member's own numbers (#1, #2...), and `numbering`

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

Members see small numbers of their own per kind instead of ids that run across all
members. Existing rows are numbered per member in id order; (member_id, number) is
unique in each table. `numbering` keeps the highest number of a deleted row per member
and kind, so a number (which travels in buttons) is never given to another row.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = ("contacts", "followups", "meetings")

# UPDATE ... FROM: PostgreSQL, and SQLite since 3.33. One pass over each table.
_BACKFILL = """
UPDATE {table} SET number = ranked.n
FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY id) AS n FROM {table}
) AS ranked
WHERE ranked.id = {table}.id
"""


def upgrade() -> None:
    for table in TABLES:
        # A plain literal default: SQLite adds the column without copying the table
        # (contacts is referenced by three others).
        op.add_column(
            table, sa.Column("number", sa.Integer(), nullable=False, server_default="0")
        )
        op.execute(_BACKFILL.format(table=table))
        op.create_index(f"ix_{table}_member_id_number", table, ["member_id", "number"], unique=True)
    op.create_table(
        "numbering",
        sa.Column("member_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("retired", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_numbering_member_id_members"
        ),
        sa.PrimaryKeyConstraint("member_id", "kind", name="pk_numbering"),
    )


def downgrade() -> None:
    op.drop_table("numbering")
    for table in TABLES:
        op.drop_index(f"ix_{table}_member_id_number", table_name=table)
        op.drop_column(table, "number")
