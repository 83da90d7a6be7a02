"""A week of nudges in the console, on real SQLite storage with an injected clock: each
kind arrives at the member's local time, printed as the console delivers it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest_asyncio

from adapters.console.backend import ConsoleBackend
from adapters.console.delivery import ConsoleDelivery
from bot.context import Config
from bot.core import Core
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import DeliveryResult, Outbound
from bot.nudges.planner import Planner
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import uow_factory
from tests.console.helpers import ok
from tests.fakes import FakeClock
from tests.unit.harness import local
from tests.unit.nudge_world import FakeTimer

NY = ZoneInfo("America/New_York")


@dataclass
class Club:
    console: ConsoleBackend
    delivery: ConsoleDelivery
    printed: list[str]
    clock: FakeClock
    planner: Planner
    dispatcher: Dispatcher

    async def run(self, until: datetime, step: timedelta = timedelta(minutes=5)) -> None:
        while self.clock.now() < until:
            await self.planner.tick()
            await self.dispatcher.tick()
            self.clock.advance(step)

    def received(self, user: str) -> list[tuple[str, str]]:
        """(local time, first line) of each message delivered to `user`, in order."""
        out = []
        for message in self.delivery.delivered:
            target = message.target
            if getattr(target, "user_id", None) == user:
                at = self.at[id(message)]
                out.append((at.astimezone(NY).strftime("%a %H:%M"), message.reply.text()))
        return out

    at: dict[int, datetime]


@pytest_asyncio.fixture
async def club(tmp_path: Path) -> AsyncIterator[Club]:
    url = f"sqlite+aiosqlite:///{tmp_path}/club.db"
    await upgrade(url)
    engine = make_engine(url)
    clock = FakeClock(local(date(2025, 1, 6), 7, 0, "America/New_York"))  # Monday
    config = NudgeConfig(evening_spread_min=0)
    factory = uow_factory(engine, clock)
    printed: list[str] = []
    delivery = ConsoleDelivery(write=printed.append, clock=clock, timezone="America/New_York")
    at: dict[int, datetime] = {}
    real = delivery.deliver

    async def stamped(message: Outbound) -> DeliveryResult:
        at[id(message)] = clock.now()
        return await real(message)

    delivery.deliver = stamped  # type: ignore[method-assign]
    try:
        yield Club(
            console=ConsoleBackend(Core(factory, clock, Config(nudges=config))),
            delivery=delivery,
            printed=printed,
            clock=clock,
            planner=Planner(factory, clock, FakeTimer(), config),
            dispatcher=Dispatcher(factory, clock, {"console": delivery}, FakeTimer(), config),
            at=at,
        )
    finally:
        await engine.dispose()


async def test_a_week_of_nudges_arrives_at_local_times(club: Club) -> None:
    c = club.console
    for text in (
        "settings timezone America/New_York",
        "settings checkin 08:30",
        "met Jane Doe from Acme",
        "lead Priya @Initech via Sam",
        "schedule Noor @Hooli wed 15:00 interview",
    ):
        await ok(c, "ann", text)
    await ok(c, "ann", "group setup Job club", "club")
    await ok(c, "bo", "group join", "club")
    await club.run(local(date(2025, 1, 10), 17, 0, "America/New_York"))
    # Messages due at the same minute go out concurrently: compare them in a fixed order.
    got = sorted((at, text.splitlines()[0]) for at, text in club.received("ann"))
    waiting = "Jane Doe (Acme) is still waiting for your thank-you."
    checkin = f"Who did you follow up with today? {waiting}"
    later = f"{checkin} (+1 more follow-up)"  # the lead, due Wednesday, joins from Tuesday
    assert got == sorted(
        [
            ("Mon 08:30", checkin),
            ("Tue 07:00", "You met Jane Doe (Acme) yesterday; the thank-you is still open."),
            ("Tue 08:30", later),
            ("Tue 15:00", "Your interview with Noor (Hooli): tomorrow 15:00."),
            ("Tue 18:30", "Your 1-day streak is still open today."),
            ("Wed 07:00", "Sam gave you Priya (Initech) two days ago."),
            ("Wed 08:30", later),
            ("Wed 17:00", "How did your interview with Noor (Hooli) go?"),
            ("Thu 07:00", "You met Jane Doe (Acme) three days ago; the thank-you is still open."),
            ("Thu 08:30", later),
            ("Fri 07:00", "Sam gave you Priya (Initech) four days ago."),
            ("Fri 08:30", later),
            (
                "Fri 16:00",
                "Your week: 1 conversation of your goal of 5, 0 follow-ups, 0 outreaches.",
            ),
            ("Fri 16:00", "Group report — Job club, week of 06 Jan"),
        ]
    )
    # Bo (no timezone set: UTC) joined after Monday's 09:30 UTC: check-ins from Tuesday,
    # his weekly review at 16:00 UTC, and no admin summary.
    bo = club.received("bo")
    assert [at for at, _ in bo] == [
        *(f"{d} 04:30" for d in ("Tue", "Wed", "Thu", "Fri")),
        "Fri 11:00",
    ]
    assert not any("Group report" in text for _, text in bo)
    # The console prints each delivery with its recipient; the post goes to the channel.
    post = next(p for p in club.printed if "nudge to #club" in p)
    assert post.startswith("[Fri 10 Jan 16:00 EST nudge to #club]")
    assert "Leaderboard — Job club" in post and "1. ann — 6 pts" in post
    assert "Jane" not in post and "Acme" not in post  # never contacts or companies


def on(day: int, hour: int, minute: int = 0) -> datetime:
    """January 2025 in New York."""
    return local(date(2025, 1, day), hour, minute, "America/New_York")


async def test_prep_and_debrief_only_for_conversations_still_to_come(club: Club) -> None:
    """The demo's story: an interview with Noor two days out, the prep the day before,
    then `interviewed at Hooli with Noor` on its day: no debrief comes after (the demo
    once sent one). The next round is held that morning and logged at the company only;
    a conversation moved to another day is prepared and debriefed at its new time only."""
    c = club.console
    await ok(c, "ann", "settings timezone America/New_York")
    await ok(c, "ann", "schedule Noor @Hooli wed 15:00 interview")
    await ok(c, "ann", "schedule Sam @Globex thu 11:00")
    await club.run(on(7, 16))
    await ok(c, "ann", "move Sam fri")  # same time of day, a day later
    await club.run(on(8, 16))
    await ok(c, "ann", "interviewed at Hooli with Noor")
    assert "Noor" not in await ok(c, "ann", "meetings")
    await ok(c, "ann", "schedule Noor @Hooli fri 15:00 interview")  # the next round
    await club.run(on(10, 10))
    await ok(c, "ann", "interviewed at Hooli")  # moved up to this morning
    await club.run(on(11, 12))
    got = [(at, text.splitlines()[0]) for at, text in club.received("ann")]
    assert [(at, first) for at, first in got if first.startswith(("Your", "How did"))] == [
        ("Tue 15:00", "Your interview with Noor (Hooli): tomorrow 15:00."),
        ("Thu 11:00", "Your conversation with Sam (Globex): tomorrow 11:00."),
        ("Thu 15:00", "Your interview with Noor (Hooli): tomorrow 15:00."),
        ("Fri 13:00", "How did your conversation with Sam (Globex) go?"),
        ("Fri 16:00", "Your week: 2 conversations of your goal of 5, 0 follow-ups, 0 outreaches."),
    ]
