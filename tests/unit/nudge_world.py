"""The nudge engine on the in-memory fakes: a Chat, the real planner and dispatcher, a
recording delivery whose answers a test can script, and a clock the test moves."""

from __future__ import annotations

import asyncio
import heapq
from collections import deque
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from bot.context import Config
from bot.core import Core
from bot.domain import FollowUpStatus, Identity, MeetingStatus
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import DeliveryResult, Nudge, NudgeKind, NudgeStatus, Outbound
from bot.nudges.planner import Planner
from bot.nudges.ratelimit import Limiter, PlatformLimits
from tests.fakes import FakeClock, fake_uow_factory
from tests.unit.harness import PLATFORM, Chat, local

NY = "America/New_York"


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    """January 2025, New York wall-clock time."""
    return local(date(2025, 1, day), hour, minute, NY)


class FakeTimer:
    """Monotonic time that moves when someone sleeps, and with the clock when given one
    (so a bucket closed by a 429 opens again as the world's time goes by)."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self._clock = clock
        self._start = clock.now() if clock else None
        self.slept_total = 0.0
        self.slept: list[float] = []

    @property
    def now(self) -> float:
        moved = (
            (self._clock.now() - self._start).total_seconds()
            if self._clock and self._start
            else 0.0
        )
        return moved + self.slept_total

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.slept_total += seconds


T = TypeVar("T")


class VirtualTimer:
    """Monotonic time that passes only when every task sleeps on it, to the earliest
    wake-up: concurrent sleeps overlap as on a real clock (FakeTimer adds them up).
    Drive it with `run`."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.now = 0.0
        self._clock = clock  # moved along with it, as real time would be
        self._clock_start: datetime | None = None
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self.now + seconds, self._seq, fut))
        await fut

    async def run(self, work: Awaitable[T]) -> T:
        task = asyncio.ensure_future(work)
        loop = asyncio.get_running_loop()
        while not task.done():
            # asyncio's ready queue (private, but the only way to see it): empty means
            # every task waits, here on this timer.
            for _ in range(10_000):
                await asyncio.sleep(0)
                if not getattr(loop, "_ready", ()):
                    break
            if task.done() or not self._sleepers:
                continue
            at, _, fut = heapq.heappop(self._sleepers)
            if self._clock is not None and at > self.now:  # from the start: no drift
                if self._clock_start is None:
                    self._clock_start = self._clock.now() - timedelta(seconds=self.now)
                self._clock.set(self._clock_start + timedelta(seconds=at))
            self.now = max(self.now, at)
            fut.set_result(None)
        return task.result()


@dataclass
class Delivered:
    at: datetime
    message: Outbound

    @property
    def text(self) -> str:
        return self.message.reply.text()

    @property
    def to(self) -> str:
        t = self.message.target
        return t.user_id if isinstance(t, Identity) else f"#{t.channel_id}"


@dataclass
class RecordingDelivery:
    clock: FakeClock
    platform: str = PLATFORM
    sent: list[Delivered] = field(default_factory=list)
    attempts: int = 0
    script: deque[DeliveryResult] = field(default_factory=deque)  # answers before "sent"

    async def deliver(self, message: Outbound) -> DeliveryResult:
        self.attempts += 1
        if self.script:
            return self.script.popleft()
        self.sent.append(Delivered(self.clock.now(), message))
        return DeliveryResult.sent()


class NudgeWorld(Chat):
    def __init__(
        self,
        now: datetime,
        config: NudgeConfig | None = None,
        limits: PlatformLimits | None = None,
    ) -> None:
        super().__init__(now)
        # Streak reminders at exactly the configured evening unless a test asks for spread.
        # No waiting for what falls due soon: the world's clock moves only when told.
        self.config = config or NudgeConfig(evening_spread_min=0, follow=timedelta(0))
        factory = fake_uow_factory(self.store, self.clock)
        # The chat lays cursors with the same config the planner advances them with.
        self.core = Core(factory, self.clock, Config(nudges=self.config))
        self.timer = FakeTimer(self.clock)
        self.delivery = RecordingDelivery(self.clock)
        self.planner = Planner(factory, self.clock, self.timer, self.config)
        self.limiter = Limiter(self.timer, {PLATFORM: limits or PlatformLimits()})
        self.dispatcher = Dispatcher(
            factory,
            self.clock,
            {PLATFORM: self.delivery},
            self.timer,
            self.config,
            worker="w1",
            limiter=self.limiter,
        )

    async def tick(self) -> None:
        await self.planner.tick()
        await self.dispatcher.tick()

    async def run(self, until: datetime, step: timedelta = timedelta(minutes=5)) -> None:
        """Tick every `step` up to `until`, like the scheduler would."""
        while self.clock.now() < until:
            await self.tick()
            self.clock.advance(step)
        await self.tick()

    def sent(self, to: str | None = None) -> list[Delivered]:
        return [d for d in self.delivery.sent if to is None or d.to == to]

    def nudges(
        self, kind: NudgeKind | None = None, status: NudgeStatus | None = None
    ) -> list[Nudge]:
        rows = sorted(self.store.outbox.values(), key=lambda n: n.id or 0)
        return [
            n
            for n in rows
            if (kind is None or n.kind is kind) and (status is None or n.status is status)
        ]


def _due_times(world: NudgeWorld) -> Iterator[datetime]:
    s, c = world.store, world.config
    yield from (cursor.next_at for cursor in s.cursors.values())
    yield from (n.due_at for n in s.outbox.values() if n.status is NudgeStatus.PENDING)
    yield from (
        f.next_nudge_at or f.due_at for f in s.followups.values() if f.status is FollowUpStatus.OPEN
    )
    for m in s.meetings.values():
        if m.status is MeetingStatus.SCHEDULED:
            yield from (m.starts_at - c.prep_before, m.starts_at + c.debrief_after)


async def run_until(world: NudgeWorld, until: datetime) -> None:
    """Tick at every instant something falls due, then at `until`: what a scheduler
    ticking every second would do, without the thousands of idle ticks in between."""
    while True:
        await world.tick()
        now = world.clock.now()
        if now >= until:
            return
        nxt = min((t for t in _due_times(world) if t > now), default=until)
        world.clock.set(min(nxt, until))
