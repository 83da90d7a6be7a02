"""An interaction as the core sees it: who (one member per Discord user, in every server
and in DMs) and where (a server channel, or a DM)."""

from __future__ import annotations

import discord

from bot.context import Caller, Where
from bot.domain import Identity

PLATFORM = "discord"
TENANT = "discord"  # a Discord user id is global: the identity's tenant never varies
DM_TENANT = "dm"


def identity_of(user: discord.abc.User | discord.Object) -> Identity:
    return Identity(PLATFORM, TENANT, str(user.id))


def caller_of(interaction: discord.Interaction) -> Caller:
    user = interaction.user
    # No timezone: Discord never says it; the core guesses and asks (bot/core.py).
    return Caller(identity_of(user), user.display_name or user.name, None)


def where_of(interaction: discord.Interaction) -> Where:
    """A server channel is a place a group can live; a DM or a group DM is not."""
    if interaction.guild_id is None or interaction.channel_id is None:
        return Where(PLATFORM, DM_TENANT, None)
    channel = interaction.channel
    name = getattr(channel, "name", None)
    return Where(PLATFORM, str(interaction.guild_id), str(interaction.channel_id), name)


def in_bot_dm(interaction: discord.Interaction) -> bool:
    return isinstance(interaction.channel, discord.DMChannel) or (
        interaction.guild_id is None
        and interaction.context is not None
        and interaction.context.dm_channel
    )
