"""One member on Slack and Discord, end to end on real storage (SQLite and PostgreSQL):
two identities log, link, read one merged streak, get each nudge on one platform, and
unlink again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from adapters.console.backend import ConsoleBackend
from bot.context import Caller, Where
from bot.domain import Identity
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import DeliveryResult, Outbound
from bot.nudges.planner import Planner
from bot.replies import Reply
from storage.tables import contacts, link_codes, link_failures, members, memberships
from storage.uow import SqlUnitOfWork
from tests.console.helpers import without_welcome
from tests.fakes import FakeClock
from tests.unit.nudge_world import FakeTimer

SLACK = Caller(Identity("slack", "T1", "U1"), "Ada Lovelace", "UTC")
DISCORD = Caller(Identity("discord", "G1", "4242"), "Ada L", None)
_CODE = re.compile(r"code: ([A-Z0-9]{4}-[A-Z0-9]{4})")


def dm(caller: Caller) -> Where:
    return Where(caller.identity.platform, caller.identity.tenant)


async def say(console: ConsoleBackend, who: Caller, text: str, where: Where | None = None) -> Reply:
    return await console.core.handle_text(who, where or dm(who), text)


async def ok(console: ConsoleBackend, who: Caller, text: str, where: Where | None = None) -> str:
    reply = await say(console, who, text, where)
    rendered = without_welcome(reply.text())
    assert not reply.is_error, f"{text!r} failed:\n{rendered}"
    return rendered


async def link(console: ConsoleBackend, asker: Caller, typer: Caller) -> str:
    found = _CODE.search(await ok(console, asker, "link"))
    assert found
    return await ok(console, typer, f"link {found.group(1)}")


@dataclass
class Recorder:
    platform: str
    sent: list[Outbound] = field(default_factory=list)

    async def deliver(self, message: Outbound) -> DeliveryResult:
        self.sent.append(message)
        return DeliveryResult.sent()


async def count(console: ConsoleBackend, stmt: object) -> int:
    async with console.core.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        return int((await uow.connection.execute(stmt)).scalar_one())  # type: ignore[call-overload]


async def test_the_full_journey_link_streak_nudges_unlink(
    console_db: ConsoleBackend, clock: FakeClock
) -> None:
    console = console_db
    clock.set(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))  # Monday
    await ok(console, SLACK, "settings goal 7")
    await ok(console, SLACK, "met Jane Doe @Acme")
    await ok(console, SLACK, "followup Jane fri")
    clock.advance(timedelta(days=1))  # Tuesday, on Discord
    await ok(console, DISCORD, "met Jane Doe @Acme")
    await ok(console, DISCORD, "reached out to Sam Rivera @Globex")
    await ok(console, DISCORD, "schedule Sam Rivera @Globex thu 3pm")
    assert "Streak: 1 working day" in await ok(console, DISCORD, "streak")

    linked = await link(console, SLACK, DISCORD)
    assert "kept the settings from your Slack" in linked
    assert await count(console, select(func.count()).select_from(members)) == 1
    # Jane on both sides is one contact; Sam came over numbered above the survivor's.
    listed = await ok(console, DISCORD, "contacts")
    assert (
        listed.count("Jane Doe") == 1 and "#1 Jane Doe" in listed and "#3 Sam Rivera" in listed
    )  # after #1, Discord's #2
    assert await count(console, select(func.count()).select_from(contacts)) == 2
    # One streak over both logs, read on either platform.
    assert "Streak: 2 working days" in await ok(console, SLACK, "streak")
    assert "Streak: 2 working days" in await ok(console, DISCORD, "streak")
    stats = await ok(console, DISCORD, "stats")
    assert "2 conversations of your goal of 7" in stats and "outreach: 1" in stats
    followups = await ok(console, SLACK, "followups")
    numbers = re.findall(r"#(\d+) ", followups)
    assert len(numbers) == len(set(numbers)) >= 3
    assert "Sam Rivera" in await ok(console, SLACK, "meetings")

    # Nudges: one platform, the one last written from (Slack, by `followups` above).
    slack, discord = Recorder("slack"), Recorder("discord")
    factory, config = console.core.uow_factory, console.core.config.nudges
    timer = FakeTimer(clock)
    planner = Planner(factory, clock, timer, config)
    dispatcher = Dispatcher(
        factory, clock, {"slack": slack, "discord": discord}, timer, config, worker="w"
    )

    async def run_until(until: datetime) -> None:
        while clock.now() < until:
            await planner.tick()
            await dispatcher.tick()
            clock.advance(timedelta(minutes=10))

    await ok(console, DISCORD, "nudges off interview")  # now Discord is the last used
    await run_until(datetime(2025, 1, 8, 10, 0, tzinfo=UTC))  # Wednesday's check-in
    assert discord.sent and not slack.sent
    assert {m.target for m in discord.sent} == {DISCORD.identity}
    await ok(console, SLACK, "next")  # written from Slack: the next nudges go there
    before = len(discord.sent)
    await run_until(datetime(2025, 1, 9, 10, 0, tzinfo=UTC))
    assert slack.sent and len(discord.sent) == before
    assert {m.target for m in slack.sent} == {SLACK.identity}

    # Unlink on Discord: Discord keeps everything, Slack starts over with the settings.
    assert "Your Slack starts over" in await ok(console, DISCORD, "unlink")
    assert "Best: 2 days" in await ok(console, DISCORD, "streak")  # Wednesday had none
    assert "Weekly goal: 7" in await ok(console, SLACK, "settings")
    assert "No contacts" in await ok(console, SLACK, "contacts")  # an empty member
    assert "Nothing to unlink" in await ok(console, SLACK, "unlink")


async def test_groups_merge_and_codes_are_hashed_and_guessing_counted(
    console_db: ConsoleBackend,
) -> None:
    console = console_db
    club = Where("slack", "T1", "club", "job-club")
    await ok(console, SLACK, "group setup", club)
    await ok(console, DISCORD, "group join", club)
    asked = await ok(console, SLACK, "link")
    found = _CODE.search(asked)
    assert found
    async with console.core.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        stored = (await uow.connection.execute(select(link_codes.c.code_hash))).scalars().all()
    assert len(stored) == 1 and found.group(1).replace("-", "") not in stored[0]
    wrong = await say(console, DISCORD, "link QQQQ-QQQQ")
    assert wrong.is_error and "isn't a link code" in wrong.text()
    assert await count(console, select(func.count()).select_from(link_failures)) == 1
    await ok(console, DISCORD, f"link {found.group(1)}")
    assert await count(console, select(func.count()).select_from(memberships)) == 1
    used = await say(
        console, Caller(Identity("discord", "G1", "7"), "Eve"), f"link {found.group(1)}"
    )
    assert used.is_error and "already used" in used.text()
    assert "already one member" in await link(console, DISCORD, SLACK)
