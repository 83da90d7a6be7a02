"""SQLite's driver: statements under the write lock run on the loop's thread; whatever
can wait (the lock, the disk) runs on the connection's thread; the WAL is checkpointed
by the upkeep job, not by commits."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import sqlite_driver
from storage.engine import checkpoint, make_engine
from storage.sqlite_driver import INLINE_BUDGET_S, FewHopsConnection, InlineConnection
from storage.sqlite_turns import WriteTurns

ROOMY_BUDGET_S = max(INLINE_BUDGET_S, 0.5)

rows = sa.Table(
    "rows",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)


@pytest_asyncio.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/driver.db")

    @event.listens_for(engine.sync_engine, "connect")
    def _thread_ident(dbapi_connection: Any, _record: Any) -> None:
        # SQL functions run on the thread that runs the statement.
        dbapi_connection.create_function("thread_ident", 0, threading.get_ident)

    async with engine.begin() as conn:
        await conn.run_sync(rows.metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call queued on an aiosqlite connection's thread, by the function's name."""
    calls: list[str] = []
    queue_call = aiosqlite.Connection._execute

    async def counted(
        self: aiosqlite.Connection, fn: Callable[..., Any], *a: Any, **kw: Any
    ) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await queue_call(self, fn, *a, **kw)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def test_a_write_transaction_hops_twice_whatever_its_statements(
    engine: AsyncEngine, hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The count of hops, not the budget (the next test): a loaded machine may take more
    # than 10 ms for these statements, so the budget is out of the way here.
    monkeypatch.setattr(sqlite_driver, "INLINE_BUDGET_S", 5.0)
    async with engine.begin() as conn:  # warm the pool: the connect pragmas hop too
        await conn.execute(sa.select(1))
    hops.clear()
    async with engine.begin() as conn:
        for i in range(5):
            await conn.execute(rows.insert().values(body=f"row {i}"))
        ran_on = (await conn.execute(sa.select(sa.func.thread_ident()))).scalar_one()
        count = (await conn.execute(sa.select(sa.func.count()).select_from(rows))).scalar_one()
    assert count == 5
    assert ran_on == threading.get_ident()  # the loop's own thread
    assert hops == ["<lambda>", "commit"]  # BEGIN IMMEDIATE, then COMMIT; no reset hop


async def test_a_long_transaction_hops_once_past_its_budget_on_the_loop(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A budget a loaded machine's first statements cannot overrun (10 ms did, in CI),
    # then a sleep past it.
    monkeypatch.setattr(sqlite_driver, "INLINE_BUDGET_S", ROOMY_BUDGET_S)
    where = sa.select(sa.func.thread_ident())
    async with engine.begin() as conn:
        first = (await conn.execute(where)).scalar_one()
        await asyncio.sleep(ROOMY_BUDGET_S * 2)  # a planner batch's worth of work
        later = (await conn.execute(where)).scalar_one()
        await conn.execute(rows.insert().values(body="still one transaction"))
    assert first == threading.get_ident() != later
    async with engine.begin() as conn:  # the next transaction starts a fresh budget
        assert (await conn.execute(where)).scalar_one() == threading.get_ident()
        count = (await conn.execute(sa.select(sa.func.count()).select_from(rows))).scalar_one()
    assert count == 1


async def test_outside_a_transaction_a_statement_is_one_hop(
    engine: AsyncEngine, hops: list[str]
) -> None:
    def outside(sync_conn: sa.Connection) -> Any:  # the driver, with no BEGIN before
        adapted = sync_conn.connection.dbapi_connection
        assert isinstance(adapted, FewHopsConnection) and not adapted.waits_for_nothing
        hops.clear()
        cursor = adapted.cursor()
        cursor.execute("SELECT thread_ident(), 42")  # what a connect-time pragma does
        return cursor.fetchall()[0]

    async with engine.connect() as conn:
        ran_on, answer = await conn.run_sync(outside)
    assert answer == 42 and ran_on != threading.get_ident()
    assert hops == ["<lambda>"]  # execute, fetch and close together


async def test_waiting_for_the_write_lock_never_blocks_the_loop(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/two.db"
    first, second = make_engine(url), make_engine(url)
    try:
        async with first.begin() as conn:
            await conn.run_sync(rows.metadata.create_all)
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        async def writer() -> int:
            async with second.begin() as conn:  # waits on its thread for the lock
                await conn.execute(rows.insert().values(body="second"))
                count = sa.select(sa.func.count()).select_from(rows)
                return (await conn.execute(count)).scalar_one()

        tick_task = asyncio.create_task(ticker())
        async with first.begin() as conn:
            await conn.execute(rows.insert().values(body="first"))
            waiting = asyncio.create_task(writer())
            await asyncio.sleep(0.3)  # the second writer waits all along
            assert not waiting.done()
            assert ticks >= 20  # ...and the loop kept running meanwhile
        seen = await asyncio.wait_for(waiting, timeout=10)
        tick_task.cancel()
        assert seen == 2  # it ran after the first committed, and saw its row
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_failed_statement_ends_the_write_lock_and_rolls_back(
    engine: AsyncEngine,
) -> None:
    unique = sa.Table("once", sa.MetaData(), sa.Column("k", sa.Integer, primary_key=True))
    async with engine.begin() as conn:
        await conn.run_sync(unique.metadata.create_all)
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(unique.insert().values(k=1))
            await conn.execute(unique.insert().values(k=1))
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection, FewHopsConnection)
        assert not raw.dbapi_connection.waits_for_nothing
        assert (await conn.execute(sa.select(sa.func.count()).select_from(unique))).scalar() == 0
    async with asyncio.timeout(1), engine.begin() as conn:  # its turn ended with it
        await conn.execute(unique.insert().values(k=2))


async def test_commits_leave_the_wal_to_the_upkeep_job(engine: AsyncEngine) -> None:
    """Past SQLite's default 1,000 pages a commit would checkpoint (and fsync) itself;
    here the WAL keeps its frames until checkpoint() copies them."""
    page = "x" * 4000
    async with engine.begin() as conn:  # about 1,200 pages in one commit
        await conn.execute(rows.insert(), [{"body": page} for _ in range(1200)])
    async with engine.begin() as conn:  # a commit after that would restart a checkpointed WAL
        await conn.execute(rows.insert().values(body="small"))
    copied = await checkpoint(engine)
    assert copied is not None and copied > 1200
    async with engine.begin() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(rows))).scalar_one()
    assert count == 1201


async def test_past_its_limit_the_wal_is_copied_and_starts_over(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    wal = tmp_path / "driver.db-wal"
    async with engine.begin() as conn:
        await conn.execute(rows.insert(), [{"body": "x" * 4000} for _ in range(300)])
    copied = await checkpoint(engine, reset_frames=100)  # PASSIVE, then RESTART
    assert copied is not None and copied > 300
    async with engine.begin() as conn:  # the next commit writes from the WAL's start
        await conn.execute(rows.insert().values(body="after"))
        count = (await conn.execute(sa.select(sa.func.count()).select_from(rows))).scalar_one()
    assert count == 301
    assert 0 < (await checkpoint(engine)) < 10  # (only that commit's frames)
    assert wal.stat().st_size > 300 * 4000  # the file is reused, not truncated


async def test_without_a_wal_every_statement_hops() -> None:
    """A rollback journal (here :memory:'s) can wait inside a transaction: no inline."""
    memory = make_engine("sqlite+aiosqlite://")

    @event.listens_for(memory.sync_engine, "connect")
    def _thread_ident(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("thread_ident", 0, threading.get_ident)

    try:
        async with memory.begin() as conn:
            ran_on = (await conn.execute(sa.select(sa.func.thread_ident()))).scalar_one()
        assert ran_on != threading.get_ident()
    finally:
        await memory.dispose()


async def test_checkpoint_is_nothing_without_a_wal() -> None:
    memory = make_engine("sqlite+aiosqlite://")
    try:
        assert await checkpoint(memory) is None
    finally:
        await memory.dispose()


@pytest.fixture
def greenlets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every greenlet AsyncConnection spawns for a call, by the call's name."""
    from sqlalchemy.ext.asyncio import engine as async_engine

    spawned: list[str] = []
    spawn = async_engine.greenlet_spawn

    async def counted(fn: Callable[..., Any], *a: Any, **kw: Any) -> Any:
        spawned.append(getattr(fn, "__name__", repr(fn)))
        return await spawn(fn, *a, **kw)

    monkeypatch.setattr(async_engine, "greenlet_spawn", counted)
    return spawned


async def test_the_units_of_works_connection_runs_a_statement_without_a_greenlet(
    engine: AsyncEngine, greenlets: list[str], hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_driver, "INLINE_BUDGET_S", ROOMY_BUDGET_S)  # as above
    where = sa.select(sa.func.thread_ident())
    conn = await InlineConnection(engine)
    try:
        await conn.begin()
        greenlets.clear()
        await conn.execute(rows.insert().values(body="inline"))
        ran_on = (await conn.execute(where)).scalar_one()
        count = (await conn.execute(sa.select(sa.func.count()).select_from(rows))).scalar_one()
        assert (ran_on, count) == (threading.get_ident(), 1)
        assert greenlets == []  # straight to the sync connection, on the loop
        await asyncio.sleep(ROOMY_BUDGET_S * 2)  # past its budget: AsyncConnection's path
        hops.clear()
        assert (await conn.execute(where)).scalar_one() != threading.get_ident()
        assert greenlets == ["execute"] and hops == ["<lambda>"]
        await conn.commit()
    finally:
        await conn.close()


async def test_a_failed_inline_statement_raises_as_usual_and_keeps_nothing(
    engine: AsyncEngine, greenlets: list[str]
) -> None:
    unique = sa.Table("once_inline", sa.MetaData(), sa.Column("k", sa.Integer, primary_key=True))
    async with engine.begin() as setup:
        await setup.run_sync(unique.metadata.create_all)
    conn = await InlineConnection(engine)
    try:
        await conn.begin()
        greenlets.clear()
        await conn.execute(unique.insert().values(k=1))
        with pytest.raises(IntegrityError):
            await conn.execute(unique.insert().values(k=1))
        assert greenlets == []
        await conn.rollback()
    finally:
        await conn.close()
    async with engine.connect() as check:
        assert (await check.execute(sa.select(sa.func.count()).select_from(unique))).scalar() == 0


def _turns(engine: AsyncEngine) -> WriteTurns:
    turns = engine.sync_engine.dialect.dbapi.turns  # type: ignore[union-attr]
    assert isinstance(turns, WriteTurns)
    return turns


async def test_a_writer_waits_for_its_turn_before_begin_not_in_sqlites_busy_wait(
    engine: AsyncEngine, hops: list[str]
) -> None:
    """A second writer asks for the lock while the first holds it: its BEGIN IMMEDIATE
    goes to SQLite only once the first has committed (no busy handler sleeping)."""
    async with engine.connect(), engine.connect():  # two in the pool, their pragmas run
        pass
    hops.clear()
    order: list[str] = []

    async def write(name: str, hold_s: float) -> None:
        async with engine.begin() as conn:
            order.append(f"{name} began")
            await conn.execute(rows.insert().values(body=name))
            await asyncio.sleep(hold_s)
        order.append(f"{name} committed")

    first = asyncio.create_task(write("first", 0.05))
    await asyncio.sleep(0.01)
    await write("second", 0)
    await first
    assert order == ["first began", "first committed", "second began", "second committed"]
    assert hops == ["<lambda>", "commit", "<lambda>", "commit"]  # BEGIN, COMMIT in turn


async def test_a_turn_not_given_in_time_fails_as_sqlite_would_and_the_queue_moves_on(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_turns(engine), "timeout_s", 0.05)
    holder_done = asyncio.Event()

    async def hold() -> None:
        async with engine.begin() as conn:
            await conn.execute(rows.insert().values(body="held"))
            await holder_done.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0.01)
    async with asyncio.timeout(1):  # the turn's timeout, not SQLite's own 5 s
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            async with engine.begin() as conn:
                await conn.execute(rows.insert().values(body="never"))
    holder_done.set()
    await holder
    async with engine.begin() as conn:  # the queue is free again: no turn was left held
        await conn.execute(rows.insert().values(body="after"))
        bodies = (await conn.execute(sa.select(rows.c.body).order_by(rows.c.id))).scalars()
        assert list(bodies) == ["held", "after"]


async def test_a_writer_cancelled_in_a_hop_gives_up_its_turn_with_its_connection(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancellation inside a statement's hop makes SQLAlchemy invalidate (terminate)
    the connection rather than close it: the turn must end there too."""
    monkeypatch.setattr(sqlite_driver, "INLINE_BUDGET_S", 0.0)  # every statement hops
    slow = sa.text(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500000) "
        "SELECT count(*) FROM n"
    )
    started = asyncio.Event()

    async def writer() -> None:
        async with engine.begin() as conn:
            await conn.execute(rows.insert().values(body="cancelled"))
            started.set()
            await conn.execute(slow)

    task = asyncio.create_task(writer())
    await started.wait()
    await asyncio.sleep(0.02)  # inside the slow statement's hop
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(2), engine.begin() as conn:  # not 5 s for a lost turn
        await conn.execute(rows.insert().values(body="next"))
    async with engine.connect() as conn:
        bodies = (await conn.execute(sa.select(rows.c.body))).scalars()
        assert list(bodies) == ["next"]
