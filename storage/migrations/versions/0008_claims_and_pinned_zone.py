"""claims (inbound deliveries already taken) and members.timezone_pinned

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Slack redelivers an event whose ack came late; the adapter claims each event id here
before acting on it, so a redelivery, to this process or another, changes nothing.
`timezone_pinned`: a member who typed `settings timezone` keeps it when Slack reports
another zone for them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)  # storage.tables' UtcDateTime, as stored


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_claims")),
    )
    op.create_index(op.f("ix_claims_claimed_at"), "claims", ["claimed_at"])
    # A plain literal default: SQLite adds the column without copying the table.
    op.add_column(
        "members",
        sa.Column("timezone_pinned", sa.Boolean(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    # SQLite drops a column in place (3.35+): no table copy, which members' foreign keys
    # would refuse.
    op.drop_column("members", "timezone_pinned")
    op.drop_index(op.f("ix_claims_claimed_at"), table_name="claims")
    op.drop_table("claims")
