"""Claims on both databases: a key is taken once, by whoever comes first, and pruned later."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.claims import KEEP, SqlClaims
from tests.fakes import FakeClock

T0 = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


async def test_a_key_is_claimed_once(engine: AsyncEngine) -> None:
    clock = FakeClock(T0)
    first, second = SqlClaims(engine, clock), SqlClaims(engine, clock)  # two processes
    assert await first.claim("slack:T1:Ev1") is True
    assert await second.claim("slack:T1:Ev1") is False
    assert await first.claim("slack:T1:Ev1") is False
    assert await second.claim("slack:T1:Ev2") is True


async def test_racing_claims_have_one_winner(engine: AsyncEngine) -> None:
    store = SqlClaims(engine, FakeClock(T0))
    won = await asyncio.gather(*(store.claim("slack:T1:race") for _ in range(8)))
    assert won.count(True) == 1


async def test_old_claims_are_pruned_and_recent_ones_kept(engine: AsyncEngine) -> None:
    clock = FakeClock(T0)
    store = SqlClaims(engine, clock)
    assert await store.claim("old")
    clock.advance(KEEP - timedelta(minutes=5))
    assert await store.claim("recent")
    clock.advance(timedelta(minutes=10))  # "old" is now past KEEP, "recent" is not
    assert await store.prune() == 1
    assert await store.claim("old") is True  # forgotten: a key so old is never redelivered
    assert await store.claim("recent") is False
