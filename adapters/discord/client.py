"""The Discord bot: a discord.py Client wired to the core.

Only the `guilds` intent (no privileged ones: slash commands need none). The command tree
is generated from the registry (commands.py) and synced in setup_hook only when its
signature differs from the stored one: on_ready runs on every reconnect, and Discord caps
command creates at 200 a day per guild. DISCORD_GUILD_IDS syncs to those servers only
(commands appear at once, for trying it out); otherwise globally, as a production bot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import discord
from discord import app_commands

from adapters.discord.answer import ANSWER_BUDGET_S, Answers
from adapters.discord.autocomplete import Suggestions
from adapters.discord.commands import add_commands, tree_signature
from adapters.discord.delivery import DiscordDelivery, DmChannels
from adapters.discord.inbound import PLATFORM, identity_of
from adapters.discord.views import (
    answer_failure,
    form_invocation,
    live_modals,
    modal_command,
    modal_values,
    register,
)
from bot import messages as msg
from bot.commands import REGISTRY
from bot.core import Core
from bot.nudges.model import ChannelTarget, Outbound

log = logging.getLogger(__name__)

# What the bot does in a server: read and post in the group's channel, with embeds and the
# full leaderboard's file. Interactions need no permission at all.
PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, attach_files=True
)
SCOPES = ("bot", "applications.commands")


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token: str
    guild_ids: tuple[int, ...] = ()
    # discord.py waits this long after the last GUILD_CREATE before on_ready (default 2 s).
    guild_ready_timeout: float = 0.1
    answer_budget_s: float = ANSWER_BUDGET_S  # answered at once within it, else deferred
    # Sharded (ShardedDiscordBot): the shards of all processes, and this process's (empty:
    # all of them). Discord sends a guild's events to shard (guild_id >> 22) % count and
    # every DM to shard 0, so one process must hold shard 0.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] = ()


class AppState(Protocol):
    """Named values kept between runs (storage/app_state.py)."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


class DiscordBot(discord.Client):
    def __init__(self, core: Core, config: DiscordConfig, dms: DmChannels, state: AppState):
        # The bot never joins voice: discord.py need not warn that voice libraries are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=config.guild_ready_timeout,
            **self._shard_options(config),
        )
        self.core = core
        self.config = config
        self.state = state
        self.tree: app_commands.CommandTree[DiscordBot] = app_commands.CommandTree(self)
        self.suggestions = Suggestions(self._lists)
        self.answers = Answers(
            core, dms, self.suggestions, self.create_dm, budget_s=config.answer_budget_s
        )
        add_commands(self.tree, self.answers, self.suggestions)
        self.delivery = DiscordDelivery(self, dms, on_channel_lost=self.channel_lost)
        self.synced: list[str] = []  # the trees this process synced (tests, logs)
        self._announced = False

    def _shard_options(self, config: DiscordConfig) -> dict[str, Any]:
        return {}

    async def _lists(self, user: discord.User | discord.Member) -> tuple[list[str], list[str]]:
        return await self.core.suggestions(identity_of(user))

    async def setup_hook(self) -> None:
        register(self, self.answers)
        await self.sync_commands()

    async def sync_commands(self) -> list[str]:
        """Sync each target (the configured servers, or the global commands) whose tree
        changed since its last sync; the keys synced. Servers synced before and no longer
        configured (a trial ended) lose their copies, or members would see each twice."""
        done: list[str] = []
        guilds: list[discord.Object | None] = [discord.Object(g) for g in self.config.guild_ids]
        listed = f"discord:tree:{self.application_id}:guilds"
        before = {int(g) for g in (await self.state.get(listed) or "").split(",") if g}
        for gone in sorted(before - set(self.config.guild_ids)):
            self.tree.clear_commands(guild=discord.Object(gone))
            try:
                await self.tree.sync(guild=discord.Object(gone))
            except discord.HTTPException as e:  # the bot left that server: nothing to clear
                log.warning("could not clear the commands of server %s: %s", gone, e)
            await self.state.set(f"discord:tree:{self.application_id}:{gone}", "")
            done.append(f"discord:tree:{self.application_id}:{gone} (cleared)")
        await self.state.set(listed, ",".join(str(g) for g in sorted(self.config.guild_ids)))
        for guild in guilds or [None]:
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
            key = f"discord:tree:{self.application_id}:{guild.id if guild else 'global'}"
            signature = tree_signature(self.tree, guild)
            if await self.state.get(key) == signature:
                continue
            await self.tree.sync(guild=guild)
            await self.state.set(key, signature)
            done.append(key)
        if done:
            log.info("synced Discord commands: %s", ", ".join(done))
        self.synced += done
        return done

    async def on_ready(self) -> None:
        if not self._announced and self.application_id is not None:
            self._announced = True
            url = invite_url(self.application_id)
            log.info("Discord connected as %s; invite it with %s", self.user, url)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A form submitted to a modal this process does not hold (opened before a restart
        or open past its timeout): discord.py drops it, so it is answered here."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return  # every interaction comes here: the rest pay this one comparison
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id") or "")
        if custom_id in live_modals(self.answers) or (command := modal_command(custom_id)) is None:
            return
        spec = REGISTRY.get(command)
        if spec is None or not spec.in_form:
            await answer_failure(interaction, msg.DISCORD_FORM_GONE)
            return
        values = modal_values(list(data.get("components") or []))
        await self.answers.run(interaction, form_invocation(spec.form(), values))

    async def channel_lost(self, target: ChannelTarget, error: str) -> None:
        """A group post found its channel gone or closed to the bot: its admins hear it in
        their DMs, through the delivery (the stored DM channel, the same error rules)."""
        try:
            notices = await self.core.channel_lost(PLATFORM, target.tenant, target.channel_id)
            for identity, reply in notices:
                key = f"lost-{target.channel_id}-{identity.user_id}"
                await self.delivery.deliver(Outbound(identity, reply, key))
        except Exception:
            log.warning("could not tell the admins of %s (%s)", target, error, exc_info=True)

    async def close(self) -> None:
        await self.delivery.close()
        await self.answers.close()
        await super().close()


class ShardedDiscordBot(DiscordBot, discord.AutoShardedClient):
    """The same bot on discord.py's sharded client: one gateway session per shard of
    `shard_ids` (all of `shard_count` when empty), one REST client for them all."""

    def _shard_options(self, config: DiscordConfig) -> dict[str, Any]:
        options: dict[str, Any] = {"shard_count": config.shard_count}
        if config.shard_ids:
            options["shard_ids"] = list(config.shard_ids)
        return options
