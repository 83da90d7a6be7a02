"""Presence on both databases: processes counted per platform they deliver to, a silent
one dropped after the ttl, one that leaves dropped at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.presence import FORGET_AFTER, SqlPresence
from storage.tables import app_state
from tests.fakes import FakeClock

T0 = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=15)


async def test_processes_are_counted_per_platform_until_they_go_quiet(
    engine: AsyncEngine,
) -> None:
    clock = FakeClock(T0)
    a, b, c = (SqlPresence(engine, clock, name) for name in ("host-1", "host-2", "host-3"))
    assert await a.beat(["slack", "discord"], TTL) == {"slack": 1, "discord": 1}
    assert await b.beat(["slack"], TTL) == {"slack": 2}
    assert await c.beat(["slack", "discord"], TTL) == {"slack": 3, "discord": 2}
    clock.advance(TTL - timedelta(seconds=1))
    await b.beat(["slack"], TTL)
    clock.advance(timedelta(seconds=2))  # a and c beat TTL + 1 s ago: killed, say
    assert await b.beat(["slack"], TTL) == {"slack": 1}
    assert await a.beat(["discord"], TTL) == {"discord": 1}  # c's Discord row is stale
    clock.advance(TTL * FORGET_AFTER * 2)
    await b.beat([], TTL)  # nothing to deliver: counts nothing, clears what went stale
    async with engine.connect() as conn:
        left = await conn.execute(select(func.count()).select_from(app_state))
        assert left.scalar() == 0


async def test_a_process_that_leaves_is_not_counted_at_once(engine: AsyncEngine) -> None:
    clock = FakeClock(T0)
    a, b = SqlPresence(engine, clock, "host-1"), SqlPresence(engine, clock, "host-10")
    await a.beat(["slack"], TTL)
    assert await b.beat(["slack"], TTL) == {"slack": 2}
    await a.leave()  # "host-1" leaving must not take "host-10" with it
    assert await b.beat(["slack"], TTL) == {"slack": 1}
    assert await a.beat(["slack"], TTL) == {"slack": 2}
