"""A simulated million members: the planner and the dispatcher together on PostgreSQL,
with Slack and Discord at their documented ceilings, and the same at 100,000 for growth.

The population: members spread at random over 200 workspaces (160 Slack workspaces,
40 Discord guilds) and every IANA zone, check-ins between 07:00 and 10:45 local on
their working days, seeded in bulk (COPY) with the cursors the core lays when it creates
a member. The simulated window is the day's busiest quarter-hour of check-ins (Wednesday
25 November 2026): check-ins fall on quarter-hours, so it holds one wave, the day's
biggest, and a wave drains before the next one comes (the busiest hour at a million
members is four of them, and would take the bench past its time). It starts ten minutes
early, so the planner is warm, and runs until every check-in due in it has gone out (or
fallen past the grace period).

The model: one process, as `nextinterview run` has it: the planner ticks every 5 s and
the dispatcher every 5 s (a tick still running when the next falls due skips it), with
production's NudgeConfig and Limiter. Time is a hybrid clock (`SimTime`): it runs at
real speed while anything is working (a unit of work open, a coroutine ready to run), and
when every task waits on the clock alone it jumps to the earliest wake-up. So the
engine's own work (SQL, composing, the limiter's arithmetic) costs what it costs on this
machine, and only idle time is skipped. The sinks enforce the ceilings on that same
clock and answer rate-limited when exceeded: Slack 5 messages/s per workspace (burst 5)
and 1/s per channel (a member's DM), with an integer Retry-After as Slack sends it;
Discord at most 50 requests in any one second for the whole bot.

The ideal: per workspace (Slack) and for the whole bot (Discord), the check-ins in order
of due time, each delivered at max(its due time, the previous one's + 1 / rate). A wave
of n at one minute cannot end before n / rate, so the k-th of it is ideally k / rate late.
Lateness is delivered - due, against that ideal, per check-in. The engine's share: per
queue, its k-th delivery against the k-th the ideal allows (a wave shares one due
instant, and any order among ties is as good as another); it includes the dispatcher's
polling (its ticks fall 2.5 s after the wave's minute).

Limits: the sinks answer instantly (no network round trip, so concurrency x latency is not
modelled); members have no history (no follow-ups, meetings or 30 days of outbox rows),
so composing a check-in reads empty tables; one dispatcher process; PostgreSQL with
fsync off, on the same 2 cores as the bench. Streak-at-risk nudges are planned and
claimed, and skipped at send time (nobody has a streak): load, not deliveries. The
bench's own lists of members are frozen out of the garbage collector during the run.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import io
import math
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from types import TracebackType
from typing import Any, cast
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.runtime.scheduler import Intervals
from bot.domain import Member
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import (
    ChannelTarget,
    DeliveryResult,
    DeliveryStatus,
    LimitScope,
    NudgeKind,
    Outbound,
)
from bot.nudges.planner import Planner
from bot.nudges.ratelimit import Limiter
from bot.nudges.schedule import MEMBER_PERIODIC, evening_of, next_member_time
from bot.nudges.timing import at_local, zone
from bot.ports import UnitOfWork, UnitOfWorkFactory
from storage import migrate, tables
from storage.engine import make_engine
from storage.uow import uow_factory
from tests.bench.nudges import CHECKINS, DAY_SETS, DAY_START, LoopLag
from tests.bench.scenarios import Row

DAY_END = DAY_START + timedelta(days=1)
WORKSPACES = 200
DISCORD_GUILDS = 40  # of the 200; the rest are Slack workspaces
SLACK_RATE, SLACK_CHANNEL_RATE, DISCORD_RATE = 5.0, 1.0, 50.0
PLANNER_S, DISPATCHER_S = Intervals().planner_s, Intervals().dispatcher_s
WARM_UP = timedelta(minutes=10)
# The busiest quarter-hour: check-ins fall on quarter-hours, so it is the day's biggest
# wave, and one wave drains before the next (an hour at a million is four of them).
WINDOW = timedelta(minutes=15)
# A process's ticks fall wherever it started: the dispatcher's are half an interval off
# the minute (the average case), not on the instant the waves fall due.
DISPATCHER_PHASE = DISPATCHER_S / 2


class SimTime:
    """Clock and Timer: real time while anything works, a jump when all wait on it."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._base = time.perf_counter()
        self._skipped = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._poke: asyncio.Future[None] | None = None
        self.busy = 0  # units of work open

    def monotonic(self) -> float:
        return time.perf_counter() - self._base + self._skipped

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def at(self, t: float) -> datetime:
        return self._start + timedelta(seconds=t)

    @property
    def skipped(self) -> float:
        return self._skipped

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self.monotonic() + seconds, self._seq, fut))
        self.poke()
        await fut

    def poke(self) -> None:
        if self._poke is not None and not self._poke.done():
            self._poke.set_result(None)

    async def run(self) -> None:
        """The advancer: wakes sleepers when their time comes, and skips idle time."""
        loop = asyncio.get_running_loop()
        while True:
            now = self.monotonic()
            while self._sleepers and self._sleepers[0][0] <= now:
                _, _, fut = heapq.heappop(self._sleepers)
                if not fut.done():
                    fut.set_result(None)
            # asyncio's ready queue (private, but the only way to see it): empty means no
            # coroutine can run; with no unit of work open, every one waits on this clock.
            ready = len(getattr(loop, "_ready", ()))
            if ready:
                await asyncio.sleep(0)
                continue
            if self._sleepers and self.busy == 0:
                self._skipped += max(0.0, self._sleepers[0][0] - self.monotonic())
                continue
            self._poke = loop.create_future()
            timeout = self._sleepers[0][0] - self.monotonic() if self._sleepers else 1.0
            handle = loop.call_later(max(timeout, 0.0), self.poke)
            try:
                await self._poke
            finally:
                handle.cancel()


class _Counted:
    """A unit of work that tells the clock it is open (the database is working)."""

    def __init__(self, inner: UnitOfWork, sim: SimTime) -> None:
        self._inner, self._sim = inner, sim

    async def __aenter__(self) -> UnitOfWork:
        self._sim.busy += 1
        try:
            return await self._inner.__aenter__()
        except BaseException:
            self._sim.busy -= 1
            self._sim.poke()
            raise

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self._inner.__aexit__(et, e, tb)
        finally:
            self._sim.busy -= 1
            self._sim.poke()


def counted(factory: UnitOfWorkFactory, sim: SimTime) -> UnitOfWorkFactory:
    def make(read_only: bool = False) -> UnitOfWork:
        return cast(UnitOfWork, _Counted(factory(read_only), sim))

    return make


class _Bucket:
    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst, self.level, self.stamp = rate, burst, burst, now

    def wait(self, now: float) -> float:
        self.level = min(self.burst, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        return max(0.0, 1.0 - self.level) / self.rate


@dataclass
class Sinks:
    """Slack and Discord at their ceilings, on the simulation's clock."""

    sim: SimTime
    sent: list[tuple[int, float]] = field(default_factory=list)  # member id, when
    refused: Counter[str] = field(default_factory=Counter)
    _tenants: dict[str, _Bucket] = field(default_factory=dict)
    _channels: dict[str, _Bucket] = field(default_factory=dict)
    _discord: deque[float] = field(default_factory=deque)

    def _record(self, message: Outbound, now: float) -> DeliveryResult:
        target = message.target
        if not isinstance(target, ChannelTarget):
            self.sent.append((int(target.user_id[1:]), now))
        return DeliveryResult.sent()

    def _refuse(self, name: str, wait: float, scope: LimitScope) -> DeliveryResult:
        self.refused[name] += 1
        return DeliveryResult(DeliveryStatus.RATE_LIMITED, wait, scope)

    async def slack(self, message: Outbound) -> DeliveryResult:
        now, target = self.sim.monotonic(), message.target
        channel = target.channel_id if isinstance(target, ChannelTarget) else target.user_id
        tenant = self._tenants.setdefault(target.tenant, _Bucket(SLACK_RATE, SLACK_RATE, now))
        chan = self._channels.setdefault(channel, _Bucket(SLACK_CHANNEL_RATE, 1.0, now))
        if (wait := chan.wait(now)) > 0:  # Slack's Retry-After is whole seconds
            return self._refuse("slack channel", math.ceil(wait), LimitScope.CHANNEL)
        if (wait := tenant.wait(now)) > 0:
            return self._refuse("slack workspace", math.ceil(wait), LimitScope.TENANT)
        tenant.level -= 1.0
        chan.level -= 1.0
        return self._record(message, now)

    async def discord(self, message: Outbound) -> DeliveryResult:
        now, window = self.sim.monotonic(), self._discord
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= DISCORD_RATE:
            return self._refuse("discord", 1.0 - (now - window[0]), LimitScope.PLATFORM)
        window.append(now)
        return self._record(message, now)


class _Port:
    def __init__(self, platform: str, deliver: Callable[[Outbound], Awaitable[DeliveryResult]]):
        self.platform, self.deliver = platform, deliver


@dataclass
class People:
    """The seeded population, as the bench knows it (independently of the planner)."""

    zone: list[str]
    checkin: list[clock_time]
    days: list[str]
    tenant: list[int]
    _instants: dict[tuple[str, clock_time, str], datetime | None] = field(default_factory=dict)

    def platform(self, i: int) -> str:
        return "discord" if self.tenant[i] >= WORKSPACES - DISCORD_GUILDS else "slack"

    def checkin_on(self, i: int) -> datetime | None:
        """Member i's check-in on the simulated UTC day, if it is one of their working days
        (cached by zone, time and days: a million members share 40,000 of them)."""
        key = (self.zone[i], self.checkin[i], self.days[i])
        if key not in self._instants:
            tz, found = zone(key[0]), None
            first = DAY_START.astimezone(tz).date()
            for offset in (0, 1):
                day = first + timedelta(days=offset)
                instant = at_local(day, key[1], tz)
                if DAY_START <= instant < DAY_END and str(day.weekday()) in key[2]:
                    found = instant
            self._instants[key] = found
        return self._instants[key]


def population(n: int) -> People:
    zones = sorted(z for z in available_timezones() if "/" in z or z == "UTC")
    rnd = random.Random(7)
    return People(
        [rnd.choice(zones) for _ in range(n)],
        [rnd.choice(CHECKINS) for _ in range(n)],
        [rnd.choice(DAY_SETS) for _ in range(n)],
        [rnd.randrange(WORKSPACES) for _ in range(n)],
    )


def busiest_quarter(due: dict[int, datetime]) -> datetime:
    """The quarter-hour with the most check-ins (they all fall on a quarter: one wave)."""
    quarters = Counter(at.replace(minute=at.minute // 15 * 15) for at in due.values())
    return quarters.most_common(1)[0][0]


def _copy(lines: list[str]) -> io.BytesIO:
    return io.BytesIO("".join(lines).encode())


class _Cursors:
    """The cursors the core lays for a new member (bot.nudges.schedule), each next time
    computed once per distinct (kind, zone, local time, days) and shared."""

    def __init__(self, start: datetime, config: NudgeConfig) -> None:
        self._start, self._config = start, config
        self._cache: dict[tuple[Any, ...], str] = {}

    def of(self, member: Member) -> list[tuple[str, str]]:
        """(kind, next time in ISO format) of each cursor."""
        assert member.working_days, "every bench member has working days"
        out = []
        for kind in MEMBER_PERIODIC:
            if kind is NudgeKind.CHECKIN:
                key: tuple[Any, ...] = (kind, member.timezone, member.checkin_time)
            elif kind is NudgeKind.STREAK_RISK:
                key = (kind, member.timezone, evening_of(member, self._config))
            else:
                key = (kind, member.timezone)
            key += (member.working_days,) if kind is not NudgeKind.WEEKLY_REVIEW else ()
            if key not in self._cache:
                at = next_member_time(member, kind, self._start, self._config)
                self._cache[key] = at.isoformat()
            out.append((str(kind), self._cache[key]))
        return out


async def _copy_chunk(
    pg: Any, members: list[str], identities: list[str], cursors: list[str]
) -> None:
    await pg.copy_to_table(
        "members", source=_copy(members),
        columns=["id", "display_name", "timezone", "checkin_time", "working_days", "status",
                 "weekly_goal", "nudges_enabled", "nudges_off", "unreachable",
                 "timezone_pinned", "created_at"],
    )  # fmt: skip
    await pg.copy_to_table(
        "identities", source=_copy(identities),
        columns=["id", "platform", "tenant", "user_id", "member_id", "created_at"],
    )  # fmt: skip
    await pg.copy_to_table(
        "nudge_cursors", source=_copy(cursors),
        columns=["key", "kind", "next_at", "member_id", "group_id"],
    )  # fmt: skip


async def seed(engine: AsyncEngine, people: People, start: datetime, config: NudgeConfig) -> None:
    """Members, their identities and their cursors, by COPY in chunks."""
    n, chunk = len(people.zone), 100_000
    created = (DAY_START - timedelta(days=30)).isoformat()
    cursors_of = _Cursors(start, config)
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        pg = raw.driver_connection
        assert pg is not None
        # Consistent by construction: no foreign-key trigger per row (a superuser's bulk
        # load, on the bench's throwaway server).
        await pg.execute("SET session_replication_role = replica")
        copying: asyncio.Task[None] | None = None
        for lo in range(0, n, chunk):
            members, identities, cursors = [], [], []
            for mid in range(lo + 1, min(n, lo + chunk) + 1):
                i = mid - 1
                zone_, at, days = people.zone[i], people.checkin[i], people.days[i]
                members.append(
                    f"{mid}\tMember {mid}\t{zone_}\t{at}\t{days}\tsearching\t5\tt\t\tf\tf"
                    f"\t{created}\n"
                )
                identities.append(
                    f"{mid}\t{people.platform(i)}\tT{people.tenant[i]:03d}\tU{mid}\t{mid}"
                    f"\t{created}\n"
                )
                member = Member(f"Member {mid}", zone_, at, frozenset(map(int, days)), id=mid)
                for kind, next_at in cursors_of.of(member):
                    cursors.append(f"m{mid}:{kind}\t{kind}\t{next_at}\t{mid}\t\\N\n")
                if mid % 2000 == 0:
                    await asyncio.sleep(0)  # let the chunk before go on copying
            if copying is not None:  # the database takes one chunk while the next is built
                await copying
            copying = asyncio.create_task(_copy_chunk(pg, members, identities, cursors))
        if copying is not None:
            await copying
        await pg.execute("SET session_replication_role = DEFAULT")
        for table in ("members", "identities"):
            await pg.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})")
        await pg.execute("ANALYZE")


@dataclass
class Run:
    members: int
    window: datetime  # its start
    first_tick: float
    ticks: list[float]
    lateness: list[float]  # per check-in due in the window, seconds
    ideal: list[float]  # the same check-ins' ideal lateness, same order
    delivered: int
    expected: int
    twice: int
    refused: Counter[str]
    sent_at: list[float]  # when each was delivered, seconds after the window's start
    ideal_at: list[float]  # when the ceilings would let it go at the earliest
    real_s: float
    skipped_s: float
    planned_late: int  # check-ins queued after their due time
    stall: float  # the event loop's longest, seconds
    share: list[float]  # the engine's share of lateness: see engine_share


def _queues(people: People, mids: Any) -> dict[str, list[int]]:
    """Members by the queue the ceilings put them in: Discord's, or their workspace's."""
    queues: dict[str, list[int]] = {}
    for mid in mids:
        i = mid - 1
        queue = "discord" if people.platform(i) == "discord" else f"slack {people.tenant[i]}"
        queues.setdefault(queue, []).append(mid)
    return queues


def _ideal_times(name: str, dues: list[datetime]) -> list[float]:
    """When a queue's check-ins go out at the earliest, in due order: each at max(its due
    time, the previous one's + 1 / rate)."""
    gap = 1.0 / (DISCORD_RATE if name == "discord" else SLACK_RATE)
    out: list[float] = []
    for at in sorted(dues):
        out.append(at.timestamp() if not out else max(at.timestamp(), out[-1] + gap))
    return out


def ideal_lateness(people: People, due: dict[int, datetime]) -> dict[int, float]:
    """Per member: how late its check-in must be when the ceilings are the only limit
    (ties in due time taken by member id)."""
    out: dict[int, float] = {}
    for name, mids in _queues(people, due).items():
        ordered = sorted(mids, key=lambda mid: (due[mid], mid))
        for mid, t in zip(ordered, _ideal_times(name, [due[m] for m in ordered]), strict=True):
            out[mid] = t - due[mid].timestamp()
    return out


def engine_share(people: People, due: dict[int, datetime], sent: dict[int, float]) -> list[float]:
    """Per queue, its k-th delivery against the k-th the ceilings allow (timestamps). A
    wave's check-ins share one due instant, so any order among them is as good as
    another: matched by member id instead, a Discord check-in sent 60th of 3,660 that
    the ideal put 3,000th read 60 s early, and the one sent 3,000th, 60 s late."""
    out: list[float] = []
    for name, mids in _queues(people, due).items():
        went = sorted(sent[mid] for mid in mids if mid in sent)  # the lost: another row
        best = _ideal_times(name, [due[mid] for mid in mids])
        out += [a - b for a, b in zip(went, best, strict=False)]
    return out


async def simulate(db: str, url: str, members: int) -> Run:
    config = NudgeConfig()
    t0 = time.perf_counter()
    people = population(members)
    day = {i + 1: at for i in range(members) if (at := people.checkin_on(i)) is not None}
    wave = busiest_quarter(day)
    start, end = wave - WARM_UP, wave + WINDOW
    due = {mid: at for mid, at in day.items() if wave <= at < end}
    await migrate.upgrade(url)
    engine = make_engine(url)
    try:
        await seed(engine, people, start, config)
        print(
            f"[{db}] scale: seeded {members:,} members, their identities and cursors in "
            f"{time.perf_counter() - t0:.1f} s; busiest quarter-hour {wave:%H:%M} UTC, "
            f"{len(due):,} check-ins due in it"
        )
        sim = SimTime(start)
        factory = counted(uow_factory(engine, sim), sim)
        sinks = Sinks(sim)
        ports = {"slack": _Port("slack", sinks.slack), "discord": _Port("discord", sinks.discord)}
        planner = Planner(factory, sim, sim, config)
        dispatcher = Dispatcher(factory, sim, ports, sim, config, "scale", Limiter(sim))
        ticks: list[float] = []
        first: list[float] = []
        moved: list[int] = []  # cursors each tick moved on
        done = asyncio.Event()
        seen: set[int] = set()
        upto = [0]  # deliveries looked at
        stop_at = (end - start + config.grace + timedelta(minutes=5)).total_seconds()

        async def plan() -> None:
            t = time.perf_counter()
            report = await planner.tick()
            (ticks if first else first).append(time.perf_counter() - t)
            moved.append(report.cursors)

        async def dispatch() -> None:
            await dispatcher.tick()
            for mid, _ in sinks.sent[upto[0] :]:
                if mid in due:
                    seen.add(mid)
            upto[0] = len(sinks.sent)
            if len(seen) == len(due) or sim.monotonic() > stop_at:
                done.set()

        async def every(interval: float, phase: float, job: Callable[[], Awaitable[None]]) -> None:
            await sim.sleep(phase)
            next_at = sim.monotonic()
            while not done.is_set():
                await job()
                now = sim.monotonic()
                next_at += interval
                while next_at <= now:  # coalesced, as APScheduler's max_instances=1
                    next_at += interval
                await sim.sleep(next_at - now)

        # The bench's own million-member lists out of the collector's scans: a full
        # collection walking them stalled the loop 120 ms at 300,000 members, a pause
        # `nextinterview run` (which holds no such lists) would not have.
        gc.collect()
        gc.freeze()
        clock = asyncio.create_task(sim.run())
        real0 = time.perf_counter()
        lag = LoopLag()  # on real time: a stall is the engine's work, never a skip
        try:
            with lag.watching():
                await asyncio.gather(
                    every(PLANNER_S, 0.0, plan),
                    every(DISPATCHER_S, DISPATCHER_PHASE, dispatch),
                )
        finally:
            clock.cancel()
            gc.unfreeze()
        real = time.perf_counter() - real0
        print(f"[{db}] scale: cursors moved per planner tick, most {max(moved, default=0):,}")
        async with engine.connect() as conn:
            o = tables.outbox
            late_planned = (
                await conn.execute(
                    sa.select(sa.func.count()).where(
                        o.c.kind == "checkin", o.c.created_at > o.c.due_at
                    )
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    when: dict[int, float] = {}
    counts: Counter[int] = Counter()
    for mid, t in sinks.sent:
        counts[mid] += 1
        when.setdefault(mid, t)
    ideal = ideal_lateness(people, due)
    share = engine_share(
        people, due, {mid: sim.at(t).timestamp() for mid, t in when.items() if mid in due}
    )
    late, best, sent_at, ideal_at = [], [], [], []
    h = (wave - start).total_seconds()
    for mid, at in due.items():
        if mid not in when:
            continue
        late.append((sim.at(when[mid]) - at).total_seconds())
        best.append(ideal[mid])
        sent_at.append(when[mid] - h)
        ideal_at.append((at - wave).total_seconds() + ideal[mid])
    return Run(
        members, wave, first[0] if first else 0.0, ticks, late, best, len(when.keys() & due.keys()),
        len(due), sum(1 for c in counts.values() if c > 1), sinks.refused, sent_at, ideal_at,
        real, sim.skipped, late_planned, lag.worst, share,
    )  # fmt: skip


def _p(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("inf")


def drain_rate(times: list[float]) -> float:
    """Deliveries a second while the wave drains: 99% of it over the time they took from
    the window's start (the wave falls due on it)."""
    p99 = _p(times, 0.99)
    return 0.99 * len(times) / p99 if times and p99 > 0 else 0.0


def rows_of(db: str, run: Run) -> list[Row]:
    size = f"{run.members:,} members"
    print(
        f"[{db}] scale {size}: {run.delivered:,}/{run.expected:,} check-ins of the window "
        f"delivered, {run.twice} twice; refused by the sinks: {dict(run.refused) or 'none'}; "
        f"{run.real_s:.0f} s of bench time simulated {run.real_s + run.skipped_s:.0f} s"
    )
    window = f"{run.window:%H:%M}-{run.window + WINDOW:%H:%M} UTC"
    first = Row(db, f"scale {size}: planner first tick (the cursor sweep)", [run.first_tick])
    ticks = Row(
        db,
        f"scale {size}: planner tick every {PLANNER_S:g} s, busiest quarter-hour {window}; "
        f"{run.planned_late:,} check-ins planned after due",
        run.ticks,
    )
    ticks.target = "max < 250 ms, none late"
    ticks.ok = max(run.ticks, default=0.0) < 0.25 and run.planned_late == 0
    rate, ideal_rate = drain_rate(run.sent_at), drain_rate(run.ideal_at)
    sent = Row(
        db,
        f"scale {size}: nudges/s delivered as the wave drains {rate:.1f}, the ceilings allow "
        f"{ideal_rate:.1f}; {run.delivered:,}/{run.expected:,} delivered (the drain's p99)",
        [_p(run.sent_at, 0.99)],
    )
    sent.ratio = rate / ideal_rate if ideal_rate else None  # no target: the lateness has it
    sent.target = "none lost or twice"
    sent.ok = run.delivered == run.expected and run.twice == 0
    late = Row(
        db,
        f"scale {size}: lateness (delivered - due); ideal p99 {_p(run.ideal, 0.99):.1f} s",
        run.lateness or [float("inf")],
    )
    ip99 = _p(run.ideal, 0.99)
    late.ratio = _p(run.lateness, 0.99) / ip99 if ip99 > 0 else None
    late.target = "p99 <= 1.2 x ideal p99"
    late.ok = late.ratio is not None and late.ratio <= 1.2
    own = Row(
        db, f"scale {size}: the engine's share of lateness (each queue's k-th delivery - "
        "the k-th the ceilings allow)", run.share or [float("inf")],
    )  # fmt: skip
    own.target, own.ok = "p99 < 5 s", _p(run.share, 0.99) < 5.0
    stall = Row(db, f"scale {size}: event loop's longest stall", [run.stall])
    stall.target, stall.ok = "< 100 ms", run.stall < 0.1
    return [first, ticks, sent, late, own, stall]


def growth_rows(db: str, small: Run, big: Run) -> list[Row]:
    """The big run's figures in the cells; the ratio column: big / small."""
    label = f"growth {small.members // 1000:,}k -> {big.members // 1000:,}k"

    def row(what: str, s: list[float], b: list[float]) -> Row:
        r = Row(db, f"{label}: {what} (p99)", b or [float("inf")])
        sp = _p(s, 0.99)
        r.ratio = _p(b, 0.99) / sp if sp > 0 else None
        return r

    small_rate, big_rate = drain_rate(small.sent_at), drain_rate(big.sent_at)
    rate = Row(
        db,
        f"{label}: nudges/s as the wave drains {small_rate:.1f} -> {big_rate:.1f} "
        "(cells: the drain's p99)",
        [_p(big.sent_at, 0.99)],
    )
    rate.ratio = big_rate / small_rate if small_rate else None
    return [
        row("planner tick", small.ticks, big.ticks),
        rate,
        row("lateness", small.lateness, big.lateness),
        row("ideal lateness (the ceilings' own)", small.ideal, big.ideal),
        row("engine's share of lateness", small.share, big.share),
    ]


async def scale_rows(db: str, urls: list[str], sizes: tuple[int, int]) -> list[Row]:
    """Two sizes on two fresh databases: the rows of each, then the growth between."""
    small = await simulate(db, urls[0], sizes[0])
    big = await simulate(db, urls[1], sizes[1])
    return [*rows_of(db, small), *rows_of(db, big), *growth_rows(db, small, big)]
