"""Each member's own numbers for contacts, follow-ups and meetings, on both databases:
from 1 per member and table, given in the INSERT, never given twice (not even after a
delete), and safe when two transactions of one member add at once (PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import Contact, FollowUp, FollowUpKind, Meeting
from storage.uow import SqlUnitOfWork
from tests.storage.conftest import empty_engine
from tests.storage.test_storage_records import Uow, two_members

T0 = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
K = FollowUpKind


async def test_numbers_run_per_member_and_per_table(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        a1 = await u.contacts.add(Contact(ada, "Jane"))
        b1 = await u.contacts.add(Contact(bob, "Zed"))
        a2 = await u.contacts.add(Contact(ada, "Sam"))
        f1 = await u.followups.add(FollowUp(ada, K.PLANNED, T0, a1.id))
        m1 = await u.meetings.add(Meeting(bob, T0, contact_id=b1.id))
    assert (a1.number, a2.number, b1.number, f1.number, m1.number) == (1, 2, 1, 1, 1)
    assert a2.id is not None and b1.id is not None and a2.id > b1.id  # ids run across members
    async with uow() as u:
        found = await u.contacts.by_number(ada, 2)
        assert found is not None and (found.id, found.name, found.number) == (a2.id, "Sam", 2)
        assert (await u.contacts.get(ada, a1.id or 0)) == a1  # read back with its number
        assert await u.contacts.by_number(bob, 2) is None  # Bob has one
        assert (await u.followups.by_number(ada, 1)) == f1
        assert await u.followups.by_number(bob, 1) is None
        assert (await u.meetings.by_number(bob, 1)) == m1
        assert await u.meetings.by_number(ada, 1) is None
        assert [f.number for f in await u.followups.open(ada)] == [1]
        assert [m.number for m in await u.meetings.all(bob)] == [1]


async def test_add_many_numbers_the_follow_ups_in_order(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        jane = await u.contacts.add(Contact(ada, "Jane"))
        await u.followups.add(FollowUp(bob, K.PLANNED, T0))
        await u.followups.add(FollowUp(ada, K.PLANNED, T0, jane.id))
    owed = [
        FollowUp(ada, K.THANKYOU, T0 + timedelta(days=1), jane.id),
        FollowUp(ada, K.CHECKBACK, T0 + timedelta(days=7), jane.id),
    ]
    async with uow() as u:
        await u.followups.add_many(owed)
    assert [f.number for f in owed] == [2, 3]
    async with uow() as u:
        for f in owed:
            assert f.id is not None and await u.followups.get(ada, f.id) == f


async def test_a_deleted_number_is_never_given_again(uow: Uow) -> None:
    ada, _ = await two_members(uow)
    async with uow() as u:
        jane = await u.contacts.add(Contact(ada, "Jane"))
        sam = await u.contacts.add(Contact(ada, "Sam"))
        f = await u.followups.add(FollowUp(ada, K.PLANNED, T0))
        m = await u.meetings.add(Meeting(ada, T0))
    async with uow() as u:  # undo takes the latest rows away
        await u.contacts.delete(ada, sam.id or 0)
        await u.followups.delete(ada, f.id or 0)
        await u.meetings.delete(ada, m.id or 0)
        await u.contacts.delete(ada, 999)  # nothing there: nothing retired
    async with uow() as u:
        kim = await u.contacts.add(Contact(ada, "Kim"))
        owed = [FollowUp(ada, K.THANKYOU, T0), FollowUp(ada, K.CHECKBACK, T0)]
        await u.followups.add_many(owed)
        again = await u.meetings.add(Meeting(ada, T0))
        assert await u.contacts.by_number(ada, 2) is None
    assert (jane.number, kim.number) == (1, 3)
    assert [f.number for f in owed] == [2, 3]
    assert again.number == 2
    async with uow() as u:  # a lower one retired later does not lower the floor
        await u.contacts.delete(ada, jane.id or 0)
        assert (await u.contacts.add(Contact(ada, "Lee"))).number == 4


@pytest_asyncio.fixture
async def pg_engine(pg_migrated_url: str) -> AsyncIterator[AsyncEngine]:
    """PostgreSQL only: there two writers of one member can run at once (SQLite's
    BEGIN IMMEDIATE serialises them, so the race cannot happen there)."""
    async with empty_engine(pg_migrated_url) as engine:
        yield engine


async def test_two_transactions_of_one_member_never_share_a_number(
    pg_engine: AsyncEngine,
) -> None:
    engine = pg_engine

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    ada, _ = await two_members(uow)
    first = SqlUnitOfWork(engine)
    await first.__aenter__()
    try:
        jane = await first.contacts.add(Contact(ada, "Jane"))

        async def second() -> Contact:
            async with SqlUnitOfWork(engine) as u:
                return await u.contacts.add(Contact(ada, "Sam"))

        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # it took number 1 too, and waits on the first's row
        assert not waiting.done()
    finally:
        await first.__aexit__(None, None, None)
    sam = await asyncio.wait_for(waiting, 10)
    assert (jane.number, sam.number) == (1, 2)
