"""Discord split by shards: each process identifies with its own shards (DISCORD_SHARD_*),
a guild's interactions reach the process holding its shard and are answered once, and
DMs reach shard 0's process, as Discord routes them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from adapters.discord.client import DiscordBot, ShardedDiscordBot
from adapters.runtime.discord import DiscordConnection, build_discord, discord_config
from adapters.runtime.settings import load_settings
from bot.core import Core
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import uow_factory
from tests.discord import payloads
from tests.discord.fake_discord import FakeDiscord, eventually
from tests.discord.fake_gateway import shard_of
from tests.discord.harness import text_of
from tests.fakes import FakeClock

# The first guild ids from the payloads' on each of two shards.
GUILDS = {
    shard: next(g for g in range(payloads.GUILD_ID, payloads.GUILD_ID + (4 << 22), 1 << 22)
                if shard_of(g, 2) == shard)
    for shard in (0, 1)
}  # fmt: skip
CHANNELS = {0: 400000000000000010, 1: 400000000000000011}


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        for shard, guild in GUILDS.items():
            fake.add_guild(guild, f"Club on shard {shard}", [CHANNELS[shard]])
        fake.add_user(payloads.USER_ID, "ada")
        yield fake


@asynccontextmanager
async def process(
    fake: FakeDiscord, url: str, env: dict[str, str], tmp_path: Path
) -> AsyncIterator[DiscordBot]:
    async with connection(fake, url, env, tmp_path) as conn:
        yield conn.bot


@asynccontextmanager
async def connection(
    fake: FakeDiscord, url: str, env: dict[str, str], tmp_path: Path
) -> AsyncIterator[DiscordConnection]:
    """One `nextinterview run`'s Discord half, configured as an operator would."""
    settings = load_settings(
        {"DISCORD_BOT_TOKEN": fake.token, "DATABASE_URL": url, **env},
        env_file=str(tmp_path / "absent.env"),
    )
    config = discord_config(settings)
    engine = make_engine(url)
    clock = FakeClock()
    core = Core(uow_factory(engine, clock), clock)
    _bot, _delivery, conn = build_discord(core, config, engine, clock)
    await conn.start()
    try:
        yield conn
    finally:
        await conn.stop()
        await engine.dispose()


async def _log(fake: FakeDiscord, guild: int | None, person: str) -> str:
    channel = CHANNELS[shard_of(guild, 2)] if guild else None
    answer = await fake.interact(payloads.slash(
        "log", {"kind": "outreach", "person": person, "company": "Acme"},
        guild_id=guild, channel_id=channel,
    ))  # fmt: skip
    if answer.type == 5:  # deferred on a busy machine: the edited original
        await eventually(lambda: bool(text_of(fake.original(answer.interaction_id))))
        return text_of(fake.original(answer.interaction_id))
    return text_of(answer.data)


async def test_two_processes_split_the_guilds_by_shard_and_shard_0_has_the_dms(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/shared.db"
    await upgrade(url)
    with fake.patch_discord():
        async with AsyncExitStack() as stack:
            bots = []
            for shard in (0, 1):
                env = {"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": str(shard)}
                bots.append(await stack.enter_async_context(process(fake, url, env, tmp_path)))
            await fake.wait_ready()
            assert all(isinstance(bot, ShardedDiscordBot) for bot in bots)
            assert sorted(p["shard"] for p in fake.identify_payloads) == [[0, 2], [1, 2]]
            for shard, bot in enumerate(bots):  # each holds its shard's guild only
                assert [g.id for g in bot.guilds] == [GUILDS[shard]]
            for shard, guild in GUILDS.items():
                assert f"Person{shard}" in await _log(fake, guild, f"Person{shard}")
            assert "Dee" in await _log(fake, None, "Dee")  # a DM: shard 0's process
            assert fake.unrouted == []
    assert fake.violations == []


async def test_one_process_holds_every_shard_when_it_names_none(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/one.db"
    await upgrade(url)
    with fake.patch_discord():
        async with process(fake, url, {"DISCORD_SHARD_COUNT": "2"}, tmp_path) as bot:
            await fake.wait_ready()
            assert sorted(p["shard"] for p in fake.identify_payloads) == [[0, 2], [1, 2]]
            assert sorted(g.id for g in bot.guilds) == sorted(GUILDS.values())
            for shard, guild in GUILDS.items():
                assert f"Person{shard}" in await _log(fake, guild, f"Person{shard}")
            assert "Dee" in await _log(fake, None, "Dee")
    assert fake.violations == []


async def test_a_sharded_process_is_ready_once_its_shards_are_connected(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    # /readyz asks the connection: a sharded client keeps no `ws` of its own, and a
    # process holding shards must still say it is ready (else no traffic ever reaches it).
    url = f"sqlite+aiosqlite:///{tmp_path}/ready.db"
    await upgrade(url)
    env = {"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1"}
    with fake.patch_discord():
        async with connection(fake, url, env, tmp_path) as conn:
            await eventually(lambda: 1 in fake.sessions)
            await eventually(conn.bot.is_ready)
            assert await conn.ready()
            await fake.reconnect(shard=1)  # resumed: ready again
            assert await conn.ready()
        assert not await conn.ready()  # stopped
