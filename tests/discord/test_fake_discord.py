"""The fake Discord proven against the real discord.py 2.7 client (gateway and REST)."""

from __future__ import annotations

import asyncio
import io
import json
import zlib
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.discord import fake_rest, payloads
from tests.discord.fake_discord import FakeDiscord, eventually
from tests.discord.payloads import CHANNEL_ID, GUILD_ID, USER_ID, autocomplete, slash

CLOSED_USER = 100000000000000077
OTHER_GUILD, OTHER_CHANNEL = 300000000000000002, 400000000000000002


class Pressed(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Done", custom_id="done 42")
    async def done(self, interaction: discord.Interaction, _: discord.ui.Button[Pressed]) -> None:
        await interaction.response.edit_message(content="marked done", view=None)

    @discord.ui.button(label="Snooze", custom_id="snooze 42")
    async def snooze(self, interaction: discord.Interaction, _: discord.ui.Button[Pressed]) -> None:
        await interaction.response.defer()  # a component's defer: a deferred update (6)
        await interaction.edit_original_response(content="snoozed")


class LogForm(discord.ui.Modal, title="Log a conversation"):
    person: discord.ui.TextInput[LogForm] = discord.ui.TextInput(label="Person",
                                                                 custom_id="person")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"logged {self.person.value}", ephemeral=True)


class Bot(discord.Client):
    """A bare client as the adapter will build one: guilds intent, mentions off."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True), guild_ready_timeout=0.05,
                         allowed_mentions=discord.AllowedMentions.none())
        self.tree = app_commands.CommandTree(self)
        tree = self.tree

        @tree.command(description="Answers at once")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @tree.command(description="Defers, then edits")
        async def slow(interaction: discord.Interaction, followup: bool = False) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            if followup:
                await interaction.followup.send("first")
                await interaction.followup.send("second")
            else:
                await interaction.edit_original_response(content="done")

        @tree.command(description="Answers with too many fields")
        async def board(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(embed=thirty_fields())

        @tree.command(description="Sends a file")
        async def export(interaction: discord.Interaction) -> None:
            data = discord.File(io.BytesIO(b'{"logs": []}'), filename="export.json")
            await interaction.response.send_message("here", file=data, ephemeral=True)

        @tree.command(description="Opens a modal")
        async def form(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(LogForm())

        @tree.command(description="Finds a contact")
        async def find(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(name, ephemeral=True)

        @find.autocomplete("name")
        async def names(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            found = [n for n in ("Priya", "Prisca", "Sam") if n.startswith(current)]
            return [app_commands.Choice(name=n, value=n) for n in found]

        group = app_commands.Group(name="group", description="Group things")

        @group.command(name="setup", description="Binds this channel")
        async def setup(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"bound {interaction.channel_id}")

        tree.add_command(group, guild=discord.Object(GUILD_ID))

    async def setup_hook(self) -> None:
        self.add_view(Pressed())

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass  # discord.py sleeps 5 s before a re-IDENTIFY; tests need not


def thirty_fields() -> discord.Embed:
    embed = discord.Embed(title="Board")
    for i in range(30):
        embed.add_field(name=f"#{i}", value="1 log")
    return embed


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD_ID, "Job club", [CHANNEL_ID])
        fake.add_guild(OTHER_GUILD, "Other club", [OTHER_CHANNEL])
        fake.add_user(CLOSED_USER, "closed", dms_closed=True)
        yield fake


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[Bot]:
    with fake.patch_discord():
        client = Bot()
        await client.login(fake.token)
        task = asyncio.create_task(client.connect(reconnect=True))
        try:
            await fake.wait_ready()
            await asyncio.wait_for(client.wait_until_ready(), 5)
            yield client
        finally:
            await asyncio.wait_for(client.close(), 5)
            await asyncio.wait_for(task, 5)


def channel(bot: Bot, channel_id: int = CHANNEL_ID) -> discord.TextChannel:
    found = bot.get_channel(channel_id)
    assert isinstance(found, discord.TextChannel)
    return found


async def test_login_connects_compressed_and_caches_the_guilds(fake: FakeDiscord, bot: Bot) -> None:
    assert [c.route for c in fake.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert fake.gateway_queries[0] == {"path": "/gateway", "v": "10", "encoding": "json",
                                       "compress": "zlib-stream"}
    assert fake.identify_payloads[0]["intents"] == discord.Intents(guilds=True).value
    assert (fake.identifies, fake.resumes) == (1, 0)
    assert bot.user is not None and bot.user.id == fake.bot_user_id
    assert bot.application_id == fake.application_id
    assert {g.id for g in bot.guilds} == {GUILD_ID, OTHER_GUILD}
    assert channel(bot).guild.name == "Job club"
    await asyncio.sleep(0.05)  # discord.py heartbeats at once after HELLO
    assert fake.heartbeats >= 1
    assert fake.violations == []


async def test_a_bad_token_fails_login(fake: FakeDiscord) -> None:
    with fake.patch_discord():
        client = discord.Client(intents=discord.Intents(guilds=True))
        with pytest.raises(discord.LoginFailure):
            await client.login("wrong")
        await client.close()
    assert fake.calls[-1].status == 401 and fake.invalid_requests == 1


async def test_plain_text_frames_when_compression_is_not_asked(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(
        fake.gateway_url + "?v=10&encoding=json", timeout=aiohttp.ClientWSTimeout(ws_close=2)
    ) as ws:
        hello = await ws.receive(timeout=2)
        assert hello.type == aiohttp.WSMsgType.TEXT
        assert json.loads(hello.data) == {"op": 10, "d": {"heartbeat_interval": 41250}}
        await ws.send_str(json.dumps({"op": 1, "d": None}))
        assert json.loads((await ws.receive(timeout=2)).data) == {"op": 11}
        await ws.send_str(json.dumps({"op": 6, "d": {"token": fake.token, "session_id": "x",
                                                     "seq": 3}}))
        assert json.loads((await ws.receive(timeout=2)).data) == {"op": 9, "d": False}


async def test_zlib_stream_frames_end_in_sync_flush(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(
        fake.gateway_url + "?v=10&encoding=json&compress=zlib-stream",
        timeout=aiohttp.ClientWSTimeout(ws_close=2),
    ) as ws:
        inflate = zlib.decompressobj()
        frames: list[dict[str, object]] = []
        for _ in range(2):
            if frames:
                await ws.send_str(json.dumps({"op": 1, "d": None}))
            msg = await ws.receive(timeout=2)
            assert msg.type == aiohttp.WSMsgType.BINARY and msg.data.endswith(b"\x00\x00\xff\xff")
            frames.append(json.loads(inflate.decompress(msg.data)))
        assert [f["op"] for f in frames] == [10, 11]


async def test_identify_is_refused_for_a_bad_token_or_privileged_intents(
    fake: FakeDiscord,
) -> None:
    async with aiohttp.ClientSession() as session:
        for token, intents, code in (("wrong", 1, 4004), (fake.token, 1 | 1 << 15, 4014)):
            async with session.ws_connect(fake.gateway_url + "?v=10&encoding=json",
                                          timeout=aiohttp.ClientWSTimeout(ws_close=2)) as ws:
                await ws.receive(timeout=2)  # HELLO
                identify = {"token": token, "intents": intents, "properties": {}}
                await ws.send_str(json.dumps({"op": 2, "d": identify}))
                closed = await ws.receive(timeout=2)
                assert (closed.type, closed.data) == (aiohttp.WSMsgType.CLOSE, code)
        async with session.get(f"{fake.api_url}/nowhere",
                               headers={"Authorization": f"Bot {fake.token}"}) as missing:
            assert missing.status == 404
    assert fake.identifies == 0
    assert fake.violations == ["IDENTIFY asks for privileged intents ['MESSAGE_CONTENT']",
                               "GET /nowhere: no such route in the fake"]


async def test_bucket_headers_make_discord_py_wait_instead_of_429(
    fake: FakeDiscord, bot: Bot
) -> None:
    fake.route_limits["POST /channels/{channel_id}/messages"] = (2, 0.3)
    for text in ("a", "b", "c"):
        await channel(bot).send(text)
    posts = fake.calls_to("POST", f"/channels/{CHANNEL_ID}/messages")
    assert [c.status for c in posts] == [200, 200, 200]
    assert posts[2].at - posts[0].at >= 0.25


async def test_sync_registers_global_and_guild_commands(fake: FakeDiscord, bot: Bot) -> None:
    synced = await bot.tree.sync()
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    assert {c.name for c in synced} == {"ping", "slow", "board", "export", "form", "find"}
    assert [c["name"] for c in fake.commands[GUILD_ID]] == ["group"]
    assert fake.commands[GUILD_ID][0]["options"][0]["name"] == "setup"
    ids = {c["name"]: c["id"] for c in fake.commands[None]}
    await bot.tree.sync()  # same names keep their ids, as on Discord
    assert {c["name"]: c["id"] for c in fake.commands[None]} == ids
    assert fake.command_creates == {None: 6, GUILD_ID: 1}
    assert {c.name for c in await bot.tree.fetch_commands()} == set(ids)
    assert len(fake.calls_to("PUT", "/applications/{application_id}")) == 3
    assert fake.violations == []


async def test_a_slash_command_is_answered_with_its_timing(fake: FakeDiscord, bot: Bot) -> None:
    await bot.tree.sync()
    answer = await fake.interact(slash("ping"))
    assert (answer.type, answer.status) == (4, 200)
    assert answer.data["content"] == "pong" and answer.data["flags"] == 64
    assert 0 < answer.seconds < 1
    assert answer.data["allowed_mentions"] == {"parse": []}
    original = fake.original(answer.interaction_id)
    assert original is not None and original["content"] == "pong"
    assert fake.responses[-1]["ephemeral"] is True
    assert fake.violations == []


async def test_a_deferred_answer_is_edited(fake: FakeDiscord, bot: Bot) -> None:
    answer = await fake.interact(slash("slow"))
    assert answer.type == 5
    await eventually(lambda: (fake.original(answer.interaction_id) or {}).get("content")
                      == "done")
    original = fake.original(answer.interaction_id)
    assert original is not None and original["flags"] == 64  # loading flag cleared
    assert [r["kind"] for r in fake.responses] == ["callback", "edit"]
    assert fake.violations == []


async def test_the_first_followup_fills_the_deferred_message(fake: FakeDiscord, bot: Bot) -> None:
    answer = await fake.interact(slash("slow", {"followup": True}))
    await eventually(lambda: len(fake.responses) == 3)
    original = fake.original(answer.interaction_id)
    assert original is not None and original["content"] == "first"
    assert [m["content"] for m in fake.followups(answer.interaction_id)] == ["second"]


async def test_subcommands_in_a_guild_and_a_dm(fake: FakeDiscord, bot: Bot) -> None:
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    await bot.tree.sync()
    answer = await fake.interact(slash("group", subcommand="setup"))
    assert answer.data["content"] == f"bound {CHANNEL_ID}"
    dm = await fake.interact(slash("ping", guild_id=None))
    assert dm.type == 4
    channel_id = int(fake.interactions[dm.interaction_id].payload["channel_id"])
    assert fake.dm_channels[USER_ID] == channel_id


async def test_autocomplete_answers_choices(fake: FakeDiscord, bot: Bot) -> None:
    answer = await fake.interact(autocomplete("find", focused="name", value="Pri"))
    assert answer.type == 8
    assert [c["name"] for c in answer.data["choices"]] == ["Priya", "Prisca"]
    assert fake.violations == []


async def test_a_button_on_a_bot_message_edits_it(fake: FakeDiscord, bot: Bot) -> None:
    await channel(bot).send("follow up with Priya", view=Pressed())
    posted = fake.messages[-1]
    answer = await fake.interact(payloads.component("done 42", message=posted))
    assert answer.type == 7
    assert posted["content"] == "marked done" and posted["components"] == []
    assert fake.violations == []


async def test_a_deferred_button_press_edits_the_message(fake: FakeDiscord, bot: Bot) -> None:
    await channel(bot).send("follow up with Priya", view=Pressed())
    posted = fake.messages[-1]
    answer = await fake.interact(payloads.component("snooze 42", message=posted))
    assert answer.type == 6
    await eventually(lambda: posted["content"] == "snoozed")
    assert fake.original(answer.interaction_id) == fake_rest.public(posted)


async def test_files_arrive_as_attachments(fake: FakeDiscord, bot: Bot) -> None:
    answer = await fake.interact(slash("export"))
    original = fake.original(answer.interaction_id)
    assert original is not None and original["attachments"][0]["filename"] == "export.json"
    it = fake.interactions[answer.interaction_id]
    assert it.original is not None and it.original["attachments"][0]["data"] == b'{"logs": []}'
    await channel(bot).send("csv", file=discord.File(io.BytesIO(b"a,b\n"), filename="x.csv"))
    sent = fake.messages[-1]["attachments"][0]
    assert (sent["filename"], sent["data"], sent["size"]) == ("x.csv", b"a,b\n", 4)
    assert fake.calls[-1].json["content"] == "csv"


async def test_a_modal_opens_and_its_submission_is_answered(fake: FakeDiscord, bot: Bot) -> None:
    opened = await fake.interact(slash("form"))
    assert opened.type == 9 and opened.data["title"] == "Log a conversation"
    answer = await fake.interact(payloads.modal_submit(opened.data["custom_id"],
                                                       {"person": "Priya"}))
    assert (answer.type, answer.data["content"]) == (4, "logged Priya")
    assert fake.violations == []


async def test_a_429_with_via_is_retried_and_lands_once(fake: FakeDiscord, bot: Bot) -> None:
    fake.rate_limit("POST", f"/channels/{CHANNEL_ID}/messages", retry_after=0.1)
    await channel(bot).send("hello")
    assert [c.status for c in fake.calls_to("POST", f"/channels/{CHANNEL_ID}")] == [429, 200]
    assert [m["content"] for m in fake.messages] == ["hello"]


async def test_the_global_limit_holds_every_bot_request(fake: FakeDiscord, bot: Bot) -> None:
    fake.global_rate = 2
    for text in ("a", "b", "c"):
        await channel(bot).send(text)
    assert [m["content"] for m in fake.messages] == ["a", "b", "c"]
    assert 429 in [c.status for c in fake.calls_to("POST", "/channels/")]


async def test_a_5xx_is_retried_by_discord_py(fake: FakeDiscord, bot: Bot) -> None:
    fake.fail("POST", "/channels/{channel_id}/messages", 502, 0)
    await channel(bot).send("once")
    assert [m["content"] for m in fake.messages] == ["once"]


async def test_closed_dms_and_unknown_channels(fake: FakeDiscord, bot: Bot) -> None:
    user = await bot.fetch_user(CLOSED_USER)
    dm = await user.create_dm()
    assert dm.id == fake.dm_channels[CLOSED_USER] == (await user.create_dm()).id
    with pytest.raises(discord.Forbidden) as closed:
        await dm.send("check-in")
    assert closed.value.code == 50007
    with pytest.raises(discord.NotFound) as unknown:
        await bot.http.send_message(1234, params=_content("x"))
    assert unknown.value.code == 10003
    fake.fail("POST", f"/channels/{CHANNEL_ID}", 403, 50013, message="Missing Permissions")
    with pytest.raises(discord.Forbidden) as missing:
        await channel(bot).send("report")
    assert missing.value.code == 50013


async def test_a_message_without_allowed_mentions_is_a_violation(fake: FakeDiscord,
                                                                 bot: Bot) -> None:
    await channel(bot).send("safe @everyone")
    assert fake.violations == []
    bot.allowed_mentions = None
    await channel(bot).send("hi @everyone")
    assert fake.messages[-1]["allowed_mentions"] is None
    assert any("allowed_mentions not set" in v for v in fake.violations)
    assert any("would ping @everyone" in v for v in fake.violations)


async def test_a_reconnect_resumes_and_replays(fake: FakeDiscord, bot: Bot) -> None:
    await fake.reconnect()
    assert (fake.identifies, fake.resumes) == (1, 1)
    assert fake.gateway_queries[-1]["path"] == "/resume"
    assert (await fake.interact(slash("ping"))).type == 4
    # an interaction dispatched while the client is away arrives on RESUME
    away = asyncio.create_task(fake.reconnect(close_code=4000))
    await asyncio.sleep(0)
    answer = await fake.interact(slash("ping"))
    await asyncio.wait_for(away, 5)
    assert answer.type == 4 and fake.resumes == 2 and fake.replayed >= 1


async def test_an_invalid_session_identifies_again(fake: FakeDiscord, bot: Bot) -> None:
    await fake.reconnect(resume=False)
    assert (fake.identifies, fake.resumes) == (2, 0)
    assert (await fake.interact(slash("ping"))).type == 4


async def test_limits_are_violations_and_refused(fake: FakeDiscord, bot: Bot) -> None:
    with pytest.raises(discord.HTTPException) as refused:
        await channel(bot).send(embed=thirty_fields())
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert fake.messages == []
    answer = await fake.interact(slash("board"))
    assert answer.status == 400
    assert sum("30 fields (limit 25)" in v for v in fake.violations) == 2


async def test_late_and_double_answers_are_refused(fake: FakeDiscord, bot: Bot) -> None:
    first = await fake.interact(slash("ping"))
    it = fake.interactions[first.interaction_id]
    url = f"{fake.api_url}/interactions/{it.id}/{it.token}/callback"
    async with aiohttp.ClientSession() as session, session.post(
        url, json={"type": 4, "data": {"content": "again", "allowed_mentions": {"parse": []}}}
    ) as again:
        assert again.status == 400 and (await again.json())["code"] == 40060
    fake.callback_window = 0.0
    late = await fake.interact(slash("ping"))
    assert (late.status, late.code) == (404, 10062)
    assert any("answered after" in v for v in fake.violations)
    assert any("already answered" in v for v in fake.violations)


def _content(text: str) -> discord.http.MultipartParameters:
    return discord.http.handle_message_parameters(
        content=text, allowed_mentions=discord.AllowedMentions.none())
