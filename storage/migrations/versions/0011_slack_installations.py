"""slack_installations and slack_oauth_states: many Slack workspaces through OAuth

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

One row per installed workspace (its bot token, and its refresh token and expiry when
token rotation is on; an uninstall marks it inactive), and the OAuth state values the
install page hands out.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)  # storage.tables' UtcDateTime, as stored


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=True),
        sa.Column("app_id", sa.String(length=64), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("bot_id", sa.String(length=64), nullable=True),
        sa.Column("bot_user_id", sa.String(length=64), nullable=True),
        sa.Column("bot_token", sa.Text(), nullable=True),
        sa.Column("bot_scopes", sa.Text(), nullable=False),
        sa.Column("bot_refresh_token", sa.Text(), nullable=True),
        sa.Column("bot_token_expires_at", TS, nullable=True),
        sa.Column("refresh_claimed_until", TS, nullable=True),
        sa.Column("installer_user_id", sa.String(length=64), nullable=True),
        sa.Column("installed_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("inactive_since", TS, nullable=True),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_slack_installations")),
    )
    op.create_index(
        op.f("ix_slack_installations_inactive_since"),
        "slack_installations",
        ["inactive_since"],
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_slack_oauth_states")),
    )
    op.create_index(
        op.f("ix_slack_oauth_states_expires_at"), "slack_oauth_states", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_slack_oauth_states_expires_at"), table_name="slack_oauth_states")
    op.drop_table("slack_oauth_states")
    op.drop_index(
        op.f("ix_slack_installations_inactive_since"), table_name="slack_installations"
    )
    op.drop_table("slack_installations")
