"""Prepared statements on SQLite: run from a plan, they give what SQLAlchemy's execute
gives (converted values, rowcount, new ids, its errors), and whatever cannot be planned
takes SQLAlchemy's path."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
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
STOCK: dict[str, Any] = {"execution_options": {}}  # AsyncConnection.execute as such


@pytest.fixture(autouse=True)
def generous_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only statements within a transaction's inline budget are planned: a slow machine
    (or the first compile of a plan) must not turn these tests into tests of time."""
    monkeypatch.setattr(sqlite_driver, "INLINE_BUDGET_S", 60.0)


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
        stock = (await conn.execute(BY_NAME, {"name": "Jane"}, **STOCK)).one()
        assert row._mapping == stock._mapping  # SQLAlchemy's own path: keys and values
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
        assert isinstance(await conn.execute(INSERT, {"name": "once", "at": AT}), PlannedResult)
        with pytest.raises(IntegrityError):
            await conn.execute(INSERT, {"name": "once", "at": AT})
        await conn.execute(INSERT, {"name": "twice", "at": AT})  # the transaction goes on
        await conn.commit()
    finally:
        await conn.close()
    assert await _names(engine) == ["once", "twice"]


async def test_a_value_refused_before_the_statement_is_sqlalchemys_statement_error(
    engine: AsyncEngine,
) -> None:
    conn = await _in_transaction(engine)
    try:
        naive = datetime(2026, 3, 29, 0, 30)
        with pytest.raises(StatementError, match="naive datetime"):
            await conn.execute(INSERT, {"name": "naive", "at": naive})
        await conn.commit()
    finally:
        await conn.close()
    assert await _names(engine) == []


async def test_an_error_that_ends_the_transaction_is_raised_never_run_again(
    engine: AsyncEngine,
) -> None:
    """An interrupt (as a full disk may) rolls SQLite's whole transaction back: running
    the statement again would commit it alone, in autocommit, and lose what came before."""
    conn = await _in_transaction(engine)
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    interrupt = [False]

    def progress() -> int:
        fire, interrupt[0] = interrupt[0], False
        return int(fire)

    raw._conn.set_progress_handler(progress, 1)
    try:
        await conn.execute(INSERT, {"name": "A", "at": AT})
        interrupt[0] = True
        with pytest.raises(OperationalError, match="interrupted"):
            await conn.execute(INSERT, {"name": "B", "at": AT})
        await conn.rollback()
    finally:
        raw._conn.set_progress_handler(None, 1)
        await conn.close()
    assert await _names(engine) == []


async def test_each_engine_converts_with_its_own_dialects_options(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/two.db"
    plain = make_engine(url)
    readable = make_engine(url, json_serializer=lambda v: json.dumps(v, ensure_ascii=False))
    try:
        async with plain.begin() as setup:
            await setup.run_sync(things.metadata.create_all)
        for name, engine in (("plain", plain), ("readable", readable)):
            conn = await _in_transaction(engine)
            try:
                await conn.execute(INSERT, {"name": name, "at": AT, "data": {"k": "é"}})
                await conn.commit()
            finally:
                await conn.close()
        with sqlite3.connect(tmp_path / "two.db") as check:
            stored = dict(check.execute("SELECT name, data FROM things").fetchall())
        assert stored == {"plain": '{"k": "\\u00e9"}', "readable": '{"k": "é"}'}
    finally:
        await plain.dispose()
        await readable.dispose()


async def test_a_new_rows_key_is_sqlalchemys(engine: AsyncEngine) -> None:
    copy = prepared(
        things.insert().from_select(
            ["name", "at"],
            sa.select(things.c.name + "-copy", things.c.at).where(
                things.c.name == sa.bindparam("source")
            ),
        )
    )
    conn = await _in_transaction(engine)
    try:
        added = await conn.execute(INSERT, {"name": "a", "at": AT})
        given = await conn.execute(INSERT, {"id": 7, "name": "b", "at": AT})
        nothing = await conn.execute(copy, {"source": "absent"})
        stock = await conn.execute(copy, {"source": "absent"}, **STOCK)
        assert isinstance(nothing, PlannedResult)
        assert (added.inserted_primary_key, given.inserted_primary_key) == ((1,), (7,))
        assert nothing.inserted_primary_key == stock.inserted_primary_key
        await conn.commit()
    finally:
        await conn.close()


async def _names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as check:
        names = (await check.execute(sa.select(things.c.name).order_by(things.c.id))).scalars()
        return list(names)


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
        ran = run_plan(plan, *args)
        (planned if ran is not None else stock).append(plan.sql.split()[0])
        return ran

    def counted_plan(connection: Any, statement: Any, parameters: Any, *rest: Any) -> Any:
        plan = plan_for(connection, statement, parameters, *rest)
        if plan is None:
            stock.append(str(statement).split()[0])
        return plan

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


async def test_each_engine_keeps_its_own_plans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plans live with their engine's dialect: engines made and disposed of (a test suite,
    a CLI command) neither keep them alive nor use up the next engine's room for plans."""
    from storage import sqlite_prepared

    monkeypatch.setattr(sqlite_prepared, "MAX_PLANS", 2)
    url = f"sqlite+aiosqlite:///{tmp_path}/many.db"
    for round_ in range(3):
        engine = make_engine(url)
        try:
            if round_ == 0:
                async with engine.begin() as setup:
                    await setup.run_sync(things.metadata.create_all)
            conn = await _in_transaction(engine)
            try:
                for i, extra in enumerate(({}, {"data": None}, {"day": None})):
                    values = {"name": f"r{round_}-{i}", "at": AT, **extra}
                    planned = isinstance(await conn.execute(INSERT, values), PlannedResult)
                    assert planned == (i < 2)  # two plans a dialect, the third stock
                await conn.commit()
            finally:
                await conn.close()
        finally:
            await engine.dispose()
