"""activities: `repeated`, the same step logged earlier that day, in the counts index

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

The leaderboard scores a follow-up or thank-you once per person a day. The log command
knows at insert whether the step repeats one of the day (it reads those rows anyway, to
ask about a double tap), so the flag is stored then and the weekly counts still read the
index alone: it replaces the (member_id, occurred_at, kind) index rather than adding
one. Existing rows are flagged here: every row after the first of its member, kind,
local day and person (or, with no person, company, ignoring ASCII case), in id order.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEX = "ix_activities_member_id_occurred_at_kind"
NEW_INDEX = "ix_activities_member_id_occurred_at_kind_repeated"

# Correlated on the (member_id, local_date, kind) index; the same SQL on both databases.
_BACKFILL = """
UPDATE activities SET repeated = TRUE
WHERE EXISTS (
    SELECT 1 FROM activities AS earlier
    WHERE earlier.member_id = activities.member_id
      AND earlier.local_date = activities.local_date
      AND earlier.kind = activities.kind
      AND earlier.id < activities.id
      AND (
        earlier.contact_id = activities.contact_id
        OR (
          earlier.contact_id IS NULL AND activities.contact_id IS NULL
          AND lower(earlier.company) = lower(activities.company)
        )
      )
)
"""


def upgrade() -> None:
    # A plain literal default: SQLite adds the column without copying the table.
    op.add_column(
        "activities", sa.Column("repeated", sa.Boolean(), nullable=False, server_default="0")
    )
    op.execute(_BACKFILL)
    op.drop_index(OLD_INDEX, table_name="activities")
    op.create_index(NEW_INDEX, "activities", ["member_id", "occurred_at", "kind", "repeated"])


def downgrade() -> None:
    op.drop_index(NEW_INDEX, table_name="activities")
    op.create_index(OLD_INDEX, "activities", ["member_id", "occurred_at", "kind"])
    op.drop_column("activities", "repeated")
