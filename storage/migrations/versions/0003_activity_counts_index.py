"""activities: the (member_id, occurred_at) index also covers kind

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Weekly counts per member and kind (the leaderboard, the weekly review, stats) then read
the index alone. It replaces the narrower index rather than adding one, so the log
command still maintains the same number of indexes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_activities_member_id_occurred_at", table_name="activities")
    op.create_index(
        "ix_activities_member_id_occurred_at_kind", "activities", ["member_id", "occurred_at", "kind"]
    )


def downgrade() -> None:
    op.drop_index("ix_activities_member_id_occurred_at_kind", table_name="activities")
    op.create_index("ix_activities_member_id_occurred_at", "activities", ["member_id", "occurred_at"])
