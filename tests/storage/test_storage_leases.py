"""Leases on both databases: one holder at a time, renewed by it, taken over once it
lapses or is given up, and one winner when processes race for it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine
from storage.leases import SqlLeases
from tests.fakes import FakeClock

T0 = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)


async def test_one_holder_at_a_time_until_its_lease_lapses(engine: AsyncEngine) -> None:
    clock = FakeClock(T0)
    one, other = SqlLeases(engine, clock, "one"), SqlLeases(engine, clock, "other")
    assert await one.take("prune", TTL)
    assert not await other.take("prune", TTL)
    assert await other.take("forget", TTL)  # another job is another lease
    clock.advance(TTL - timedelta(seconds=1))
    assert await one.take("prune", TTL)  # renewed: the lapse counts from now
    clock.advance(TTL - timedelta(seconds=1))
    assert not await other.take("prune", TTL)
    clock.advance(timedelta(seconds=2))  # one stopped renewing (killed mid-job)
    assert await other.take("prune", TTL)
    assert not await one.take("prune", TTL)


async def test_a_lease_given_up_is_taken_at_once(engine: AsyncEngine) -> None:
    clock = FakeClock(T0)
    one, other = SqlLeases(engine, clock, "one"), SqlLeases(engine, clock, "other")
    assert await one.take("prune", TTL)
    await other.give_up("prune")  # not its lease: nothing changes
    assert not await other.take("prune", TTL)
    await one.give_up("prune")
    assert await other.take("prune", TTL)


async def test_processes_racing_for_a_lease_have_one_winner(
    engine: AsyncEngine, db_url: str
) -> None:
    clock = FakeClock(T0)  # `engine` made the schema; each process has an engine of its own
    engines = [make_engine(db_url) for _ in range(6)]
    try:
        for _ in range(3):
            won = await asyncio.gather(
                *(SqlLeases(e, clock, f"p{i}").take("race", TTL) for i, e in enumerate(engines))
            )
            assert won.count(True) == 1
            clock.advance(TTL * 2)  # lapsed: the next round is open to all again
    finally:
        for e in engines:
            await e.dispose()
