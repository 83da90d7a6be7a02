"""Members' journeys on Discord end to end: nextinterview's own wiring (the real DiscordBot,
the real discord.py client, the fake Discord on 127.0.0.1, a real SQLite file), the real
Planner and Dispatcher on the FakeClock. What tests/discord/test_client.py and
test_delivery.py leave out: a newcomer's first nudge, closed DMs, a 300-member board, a lost
group channel, the export, 5xx during a fan-out, one streak everywhere."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.context import Caller, Where
from bot.domain import Identity
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher, DispatchReport
from bot.nudges.model import Nudge, NudgeKind
from bot.nudges.planner import Planner
from storage.tables import outbox
from storage.uow import uow_factory
from tests.discord import payloads
from tests.discord.fake_discord import Answer, FakeDiscord, eventually
from tests.discord.fake_rest import public
from tests.discord.harness import DiscordUnderTest, custom_ids, discord_bot, dump, text_of
from tests.discord.payloads import CHANNEL_ID, GUILD_ID, USER_ID
from tests.discord.test_client import EPHEMERAL, OTHER_CHANNEL, OTHER_GUILD, identity_of_user
from tests.unit.nudge_world import FakeTimer

ADMIN_ID = 100000000000000002
CLOSED_ID = 100000000000000077
OPEN_DM = "/users/@me/channels"
MESSAGES = "/channels/{channel_id}/messages"
NEW_YORK = ZoneInfo("America/New_York")
GENERAL = Where("discord", str(GUILD_ID), str(CHANNEL_ID), "general")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD_ID, "Job club", [CHANNEL_ID])
        fake.add_guild(OTHER_GUILD, "Other club", [OTHER_CHANNEL])
        fake.add_user(USER_ID, "ada")
        fake.add_user(ADMIN_ID, "grace")
        fake.add_user(CLOSED_ID, "closed", dms_closed=True)
        yield fake


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[DiscordUnderTest]:
    async with discord_bot(fake, tmp_path) as under_test:
        yield under_test


class Nudging:
    """The real Planner and Dispatcher on the bot's database, clock and delivery."""

    def __init__(self, bot: DiscordUnderTest) -> None:
        self.bot = bot
        self.factory = uow_factory(bot.engine, bot.clock)
        timer = FakeTimer(bot.clock)
        config = NudgeConfig()
        self.planner = Planner(self.factory, bot.clock, timer, config)
        deliveries = {"discord": bot.bot.delivery}
        self.dispatcher = Dispatcher(self.factory, bot.clock, deliveries, timer, config, "w1")
        self.reports: list[DispatchReport] = []

    async def tick(self) -> None:
        await self.planner.tick()
        await self.dispatch()

    async def dispatch(self) -> None:
        self.reports.append(await self.dispatcher.tick())

    async def until(self, done: Callable[[], bool], step: timedelta, limit: int) -> None:
        """Move the clock a step at a time, planning and dispatching, until `done`."""
        for _ in range(limit):
            self.bot.clock.advance(step)
            await self.tick()
            if done():
                return
        raise AssertionError(f"not done after {limit} steps of {step}")

    def total(self, field: str) -> int:
        return sum(getattr(r, field) for r in self.reports)


def opens_for(fake: FakeDiscord, user_id: int) -> int:
    """How many times the bot opened this user's DM channel."""
    return sum(
        1 for c in fake.calls_to("POST", OPEN_DM) if str(c.json.get("recipient_id")) == str(user_id)
    )


def in_channel(fake: FakeDiscord, channel_id: int | str) -> list[dict[str, Any]]:
    return [m for m in fake.messages if m["channel_id"] == str(channel_id)]


async def answered(
    bot: DiscordUnderTest, name: str, options: Any = None, **kw: Any
) -> tuple[Answer, dict[str, Any]]:
    """A slash command's answer and the message it became (attachments with their bytes),
    whether it came at once or after a defer."""
    answer = await bot.slash(name, options, **kw)
    it = bot.fake.interactions[answer.interaction_id]
    await eventually(lambda: it.original is not None and not it.loading, what=f"/{name}")
    assert it.original is not None
    return answer, it.original


def files(message: dict[str, Any]) -> dict[str, bytes]:
    return {a["filename"]: a["data"] for a in message["attachments"]}


async def group_setup(bot: DiscordUnderTest, zone: str | None = None) -> None:
    """Grace, who may manage the server, makes its channel a group (in `zone`)."""
    made = await bot.say("group", {"name": "Job club"}, subcommand="setup",
                         user_id=ADMIN_ID, permissions=payloads.MANAGE_GUILD)  # fmt: skip
    assert "Job club" in made
    if zone is not None:
        said = await bot.say("group", {"zone": zone}, subcommand="timezone", user_id=ADMIN_ID)
        assert zone in said


# -- 1. a newcomer: welcome, their zone, the first nudge at their minute, a press ------------


async def test_a_newcomers_first_nudge_comes_at_their_minute_and_a_press_logs_it(
    bot: DiscordUnderTest,
) -> None:
    fake = bot.fake
    await group_setup(bot, "Europe/Berlin")
    _, first = await answered(
        bot, "log", {"kind": "meeting", "person": "Jane Doe", "company": "Acme", "when": "today"}
    )
    assert first["flags"] & EPHEMERAL
    welcome = text_of(first)
    assert welcome.startswith("Welcome!") and "Jane Doe" in welcome
    # Discord tells no zone: the group's is the guess, and the member is asked once.
    assert "follow Europe/Berlin for now" in welcome and "settings timezone" in welcome
    # The DM channel is opened once, at this first command, never again at nudge time.
    await eventually(lambda: opens_for(fake, USER_ID) == 1, what="the DM channel opened")
    dm_channel = str(fake.dm_channels[USER_ID])
    assert "Welcome" not in await bot.say("streak")
    said = await bot.say("settings", {"timezone": "America/New_York"})
    assert "America/New_York" in said

    nudging = Nudging(bot)
    await nudging.until(lambda: bool(in_channel(fake, dm_channel)), timedelta(minutes=15), 4 * 48)
    (nudge,) = in_channel(fake, dm_channel)
    local = bot.clock.now().astimezone(NEW_YORK)
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 30)  # the default check-in
    assert "Jane Doe" in text_of(nudge) and "thank-you" in text_of(nudge)
    buttons = custom_ids(nudge)
    assert buttons and all(b.startswith("ni:run:") for b in buttons)
    assert nudge["allowed_mentions"] == {"parse": []}
    assert "thank-you · Jane Doe" in await bot.say("followups")

    log_it = next(b for b in buttons if b.startswith("ni:run:log thankyou"))
    pressed = await fake.interact(payloads.component(log_it, message=nudge, guild_id=None))
    assert pressed.type == 7  # the DM's message is updated in place
    await eventually(lambda: nudge["edits"] == 1, what="the nudge edited")
    assert "Jane Doe" in text_of(nudge) and nudge["allowed_mentions"] == {"parse": []}
    left = await bot.say("followups")
    assert "thank-you · Jane Doe" not in left and "check-back · Jane Doe" in left
    assert len(in_channel(fake, dm_channel)) == 1  # the press posted nothing new
    assert opens_for(fake, USER_ID) == 1 and fake.violations == []
    assert len(fake.calls_to("POST", OPEN_DM)) == 2  # Ada's and Grace's, once each


# -- 2. closed DMs ------------------------------------------------------------------------------


async def test_a_member_with_closed_dms_is_marked_unreachable_and_told_once_in_a_channel(
    bot: DiscordUnderTest,
) -> None:
    fake = bot.fake
    await bot.slash("log", {"kind": "meeting", "person": "Jane Doe", "when": "today"},
                    user_id=CLOSED_ID)  # fmt: skip
    await eventually(lambda: opens_for(fake, CLOSED_ID) == 1, what="the DM channel opened")
    dm_path = f"/channels/{fake.dm_channels[CLOSED_ID]}/messages"
    nudging = Nudging(bot)
    await nudging.until(lambda: bool(fake.calls_to("POST", dm_path)), timedelta(minutes=15), 96)
    (refused,) = fake.calls_to("POST", dm_path)
    assert (refused.status, refused.code) == (403, 50007)
    assert (nudging.total("failed"), nudging.total("retried")) == (1, 0)  # permanent
    member = await bot.core.member_of(Identity("discord", "discord", str(CLOSED_ID)))
    assert member is not None and member.unreachable
    # Three more days: no retry, and no new nudge for someone the bot cannot reach.
    calls = len(fake.calls)
    for _ in range(72):
        bot.clock.advance(timedelta(hours=1))
        await nudging.tick()
    assert fake.calls_to("POST", dm_path) == [refused] and len(fake.calls) == calls
    assert fake.invalid_requests == 1

    _, told = await answered(bot, "streak", user_id=CLOSED_ID)
    assert told["flags"] & EPHEMERAL and "didn't go through" in text_of(told)
    again = await bot.say("streak", user_id=CLOSED_ID)
    assert "best:" in again.lower() and "didn't go through" not in again
    member = await bot.core.member_of(Identity("discord", "discord", str(CLOSED_ID)))
    assert member is not None and not member.unreachable


# -- 3. a 300-member board ----------------------------------------------------------------------


def ping_name(i: int) -> str:
    """Names that would ping if they reached Discord raw (their first word is shown)."""
    return f"@everyone{i:03d} M" if i % 2 else f"<@{1000 + i}> x"


async def test_a_300_member_board_stays_within_discords_limits_and_attaches_the_rest(
    bot: DiscordUnderTest,
) -> None:
    fake = bot.fake
    base = 200000000000000000
    for i in range(300):
        who = Caller(Identity("discord", "discord", str(base + i)), ping_name(i), None)
        text = "group setup Job club" if i == 0 else "group join"
        assert "Job club" in (await bot.core.handle_text(who, GENERAL, text)).text()
        for n in range(i % 7):
            await bot.core.handle_text(who, GENERAL, f"emailed Contact{n} @Acme")
    scoring = sum(1 for i in range(300) if i % 7)

    # A member far down asks: the top, then their own place, and the whole board attached.
    _, message = await answered(bot, "leaderboard", user_id=base + 8, username="m8")
    data = public(message)
    assert not message["flags"] & EPHEMERAL  # the group's board is public
    assert message["allowed_mentions"] == {"parse": []}
    shown = text_of(data)
    assert "Leaderboard" in shown
    mine = shown.split("⋯\n", 1)[1].splitlines()[0]
    assert mine.startswith("215. ") and "1008" in mine and "2 pts" in mine
    assert "more members on the full board, attached" in shown
    raw = dump(data)
    assert "@everyone" not in raw and "<@1" not in raw
    (board,) = files(message).values()
    rows = list(csv.reader(io.StringIO(board.decode())))
    assert rows[0][:3] == ["rank", "name", "points"] and len(rows) == 1 + scoring
    assert fake.violations == []

    # The weekly post, through the dispatcher, in the group's channel.
    factory = uow_factory(bot.engine, bot.clock)
    async with factory() as uow:
        group = await uow.groups.by_channel("discord", str(GUILD_ID), str(CHANNEL_ID))
        assert group is not None
        weekly = Nudge(NudgeKind.LEADERBOARD, bot.clock.now(), "g:board:test", None, group.id)
        await uow.outbox.enqueue([weekly])
    await Nudging(bot).dispatch()
    (post,) = in_channel(fake, CHANNEL_ID)
    assert "Leaderboard" in text_of(post) and "⋯" not in text_of(post)
    assert post["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in dump(public(post)) and "<@1" not in dump(public(post))
    assert "more members on the full board, attached" in text_of(post)
    (posted_board,) = files(post).values()
    assert len(posted_board.decode().splitlines()) == 1 + scoring
    assert fake.violations == []


# -- 4. a lost group channel --------------------------------------------------------------------


async def test_a_lost_group_channel_fails_the_post_and_tells_its_admin_once(
    bot: DiscordUnderTest,
) -> None:
    fake = bot.fake
    await group_setup(bot)
    await bot.say("log", {"kind": "meeting", "person": "Jane Doe"}, user_id=ADMIN_ID)
    await eventually(lambda: opens_for(fake, ADMIN_ID) == 1, what="the admin's DM channel")
    fake.fail("POST", f"/channels/{CHANNEL_ID}/messages", 403, 50013, times=2,
              message="Missing Permissions")  # fmt: skip
    nudging = Nudging(bot)
    async with nudging.factory() as uow:
        group = await uow.groups.by_channel("discord", str(GUILD_ID), str(CHANNEL_ID))
        assert group is not None and group.id is not None
        for n in range(2):
            now = bot.clock.now() + timedelta(minutes=n)
            await uow.outbox.enqueue([Nudge(NudgeKind.LEADERBOARD, now, f"board-{n}", None,
                                            group.id)])  # fmt: skip
    for _ in range(2):
        await nudging.dispatch()
        bot.clock.advance(timedelta(minutes=1))
    refused = fake.calls_to("POST", f"/channels/{CHANNEL_ID}/messages")
    assert [(c.status, c.code) for c in refused] == [(403, 50013)] * 2
    async with bot.engine.connect() as conn:
        rows = (await conn.execute(
            select(outbox.c.status, outbox.c.note).where(outbox.c.group_id == group.id)
            .where(outbox.c.kind == NudgeKind.LEADERBOARD.value)
            .where(outbox.c.dedupe_key.like("board-%"))
        )).all()  # fmt: skip
    assert sorted(r.status for r in rows) == ["failed", "failed"]
    admin_dm = str(fake.dm_channels[ADMIN_ID])
    await eventually(lambda: bool(in_channel(fake, admin_dm)), what="the admin told")
    (told,) = in_channel(fake, admin_dm)
    assert "Job club" in text_of(told) and "group setup" in text_of(told)
    assert told["allowed_mentions"] == {"parse": []}
    assert opens_for(fake, ADMIN_ID) == 1  # the DM channel stored at their first command


# -- 5. the export ------------------------------------------------------------------------------


async def test_export_answers_ephemerally_with_json_and_csv_attached(
    bot: DiscordUnderTest,
) -> None:
    await bot.slash("log", {"kind": "meeting", "person": "Jane Doe", "company": "Acme"})
    _, message = await answered(bot, "export")
    assert message["flags"] & EPHEMERAL
    got = files(message)
    assert set(got) == {"nextinterview.json", "contacts.csv", "activities.csv",
                        "followups.csv", "opportunities.csv"}  # fmt: skip
    exported = json.loads(got["nextinterview.json"])
    assert [c["name"] for c in exported["contacts"]] == ["Jane Doe"]
    assert exported["identities"][0]["user_id"] == str(USER_ID)
    contacts = list(csv.DictReader(io.StringIO(got["contacts.csv"].decode())))
    assert [(c["name"], c["company"]) for c in contacts] == [("Jane Doe", "Acme")]
    assert "1 contact, 1 logged step" in text_of(message)
    assert bot.fake.violations == []


# -- 6. 5xx during a fan-out --------------------------------------------------------------------


async def test_5xx_during_a_fan_out_lose_no_nudge_and_send_none_twice(
    bot: DiscordUnderTest,
) -> None:
    fake = bot.fake
    base = 210000000000000000
    users = [base + i for i in range(30)]
    factory = uow_factory(bot.engine, bot.clock)
    for user in users:
        who = Caller(Identity("discord", "discord", str(user)), f"Member {user - base}", None)
        await bot.core.handle_text(who, GENERAL, "streak")
    async with factory() as uow:
        for user in users:
            member = await uow.members.by_identity(Identity("discord", "discord", str(user)))
            assert member is not None and member.id is not None
            key = f"m{member.id}:checkin:fanout"
            await uow.outbox.enqueue([Nudge(NudgeKind.CHECKIN, bot.clock.now(), key, member.id)])
    # 503s fail at once (the dispatcher retries them later); a 502 discord.py retries itself
    # after a second, within the delivery's deadline; a 429 or two ride along.
    for status in (503, 502, 503, 500, 503, 503):
        fake.fail("POST", MESSAGES, status, 0, message=f"injected {status}")
    fake.fail("POST", MESSAGES, 503, 0, times=4)
    fake.rate_limit("POST", MESSAGES, retry_after=0.02, times=2)
    nudging = Nudging(bot)

    async def all_sent() -> bool:
        async with bot.engine.connect() as conn:
            statuses = (await conn.execute(
                select(outbox.c.status).where(outbox.c.dedupe_key.like("%:fanout"))
            )).scalars().all()  # fmt: skip
        return list(statuses) == ["sent"] * 30

    for _ in range(40):
        await nudging.dispatch()
        if await all_sent():
            break
        bot.clock.advance(timedelta(minutes=1))
    assert await all_sent()
    per_channel = Counter(m["channel_id"] for m in fake.messages)
    assert per_channel == Counter({str(fake.dm_channels[u]): 1 for u in users})
    failed = [c for c in fake.calls_to("POST", MESSAGES) if c.status >= 500]
    assert len(failed) == 10  # every injected 5xx was met
    assert nudging.total("retried") >= 1 and nudging.total("failed") == 0
    assert nudging.total("messages") == 30
    assert all(opens_for(fake, u) == 1 for u in users)
    assert fake.violations == []


# -- 7. one streak everywhere -------------------------------------------------------------------


async def test_one_user_in_two_servers_and_a_dm_has_one_streak(bot: DiscordUnderTest) -> None:
    places: list[dict[str, Any]] = [
        {},
        {"guild_id": OTHER_GUILD, "channel_id": OTHER_CHANNEL},
        {"guild_id": None},
    ]
    for day, place in enumerate(places):  # Monday in one server, Tuesday the other, then a DM
        if day:
            bot.clock.advance(timedelta(days=1))
        logged = await bot.say("log", {"kind": "outreach", "person": f"Person {day}"}, **place)
        assert f"Person {day}" in logged
    seen = [await bot.say("streak", **place) for place in places]
    assert all("Streak: 3 working days" in s for s in seen), seen
    assert len(set(seen)) == 1
    async with uow_factory(bot.engine, bot.clock)() as uow:
        member = await uow.members.by_identity(identity_of_user(USER_ID))
        assert member is not None and member.id is not None
        assert len(await uow.activities.all(member.id)) == 3
