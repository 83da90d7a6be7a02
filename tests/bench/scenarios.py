"""The benchmark scenarios: command path vs a bare insert, leaderboard, streak."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from adapters.runtime.scheduler import Intervals
from bot.context import Caller, Where
from bot.core import Core
from bot.domain import STREAK_KINDS, ActivityKind, Identity
from bot.streaks import compute_streak
from storage import migrate, tables
from storage.engine import checkpoint, make_engine
from storage.uow import uow_factory
from tests.fakes import FakeClock

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday afternoon
KINDS = list(ActivityKind)
floor_table = sa.Table(
    "bench_floor",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("member_id", sa.Integer, nullable=False),
    sa.Column("note", sa.String(200)),
)


@dataclass
class Row:
    database: str
    figure: str
    samples: list[float]  # seconds
    target: str = ""
    ok: bool | None = None
    ratio: float | None = None

    def pct(self, q: float) -> float:
        s = sorted(self.samples)
        return s[min(len(s) - 1, int(q * len(s)))] * 1000

    def cells(self) -> tuple[str, ...]:
        return (
            self.database,
            self.figure,
            str(len(self.samples)),
            f"{self.pct(0.50):.3f}",
            f"{self.pct(0.99):.3f}",
            f"{max(self.samples) * 1000:.3f}",
            self.target,
            "" if self.ratio is None else f"{self.ratio:.2f}x",
            {None: "", True: "yes", False: "NO"}[self.ok],
        )


async def timed(n: int, fn: Callable[[int], Awaitable[object]]) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        await fn(i)
        out.append(time.perf_counter() - t0)
    return out


def console(user: str) -> Caller:
    return Caller(Identity("bench", "t1", user), user.title())


DM = Where("bench", "t1", None)
GROUP = Where("bench", "t1", "club", "club")
PHRASES = (
    "log meeting {p} @{c} yesterday",
    "met {p} from {c} for coffee",
    "reached out to {p} @{c}",
    "followup {p}",
    "thanked {p}",
    "log interview {p} @{c} today -- panel of three",
    "log outreach {p} @{c}",
)


async def command_path(
    db: str, core: Core, engine: sa.ext.asyncio.AsyncEngine, n: int, clock: FakeClock
) -> list[Row]:
    """n log commands from 100 members, interleaved, against n bare inserts."""
    async with engine.begin() as conn:
        await conn.run_sync(floor_table.create)
    rnd = random.Random(7)
    members = [f"member{i:03d}" for i in range(100)]
    for m in members:  # members exist before timing: the figure is the log path
        await core.handle_text(console(m), DM, "settings goal 5")
    texts = [
        (
            members[i % 100],
            rnd.choice(PHRASES).format(
                p=f"Person{rnd.randrange(25)} Lastname{rnd.randrange(3)}",
                c=f"Company{rnd.randrange(40)}",
            ),
        )
        for i in range(n)
    ]
    errors = 0

    async def one_log(i: int) -> None:
        nonlocal errors
        user, text = texts[i]
        # A minute between commands: each member writes every 100 minutes, as people do,
        # never a double tap (that path asks instead of logging).
        clock.advance(timedelta(minutes=1))
        reply = await core.handle_text(console(user), DM, text)
        errors += reply.is_error and "Which" not in reply.text()

    async def one_insert(i: int) -> None:
        async with engine.begin() as conn:
            await conn.execute(floor_table.insert().values(member_id=i % 100, note="coffee"))

    # Alternate the two in blocks so both see the same database size and cache state.
    logs: list[float] = []
    floor: list[float] = []
    block = 500
    for start in range(0, n, block):
        size = min(block, n - start)
        logs += await timed(size, lambda i, s=start: one_log(s + i))
        floor += await timed(size, lambda i, s=start: one_insert(s + i))
    if errors:
        raise RuntimeError(f"{errors} log commands failed in the benchmark")
    floor_row = Row(db, "floor: bare single-row insert, own transaction", floor)
    log_row = Row(db, "log command, full path (parse, transaction, reply)", logs)
    log_row.ratio = log_row.pct(0.99) / floor_row.pct(0.99)
    log_row.target = "p99 <= 3x floor p99"
    log_row.ok = log_row.ratio <= 3.0
    return [floor_row, log_row]


async def seed_group(
    core: Core, engine: sa.ext.asyncio.AsyncEngine, members: int, activities: int
) -> None:
    await core.handle_text(console("coach"), GROUP, "group setup Job club")
    for i in range(members - 1):
        await core.handle_text(console(f"g{i:04d}"), GROUP, "group join")
    async with engine.begin() as conn:
        ids = [r[0] for r in await conn.execute(sa.select(tables.memberships.c.member_id))]
    rnd = random.Random(11)
    span = 365 * 24 * 3600
    batch = []
    async with engine.begin() as conn:
        for j in range(activities):
            at = NOW - timedelta(seconds=rnd.randrange(span))
            batch.append(
                {
                    "member_id": ids[j % len(ids)],
                    "kind": rnd.choice(KINDS).value,
                    "occurred_at": at,
                    "local_date": at.date(),
                    "created_at": at,
                }
            )
            if len(batch) == 20_000:
                await conn.execute(tables.activities.insert(), batch)
                batch = []
        if batch:
            await conn.execute(tables.activities.insert(), batch)


async def leaderboard(
    db: str, core: Core, engine: sa.ext.asyncio.AsyncEngine, quick: bool
) -> list[Row]:
    members, activities = (200, 50_000) if quick else (1000, 500_000)
    t0 = time.perf_counter()
    await seed_group(core, engine, members, activities)
    seeded = time.perf_counter() - t0
    print(
        f"[{db}] seeded a {members}-member group with {activities:,} activities in {seeded:.1f} s"
    )
    samples = await timed(30, lambda i: core.handle_text(console("coach"), GROUP, "leaderboard"))
    row = Row(db, f"weekly leaderboard, {members} members, {activities:,} activities", samples)
    row.target, row.ok = "p50 < 50 ms", row.pct(0.5) < 50
    return [row]


async def streak(db: str, core: Core, engine: sa.ext.asyncio.AsyncEngine) -> list[Row]:
    await core.handle_text(console("veteran"), DM, "settings goal 5")
    async with engine.begin() as conn:
        mid = (
            await conn.execute(
                sa.select(tables.identities.c.member_id).where(
                    tables.identities.c.user_id == "veteran"
                )
            )
        ).scalar_one()
        rows = []
        day = NOW.date() - timedelta(days=3 * 365)
        while day <= NOW.date():
            if day.weekday() < 5:
                for k in range(3):
                    at = datetime(day.year, day.month, day.day, 10 + k, tzinfo=UTC)
                    rows.append(
                        {"member_id": mid, "kind": KINDS[k].value, "occurred_at": at,
                         "local_date": day, "created_at": at}
                    )  # fmt: skip
            day += timedelta(days=1)
        await conn.execute(tables.activities.insert(), rows)
    factory = uow_factory(engine)
    today = NOW.date()

    async with factory() as uow:
        # The streak itself: its read (one round trip) and the rule, in a transaction.
        async def rule(_: int) -> None:
            active, pauses = await uow.activities.streak_history(mid, STREAK_KINDS)
            s = compute_streak(active, today, frozenset(range(5)), pauses)
            assert s.current > 700, s

        samples = await timed(300, rule)
    rule_row = Row(db, f"streak, 3 years ({len(rows):,} activities): read + rule", samples)
    rule_row.target, rule_row.ok = "p50 < 2 ms", rule_row.pct(0.5) < 2
    pure = await timed(
        300, lambda i: _noop(compute_streak(_dates(today), today, frozenset(range(5))))
    )
    cmd = await timed(100, lambda i: core.handle_text(console("veteran"), DM, "streak"))
    return [
        rule_row,
        Row(db, "streak rule alone (pure)", pure),
        Row(db, "streak command, full path", cmd),
    ]


_DATES: dict[date, set[date]] = {}


def _dates(today: date) -> set[date]:
    if today not in _DATES:
        _DATES[today] = {
            today - timedelta(days=i)
            for i in range(3 * 365)
            if (today - timedelta(days=i)).weekday() < 5
        }
    return _DATES[today]


async def _noop(_: object) -> None:
    return None


@asynccontextmanager
async def upkeep(engine: sa.ext.asyncio.AsyncEngine) -> AsyncIterator[None]:
    """The storage upkeep job, on the interval `nextinterview run` gives it: a warm
    process runs its jobs (SQLite's WAL is checkpointed there, not by commits)."""

    async def every_interval() -> None:
        while True:
            await asyncio.sleep(Intervals().upkeep_s)
            await checkpoint(engine)

    job = asyncio.create_task(every_interval())
    try:
        yield
    finally:
        job.cancel()


async def run_all(db: str, url: str, quick: bool) -> list[Row]:
    await migrate.upgrade(url)
    engine = make_engine(url)
    clock = FakeClock(NOW)
    core = Core(uow_factory(engine, clock), clock)
    try:
        async with upkeep(engine):
            rows = await command_path(db, core, engine, 2_000 if quick else 10_000, clock)
            clock.set(NOW)  # the streak and leaderboard figures read from this moment
            rows += await streak(db, core, engine)
            rows += await leaderboard(db, core, engine, quick)
    finally:
        await engine.dispose()
    return rows
