"""nudges: the outbox and planner cursors; members' nudge settings; follow-up reminders

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Self-contained like 0001 (no import of storage.tables). Existing rows get server
defaults (nudges_off '', unreachable false, nudges_sent 0) and followups.nudge_at is
backfilled from due_at (next_nudge_at is NULL for every existing follow-up).
Plain ADD/DROP COLUMN where SQLite can do it in place (SQLite >= 3.35 for DROP): a batch
copy of `members` would trip the foreign keys of its children when it has rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGINT on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY is the rowid.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
KIND = sa.String(length=16)


@contextmanager
def _sqlite_sequence_kept(table: str) -> Iterator[None]:
    """Carry a table's AUTOINCREMENT high-water mark across a batch copy on SQLite.

    The copy only knows the ids it copied, so the ids of deleted rows would be handed
    out again (and ids travel in buttons). (Offline `--sql` cannot batch on SQLite at
    all: Alembic needs a live connection to reflect the table.)
    """
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite:
        op.execute(
            "CREATE TEMP TABLE kept_sequence AS "
            f"SELECT name, seq FROM sqlite_sequence WHERE name = '{table}'"
        )
    yield
    if sqlite:
        op.execute(
            "UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM kept_sequence)) "
            f"WHERE name = '{table}' AND EXISTS (SELECT 1 FROM kept_sequence)"
        )
        op.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT name, seq FROM kept_sequence "
            f"WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '{table}')"
        )
        op.execute("DROP TABLE kept_sequence")


def upgrade() -> None:
    # Plain literals as server defaults: SQLite then adds the columns without a copy.
    op.add_column(
        "members", sa.Column("nudges_off", sa.String(length=200), nullable=False, server_default="")
    )
    op.add_column(
        "members", sa.Column("unreachable", sa.Boolean(), nullable=False, server_default="0")
    )

    op.add_column("followups", sa.Column("next_nudge_at", TS, nullable=True))
    op.add_column(
        "followups", sa.Column("nudges_sent", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("followups", sa.Column("nudge_at", TS, nullable=True))
    op.execute("UPDATE followups SET nudge_at = coalesce(next_nudge_at, due_at)")
    # SQLite cannot make a column NOT NULL in place: batch copies followups (no table
    # references it, so the copy is safe with foreign keys on).
    with _sqlite_sequence_kept("followups"):
        # Reflection does not see AUTOINCREMENT: say it again for the copy.
        with op.batch_alter_table(
            "followups", table_kwargs={"sqlite_autoincrement": True}
        ) as batch:
            batch.alter_column("nudge_at", existing_type=TS, nullable=False)
    op.drop_index("ix_followups_status_due_at", table_name="followups")
    op.create_index("ix_followups_status_nudge_at", "followups", ["status", "nudge_at"])

    op.create_table(
        "outbox",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("group_id", ID, nullable=True),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", KIND, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("merged_into", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name="fk_outbox_member_id_members"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_outbox_group_id_groups"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_status_due_at", "outbox", ["status", "due_at"])
    op.create_index(
        "ix_outbox_member_id_status_finished_at", "outbox", ["member_id", "status", "finished_at"]
    )
    op.create_index("ix_outbox_status_lease_until", "outbox", ["status", "lease_until"])

    op.create_table(
        "nudge_cursors",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("next_at", TS, nullable=False),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("group_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_nudge_cursors_member_id_members"
        ),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_nudge_cursors_group_id_groups"),
        sa.PrimaryKeyConstraint("key", name="pk_nudge_cursors"),
    )
    op.create_index("ix_nudge_cursors_next_at", "nudge_cursors", ["next_at"])
    op.create_index("ix_nudge_cursors_member_id", "nudge_cursors", ["member_id"])
    op.create_index("ix_nudge_cursors_group_id", "nudge_cursors", ["group_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes.
    op.drop_table("nudge_cursors")
    op.drop_table("outbox")

    op.drop_index("ix_followups_status_nudge_at", table_name="followups")
    op.create_index("ix_followups_status_due_at", "followups", ["status", "due_at"])
    for column in ("nudge_at", "nudges_sent", "next_nudge_at"):
        op.drop_column("followups", column)
    for column in ("unreachable", "nudges_off"):
        op.drop_column("members", column)
