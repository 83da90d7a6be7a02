"""initial schema: members, identities, pauses, contacts, activity log, follow-ups,
meetings, opportunities, groups, memberships, pending questions

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Written from an autogenerate draft, reviewed by hand: self-contained (no import of
storage.tables, whose Python-side types may change; UtcDateTime is stored as
DateTime(timezone=True)), constraint and index names from the naming convention.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGINT on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY is the rowid.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
KIND = sa.String(length=16)
TEXT200 = sa.String(length=200)


def _id() -> sa.Column[Any]:
    return sa.Column("id", ID, nullable=False)


def _member_id(table: str) -> tuple[sa.Column[Any], sa.ForeignKeyConstraint]:
    return (
        sa.Column("member_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=f"fk_{table}_member_id_members"),
    )


def _contact_id(table: str) -> tuple[sa.Column[Any], sa.ForeignKeyConstraint]:
    return (
        sa.Column("contact_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=f"fk_{table}_contact_id_contacts", ondelete="SET NULL"
        ),
    )


def upgrade() -> None:
    op.create_table(
        "members",
        _id(),
        sa.Column("display_name", TEXT200, nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("checkin_time", sa.Time(), nullable=False),
        sa.Column("working_days", sa.String(length=7), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("status", KIND, nullable=False),
        sa.Column("landed_on", sa.Date(), nullable=True),
        sa.Column("weekly_goal", sa.Integer(), nullable=False),
        sa.Column("nudges_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "groups",
        _id(),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("name", TEXT200, nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("leaderboard_weekday", sa.SmallInteger(), nullable=False),
        sa.Column("leaderboard_time", sa.Time(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
        sa.UniqueConstraint(
            "platform", "tenant", "channel_id", name="uq_groups_platform_tenant_channel_id"
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "identities",
        _id(),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        *_member_id("identities"),
        sa.Column("dm_channel_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_identities"),
        sa.UniqueConstraint(
            "platform", "tenant", "user_id", name="uq_identities_platform_tenant_user_id"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_identities_member_id", "identities", ["member_id"])

    op.create_table(
        "pauses",
        _id(),
        *_member_id("pauses"),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pauses"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pauses_member_id_start_date", "pauses", ["member_id", "start_date"])

    op.create_table(
        "contacts",
        _id(),
        *_member_id("contacts"),
        sa.Column("name", TEXT200, nullable=False),
        sa.Column("name_key", TEXT200, nullable=False),
        sa.Column("company", TEXT200, nullable=True),
        sa.Column("company_key", TEXT200, nullable=True),
        sa.Column("role", TEXT200, nullable=True),
        sa.Column("how_met", sa.Text(), nullable=True),
        sa.Column("referred_by_id", ID, nullable=True),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["referred_by_id"],
            ["contacts.id"],
            name="fk_contacts_referred_by_id_contacts",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_contacts_member_id_name_key", "contacts", ["member_id", "name_key"])
    op.create_index("ix_contacts_member_id_company_key", "contacts", ["member_id", "company_key"])

    op.create_table(
        "activities",
        _id(),
        *_member_id("activities"),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        *_contact_id("activities"),
        sa.Column("company", TEXT200, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_activities"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_activities_member_id_occurred_at", "activities", ["member_id", "occurred_at"]
    )
    op.create_index(
        "ix_activities_member_id_local_date_kind",
        "activities",
        ["member_id", "local_date", "kind"],
    )
    op.create_index("ix_activities_member_id_contact_id", "activities", ["member_id", "contact_id"])

    op.create_table(
        "followups",
        _id(),
        *_member_id("followups"),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        *_contact_id("followups"),
        sa.Column("company", TEXT200, nullable=True),
        sa.Column("status", KIND, nullable=False),
        sa.Column("source_activity_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["source_activity_id"],
            ["activities.id"],
            name="fk_followups_source_activity_id_activities",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_followups"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_followups_member_id_status_due_at", "followups", ["member_id", "status", "due_at"]
    )
    op.create_index("ix_followups_status_due_at", "followups", ["status", "due_at"])

    op.create_table(
        "meetings",
        _id(),
        *_member_id("meetings"),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("kind", KIND, nullable=False),
        *_contact_id("meetings"),
        sa.Column("company", TEXT200, nullable=True),
        sa.Column("status", KIND, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_meetings_member_id_starts_at", "meetings", ["member_id", "starts_at"])
    op.create_index("ix_meetings_status_starts_at", "meetings", ["status", "starts_at"])

    op.create_table(
        "opportunities",
        _id(),
        *_member_id("opportunities"),
        sa.Column("organisation", TEXT200, nullable=False),
        sa.Column("organisation_key", TEXT200, nullable=False),
        sa.Column("role", TEXT200, nullable=True),
        sa.Column("stage", KIND, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_opportunities"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_opportunities_member_id_organisation_key",
        "opportunities",
        ["member_id", "organisation_key"],
    )

    op.create_table(
        "memberships",
        sa.Column("group_id", ID, nullable=False),
        *_member_id("memberships"),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("leaderboard_opt_in", sa.Boolean(), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_memberships_group_id_groups"),
        sa.PrimaryKeyConstraint("group_id", "member_id", name="pk_memberships"),
    )
    op.create_index("ix_memberships_member_id", "memberships", ["member_id"])

    op.create_table(
        "pending",
        *_member_id("pending"),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("member_id", name="pk_pending"),
    )


def downgrade() -> None:
    # Children first; dropping a table drops its indexes.
    for table in (
        "pending",
        "memberships",
        "opportunities",
        "meetings",
        "followups",
        "activities",
        "contacts",
        "pauses",
        "identities",
        "groups",
        "members",
    ):
        op.drop_table(table)
