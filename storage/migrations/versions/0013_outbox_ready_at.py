"""outbox.ready_at: when a pending nudge may be claimed; indexes in the claim's and the
planner's whole order

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

A dispatcher whose lane is full gives back what it cannot send within keep_ahead. Given
back due as it was, the next claims took those rows again and again until the lane had
room, each time preparing and handing them back; booked for when their turn comes near,
they are out of the claims' way until then. due_at keeps the time the nudge was meant
for: lateness and the grace period count from it.

Existing pending and claimed rows are ready when due. The claim's index moves from
(status, due_at) to (status, ready_at, id), the planner's cursors' from (next_at) to
(next_at, key): the order each reads in, whole. A wave's rows share one instant, and with only the instant
indexed, PostgreSQL sorted every row of it to return the first batch (a million members'
wave: 35 ms a claim, 9 ms a planner batch).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)  # storage.tables' UtcDateTime, as stored


def upgrade() -> None:
    # Nullable: SQLite adds it without copying the table. The code always writes it.
    op.add_column("outbox", sa.Column("ready_at", TS, nullable=True))
    # Only the rows a claim can still see: 30 days of finished ones never read it. A
    # pending row an older process queues meanwhile is filled by the planner's hourly
    # upkeep (`prune`, also on a process's first tick).
    op.execute("UPDATE outbox SET ready_at = due_at WHERE status IN ('pending', 'claimed')")
    op.drop_index("ix_outbox_status_due_at", table_name="outbox")
    op.create_index("ix_outbox_status_ready_at_id", "outbox", ["status", "ready_at", "id"])
    op.drop_index("ix_nudge_cursors_next_at", table_name="nudge_cursors")
    op.create_index("ix_nudge_cursors_next_at_key", "nudge_cursors", ["next_at", "key"])


def downgrade() -> None:
    op.drop_index("ix_nudge_cursors_next_at_key", table_name="nudge_cursors")
    op.create_index("ix_nudge_cursors_next_at", "nudge_cursors", ["next_at"])
    op.drop_index("ix_outbox_status_ready_at_id", table_name="outbox")
    op.create_index("ix_outbox_status_due_at", "outbox", ["status", "due_at"])
    op.drop_column("outbox", "ready_at")
