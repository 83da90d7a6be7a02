"""How an interaction gets its answer, within Discord's 3 seconds.

The core usually answers in milliseconds: the answer is the interaction's response. When it
is slower than ANSWER_BUDGET_S the interaction is deferred (Discord then shows "thinking")
and the answer edits the original response. A button under an ephemeral reply or a DM (a
nudge) updates that message in place; under a public post it answers the presser alone.
Every send carries allowed_mentions none, and user text was already made inert by render().
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord.autocomplete import Suggester
from adapters.discord.delivery import DmChannels
from adapters.discord.inbound import caller_of, in_bot_dm, where_of
from adapters.discord.render import render
from adapters.discord.views import answer_failure
from bot import messages as msg
from bot.commands import Invocation
from bot.context import Caller, Where
from bot.core import Core
from bot.domain import Identity
from bot.replies import Reply

log = logging.getLogger(__name__)

# Past this the interaction is deferred and the answer edits it: the first response stays
# fast under load (as Slack's ack), and Discord's 3 s are never near.
ANSWER_BUDGET_S = 0.05
NONE = discord.AllowedMentions.none()
# Replies the core makes public (a group's post): deferred as public when slow, so the
# edited answer is seen by the channel as well.
PUBLIC_COMMANDS = frozenset({"leaderboard", "group setup"})
NEEDS_MANAGE_SERVER = frozenset({"group setup"})

Work = Callable[[Caller, Where], Awaitable[Reply]]


def files_of(reply: Reply) -> list[discord.File]:
    return [discord.File(io.BytesIO(f.content), filename=f.name) for f in reply.files]


def _in_place(interaction: discord.Interaction) -> bool:
    """A press on a message only its reader sees (ephemeral, or in a DM) edits that message."""
    message = interaction.message
    if interaction.type is not discord.InteractionType.component or message is None:
        return False
    return bool(message.flags.ephemeral) or interaction.guild_id is None


class Answers:
    """adapters.discord.commands.Runner: the core's reply as the interaction's answer."""

    def __init__(
        self,
        core: Core,
        dms: DmChannels,
        suggestions: Suggester,
        open_dm: Callable[[discord.abc.User], Awaitable[discord.DMChannel]],
        budget_s: float = ANSWER_BUDGET_S,
    ) -> None:
        self._core = core
        self._dms = dms
        self._suggestions = suggestions
        self._open_dm = open_dm
        self._budget_s = budget_s
        self._known: dict[Identity, str] = {}  # DM channels stored by this process
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, interaction: discord.Interaction, invocation: Invocation) -> None:
        # In a DM the core itself says where group setup belongs.
        in_server = interaction.guild_id is not None
        manager = interaction.permissions.manage_guild
        if invocation.name in NEEDS_MANAGE_SERVER and in_server and not manager:
            refused = msg.error(msg.DISCORD_SETUP_NEEDS_MANAGE, None)
            await self._answer(interaction, lambda c, w: _ready(refused), public=False)
            return
        await self._answer(
            interaction,
            lambda c, w: self._core.handle(c, w, invocation),
            public=invocation.name in PUBLIC_COMMANDS,
        )

    async def run_text(self, interaction: discord.Interaction, text: str) -> None:
        await self._answer(interaction, lambda c, w: self._core.handle_text(c, w, text), False)

    async def _answer(self, interaction: discord.Interaction, work: Work, public: bool) -> None:
        caller, where = caller_of(interaction), where_of(interaction)
        in_place = _in_place(interaction)
        task = asyncio.ensure_future(work(caller, where))
        try:
            try:
                reply = await asyncio.wait_for(asyncio.shield(task), self._budget_s)
            except TimeoutError:
                if in_place:
                    await interaction.response.defer()
                else:
                    await interaction.response.defer(ephemeral=not public, thinking=True)
                await self._edit_original(interaction, await task)
            else:
                await self._respond(interaction, reply, in_place)
        except Exception:
            log.exception("answering interaction %s failed", interaction.id)
            await answer_failure(interaction)
        finally:
            self._suggestions.invalidate(interaction.user.id)
            self._spawn(self._remember_dm(interaction, caller.identity))

    async def _respond(
        self, interaction: discord.Interaction, reply: Reply, in_place: bool
    ) -> None:
        r = render(reply)
        if in_place:
            await interaction.response.edit_message(
                content=r.content, embeds=r.embeds, view=r.view,
                attachments=files_of(reply), allowed_mentions=NONE,
            )  # fmt: skip
            return
        kwargs: dict[str, Any] = {"embeds": r.embeds, "files": files_of(reply)}
        if r.view is not None:
            kwargs["view"] = r.view
        await interaction.response.send_message(
            r.content, ephemeral=r.ephemeral, allowed_mentions=NONE, **kwargs
        )

    async def _edit_original(self, interaction: discord.Interaction, reply: Reply) -> None:
        r = render(reply)
        await interaction.edit_original_response(
            content=r.content, embeds=r.embeds, view=r.view,
            attachments=files_of(reply), allowed_mentions=NONE,
        )  # fmt: skip

    async def _remember_dm(self, interaction: discord.Interaction, identity: Identity) -> None:
        """Keep the member's DM channel for nudges: the one they write from, or one opened
        once at their first command in a server (never in a burst at nudge time)."""
        try:
            if in_bot_dm(interaction) and interaction.channel_id is not None:
                channel = str(interaction.channel_id)
                known = self._known.get(identity) == channel
                if not known and await self._dms.get(identity) != channel:
                    await self._dms.set(identity, channel)
                self._known[identity] = channel
                return
            if identity in self._known:
                return
            stored = await self._dms.get(identity)
            if stored is None:
                opened = await self._open_dm(interaction.user)
                stored = str(opened.id)
                await self._dms.set(identity, stored)
            self._known[identity] = stored
        except Exception:  # the nudge path opens it later if need be
            log.warning("could not keep the DM channel of %s", identity, exc_info=True)

    def _spawn(self, job: Awaitable[None]) -> None:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _ready(reply: Reply) -> Reply:
    return reply

