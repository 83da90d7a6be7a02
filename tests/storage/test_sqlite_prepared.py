"""Prepared statements on SQLite: run from a plan, they give what SQLAlchemy's execute
gives (converted values, rowcount, new ids, its errors), and whatever cannot be planned
takes SQLAlchemy's path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.context import Caller, Where
from bot.core import Core
from bot.domain import Identity
from storage import migrate, sqlite_driver
from storage.engine import make_engine
from storage.sqlite_driver import InlineConnection
from storage.sqlite_prepared import PlannedResult, prepared
from storage.tables import UtcDateTime
from storage.uow import uow_factory
from tests.fakes import FakeClock

things = sa.Table(
    "things",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False, unique=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("data", sa.JSON()),
    sa.Column("day", sa.Date()),
)
INSERT = prepared(things.insert())
BY_NAME = prepared(sa.select(things).where(things.c.name == sa.bindparam("name")))
RENAME = prepared(
    things.update()
    .where(things.c.name == sa.bindparam("old"))
    .values(name=sa.bindparam("new"))
    .returning(things.c.id, things.c.at)
)
MOVE = prepared(things.update().where(things.c.id == sa.bindparam("b_id")))
AT = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


@pytest_asyncio.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/prepared.db")
    async with engine.begin() as conn:
        await conn.run_sync(things.metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _in_transaction(engine: AsyncEngine) -> InlineConnection:
    conn = await InlineConnection(engine)
    await conn.begin()
    return conn


async def test_a_prepared_statement_converts_values_as_sqlalchemy_does(
    engine: AsyncEngine,
) -> None:
    conn = await _in_transaction(engine)
    try:
        values = {"name": "Jane", "at": AT, "data": {"k": [1, "é"]}, "day": AT.date()}
        inserted = await conn.execute(INSERT, values)
        assert isinstance(inserted, PlannedResult)
        assert inserted.inserted_primary_key == (1,)
        planned = await conn.execute(BY_NAME, {"name": "Jane"})
        assert isinstance(planned, PlannedResult)
        row = planned.one()
        # SQLAlchemy's own path, for the same statement and row.
        forced = {"execution_options": {}}  # any options: AsyncConnection.execute as such
        stock = (await conn.execute(BY_NAME, {"name": "Jane"}, **forced)).one()
        assert row == stock
        assert (row.id, row.at, row.data, row.day) == (1, AT, {"k": [1, "é"]}, AT.date())
        assert row.at.tzinfo is UTC
        assert row._mapping["name"] == "Jane"
        await conn.commit()
    finally:
        await conn.close()


async def test_an_update_reports_its_rowcount_and_returns_converted_rows(
    engine: AsyncEngine,
) -> None:
    conn = await _in_transaction(engine)
    try:
        await conn.execute(INSERT, {"name": "a", "at": AT})
        renamed = await conn.execute(RENAME, {"old": "a", "new": "b"})
        assert isinstance(renamed, PlannedResult)
        assert [tuple(r) for r in renamed] == [(1, AT)]
        later = AT + timedelta(hours=1)
        moved = await conn.execute(MOVE, {"b_id": 1, "at": later})
        missed = await conn.execute(MOVE, {"b_id": 99, "at": later})
        assert (moved.rowcount, missed.rowcount) == (1, 0)
        assert (await conn.execute(BY_NAME, {"name": "b"})).one().at == later
        await conn.commit()
    finally:
        await conn.close()


async def test_a_failing_prepared_statement_raises_sqlalchemys_error_and_keeps_nothing(
    engine: AsyncEngine,
) -> None:
    conn = await _in_transaction(engine)
    try:
        await conn.execute(INSERT, {"name": "once", "at": AT})
        with pytest.raises(IntegrityError):
            await conn.execute(INSERT, {"name": "once", "at": AT})
        await conn.execute(INSERT, {"name": "twice", "at": AT})  # the transaction goes on
        await conn.commit()
    finally:
        await conn.close()
    async with engine.connect() as check:
        names = (await check.execute(sa.select(things.c.name).order_by(things.c.id))).scalars()
        assert list(names) == ["once", "twice"]


async def test_what_cannot_be_planned_takes_sqlalchemys_path(engine: AsyncEngine) -> None:
    expanding = prepared(sa.select(things.c.name).where(things.c.id.in_(sa.bindparam("ids"))))
    conn = await _in_transaction(engine)
    try:
        rows = [{"name": n, "at": AT} for n in ("x", "y")]
        many = await conn.execute(INSERT, rows)
        assert not isinstance(many, PlannedResult) and many.rowcount == 2
        found = await conn.execute(expanding, {"ids": [1, 2]})
        assert not isinstance(found, PlannedResult)
        assert sorted(found.scalars()) == ["x", "y"]
        built_here = sa.select(things.c.name).where(things.c.id == 1)  # not declared prepared
        assert not isinstance(await conn.execute(built_here), PlannedResult)
        seen: list[str] = []

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            seen.append(statement)

        try:  # a statement listener sees every statement: nothing bypasses it
            listened = await conn.execute(BY_NAME, {"name": "x"})
            assert not isinstance(listened, PlannedResult) and listened.one().name == "x"
            assert len(seen) == 1 and seen[0].startswith("SELECT")
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", _seen)
        await conn.commit()
    finally:
        await conn.close()


async def test_a_conversations_log_runs_its_statements_from_plans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log path is measured against a bare insert: a statement added to it without
    `prepared` (or one that stops being plannable) fails here, not only in the bench."""
    url = f"sqlite+aiosqlite:///{tmp_path}/log.db"
    await migrate.upgrade(url)
    engine = make_engine(url)
    clock = FakeClock(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    core = Core(uow_factory(engine, clock), clock)
    caller, where = Caller(Identity("console", "t", "u1"), "Sam"), Where("console", "t", None)
    planned: list[str] = []
    stock: list[str] = []
    run_plan, plan_for = sqlite_driver.run_plan, sqlite_driver.plan_for

    def counted_run(plan: Any, *args: Any) -> Any:
        planned.append(plan.sql.split()[0])
        return run_plan(plan, *args)

    def counted_plan(connection: Any, statement: Any, parameters: Any) -> Any:
        plan = plan_for(connection, statement, parameters)
        if plan is None:
            stock.append(str(statement).split()[0])
        return plan

    # Only statements within a transaction's inline budget are planned; a slow machine
    # (or the first compile of each plan) must not make this test about time.
    monkeypatch.setattr(sqlite_driver, "INLINE_BUDGET_S", 60.0)
    try:
        await core.handle_text(caller, where, "settings goal 5")  # the member exists
        monkeypatch.setattr(sqlite_driver, "run_plan", counted_run)
        monkeypatch.setattr(sqlite_driver, "plan_for", counted_plan)
        first = await core.handle_text(caller, where, "met Jane Doe from Acme yesterday")
        # Member, contact (none yet, then added), activity, two follow-ups owed, the new
        # opportunity, the undo step.
        assert not first.is_error and stock == [] and len(planned) >= 7, (planned, stock)
        planned.clear()
        clock.advance(timedelta(hours=1))
        thanks = await core.handle_text(caller, where, "thanked Jane Doe")
        # Member, contact, activity, follow-ups owed, the thank-you closed, the
        # opportunity warmed, the undo step.
        assert not thanks.is_error and stock == [] and len(planned) >= 7, (planned, stock)
    finally:
        await engine.dispose()
