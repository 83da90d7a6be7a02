"""Nudge engine figures: the planner over 100,000 members in every IANA zone, and the
dispatcher against a sink that enforces a rate, with the event loop's lag watched."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.runtime.clock import SystemClock, SystemTimer
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import DeliveryResult, DeliveryStatus, Nudge, NudgeKind, Outbound
from bot.nudges.planner import Planner
from bot.nudges.ratelimit import Limiter, PlatformLimits, Rate
from bot.nudges.timing import at_local
from storage import migrate, tables
from storage.engine import make_engine
from storage.uow import uow_factory
from tests.bench.rates import rate_row
from tests.bench.scenarios import Row, upkeep
from tests.fakes import FakeClock

# Wednesday 25 November 2026, 00:00 UTC: a working day almost everywhere for 24 hours.
DAY_START = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
CHECKINS = [clock_time(h, m) for h in (7, 8, 9, 10) for m in (0, 15, 30, 45)]
DAY_SETS = ["01234", "01234", "01234", "0123", "12345", "0246"]


class LoopLag:
    """Wakes every 5 ms and records how late it woke: the loop's longest stall."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t0 = loop.time()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, loop.time() - t0 - 0.005)

    @contextmanager
    def watching(self) -> Iterator[None]:
        self._task = asyncio.get_running_loop().create_task(self._watch())
        try:
            yield
        finally:
            self._task.cancel()


async def _seed_members(engine: AsyncEngine, n: int) -> list[tuple[int, str, clock_time, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z or z == "UTC")
    rnd = random.Random(3)
    rows, people = [], []
    for i in range(n):
        zone, at, days = zones[i % len(zones)], rnd.choice(CHECKINS), rnd.choice(DAY_SETS)
        rows.append(
            {"display_name": f"Member {i}", "timezone": zone, "checkin_time": at,
             "working_days": days, "status": "searching", "weekly_goal": 5,
             "nudges_enabled": True, "nudges_off": "", "unreachable": False,
             "created_at": DAY_START - timedelta(days=30)}
        )  # fmt: skip
        people.append((zone, at, days))
    async with engine.begin() as conn:
        for start in range(0, n, 5000):
            await conn.execute(tables.members.insert(), rows[start : start + 5000])
        ids = [r[0] for r in await conn.execute(sa.select(tables.members.c.id).order_by("id"))]
        identities = [
            {"platform": "bench", "tenant": "t", "user_id": f"u{mid}", "member_id": mid,
             "created_at": DAY_START}
            for mid in ids
        ]  # fmt: skip
        for start in range(0, n, 5000):
            await conn.execute(tables.identities.insert(), identities[start : start + 5000])
    return [(mid, *p) for mid, p in zip(ids, people, strict=True)]


def _expected_checkins(
    people: list[tuple[int, str, clock_time, str]], start: datetime, end: datetime
) -> dict[int, datetime]:
    """Independently of the planner: each member's check-in in (start, end], if that
    local day is one of their working days."""
    out: dict[int, datetime] = {}
    for mid, zone, at, days in people:
        tz = ZoneInfo(zone)
        first: date = start.astimezone(tz).date()
        for offset in (0, 1):
            day = first + timedelta(days=offset)
            instant = at_local(day, at, tz)
            if start < instant <= end and str(day.weekday()) in days:
                out[mid] = instant
    return out


async def planner_day(db: str, url: str, members: int, step_s: int) -> list[Row]:
    await migrate.upgrade(url)
    engine = make_engine(url)
    try:
        t0 = time.perf_counter()
        people = await _seed_members(engine, members)
        print(f"[{db}] seeded {members:,} members in {time.perf_counter() - t0:.1f} s")
        clock = FakeClock(DAY_START)
        planner = Planner(uow_factory(engine, clock), clock, SystemTimer(), NudgeConfig())
        lag = LoopLag()
        async with upkeep(engine):
            with lag.watching():
                t0 = time.perf_counter()
                first = await planner.tick()  # lays every member's cursors
                seed = [time.perf_counter() - t0]
                ticks: list[float] = []
                end = DAY_START + timedelta(days=1)
                while clock.now() < end:
                    clock.advance(timedelta(seconds=step_s))
                    t0 = time.perf_counter()
                    await planner.tick()
                    ticks.append(time.perf_counter() - t0)
        async with engine.connect() as conn:
            o = tables.outbox
            rows = (
                await conn.execute(
                    sa.select(o.c.member_id, o.c.due_at, o.c.created_at).where(
                        o.c.kind == "checkin"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    expected = _expected_checkins(people, DAY_START, end)
    per_member = Counter(r.member_id for r in rows)
    exact = (
        max(per_member.values(), default=1) == 1
        and {r.member_id: r.due_at.astimezone(UTC) for r in rows} == expected
    )
    late = sum(1 for r in rows if r.created_at > r.due_at)  # planned after it fell due
    print(
        f"[{db}] planner: {first.seeded:,} cursors laid; {len(rows):,} check-ins queued in a "
        f"day, expected {len(expected):,}; exactly one each on working days: {exact}; "
        f"planned after their due time: {late}"
    )
    seed_row = Row(db, f"planner first tick: lay {first.seeded:,} cursors", seed)
    tick_row = Row(db, f"planner tick every {step_s} s, {members:,} members, all zones", ticks)
    tick_row.target, tick_row.ok = "max < 250 ms", max(ticks) < 0.25
    day_row = Row(
        db, f"simulated day: {len(rows):,} check-ins, one per member/working day, {late} late",
        [sum(ticks)],
    )
    day_row.target, day_row.ok = "exact, none late", exact and late == 0
    lag_row = Row(db, "event loop's longest stall during planning", [lag.worst])
    lag_row.target, lag_row.ok = "< 100 ms", lag.worst < 0.1
    return [seed_row, tick_row, day_row, lag_row]


@dataclass
class RateSink:
    """A platform that allows `rate` messages a second (burst `burst`) and answers 429."""

    rate: float
    burst: float
    platform: str = "bench"
    keys: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    refused: int = 0
    _level: float = 0.0
    _stamp: float = field(default_factory=time.monotonic)

    async def deliver(self, message: Outbound) -> DeliveryResult:
        now = time.monotonic()
        self._level = min(self.burst, self._level + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._level < 1.0:
            self.refused += 1
            return DeliveryResult(DeliveryStatus.RATE_LIMITED, (1.0 - self._level) / self.rate)
        self._level -= 1.0
        self.keys.append(message.idempotency_key)
        self.times.append(now)
        return DeliveryResult.sent()


async def dispatcher_rate(db: str, url: str, rate: float, n: int) -> list[Row]:
    await migrate.upgrade(url)
    engine = make_engine(url)
    clock, timer = SystemClock(), SystemTimer()
    config = NudgeConfig(merge_window=timedelta(0), daily_cap=10**9, batch=200)
    try:
        people = await _seed_members(engine, 500)
        factory = uow_factory(engine, clock)
        start = clock.now() - timedelta(minutes=1)
        async with factory() as uow:
            await uow.outbox.enqueue(
                [
                    Nudge(NudgeKind.WEEKLY_REVIEW, start + timedelta(microseconds=i),
                          f"bench:{i}", member_id=people[i % len(people)][0])
                    for i in range(n)
                ]
            )  # fmt: skip
        burst = max(1.0, rate / 10)
        sink = RateSink(rate, burst)
        limits = {"bench": PlatformLimits(global_rate=Rate(rate, burst))}
        dispatcher = Dispatcher(
            factory, clock, {"bench": sink}, timer, config, "bench", Limiter(timer, limits)
        )
        lag = LoopLag()
        async with upkeep(engine):
            with lag.watching():
                t0 = time.perf_counter()
                while len(sink.keys) < n and time.perf_counter() - t0 < n / rate * 3 + 30:
                    report = await dispatcher.tick()
                    if report.claimed == 0:
                        await asyncio.sleep(0.05)  # retries due in a moment
    finally:
        await engine.dispose()
    counts = Counter(sink.keys)
    lost, doubled = n - len(counts), sum(1 for c in counts.values() if c > 1)
    row = rate_row(db, f"dispatcher: {n:,} nudges, sink rate R={rate:.0f}/s, lost {lost}, "
                   f"twice {doubled}", sink.times, rate, not lost and not doubled)  # fmt: skip
    print(
        f"[{db}] dispatcher: {len(counts):,}/{n:,} delivered at {row.ratio * rate:.1f}/s "
        f"against a sink allowing {rate:.0f}/s; {sink.refused} answered 429; lost {lost}, "
        f"doubled {doubled}"
    )
    lag_row = Row(db, "event loop's longest stall during dispatch", [lag.worst])
    lag_row.target, lag_row.ok = "< 100 ms", lag.worst < 0.1
    return [row, lag_row]
