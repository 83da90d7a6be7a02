"""The Discord bot end to end: nextinterview's own wiring, the real discord.py client, the
fake Discord on 127.0.0.1, a real SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from sqlalchemy import func, select

from adapters.discord.commands import entries
from adapters.discord.inbound import identity_of
from adapters.runtime.serve import StartError, serve
from adapters.runtime.settings import load_settings
from bot.domain import ActivityKind, Identity
from storage.tables import members
from storage.uow import uow_factory
from tests.discord import payloads
from tests.discord.fake_discord import FakeDiscord, eventually
from tests.discord.harness import DiscordUnderTest, custom_ids, discord_bot, text_of
from tests.discord.payloads import CHANNEL_ID, GUILD_ID, USER_ID

OTHER_GUILD, OTHER_CHANNEL = 300000000000000002, 400000000000000002
EPHEMERAL = 1 << 6


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD_ID, "Job club", [CHANNEL_ID])
        fake.add_guild(OTHER_GUILD, "Other club", [OTHER_CHANNEL])
        fake.add_user(USER_ID, "ada")
        yield fake


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[DiscordUnderTest]:
    async with discord_bot(fake, tmp_path) as under_test:
        yield under_test


async def test_the_synced_commands_are_the_registrys_and_a_restart_syncs_nothing(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    async with discord_bot(fake, tmp_path) as first:
        assert first.bot.synced == [f"discord:tree:{fake.application_id}:global"]
    synced = {c["name"] for c in fake.commands[None]}
    assert synced == {e.path[0] for e in entries()}
    assert {"log", "settings", "group", "contact", "help", "forget"} <= synced
    puts = len(fake.calls_to("PUT", "/applications"))
    async with discord_bot(fake, tmp_path) as again:  # a restart, the same database
        assert again.bot.synced == []
    assert len(fake.calls_to("PUT", "/applications")) == puts
    assert fake.violations == []


async def test_guild_ids_sync_to_those_servers_only(fake: FakeDiscord, tmp_path: Path) -> None:
    async with discord_bot(fake, tmp_path, guild_ids=(GUILD_ID,)) as under_test:
        assert under_test.bot.synced == [f"discord:tree:{fake.application_id}:{GUILD_ID}"]
    assert {c["name"] for c in fake.commands[GUILD_ID]} >= {"log", "streak"}
    assert not fake.commands.get(None)


async def test_log_with_options_answers_ephemerally_and_logs(bot: DiscordUnderTest) -> None:
    answer = await bot.slash(
        "log", {"kind": "meeting", "person": "Jane Doe", "company": "Acme", "when": "yesterday"}
    )
    assert answer.type == 4 and answer.data["flags"] & EPHEMERAL
    text = text_of(answer.data)
    assert "Jane Doe" in text and "Acme" in text and "yesterday" in text
    assert answer.data["allowed_mentions"] == {"parse": []}
    async with uow_factory(bot.engine, bot.clock)() as uow:
        member = await uow.members.by_identity(identity_of_user(USER_ID))
        assert member is not None and member.id is not None
        logged = await uow.activities.all(member.id)
    assert [a.kind for a in logged] == [ActivityKind.MEETING]
    assert bot.fake.violations == []


def identity_of_user(user_id: int) -> Identity:
    return identity_of(discord.Object(user_id))


async def members_count(bot: DiscordUnderTest) -> int:
    async with bot.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(members))).scalar_one())


async def test_one_user_in_two_servers_and_a_dm_is_one_member(bot: DiscordUnderTest) -> None:
    await bot.slash("log", {"kind": "outreach", "person": "Sam Lee"})
    await bot.slash("log", {"kind": "meeting", "person": "Priya Natarajan"},
                    guild_id=OTHER_GUILD, channel_id=OTHER_CHANNEL)  # fmt: skip
    contacts = await bot.say("contacts", guild_id=None)
    assert "Sam Lee" in contacts and "Priya Natarajan" in contacts
    assert await members_count(bot) == 1


async def test_settings_takes_several_options_at_once(bot: DiscordUnderTest) -> None:
    text = await bot.say("settings", {"timezone": "Europe/Paris", "checkin": "08:15", "goal": 6})
    assert "Europe/Paris" in text and "08:15" in text and "6 conversations" in text
    async with uow_factory(bot.engine, bot.clock)() as uow:
        member = await uow.members.by_identity(identity_of_user(USER_ID))
    assert member is not None and (member.timezone, member.weekly_goal) == ("Europe/Paris", 6)


async def test_autocomplete_suggests_the_members_contacts_and_zones(bot: DiscordUnderTest) -> None:
    await bot.slash("log", {"kind": "meeting", "person": "Priya Natarajan", "company": "Globex"})
    answer = await bot.fake.interact(payloads.autocomplete("done", "target", "pri"))
    assert answer.type == 8
    assert [c["value"] for c in answer.data["choices"]] == ["Priya Natarajan"]
    zones = await bot.fake.interact(payloads.autocomplete("settings", "timezone", "new y"))
    assert zones.data["choices"][0]["value"] == "America/New_York"
    assert len(zones.data["choices"]) <= 25 and answer.seconds < 3


async def test_log_without_options_opens_the_modal_and_its_submission_logs(
    bot: DiscordUnderTest,
) -> None:
    opened = await bot.slash("log")
    assert opened.type == 9  # a modal, as the first response
    form = opened.data
    inputs = [c["component"]["custom_id"] for c in form["components"]]
    assert "person" in inputs and "note" in inputs
    submission = payloads.modal_submit(
        form["custom_id"], {"person": "Omar Little", "company": "Baltimore", "when": "today"},
        labels=True,
    )  # fmt: skip
    kind = {"type": 3, "id": 99, "custom_id": "kind", "values": ["meeting"]}
    submission["data"]["components"].append({"type": 18, "id": 98, "component": kind})
    submitted = await bot.fake.interact(submission)
    text = text_of(submitted.data)
    assert "Omar Little" in text and submitted.data["flags"] & EPHEMERAL
    assert "Omar Little" in await bot.say("contacts")


async def test_a_button_pressed_after_a_restart_still_runs(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    async with discord_bot(fake, tmp_path) as first:
        logged = await first.slash("log", {"kind": "meeting", "person": "Jane Doe"})
        ids = custom_ids(logged.data)
        assert ids and all(i.startswith("ni:run:") for i in ids)
        owed = await first.slash("followups")
        done = next(i for i in custom_ids(owed.data) if i.startswith("ni:run:done "))
        message = {**payloads.bot_message(flags=EPHEMERAL), **owed.data}
    async with discord_bot(fake, tmp_path) as again:  # a new process, the same database
        pressed = await fake.interact(payloads.component(done, message=message))
        assert pressed.type == 7  # the ephemeral list is updated in place
        assert "thank-you" in text_of(pressed.data).lower()
        left = await again.say("followups")
        assert "thank-you · Jane Doe" not in left and "check-back · Jane Doe" in left
    assert fake.violations == []


async def test_group_setup_needs_manage_server(bot: DiscordUnderTest) -> None:
    refused = await bot.say("group", subcommand="setup")
    assert "manage this server" in refused
    made = await bot.slash("group", subcommand="setup", permissions=payloads.MANAGE_GUILD)
    assert not made.data.get("flags", 0) & EPHEMERAL  # the group's own post is public
    assert "group" in text_of(made.data).lower()


async def test_a_gateway_reconnect_resumes_and_commands_still_answer(
    bot: DiscordUnderTest,
) -> None:
    await bot.fake.reconnect(resume=True)
    assert bot.fake.resumes == 1
    assert "best:" in (await bot.say("streak")).lower()
    assert bot.bot.synced == [f"discord:tree:{bot.fake.application_id}:global"]  # not again


async def test_slow_work_is_deferred_then_the_original_is_edited(bot: DiscordUnderTest) -> None:
    bot.bot.answers._budget_s = 0.0  # as if the database were slow
    answer = await bot.slash("streak")
    assert answer.type == 5 and answer.data["flags"] & EPHEMERAL
    await eventually(lambda: bool(text_of(bot.fake.original(answer.interaction_id))))
    assert "best:" in text_of(bot.fake.original(answer.interaction_id)).lower()


async def test_group_setup_in_a_dm_is_told_where_it_belongs(bot: DiscordUnderTest) -> None:
    text = await bot.say("group", subcommand="setup", guild_id=None)
    assert "channel" in text and "manage this server" not in text


async def test_a_trial_servers_commands_are_cleared_when_sync_goes_global(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    async with discord_bot(fake, tmp_path, guild_ids=(GUILD_ID,)):
        pass
    assert fake.commands[GUILD_ID]
    async with discord_bot(fake, tmp_path) as production:  # DISCORD_GUILD_IDS emptied
        assert production.bot.synced == [
            f"discord:tree:{fake.application_id}:{GUILD_ID} (cleared)",
            f"discord:tree:{fake.application_id}:global",
        ]
    assert fake.commands[GUILD_ID] == [] and fake.commands[None]
    async with discord_bot(fake, tmp_path) as again:
        assert again.bot.synced == []


async def test_a_refused_token_stops_run_with_one_line(fake: FakeDiscord, tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.db",
            "DISCORD_BOT_TOKEN": "not-the-token",
            "DISCORD_API_URL": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "HEALTH_PORT": "0",
        },
        env_file=str(tmp_path / "absent.env"),
    )
    with fake.patch_discord(), pytest.raises(StartError) as refused:  # restores the URLs
        await serve(settings, stop=asyncio.Event())
    assert str(refused.value).startswith("Discord did not start: LoginFailure")
    assert "\n" not in str(refused.value)


async def test_a_form_opened_before_a_restart_is_still_answered(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    async with discord_bot(fake, tmp_path) as first:
        opened = await first.slash("log")
        assert opened.type == 9
        custom_id = opened.data["custom_id"]
    submission = payloads.modal_submit(
        custom_id, {"person": "Kima Greggs", "company": "Baltimore PD"}, labels=True
    )
    kind = {"type": 3, "id": 99, "custom_id": "kind", "values": ["interview"]}
    submission["data"]["components"].append({"type": 18, "id": 98, "component": kind})
    async with discord_bot(fake, tmp_path) as again:  # discord.py holds no such modal now
        answered = await fake.interact(submission)
        assert answered.type == 4 and "Kima Greggs" in text_of(answered.data)
        assert "interview" in text_of(answered.data).lower()
        gone = await fake.interact(payloads.modal_submit("ni:modal:nothing:1", {"x": "y"}))
        assert gone.type == 4 and gone.data["flags"] & EPHEMERAL
        assert "isn't here any more" in text_of(gone.data)
        assert "Kima Greggs" in await again.say("contacts")
