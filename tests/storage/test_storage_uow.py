"""Transactions: commit, rollback, SQLite isolation under concurrency, engine settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import Activity, ActivityKind, Contact, Identity, Member
from bot.ports import UnitOfWork
from storage.engine import make_engine
from storage.tables import MEMBER_TABLES, members, metadata
from storage.uow import SqlUnitOfWork, uow_factory
from tests.storage.conftest import empty_engine

Uow = Callable[[], SqlUnitOfWork]
T0 = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)


async def total_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        total = 0
        for table in (*MEMBER_TABLES, members):
            total += (await conn.execute(select(func.count()).select_from(table))).scalar_one()
        return total


async def test_commit_on_clean_exit(uow: Uow) -> None:
    async with uow() as u:
        member = await u.members.add(Member("Ada"), Identity("slack", "T", "A"))
    async with uow() as u:
        assert await u.members.get(member.id or 0) == member


async def test_rollback_on_exception_leaves_no_half_written_rows(
    uow: Uow, engine: AsyncEngine
) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with uow() as u:
            member = await u.members.add(Member("Ada"), Identity("slack", "T", "A"))
            contact = await u.contacts.add(Contact(member.id or 0, "Jane"))
            await u.activities.add(
                Activity(member.id or 0, ActivityKind.MEETING, T0, T0.date(), contact.id)
            )
            raise Boom
    assert await total_rows(engine) == 0
    async with uow() as u:
        assert await u.members.by_identity(Identity("slack", "T", "A")) is None


async def test_failed_statement_rolls_back_earlier_ones(uow: Uow, engine: AsyncEngine) -> None:
    async with uow() as u:
        await u.members.add(Member("Ada"), Identity("slack", "T", "A"))
    before = await total_rows(engine)
    with pytest.raises(IntegrityError):
        async with uow() as u:
            bob = await u.members.add(Member("Bob"), Identity("slack", "T", "B"))
            await u.contacts.add(Contact(bob.id or 0, "Jane"))
            await u.members.add(Member("Ada again"), Identity("slack", "T", "A"))  # duplicate
    assert await total_rows(engine) == before


async def test_repositories_need_an_entered_unit_of_work(engine: AsyncEngine) -> None:
    factory = uow_factory(engine)
    unit: UnitOfWork = factory()
    assert not hasattr(unit, "members")
    async with unit as entered:
        assert entered is unit
        assert await entered.members.get(1) is None
    async with unit:  # reusable: a fresh transaction each time
        assert await unit.contacts.count(1) == 0


async def test_sqlite_read_then_write_is_isolated_under_concurrency(tmp_path: Path) -> None:
    """4 tasks x 20 read-modify-write increments: without BEGIN IMMEDIATE most are lost."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/race.db")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        async with SqlUnitOfWork(engine) as u:
            member = await u.members.add(Member("Ada", weekly_goal=0), Identity("s", "t", "u"))

        async def increment(times: int) -> None:
            for _ in range(times):
                async with SqlUnitOfWork(engine) as u:
                    current = await u.members.get(member.id or 0)
                    assert current is not None
                    await asyncio.sleep(0.001)  # let the others read the same value
                    current.weekly_goal += 1
                    await u.members.update(current)

        await asyncio.wait_for(asyncio.gather(*(increment(20) for _ in range(4))), timeout=60)
        async with SqlUnitOfWork(engine) as u:
            final = await u.members.get(member.id or 0)
        assert final is not None and final.weekly_goal == 80
    finally:
        await engine.dispose()


async def test_sqlite_engine_settings(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "bot.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as conn:
            pragma = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
            }
        assert pragma == {"journal_mode": "wal", "busy_timeout": 5000, "foreign_keys": 1,
                          "synchronous": 1}  # fmt: skip
        assert path.parent.is_dir()
        async with engine.begin() as conn:  # foreign keys are enforced
            await conn.run_sync(metadata.create_all)
        with pytest.raises(IntegrityError):
            async with SqlUnitOfWork(engine) as u:
                await u.contacts.add(Contact(12345, "Orphan"))
    finally:
        await engine.dispose()


async def test_in_memory_sqlite_works_for_quick_tests() -> None:
    engine = make_engine("sqlite+aiosqlite://")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        factory = uow_factory(engine)
        async with factory() as u:
            member = await u.members.add(Member("Ada"), Identity("s", "t", "u"))
        async with factory() as u:  # a second checkout sees the same database
            assert await u.members.get(member.id or 0) == member
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM members"))).scalar_one() == 1
    finally:
        await engine.dispose()


async def test_sqlite_reads_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """A read-only unit of work reads (the last committed state) while another holds the
    write lock: `streak` never queues behind a burst of `log`s."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/reads.db")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        async with SqlUnitOfWork(engine) as u:
            member = await u.members.add(Member("Ada"), Identity("s", "t", "u"))
        writing = asyncio.Event()
        release = asyncio.Event()

        async def writer() -> None:
            async with SqlUnitOfWork(engine) as u:  # BEGIN IMMEDIATE: holds the lock
                held = await u.members.get(member.id or 0)
                assert held is not None
                held.weekly_goal = 9
                await u.members.update(held)
                writing.set()
                await release.wait()

        task = asyncio.create_task(writer())
        await asyncio.wait_for(writing.wait(), 5)
        async with asyncio.timeout(1):  # a writer's BEGIN would wait up to busy_timeout (5 s)
            async with SqlUnitOfWork(engine, read_only=True) as u:
                seen = await u.members.get(member.id or 0)
        assert seen is not None and seen.weekly_goal == 5  # not the uncommitted 9
        release.set()
        await asyncio.wait_for(task, 5)
    finally:
        await engine.dispose()


async def test_a_write_in_a_read_only_unit_of_work_is_refused_on_postgresql(
    pg_migrated_url: str,
) -> None:
    # SQLite has no such guard: the fake's check and tests/unit/test_read_only_commands.py
    # hold every flagged command to its reads.
    async with empty_engine(pg_migrated_url) as engine:
        await _refused(engine)


async def _refused(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(engine) as u:
        member = await u.members.add(Member("Ada"), Identity("s", "t", "u"))
    with pytest.raises(DBAPIError):
        async with SqlUnitOfWork(engine, read_only=True) as u:
            member.weekly_goal = 9
            await u.members.update(member)
    async with SqlUnitOfWork(engine) as u:
        again = await u.members.get(member.id or 0)
    assert again is not None and again.weekly_goal == 5
