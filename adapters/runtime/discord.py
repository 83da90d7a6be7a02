"""Wiring Discord into a Runtime: storage's ports for the bot, its delivery, a connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.client import DiscordBot, DiscordConfig, ShardedDiscordBot
from adapters.discord.delivery import DiscordDelivery
from adapters.runtime.dm_channels import StoredDmChannels
from adapters.runtime.settings import Settings
from bot.core import Core
from bot.ports import Clock
from storage.app_state import SqlAppState

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 30.0


def discord_config(settings: Settings) -> DiscordConfig:
    assert settings.discord_bot_token, "Discord is not configured"
    return DiscordConfig(
        token=settings.discord_bot_token,
        guild_ids=settings.discord_guild_ids,
        shard_count=settings.discord_shard_count,
        shard_ids=settings.discord_shard_ids,
    )


def point_discord_at(api_url: str | None, gateway_url: str | None) -> None:
    """DISCORD_API_URL and DISCORD_GATEWAY_URL (a local fake, a proxy). discord.py reads
    both from class attributes: they hold for the whole process."""
    if api_url:
        Route.BASE = api_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class DiscordConnection:
    """Log in, keep the gateway connected (discord.py resumes and reconnects), and close."""

    def __init__(self, bot: DiscordBot) -> None:
        self.bot = bot
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bot.login(self.bot.config.token)  # a refused token raises here
        self._task = asyncio.create_task(self.bot.connect(reconnect=True))
        ready = asyncio.create_task(self.bot.wait_until_ready())
        both: set[asyncio.Task[None]] = {ready, self._task}
        await asyncio.wait(both, timeout=READY_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():  # the gateway refused us (bad intents, a bad token)
            ready.cancel()
            await self._task
        elif not ready.done():
            ready.cancel()
            log.warning("Discord is not ready after %.0f s; still trying", READY_TIMEOUT_S)

    async def ready(self) -> bool:
        """READY received and the gateway socket open (false while it resumes); sharded,
        every shard's socket (discord.py's sharded client keeps its own per shard and
        leaves `bot.ws` None)."""
        if not self.bot.is_ready() or self.bot.is_closed():
            return False
        if isinstance(self.bot, discord.AutoShardedClient):
            shards = self.bot.shards.values()
            return bool(shards) and all(not shard.is_closed() for shard in shards)
        ws = self.bot.ws
        return ws is not None and ws.open

    async def stop(self) -> None:
        await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 10)


def build_discord(
    core: Core, config: DiscordConfig, engine: AsyncEngine, clock: Clock
) -> tuple[DiscordBot, DiscordDelivery, DiscordConnection]:
    kind = ShardedDiscordBot if config.shard_count else DiscordBot
    bot = kind(core, config, StoredDmChannels(engine, clock), SqlAppState(engine, clock))
    return bot, bot.delivery, DiscordConnection(bot)
