"""The schema as SQLAlchemy Core tables. Enums are short strings; times are UTC-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

# Named constraints: Alembic batch mode on SQLite can only drop what has a name.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BIGINT on PostgreSQL; plain INTEGER on SQLite, where only INTEGER PRIMARY KEY is the rowid.
Id = BigInteger().with_variant(Integer(), "sqlite")
Kind = String(16)  # enum values (StrEnum .value)
Text200 = String(200)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out on every backend.

    PostgreSQL stores TIMESTAMPTZ. SQLite has no time zones: values are stored as naive UTC
    in SQLAlchemy's fixed-width text format, so text order is time order.
    Naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def _member_fk() -> Column[int]:
    return Column("member_id", Id, ForeignKey("members.id"), nullable=False)


def _number() -> Column[int]:
    # The member's own #1, #2... of this table, given by the repository on insert
    # (storage/repositories/numbers.py); the default only lets SQLite add the column.
    return Column("number", Integer(), nullable=False, server_default="0")


def _contact_fk() -> Column[int]:
    # A contact may disappear without taking the history that mentions it.
    return Column("contact_id", Id, ForeignKey("contacts.id", ondelete="SET NULL"))


# sqlite_autoincrement: never reuse the id of a deleted row (ids travel in buttons).
members = Table(
    "members",
    metadata,
    Column("id", Id, primary_key=True),
    Column("display_name", Text200, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("checkin_time", Time(), nullable=False),
    Column("working_days", String(7), nullable=False),  # "01234" = Mon..Fri
    Column("quiet_start", Time()),
    Column("quiet_end", Time()),
    Column("paused_until", Date()),
    Column("status", Kind, nullable=False),
    Column("landed_on", Date()),
    Column("weekly_goal", Integer(), nullable=False),
    Column("nudges_enabled", Boolean(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Kinds turned off one by one, sorted and comma-separated ("" = none). Server defaults
    # here and below fill the rows that existed before the nudges (migration 0002).
    Column("nudges_off", String(200), nullable=False, server_default=""),
    # "0", not false(): a plain literal lets SQLite add the column without a table copy.
    Column("unreachable", Boolean(), nullable=False, server_default="0"),
    Column("timezone_pinned", Boolean(), nullable=False, server_default="0"),
    # Where nudges go (migration 0010): the platform chosen with `settings nudges`
    # (NULL: auto), and the identity the member last wrote from. That is an identities.id
    # without a foreign key (the two tables would point at each other); written only
    # when the member switches identity, read with the member in the same query.
    Column("nudge_platform", String(32)),
    Column("last_identity_id", Id),
    sqlite_autoincrement=True,
)

identities = Table(
    "identities",
    metadata,
    Column("id", Id, primary_key=True),
    Column("platform", String(32), nullable=False),
    Column("tenant", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    _member_fk(),
    Column("dm_channel_id", String(64)),  # cached DM channel: no conversations.open per nudge
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("platform", "tenant", "user_id"),
    Index(None, "member_id"),
    sqlite_autoincrement=True,
)

pauses = Table(
    "pauses",
    metadata,
    Column("id", Id, primary_key=True),
    _member_fk(),
    Column("start_date", Date(), nullable=False),
    Column("end_date", Date()),  # inclusive; NULL = open-ended
    Index(None, "member_id", "start_date"),
    sqlite_autoincrement=True,
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Id, primary_key=True),
    _member_fk(),
    Column("name", Text200, nullable=False),
    # casefold() of name/company, kept by the repository: SQLite's lower() folds ASCII only.
    Column("name_key", Text200, nullable=False),
    Column("company", Text200),
    Column("company_key", Text200),
    Column("role", Text200),
    Column("how_met", Text()),
    Column("referred_by_id", Id, ForeignKey("contacts.id", ondelete="SET NULL")),
    Column("stage", SmallInteger(), nullable=False),
    Column("notes", Text()),
    Column("created_at", UtcDateTime(), nullable=False),
    _number(),
    Index(None, "member_id", "name_key"),
    Index(None, "member_id", "company_key"),
    Index(None, "member_id", "number", unique=True),
    sqlite_autoincrement=True,
)

activities = Table(
    "activities",
    metadata,
    Column("id", Id, primary_key=True),
    _member_fk(),
    Column("kind", Kind, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("local_date", Date(), nullable=False),
    _contact_fk(),
    Column("company", Text200),
    Column("note", Text()),
    Column("created_at", UtcDateTime(), nullable=False),
    # The same kind with the same person (or, with no one, company) was logged earlier
    # that local day: the leaderboard scores a follow-up once a day (migration 0005).
    Column("repeated", Boolean(), nullable=False, server_default="0"),
    # Covers the weekly counts (member, window, kind, repeated): leaderboards read no
    # table rows.
    Index(None, "member_id", "occurred_at", "kind", "repeated"),
    # Covers SELECT DISTINCT local_date ... WHERE member_id AND kind IN: index-only (streaks).
    Index(None, "member_id", "local_date", "kind"),
    Index(None, "member_id", "contact_id"),
    sqlite_autoincrement=True,
)

followups = Table(
    "followups",
    metadata,
    Column("id", Id, primary_key=True),
    _member_fk(),
    Column("kind", Kind, nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    _contact_fk(),
    Column("company", Text200),
    Column("status", Kind, nullable=False),
    Column("source_activity_id", Id, ForeignKey("activities.id", ondelete="SET NULL")),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("next_nudge_at", UtcDateTime()),  # None: remind at due_at
    Column("nudges_sent", Integer(), nullable=False, server_default="0"),
    # coalesce(next_nudge_at, due_at), kept by the repository, for the planner's index.
    # Not an expression index: SQLite reflection skips those (with a warning), so an
    # Alembic batch copy of this table would silently lose it.
    Column("nudge_at", UtcDateTime(), nullable=False),
    _number(),
    Index(None, "member_id", "status", "due_at"),
    Index(None, "member_id", "number", unique=True),
    # The planner: open follow-ups of every member whose reminder is due, earliest first.
    Index(None, "status", "nudge_at"),
    sqlite_autoincrement=True,
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Id, primary_key=True),
    _member_fk(),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("kind", Kind, nullable=False),
    _contact_fk(),
    Column("company", Text200),
    Column("status", Kind, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    _number(),
    Index(None, "member_id", "starts_at"),
    Index(None, "status", "starts_at"),
    Index(None, "member_id", "number", unique=True),
    sqlite_autoincrement=True,
)

opportunities = Table(
    "opportunities",
    metadata,
    Column("id", Id, primary_key=True),
    _member_fk(),
    Column("organisation", Text200, nullable=False),
    Column("organisation_key", Text200, nullable=False),  # casefold(organisation)
    Column("role", Text200),
    Column("stage", Kind, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # What the last touch replaced, for the undo journal (migration 0007).
    Column("prior_stage", Kind),
    Column("prior_updated_at", UtcDateTime()),
    # Not unique: two roles at one organisation are two opportunities.
    Index(None, "member_id", "organisation_key"),
    sqlite_autoincrement=True,
)

groups = Table(
    "groups",
    metadata,
    Column("id", Id, primary_key=True),
    Column("platform", String(32), nullable=False),
    Column("tenant", String(64), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("name", Text200, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("leaderboard_weekday", SmallInteger(), nullable=False),
    Column("leaderboard_time", Time(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("platform", "tenant", "channel_id"),
    sqlite_autoincrement=True,
)

memberships = Table(
    "memberships",
    metadata,
    Column("group_id", Id, ForeignKey("groups.id"), primary_key=True),
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("is_admin", Boolean(), nullable=False),
    Column("leaderboard_opt_in", Boolean(), nullable=False),
    Column("joined_at", UtcDateTime(), nullable=False),
    Index(None, "member_id"),
)

pending = Table(
    "pending",
    metadata,
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("action", String(64), nullable=False),
    Column("payload", JSON(), nullable=False),
    Column("expires_at", UtcDateTime()),
)

# The nudge outbox: planners insert, dispatchers claim a row with a lease and finish it.
# A row with a group_id and no member_id is a group post (the leaderboard).
outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", Kind, nullable=False),
    Column("member_id", Id, ForeignKey("members.id")),
    Column("group_id", Id, ForeignKey("groups.id")),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("dedupe_key", String(128), nullable=False),
    Column("payload", JSON(), nullable=False),
    Column("status", Kind, nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("lease_until", UtcDateTime()),
    Column("claimed_by", String(64)),
    Column("note", Text()),
    # No foreign key: pruning may delete the carrying nudge before the ones it carried.
    Column("merged_into", Id),
    # The platform a process must deliver to for this row, as last known (migration
    # 0012); NULL: any process may claim it.
    Column("platform", String(32)),
    Column("lane", String(160)),  # a dispatcher's full lane it was left for
    # Claimable from (migration 0013): due_at, or later when a full lane booked its turn.
    Column("ready_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    UniqueConstraint("dedupe_key"),  # the same nudge is never queued twice
    # The claim's whole order (a wave shares one instant: without the id, each claim of
    # 200 sorted every row of it).
    Index(None, "status", "ready_at", "id"),
    Index(None, "member_id", "status", "finished_at"),  # sent_between (the daily cap), forget
    Index(None, "status", "lease_until"),  # reap
    sqlite_autoincrement=True,
)

# When each periodic planner next looks at a member or group: one row per key.
nudge_cursors = Table(
    "nudge_cursors",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("kind", Kind, nullable=False),
    Column("next_at", UtcDateTime(), nullable=False),
    Column("member_id", Id, ForeignKey("members.id")),
    Column("group_id", Id, ForeignKey("groups.id")),
    Index(None, "next_at", "key"),  # the planner's order, ties and all (see the claim's)
    Index(None, "member_id"),
    Index(None, "group_id"),
)

# The undo journal: what each logged step changed, kept a day (see bot/undo.py). Rows
# hold ids, not foreign keys: a record whose row is gone is skipped when taken back.
steps = Table(
    "steps",
    metadata,
    Column("id", Id, primary_key=True),
    _member_fk(),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("summary", Text(), nullable=False),
    Column("changes", JSON(), nullable=False),
    Index(None, "member_id", "created_at"),
    sqlite_autoincrement=True,
)

# The highest number of a member's deleted contact, follow-up or meeting (kind): numbers
# travel in buttons, so one is never given to another row.
numbering = Table(
    "numbering",
    metadata,
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("kind", Kind, primary_key=True),
    Column("retired", Integer(), nullable=False),
)

# One-time codes joining two identities into one member (`link`, migration 0010): only a
# hash of the code is stored; a used one is kept (marked) until it expires, so a second
# try says "already used" rather than "wrong".
link_codes = Table(
    "link_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    _member_fk(),
    Column("platform", String(32), nullable=False),  # the identity that asked for it
    Column("tenant", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
    Index(None, "member_id"),
    Index(None, "platform", "tenant", "user_id"),
)

# Wrong codes typed, per identity (not per member: a guesser may have no member worth
# keeping), so guessing is slowed down. Pruned as new ones come in.
link_failures = Table(
    "link_failures",
    metadata,
    Column("id", Id, primary_key=True),
    Column("platform", String(32), nullable=False),
    Column("tenant", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("failed_at", UtcDateTime(), nullable=False),
    Index(None, "platform", "tenant", "user_id", "failed_at"),
    sqlite_autoincrement=True,
)

# Every table holding rows of one member, children before parents: the order `forget` uses.
MEMBER_TABLES = (
    link_codes,
    outbox,  # group posts (member_id NULL) stay: they belong to the group
    nudge_cursors,
    steps,
    numbering,
    pending,
    memberships,
    followups,
    meetings,
    activities,
    opportunities,
    contacts,
    pauses,
    identities,
)


# Inbound deliveries already taken (a Slack event id): a redelivery finds its key here and
# is not acted on twice, across restarts and processes. Pruned after a few hours.
claims = Table(
    "claims",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("claimed_at", UtcDateTime(), nullable=False),
    Index(None, "claimed_at"),
)

# What a platform adapter keeps between runs that belongs to no member: the signature of
# the Discord command tree last synced (a sync only when it changed).
app_state = Table(
    "app_state",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)


# Slack workspaces that installed the app through OAuth (many workspaces): one row per
# team with its bot token, and its refresh token and expiry when token rotation is on.
# An uninstall keeps the row (tokens cleared, inactive_since set): the workspace's data
# is deleted RETENTION later (storage.slack_installations) unless it installs again.
slack_installations = Table(
    "slack_installations",
    metadata,
    Column("team_id", String(64), primary_key=True),
    Column("enterprise_id", String(64)),
    Column("app_id", String(64)),
    Column("team_name", Text200),
    Column("bot_id", String(64)),
    Column("bot_user_id", String(64)),
    Column("bot_token", Text()),
    Column("bot_scopes", Text(), nullable=False),
    Column("bot_refresh_token", Text()),
    Column("bot_token_expires_at", UtcDateTime()),
    # A refresh token works once: the process that set this refreshes, the others wait.
    Column("refresh_claimed_until", UtcDateTime()),
    Column("installer_user_id", String(64)),
    Column("installed_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("inactive_since", UtcDateTime()),
    Index(None, "inactive_since"),
)

# OAuth `state` values handed out by /slack/install, each usable once until it expires.
slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("state", String(200), primary_key=True),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index(None, "expires_at"),
)
