"""`nextinterview demo`: a sample job club simulated over weeks with a fast clock.

Four members in four timezones (one crossing the US daylight-saving change) log what
they do; the real planner and dispatcher run every simulated quarter hour against a
throwaway SQLite database, and every nudge and weekly leaderboard post is printed as
the console would deliver it.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from adapters.console.backend import ConsoleBackend
from adapters.console.delivery import ConsoleDelivery
from adapters.runtime.clock import ManualClock, SystemTimer
from bot.context import Config
from bot.core import Core
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.planner import Planner
from storage import migrate
from storage.engine import make_engine
from storage.uow import uow_factory

GROUP = "demo-club"
STEP = timedelta(minutes=15)
# Monday 2 March 2026: New York moves its clocks on Sunday the 8th.
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
MEETING_ENDS = time(16, 0)  # scheduled conversations are at 15:00 local and last an hour


@dataclass(frozen=True)
class Persona:
    name: str
    zone: str
    checkin: str
    diligence: float  # how likely they act on a working day
    script: tuple[str, ...]


PEOPLE = (
    Persona("Ann Lee", "Europe/London", "09:00", 0.9, (
        "met Priya Shah from Initech for coffee", "thanked Priya", "reached out to Sam @Globex",
        "lead Noor @Hooli via Sam", "reached out to Noor @Hooli",
        "schedule Noor @Hooli {day} 15:00 interview",
        "interviewed at Hooli with Noor", "thanked Noor", "followup Sam",
    )),
    Persona("Bo Park", "America/New_York", "08:30", 0.6, (
        "applied to Acme", "reached out to Jo @Acme", "met Jo from Acme", "thanked Jo",
        "opportunity add Acme as analyst", "followup Jo",
    )),
    Persona("Chen Wu", "Asia/Singapore", "10:00", 0.75, (
        "met Lin from Grab", "thanked Lin", "reached out to Ravi @Shopee", "met Ravi from Shopee",
        "followup Lin", "thanked Ravi",
    )),
    Persona("Dev Rao", "Asia/Kolkata", "09:30", 0.35, (
        "reached out to Asha @Infosys", "met Asha from Infosys", "thanked Asha",
    )),
)  # fmt: skip


def _working_day_after(local: datetime, days: int) -> date:
    day = local.date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def run_demo(weeks: int = 3, seed: int = 7, write: Callable[[str], None] = print) -> int:
    rng = random.Random(seed)
    clock = ManualClock(START)
    with tempfile.TemporaryDirectory(prefix="nextinterview-demo-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"
        await migrate.upgrade(url)
        engine = make_engine(url)
        try:
            factory = uow_factory(engine, clock)
            config = NudgeConfig()
            core = Core(factory, clock, Config(nudges=config))
            console = ConsoleBackend(core)
            delivery = ConsoleDelivery(write=write, clock=clock)
            planner = Planner(factory, clock, SystemTimer(), config)
            dispatcher = Dispatcher(
                factory, clock, {"console": delivery}, SystemTimer(), config, worker="demo"
            )

            async def act(p: Persona, text: str, group: str | None = None) -> None:
                local = clock.now().astimezone(ZoneInfo(p.zone))
                write(f"{local:%a %d %b %H:%M} {p.zone:<16} {p.name.split()[0]}> {text}")
                await console.reply(p.name, text, group)

            for i, p in enumerate(PEOPLE):
                await console.reply(p.name, f"settings timezone {p.zone}")
                await console.reply(p.name, f"settings checkin {p.checkin}")
                await console.reply(
                    p.name, "group setup Demo job club" if i == 0 else "group join", GROUP
                )
            progress = {p.name: 0 for p in PEOPLE}
            # After `schedule`, the next step is that conversation: logged when it is over.
            waiting: dict[str, datetime] = {}
            end = START + timedelta(weeks=weeks)
            while clock.now() < end:
                for p in PEOPLE:
                    local = clock.now().astimezone(ZoneInfo(p.zone))
                    slot = local.weekday() < 5 and (local.hour, local.minute) in ((11, 0), (15, 0))
                    keen = slot and rng.random() < p.diligence
                    held = waiting.get(p.name)
                    if held is not None:
                        if clock.now() < held:
                            continue
                        del waiting[p.name]
                    elif not keen:
                        continue
                    text = p.script[progress[p.name] % len(p.script)]
                    progress[p.name] += 1
                    day = _working_day_after(local, 2)
                    if text.startswith("schedule"):
                        waiting[p.name] = datetime.combine(day, MEETING_ENDS, local.tzinfo)
                    await act(p, text.format(day=day.strftime("%a").lower()))
                await planner.tick()
                await dispatcher.tick()
                clock.advance(STEP)
            write("")
            for p in PEOPLE:
                write(f"{p.name}: " + (await console.say(p.name, "streak")).splitlines()[0])
        finally:
            await engine.dispose()
    return 0
