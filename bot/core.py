"""The core's front door: text or a typed invocation in, a neutral Reply out.

One command is one transaction: a UserError or a crash rolls everything back, so
nothing is ever half-written, and the member sees a short reply, never a traceback.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import bot.handlers  # noqa: F401  (registers the commands)
from bot import messages as msg
from bot.commands import REGISTRY, Invocation
from bot.context import Caller, Config, Context, Where
from bot.domain import Member
from bot.errors import UserError
from bot.nudges.schedule import member_cursors
from bot.parser import parse_text
from bot.people import AmbiguousContact
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.replies import Reply

log = logging.getLogger(__name__)


def _valid_zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


class Core:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, config: Config | None = None
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.config = config or Config()

    async def handle_text(self, caller: Caller, where: Where, text: str) -> Reply:
        try:
            invocation = parse_text(text, self.config.max_text)
        except UserError as e:
            return msg.error(e.message, e.example)
        return await self.handle(caller, where, invocation)

    async def handle(self, caller: Caller, where: Where, invocation: Invocation) -> Reply:
        spec = REGISTRY.get(invocation.name)
        if spec is None:
            return msg.error(msg.unknown_command(invocation.name, None), "help")
        was_unreachable: int | None = None
        try:
            async with self.uow_factory() as uow:
                member = await self._member(uow, caller)
                if member.unreachable:  # they wrote to us: their DMs work again
                    was_unreachable = member.id
                    member.unreachable = False
                    await uow.members.update(member)
                ctx = Context(uow, self.clock, member, caller, where, self.config)
                return await spec.handler(invocation, ctx)
        except AmbiguousContact as e:
            commands = [e.retry(f"#{c.id}") for c in e.candidates]
            reply = msg.ambiguous(e.query, e.candidates, commands)
        except UserError as e:
            reply = msg.error(e.message, e.example)
        except Exception:
            log.exception("command %s failed", invocation.name)
            reply = msg.error(msg.SOMETHING_BROKE, None)
        if was_unreachable is not None:  # the failed command rolled that back
            await self._reachable_again(was_unreachable)
        return reply

    async def _reachable_again(self, member_id: int) -> None:
        try:
            async with self.uow_factory() as uow:
                member = await uow.members.get(member_id)
                if member is not None and member.unreachable:
                    member.unreachable = False
                    await uow.members.update(member)
        except Exception:  # never let this bookkeeping cost the member their reply
            log.exception("could not mark member %s reachable", member_id)

    async def _member(self, uow: UnitOfWork, caller: Caller) -> Member:
        member = await uow.members.by_identity(caller.identity)
        if member is None:
            tz = _valid_zone(caller.timezone) or self.config.default_timezone
            member = await uow.members.add(
                Member(display_name=caller.display_name[: self.config.max_name], timezone=tz),
                caller.identity,
            )
            now = self.clock.now()
            await uow.cursors.put_many(member_cursors(member, now, self.config.nudges))
        return member
