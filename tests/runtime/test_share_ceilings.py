"""Processes delivering to one platform share its ceilings: each paces its workspace
and platform buckets at 1/n of them while n processes beat, and at the whole again once
the others leave."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from adapters.runtime.scheduler import Intervals
from adapters.runtime.serve import share_ceilings
from bot.nudges.ratelimit import Limiter
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.presence import SqlPresence
from tests.fakes import FakeClock
from tests.unit.nudge_world import FakeTimer


async def _waits(limiter: Limiter, workspace: str, n: int = 5) -> int:
    """How many of n messages to one Slack workspace (to n members) had to wait."""
    return sum([await limiter.acquire("slack", workspace, f"D{i}") > 0 for i in range(n)])


async def test_two_processes_each_take_half_of_a_workspaces_rate(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/shared.db"
    await upgrade(url)
    clock = FakeClock(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    engines = [make_engine(url), make_engine(url)]
    try:
        presences = [SqlPresence(e, clock, f"host-{i}") for i, e in enumerate(engines)]
        limiters = [Limiter(FakeTimer()), Limiter(FakeTimer())]
        jobs = [
            share_ceilings(p, lim, ["slack"], Intervals())
            for p, lim in zip(presences, limiters, strict=True)
        ]
        for _name, _every, beat in jobs:
            await beat()
        await jobs[0][2]()  # the first hears of the second at its next beat
        # Slack allows a burst of 5 a workspace: each process now has 2.5 of it.
        assert [await _waits(lim, "T1") for lim in limiters] == [3, 3]
        assert await _waits(Limiter(FakeTimer()), "T1") == 0  # a process alone: none
        await presences[1].leave()
        await jobs[0][2]()  # alone again: the whole burst, in a workspace not yet paced
        assert await _waits(limiters[0], "T2") == 0
    finally:
        for e in engines:
            await e.dispose()
