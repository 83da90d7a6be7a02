"""The Alembic migrations build exactly the schema in storage.tables, on both databases."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, delete, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.domain import FollowUp, FollowUpKind, Member, Step
from storage.engine import make_engine
from storage.migrate import alembic_config, head_revision, upgrade
from storage.tables import followups, identities, members, metadata, outbox, steps
from storage.uow import SqlUnitOfWork
from tests.storage.old_rows import old_member


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database (the shared test database is already migrated)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/migrated.db"
        return
    base = make_url(request.getfixturevalue("pg_url"))
    admin = make_engine(base.render_as_string(False), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql("DROP DATABASE IF EXISTS migrations_check")
            await conn.exec_driver_sql("CREATE DATABASE migrations_check")
        yield base.set(database="migrations_check").render_as_string(False)
    finally:
        await admin.dispose()


def _diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _downgrade(conn: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.downgrade(config, "base")


def _state(conn: Connection) -> tuple[set[str], str | None]:
    tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
    return tables, MigrationContext.configure(conn).get_current_revision()


async def test_migrated_schema_equals_metadata(fresh_url: str) -> None:
    await upgrade(fresh_url, head_revision())  # named: every migration replayed
    await upgrade(fresh_url)  # idempotent: already at head
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert await conn.run_sync(_state) == (set(metadata.tables), "0013")
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade)
        async with engine.connect() as conn:
            assert await conn.run_sync(_state) == (set(), None)
    finally:
        await engine.dispose()
    await upgrade(fresh_url)  # and back up again
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


AFTER_0001 = {
    "outbox", "nudge_cursors", "steps", "numbering", "claims", "app_state",  # 0002-0009
    "link_codes", "link_failures",  # 0010
    "slack_installations", "slack_oauth_states",  # 0011
}  # fmt: skip


def _downgrade_to(revision: str) -> Callable[[Connection], None]:
    def downgrade(conn: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)

    return downgrade


def _columns(table: str) -> Callable[[Connection], set[str]]:
    return lambda conn: {column["name"] for column in inspect(conn).get_columns(table)}


def _autoincrement_tables(conn: Connection) -> set[str]:
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    return {name for name, sql in rows if "AUTOINCREMENT" in sql}


async def test_0002_keeps_existing_rows_and_fills_the_new_columns(fresh_url: str) -> None:
    """Upgrade a 0001 database holding a member (with an identity) and follow-ups, then
    downgrade again: nothing is lost either way, ids are still never reused."""
    t0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    await upgrade(fresh_url, "0001")
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:  # only the columns 0001 has
            member_id = await old_member(conn, "Ada", t0)
            await conn.execute(
                identities.insert().values(
                    platform="slack", tenant="T", user_id="U", member_id=member_id, created_at=t0
                )
            )
            ids = [
                (
                    await conn.execute(
                        followups.insert()
                        .values(
                            member_id=member_id,
                            kind="lead",
                            due_at=t0 + timedelta(hours=hours),
                            status="open",
                            created_at=t0,
                        )
                        .returning(followups.c.id)
                    )
                ).scalar_one()
                for hours in (1, 2)
            ]
            await conn.execute(delete(followups).where(followups.c.id == ids[1]))

        await upgrade(fresh_url)
        async with SqlUnitOfWork(engine) as u:
            member = await u.members.get(member_id)
            assert member is not None
            assert (member.nudges_off, member.unreachable) == (frozenset(), False)
            (followup,) = await u.followups.due_for_nudge(t0 + timedelta(days=1), 10)
            assert (followup.id, followup.next_nudge_at, followup.nudges_sent) == (ids[0], None, 0)
            again = await u.followups.add(FollowUp(member_id, FollowUpKind.LEAD, t0))
        assert again.id is not None and again.id > ids[1]  # the deleted row's id stays unused
        async with engine.connect() as conn:
            nudge_at = (await conn.execute(select(followups.c.nudge_at))).scalars().all()
            assert sorted(nudge_at) == [t0, t0 + timedelta(hours=1)]  # backfilled from due_at
            if conn.dialect.name == "sqlite":  # the batch copy of followups kept AUTOINCREMENT
                expected = {
                    t.name
                    for t in metadata.sorted_tables
                    if t.dialect_options["sqlite"]["autoincrement"]
                }
                assert await conn.run_sync(_autoincrement_tables) == expected

        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to("0001"))
        async with engine.connect() as conn:
            assert await conn.run_sync(_state) == (set(metadata.tables) - AFTER_0001, "0001")
            assert "nudges_off" not in await conn.run_sync(_columns("members"))
            assert "nudge_at" not in await conn.run_sync(_columns("followups"))
            count = select(func.count()).select_from(followups.alias())
            assert (await conn.execute(count)).scalar_one() == 2
            names = await conn.execute(select(members.c.display_name))
            assert names.scalars().all() == ["Ada"]
    finally:
        await engine.dispose()


async def test_0004_adds_the_undo_journal_and_takes_it_away_again(fresh_url: str) -> None:
    """A 0003 database with a member gains `steps` (usable at once, forgotten with the
    member); downgrading drops only that table."""
    t0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    await upgrade(fresh_url, "0003")
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:  # only the columns 0003 has
            member_id = await old_member(conn, "Ada", t0, nudges_off="", unreachable=False)
        member = Member("Ada", id=member_id)
        async with engine.connect() as conn:
            assert "steps" not in await conn.run_sync(_state_tables)

        await upgrade(fresh_url)
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
        changes: list[dict[str, object]] = [{"op": "add", "t": "activity", "id": 1}]
        async with SqlUnitOfWork(engine) as u:
            await u.steps.add(Step(member.id, "conversation with Jane", changes, t0))
        async with SqlUnitOfWork(engine) as u:
            step = await u.steps.last(member.id, t0)
            assert step is not None and step.changes == changes

        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to("0003"))
        async with engine.connect() as conn:
            later = {"steps", "numbering", "claims", "app_state"}  # 0004, 0006, 0008, 0009
            later |= {"link_codes", "link_failures"}  # 0010
            later |= {"slack_installations", "slack_oauth_states"}  # 0011
            assert await conn.run_sync(_state) == (set(metadata.tables) - later, "0003")
            names = await conn.execute(select(members.c.display_name))
            assert names.scalars().all() == ["Ada"]
    finally:
        await engine.dispose()
    await upgrade(fresh_url)  # and up again, onto a database that had the table once
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        async with SqlUnitOfWork(engine) as u:
            await u.members.forget(member.id)  # forget reaches the new table
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert (await conn.execute(select(func.count()).select_from(steps))).scalar_one() == 0
    finally:
        await engine.dispose()


def _schema(conn: Connection) -> dict[str, Any]:
    """Everything a table is made of, as the database itself reports it."""
    found = inspect(conn)
    schema: dict[str, Any] = {}
    for table in found.get_table_names():
        schema[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in found.get_columns(table)
            ),
            "primary key": found.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": sorted(
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    str(fk.get("options")),
                )
                for fk in found.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (tuple(i["column_names"]), bool(i["unique"]), str(i.get("dialect_options")))
                for i in found.get_indexes(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
        }
    if conn.dialect.name == "sqlite":
        schema["AUTOINCREMENT"] = _autoincrement_tables(conn)
    return schema


async def test_a_new_database_is_built_as_the_migrations_build_it(
    fresh_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The first start builds the schema from storage.tables (no migration replayed): the
    same columns, keys, indexes and SQLite id sequences as replaying every migration,
    stamped so that the next migration applies to it as to any other."""
    await upgrade(fresh_url)
    built = make_engine(fresh_url, poolclass=NullPool)
    if fresh_url.startswith("sqlite"):
        replayed_url = f"sqlite+aiosqlite:///{tmp_path}/replayed.db"
    else:
        replayed_url = fresh_url.replace("migrations_check", "migrations_replayed")
        admin = make_engine(request.getfixturevalue("pg_url"), isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.exec_driver_sql("DROP DATABASE IF EXISTS migrations_replayed")
            await conn.exec_driver_sql("CREATE DATABASE migrations_replayed")
        await admin.dispose()
    await upgrade(replayed_url, head_revision())
    replayed = make_engine(replayed_url, poolclass=NullPool)
    try:
        async with built.connect() as a, replayed.connect() as b:
            new_schema = await a.run_sync(_schema)
            assert new_schema["members"]["columns"]  # the comparison sees real tables
            assert new_schema == await b.run_sync(_schema)
            assert await a.run_sync(_state) == (set(metadata.tables), head_revision())
        async with built.begin() as conn:  # Alembic takes it from there, both ways
            await conn.run_sync(_downgrade_to("0008"))
        async with built.connect() as conn:
            assert "app_state" not in await conn.run_sync(_state_tables)
        await upgrade(fresh_url)
        async with built.connect() as conn:
            assert await conn.run_sync(_state) == (set(metadata.tables), head_revision())
            assert await conn.run_sync(_diff) == []
    finally:
        await built.dispose()
        await replayed.dispose()


def _state_tables(conn: Connection) -> set[str]:
    return _state(conn)[0]


async def test_a_database_at_head_starts_without_loading_alembic(fresh_url: str) -> None:
    await upgrade(fresh_url)
    repo = Path(__file__).parents[2]
    newest = sorted(p.name[:4] for p in (repo / "storage/migrations/versions").glob("0*.py"))
    assert head_revision() == newest[-1]
    probe = (
        "import asyncio, sys; from storage.migrate import upgrade; "
        f"asyncio.run(upgrade({fresh_url!r})); print('alembic' in sys.modules)"
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", probe, cwd=repo,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert out.decode().strip() == "False", err.decode()


async def test_0013_readies_the_live_rows_and_the_upkeep_any_an_old_process_queues(
    fresh_url: str,
) -> None:
    """At 0012 a pending and a sent nudge; after 0013 the pending one is ready when due
    (the sent one needs nothing). A pending row written without ready_at, as a process of
    the version before writes it during a rolling upgrade, is claimed after the hourly
    upkeep."""
    t0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    await upgrade(fresh_url, "0012")
    engine = make_engine(fresh_url, poolclass=NullPool)
    old_row = {
        "kind": "checkin", "payload": {}, "attempts": 0, "created_at": t0,
    }  # fmt: skip
    try:
        async with engine.begin() as conn:
            for key, status in (("live", "pending"), ("done", "sent")):
                values = old_row | {"dedupe_key": key, "status": status, "due_at": t0}
                await conn.execute(outbox.insert().values(values), {})
            assert "ready_at" not in await conn.run_sync(_columns("outbox"))
        await upgrade(fresh_url)
        async with engine.begin() as conn:
            ready = dict((await conn.execute(select(outbox.c.dedupe_key, outbox.c.ready_at))).all())
            assert ready == {"live": t0, "done": None}
            late = old_row | {"dedupe_key": "old", "status": "pending", "due_at": t0}
            await conn.execute(outbox.insert().values(late))  # ready_at NULL
        lease = timedelta(minutes=1)
        async with SqlUnitOfWork(engine) as u:  # no claim sees a row without ready_at...
            assert [n.dedupe_key for n in await u.outbox.claim(t0, "w1", lease, 10)] == ["live"]
        async with SqlUnitOfWork(engine) as u:  # ...until the planner's hourly upkeep
            assert await u.outbox.prune(t0 - timedelta(days=30)) == 0
            assert [n.dedupe_key for n in await u.outbox.claim(t0, "w1", lease, 10)] == ["old"]
    finally:
        await engine.dispose()
