"""Job-search groups bound to a channel: setup, join, leave, opt in/out, leaderboard, report."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import messages as msg
from bot.commands import Arg, ArgType, Invocation, command
from bot.context import Context
from bot.dates import local_midnight_utc, week_start
from bot.domain import STREAK_KINDS, Group, Membership
from bot.errors import UserError
from bot.formatting import first_name
from bot.leaderboard import rank
from bot.nudges.schedule import group_cursors
from bot.ports import UnitOfWork
from bot.replies import Reply


async def _group_here(ctx: Context, example: str) -> Group:
    w = ctx.where
    if w.channel_id is None:
        raise UserError(msg.GROUP_IN_CHANNEL, example)
    group = await ctx.uow.groups.by_channel(w.platform, w.tenant, w.channel_id)
    if group is None:
        raise UserError(msg.NO_GROUP_HERE, "group setup")
    return group


def group_week(group: Group, now: datetime) -> tuple[datetime, datetime, date]:
    """The group's current week, Monday to Monday in the group's timezone."""
    tz = ZoneInfo(group.timezone)
    start = week_start(now.astimezone(tz).date())
    return local_midnight_utc(start, tz), local_midnight_utc(start + timedelta(days=7), tz), start


def public_names(roster: list[tuple[int, str]]) -> dict[int, str]:
    """First names by member id; a last initial where two members share one. Never more."""
    firsts = [first_name(name) for _, name in roster]
    shared = Counter(firsts)  # counted once: a 1,000-member group is not 1,000,000 steps
    out: dict[int, str] = {}
    for (member_id, name), first in zip(roster, firsts, strict=True):
        parts = name.split()
        clash = shared[first] > 1 and len(parts) > 1
        out[member_id] = f"{first} {parts[-1][0]}." if clash else first
    return out


@command(
    "group setup",
    Arg("name", ArgType.TEXT, "Group name"),
    usage="group setup [name]",
    example="group setup Tuesday job club",
    category="group",
)
async def setup(cmd: Invocation, ctx: Context) -> Reply:
    """Make this channel a job-search group; you become its admin."""
    w = ctx.where
    if w.channel_id is None:
        raise UserError(msg.GROUP_IN_CHANNEL, "group setup")
    if await ctx.uow.groups.by_channel(w.platform, w.tenant, w.channel_id):
        raise UserError(msg.GROUP_EXISTS, "group join")
    name = cmd.text("name") or w.channel_name or w.channel_id
    if len(name) > ctx.config.max_name:
        raise UserError(msg.too_long("A group name", ctx.config.max_name), "group setup Job club")
    group = await ctx.uow.groups.add(
        Group(
            platform=w.platform,
            tenant=w.tenant,
            channel_id=w.channel_id,
            name=name,
            timezone=ctx.member.timezone,
        )
    )
    assert group.id is not None
    await ctx.uow.groups.join(Membership(group_id=group.id, member_id=ctx.member_id, is_admin=True))
    await ctx.uow.cursors.put_many(group_cursors(group, ctx.now()))  # the weekly post
    return msg.group_created(group)


@command("group join", usage="group join", example="group join", category="group")
async def join(cmd: Invocation, ctx: Context) -> Reply:
    """Join this channel's group and its weekly leaderboard."""
    group = await _group_here(ctx, "group join")
    assert group.id is not None
    if await ctx.uow.groups.membership(group.id, ctx.member_id):
        return msg.already_member(group)
    await ctx.uow.groups.join(Membership(group_id=group.id, member_id=ctx.member_id))
    return msg.joined(group)


@command("group leave", usage="group leave", example="group leave", category="group")
async def leave(cmd: Invocation, ctx: Context) -> Reply:
    """Leave this channel's group."""
    group = await _group_here(ctx, "group leave")
    assert group.id is not None
    if not await ctx.uow.groups.membership(group.id, ctx.member_id):
        raise UserError(msg.NOT_A_MEMBER, "group join")
    await ctx.uow.groups.leave(group.id, ctx.member_id)
    return msg.left(group)


async def _set_opt_in(ctx: Context, opt_in: bool, example: str) -> Reply:
    group = await _group_here(ctx, example)
    assert group.id is not None
    membership = await ctx.uow.groups.membership(group.id, ctx.member_id)
    if membership is None:
        raise UserError(msg.NOT_A_MEMBER, "group join")
    membership.leaderboard_opt_in = opt_in
    await ctx.uow.groups.update_membership(membership)
    return msg.opted(opt_in)


@command("group optout", usage="group optout", example="group optout", category="group")
async def optout(cmd: Invocation, ctx: Context) -> Reply:
    """Keep your name off this group's leaderboard."""
    return await _set_opt_in(ctx, False, "group optout")


@command("group optin", usage="group optin", example="group optin", category="group")
async def optin(cmd: Invocation, ctx: Context) -> Reply:
    """Show your name on this group's leaderboard again."""
    return await _set_opt_in(ctx, True, "group optin")


async def build_leaderboard(uow: UnitOfWork, group: Group, now: datetime) -> Reply:
    """This week's standings; the weekly post reuses it."""
    assert group.id is not None
    # Ids and names only: a 1,000-member group needs no full member rows here.
    shown = await uow.groups.roster(group.id, opted_in_only=True)
    start, end, monday = group_week(group, now)
    counts = await uow.activities.counts_by_member([mid for mid, _ in shown], start, end)
    names = public_names(shown)
    standings = rank([(mid, names[mid], counts.get(mid, {})) for mid in names])
    return msg.leaderboard(group, standings, monday)


async def build_report(uow: UnitOfWork, group: Group, now: datetime) -> Reply:
    """Who is active and who is stalled; the admins' weekly summary reuses it."""
    assert group.id is not None
    members = [m for m, _ in await uow.groups.members(group.id)]
    start, end, monday = group_week(group, now)
    ids = [m.id for m in members if m.id is not None]
    counts = await uow.activities.counts_by_member(ids, start, end)
    last: dict[int, datetime | None] = {}
    for mid in ids:
        last[mid] = await uow.activities.last_at(mid, STREAK_KINDS)
    names = public_names([(m.id, m.display_name) for m in members if m.id is not None])
    return msg.group_report(group, names, counts, last, now, monday)


@command("leaderboard", usage="leaderboard", example="leaderboard", category="group")
async def leaderboard(cmd: Invocation, ctx: Context) -> Reply:
    """This week's points in this group: conversations and follow-ups count most."""
    group = await _group_here(ctx, "leaderboard")
    return await build_leaderboard(ctx.uow, group, ctx.now())


@command("group report", usage="group report", example="group report", category="group")
async def report(cmd: Invocation, ctx: Context) -> Reply:
    """For admins: who is active, who is stalled, conversations this week."""
    group = await _group_here(ctx, "group report")
    assert group.id is not None
    mine = await ctx.uow.groups.membership(group.id, ctx.member_id)
    if mine is None or not mine.is_admin:
        raise UserError(msg.ADMINS_ONLY, "leaderboard")
    return await build_report(ctx.uow, group, ctx.now())
