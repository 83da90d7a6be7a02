"""The core's front door: text or a typed invocation in, a neutral Reply out.

One command is one transaction: a UserError or a crash rolls everything back, so
nothing is ever half-written, and the member sees a short reply, never a traceback.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import bot.handlers  # noqa: F401  (registers the commands)
from bot import messages as msg
from bot.commands import REGISTRY, CommandSpec, Invocation
from bot.context import Caller, Config, Context, Where
from bot.domain import Identity, Member, Pending
from bot.errors import AskFirst, UserError
from bot.nudges.schedule import member_cursors
from bot.parser import parse_text
from bot.people import AmbiguousContact
from bot.ports import (
    Clock,
    CommandOutcome,
    NullObserver,
    Observer,
    Timer,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.replies import Reply

log = logging.getLogger(__name__)
# Commands that answer the pending question; any other lets it lapse.
_ANSWERS = frozenset({"yes", "no"})


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
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        config: Config | None = None,
        observer: Observer | None = None,
        timer: Timer | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.config = config or Config()
        self.observer: Observer = observer or NullObserver()
        self._timer = timer  # times commands for the observer; None: they count 0 s

    async def handle_text(self, caller: Caller, where: Where, text: str) -> Reply:
        try:
            invocation = parse_text(text, self.config.max_text)
        except UserError as e:
            started = self._monotonic()
            reply = await self._unread(caller, where, msg.error(e.message, e.example))
            self._observe("unread", CommandOutcome.USER_ERROR, started)
            return reply
        return await self.handle(caller, where, invocation)

    async def handle(self, caller: Caller, where: Where, invocation: Invocation) -> Reply:
        started = self._monotonic()
        reply, outcome = await self._handle(caller, where, invocation)
        # Only registered names: a label per typo would grow the metrics without bound.
        self._observe(invocation.name if invocation.name in REGISTRY else "unknown", outcome,
                      started)  # fmt: skip
        return reply

    def _monotonic(self) -> float:
        return self._timer.monotonic() if self._timer is not None else 0.0

    def _observe(self, name: str, outcome: CommandOutcome, started: float) -> None:
        try:
            self.observer.command(name, outcome, self._monotonic() - started)
        except Exception:  # counting must never cost the member their reply
            log.exception("the observer failed on command %s", name)

    async def _handle(
        self, caller: Caller, where: Where, invocation: Invocation
    ) -> tuple[Reply, CommandOutcome]:
        spec = REGISTRY.get(invocation.name)
        if spec is None:
            reply = msg.error(msg.unknown_command(invocation.name, None), "help")
            return await self._welcome_if_new(caller, reply, where), CommandOutcome.USER_ERROR
        if spec.reads_only:
            read = await self._read(spec, invocation, caller, where)
            if read is not None:
                return read
        was_unreachable: int | None = None
        lapsed: Pending | None = None  # the question this command let lapse
        new = False
        try:
            async with self.uow_factory() as uow:
                member = await uow.members.by_identity(caller.identity)
                if member is None:
                    member, new = await self._add_member(uow, caller, where), True
                switched = member.switched_identity()  # nudges follow them there
                if switched:
                    member.last_identity_id = member.seen_identity_id
                if member.unreachable:  # they wrote to us: their DMs work again
                    was_unreachable = member.id
                    member.unreachable = False
                if switched or was_unreachable is not None:
                    await uow.members.update(member)
                lapsed = await self._lapse(uow, member, spec.name)
                ctx = Context(uow, self.clock, member, caller, where, self.config)
                reply = await self._run(spec, invocation, ctx, lapsed)
            if new:
                reply = msg.welcomed(reply, _zone_unsaid(caller, member))
            reply = msg.dm_failed(reply) if was_unreachable and where.channel_id else reply
            return reply, CommandOutcome.OK
        except Exception as e:  # a refusal or a question: nothing it began is kept
            reply, outcome = _refusal(e, invocation.name), _outcome(e)
        if was_unreachable is not None:  # the failed command rolled that back
            await self._reachable_again(was_unreachable)
            reply = msg.dm_failed(reply) if where.channel_id else reply
        if lapsed is not None:  # ...and the lapse of the question with it
            reply = await self._lapse_again(lapsed, reply)
        if new:  # ...and the new member with it: keep them, so the welcome comes once
            reply = await self._welcome_if_new(caller, reply, where)
        return reply, outcome

    async def _read(
        self, spec: CommandSpec, invocation: Invocation, caller: Caller, where: Where
    ) -> tuple[Reply, CommandOutcome] | None:
        """A command that only reads, in a read-only transaction (no write lock to wait
        for on SQLite). None when the command has something to write first (a newcomer,
        a question to let lapse, DMs to mark working, another identity than last time to
        record): the usual path runs it then."""
        try:
            async with self.uow_factory(read_only=True) as uow:
                member = await uow.members.by_identity(caller.identity)
                if member is None or member.unreachable or member.pending is not None:
                    return None
                if member.switched_identity():
                    return None
                ctx = Context(uow, self.clock, member, caller, where, self.config)
                return await spec.handler(invocation, ctx), CommandOutcome.OK
        except Exception as e:
            return _refusal(e, invocation.name), _outcome(e)

    async def member_of(self, identity: Identity) -> Member | None:
        """The member behind an identity, read only (a form filled with their settings)."""
        async with self.uow_factory() as uow:
            return await uow.members.by_identity(identity)

    async def dashboard(self, caller: Caller, where: Where) -> Reply | None:
        """The member's dashboard (`next`) as a view, not a command: no pending question
        lapses and no member is created (a Home tab refresh; None when there is no
        member, e.g. after `forget me`)."""
        async with self.uow_factory() as uow:
            member = await uow.members.by_identity(caller.identity)
            if member is None:
                return None
            ctx = Context(uow, self.clock, member, caller, where, self.config)
            return await REGISTRY["next"].handler(Invocation("next", {}), ctx)

    async def suggestions(
        self, identity: Identity, limit: int = 200
    ) -> tuple[list[str], list[str]]:
        """The member's contact names and companies, for a platform's autocomplete; read
        only, empty for someone who is not a member yet."""
        async with self.uow_factory() as uow:
            member = await uow.members.by_identity(identity)
            if member is None or member.id is None:
                return [], []
            contacts = await uow.contacts.search(member.id, None, limit)
            companies = await uow.contacts.companies(member.id, "", limit)
        return [c.name for c in contacts], companies

    async def channel_lost(
        self, platform: str, tenant: str, channel_id: str
    ) -> list[tuple[Identity, Reply]]:
        """A group's channel took no post (archived, the bot removed): what to tell each of
        its admins, and where (their identity on that platform). Nothing for no group."""
        async with self.uow_factory() as uow:
            group = await uow.groups.by_channel(platform, tenant, channel_id)
            if group is None or group.id is None:
                return []
            out = []
            for admin in await uow.groups.admins(group.id):
                found = [i for i in await uow.members.identities(admin) if i.platform == platform]
                out += [(found[0], msg.channel_lost(group))] if found else []
        return out

    async def follow_platform_timezone(self, identity: Identity, zone: str | None) -> bool:
        """The platform says the member's timezone is now `zone` (Slack's user_change):
        follow it and re-plan their nudges, unless they set one with `settings timezone`.
        Whether anything changed."""
        name = _valid_zone(zone)
        if name is None:
            return False
        async with self.uow_factory() as uow:
            member = await uow.members.by_identity(identity)
            if member is None or member.id is None or member.timezone_pinned:
                return False
            if member.timezone == name:
                return False
            member.timezone = name
            await uow.members.update(member)
            await uow.cursors.drop_member(member.id)
            await uow.cursors.put_many(member_cursors(member, self.clock.now(), self.config.nudges))
        return True

    async def _lapse(self, uow: UnitOfWork, member: Member, name: str) -> Pending | None:
        """A question is answered by the very next message or not at all: any other
        command clears it. Others pay nothing: the flag comes with the member's row."""
        if member.pending is None or member.id is None or name in _ANSWERS:
            return None
        lapsed = Pending(member.id, member.pending)
        member.pending = None
        await uow.pending.clear(member.id)
        return lapsed

    async def _run(
        self, spec: CommandSpec, invocation: Invocation, ctx: Context, lapsed: Pending | None
    ) -> Reply:
        reply = await spec.handler(invocation, ctx)
        if lapsed is None or ctx.member.pending is not None:  # it asked anew (`forget me`)
            return reply
        return msg.question_dropped(reply, lapsed.action)

    async def _lapse_again(self, lapsed: Pending, reply: Reply) -> Reply:
        try:
            async with self.uow_factory() as uow:
                await uow.pending.clear(lapsed.member_id)
        except Exception:
            log.exception("could not clear the question of member %s", lapsed.member_id)
            return reply
        return msg.question_dropped(reply, lapsed.action)

    async def _unread(self, caller: Caller, where: Where, reply: Reply) -> Reply:
        """A message that didn't read is still a message, in one small transaction: a
        newcomer is welcomed (once: the member is kept), a pending question lapses.
        Only unreadable messages pay it."""
        try:
            async with self.uow_factory() as uow:
                member = await uow.members.by_identity(caller.identity)
                if member is None:
                    member = await self._add_member(uow, caller, where)
                    return msg.welcomed(reply, _zone_unsaid(caller, member))
                lapsed = await self._lapse(uow, member, "")
        except Exception:
            log.exception("could not record the message of %s", caller.identity)
            return reply
        return reply if lapsed is None else msg.question_dropped(reply, lapsed.action)

    async def _reachable_again(self, member_id: int) -> None:
        try:
            async with self.uow_factory() as uow:
                member = await uow.members.get(member_id)
                if member is not None and member.unreachable:
                    member.unreachable = False
                    await uow.members.update(member)
        except Exception:  # never let this bookkeeping cost the member their reply
            log.exception("could not mark member %s reachable", member_id)

    async def _welcome_if_new(self, caller: Caller, reply: Reply, where: Where) -> Reply:
        """A first message that failed (unreadable, refused, crashed) still creates the
        member, in a small transaction of its own, and still gets the welcome once. Only
        failure paths come here, so the hot path pays nothing for it."""
        try:
            async with self.uow_factory() as uow:
                if await uow.members.by_identity(caller.identity) is not None:
                    return reply
                member = await self._add_member(uow, caller, where)
        except Exception:  # without a member the welcome would come again: leave it out
            log.exception("could not add member %s", caller.identity)
            return reply
        return msg.welcomed(reply, _zone_unsaid(caller, member))

    async def _add_member(self, uow: UnitOfWork, caller: Caller, where: Where) -> Member:
        # Without the platform's zone (Discord has none), the group's is the best guess.
        tz = _valid_zone(caller.timezone) or await self._group_zone(uow, where)
        member = await uow.members.add(
            Member(display_name=caller.display_name[: self.config.max_name], timezone=tz),
            caller.identity,
        )
        now = self.clock.now()
        await uow.cursors.put_many(member_cursors(member, now, self.config.nudges))
        return member

    async def _group_zone(self, uow: UnitOfWork, where: Where) -> str:
        if where.channel_id is not None:
            group = await uow.groups.by_channel(where.platform, where.tenant, where.channel_id)
            if group is not None and _valid_zone(group.timezone):
                return group.timezone
        return self.config.default_timezone


def _refusal(e: Exception, command: str) -> Reply:
    """What a command that raised says: which contact, the question asked instead of the
    step, the member's mistake with an example, or (a bug) a short apology."""
    if isinstance(e, AmbiguousContact):
        retries = [e.retry(f"#{c.number}") for c in e.candidates]
        return msg.ambiguous(e.query, e.candidates, retries)
    if isinstance(e, AskFirst):
        return e.reply
    if isinstance(e, UserError):
        return msg.error(e.message, e.example)
    log.error("command %s failed", command, exc_info=e)
    return msg.error(msg.SOMETHING_BROKE, None)


def _outcome(e: Exception) -> CommandOutcome:
    """A question (which contact? are you sure?) is the command working as meant."""
    if isinstance(e, AmbiguousContact | AskFirst):
        return CommandOutcome.OK
    if isinstance(e, UserError):
        return CommandOutcome.USER_ERROR
    return CommandOutcome.INTERNAL_ERROR


def _zone_unsaid(caller: Caller, member: Member) -> str | None:
    """The zone a newcomer was given when their platform did not tell theirs."""
    return None if _valid_zone(caller.timezone) else member.timezone
