"""The floor of the Discord burst: discord.py alone in its own process, one slash command
answered at once with a fixed text. Run by the bench as `python -m tests.bench.discord_floor`
with the same DISCORD_* variables as `nextinterview run`; stops on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

import discord
from discord import app_commands

from adapters.runtime.discord import point_discord_at


class BareClient(discord.Client):
    def __init__(self) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
        )
        self.tree: app_commands.CommandTree[BareClient] = app_commands.CommandTree(self)

        @self.tree.command(name="ping", description="Answers at once.")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def serve() -> None:
    point_discord_at(os.environ["DISCORD_API_URL"], os.environ["DISCORD_GATEWAY_URL"])
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    client = BareClient()
    await client.login(os.environ["DISCORD_BOT_TOKEN"])
    connected = asyncio.create_task(client.connect(reconnect=False))
    await asyncio.wait([connected, asyncio.create_task(stop.wait())], return_when="FIRST_COMPLETED")
    await client.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(connected, 10)


if __name__ == "__main__":
    asyncio.run(serve())
