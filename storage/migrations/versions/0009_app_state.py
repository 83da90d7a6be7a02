"""app_state: what an adapter keeps between runs that belongs to no member

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

Discord caps command creates at 200 a day per guild and `on_ready` runs on every
reconnect: the adapter syncs its command tree only when the tree's signature differs
from the one stored here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)  # storage.tables' UtcDateTime, as stored


def upgrade() -> None:
    op.create_table(
        "app_state",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_state")),
    )


def downgrade() -> None:
    op.drop_table("app_state")
