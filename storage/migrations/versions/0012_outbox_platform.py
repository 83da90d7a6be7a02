"""outbox.platform and outbox.lane: where a nudge must go, as last known

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-12

Several processes share one database, each delivering to the platforms it has adapters
for. A process that claims a nudge for a platform it lacks writes that platform here and
gives the nudge back; claims then take only rows whose platform is NULL (any process may
claim it) or one the claimer delivers to. No index: claims walk the (status, due_at)
index in due order and filter on the way, and rows routed elsewhere are few there since
the processes that have their platform take them.

A dispatcher whose lane (Discord for the whole bot, or one Slack workspace) is full gives
back what it cannot send soon with the lane written in `lane`; its next claims leave those
rows aside until the lane has room, so a full lane never holds up the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: SQLite adds it without copying the table.
    op.add_column("outbox", sa.Column("platform", sa.String(length=32), nullable=True))
    op.add_column("outbox", sa.Column("lane", sa.String(length=160), nullable=True))


def downgrade() -> None:
    # SQLite drops a column in place (3.35+): no table copy.
    op.drop_column("outbox", "lane")
    op.drop_column("outbox", "platform")
