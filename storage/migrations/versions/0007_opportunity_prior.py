"""opportunities: `prior_stage` and `prior_updated_at`, what the last touch replaced

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

A logged step moves the opportunity at its organisation (an interview moves "applied"
to "interviewing") and the undo journal keeps what it replaced. SQLite's RETURNING sees
only the new row, so the old stage took a read before the UPDATE. The UPDATE now copies
the old values into these columns as it writes (SET reads the row as it was) and
RETURNING hands them back: one statement on the log path, on both databases. Nothing
else reads them; existing rows start with none.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)  # storage.tables' UtcDateTime, as stored

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("opportunities", sa.Column("prior_stage", sa.String(16), nullable=True))
    op.add_column("opportunities", sa.Column("prior_updated_at", TS, nullable=True))


def downgrade() -> None:
    op.drop_column("opportunities", "prior_updated_at")
    op.drop_column("opportunities", "prior_stage")
