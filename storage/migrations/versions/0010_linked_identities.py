"""link_codes, link_failures, members.nudge_platform and members.last_identity_id

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09

One person on Slack and Discord is one member: `link` hands out a one-time code (kept
hashed in link_codes) that the other identity types back; wrong codes are counted per
identity in link_failures. Each nudge goes to one platform: the one chosen with
`settings nudges` (nudge_platform) or else the identity the member last wrote from
(last_identity_id, filled here with each member's first identity).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)  # storage.tables' UtcDateTime, as stored
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "link_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_link_codes_member_id_members")
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_link_codes")),
    )
    op.create_index(op.f("ix_link_codes_member_id"), "link_codes", ["member_id"])
    op.create_index(
        op.f("ix_link_codes_platform_tenant_user_id"),
        "link_codes",
        ["platform", "tenant", "user_id"],
    )
    op.create_table(
        "link_failures",
        sa.Column("id", ID, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("failed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_failures")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_link_failures_platform_tenant_user_id_failed_at"),
        "link_failures",
        ["platform", "tenant", "user_id", "failed_at"],
    )
    # Nullable, no default: SQLite adds them without copying the table.
    op.add_column("members", sa.Column("nudge_platform", sa.String(length=32), nullable=True))
    op.add_column("members", sa.Column("last_identity_id", ID, nullable=True))
    op.execute(
        "UPDATE members SET last_identity_id ="
        " (SELECT min(identities.id) FROM identities WHERE identities.member_id = members.id)"
    )


def downgrade() -> None:
    # SQLite drops a column in place (3.35+): no table copy, which members' foreign keys
    # would refuse.
    op.drop_column("members", "last_identity_id")
    op.drop_column("members", "nudge_platform")
    op.drop_index(
        op.f("ix_link_failures_platform_tenant_user_id_failed_at"), table_name="link_failures"
    )
    op.drop_table("link_failures")
    op.drop_index(op.f("ix_link_codes_platform_tenant_user_id"), table_name="link_codes")
    op.drop_index(op.f("ix_link_codes_member_id"), table_name="link_codes")
    op.drop_table("link_codes")
