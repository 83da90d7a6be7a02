"""Job-search groups bound to a channel: setup, join, leave, opt in/out, leaderboard, report."""

from __future__ import annotations

import difflib
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import messages as msg
from bot.commands import REGISTRY, Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.dates import local_midnight_utc, week_start
from bot.domain import STREAK_KINDS, Group, Membership
from bot.errors import UserError
from bot.formatting import first_name
from bot.handlers.settings import parse_clock, zone_names
from bot.leaderboard import rank
from bot.nudges.schedule import group_cursors, next_group_time
from bot.ports import UnitOfWork
from bot.replies import Reply

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
POST_EXAMPLE = "group post fri 16:00"
ZONE_EXAMPLE = "group timezone Europe/London"


def typed(cmd: Invocation, example: str) -> str:
    """The command as the member gave it, to suggest again; `example` when bare."""
    spec = REGISTRY.get(cmd.name)
    values = [cmd.text(a.name) for a in spec.args] if spec else []
    words = [v for v in values if v]
    return " ".join([cmd.name, *words]) if words else example


async def _group_here(ctx: Context, example: str) -> Group:
    w = ctx.where
    if w.channel_id is None:
        # Suggest the same command, where it works: the channel of the member's group.
        mine = await ctx.uow.groups.of_member(ctx.member_id)
        raise UserError(msg.group_in_channel(example, [g.name for g in mine]), example)
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
        raise UserError(msg.SETUP_IN_CHANNEL, typed(cmd, "group setup"))
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


async def _as_admin(ctx: Context, example: str) -> tuple[Group, Membership]:
    group = await _group_here(ctx, example)
    assert group.id is not None
    mine = await ctx.uow.groups.membership(group.id, ctx.member_id)
    if mine is None or not mine.is_admin:
        raise UserError(msg.ADMINS_SET_RHYTHM, "group")
    return group, mine


async def _replan(ctx: Context, group: Group) -> datetime:
    """The post's day, time or zone changed: lay the group's cursor anew, so the next
    post (and the admins' summary with it) comes at the new time, once."""
    assert group.id is not None
    await ctx.uow.groups.update(group)
    await ctx.uow.cursors.drop_group(group.id)
    await ctx.uow.cursors.put_many(group_cursors(group, ctx.now()))
    return next_group_time(group, ctx.now())


@command(
    "group",
    Arg("what", ArgType.TEXT, "Nothing: the group's settings"),
    usage="group",
    example="group",
    category="group",
)
async def show_group(cmd: Invocation, ctx: Context) -> Reply:
    """This group's settings: name, timezone, when the weekly post goes out, who runs it."""
    what = cmd.text("what")
    if what:  # "group jion": did you mean `group join`?
        word, _, rest = what.partition(" ")
        subs = sorted(n for n in REGISTRY if n.startswith("group "))
        close = difflib.get_close_matches(f"group {word.lower()}", subs, n=1, cutoff=0.6)
        suggestion = f"{close[0]} {rest}".strip() if close else "help group"
        message = msg.unknown_group_command(f"group {word}", close[0] if close else None)
        raise UserError(message, suggestion)
    group = await _group_here(ctx, "group")
    assert group.id is not None
    people = await ctx.uow.groups.members(group.id)
    admins = [m.display_name for m, ms in people if ms.is_admin]
    nxt = next_group_time(group, ctx.now())
    mine = next((ms for m, ms in people if m.id == ctx.member_id), None)
    return msg.group_settings(group, len(people), admins, nxt, mine is not None and mine.is_admin)


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekday(text: str) -> int | None:
    """0 = Monday, from "fri", "Friday", "fridays", "thurs", "weds"; None otherwise."""
    t = text.strip().lower().rstrip(".,")
    if t == "weds":
        return 2
    for i, full in enumerate(_FULL_DAYS):
        if len(t) >= 3 and (full.startswith(t) or t == f"{full}s"):
            return i
    return None


def _parse_post(rest: str) -> dict[str, ArgValue]:
    day, _, time_text = rest.strip().partition(" ")
    return {"day": day or None, "time": time_text.strip() or None}


@command(
    "group post",
    Arg("day", ArgType.CHOICE, "Day of the week", required=True, choices=DAYS),
    Arg("time", ArgType.TEXT, "Time of day, HH:MM", required=True),
    usage="group post <day> <HH:MM>",
    example=POST_EXAMPLE,
    category="group",
    parse=_parse_post,
)
async def set_post(cmd: Invocation, ctx: Context) -> Reply:
    """For admins: when the weekly leaderboard goes out, in the group's timezone."""
    day_text, time_text = cmd.text("day") or "", cmd.text("time") or ""
    if not day_text or not time_text:
        await _group_here(ctx, POST_EXAMPLE)
        raise UserError(msg.POST_WHEN, POST_EXAMPLE)
    group, _ = await _as_admin(ctx, typed(cmd, POST_EXAMPLE))
    day = parse_weekday(day_text)
    if day is None:
        raise UserError(msg.bad_weekday(day_text), f"group post fri {time_text}")
    at = parse_clock(time_text.lower().removeprefix("at "))
    if at is None:
        raise UserError(msg.bad_time(time_text), f"group post {DAYS[day]} 16:00")
    group.leaderboard_weekday, group.leaderboard_time = day, at
    return msg.post_moved(group, await _replan(ctx, group))


def find_zone(text: str, example_of: str) -> str:
    """The IANA name `text` means (any case), or a UserError suggesting the closest."""
    match = next((z for z in zone_names() if z.lower() == text.lower()), None)
    if match is None:
        close = difflib.get_close_matches(text, zone_names(), n=1, cutoff=0.5)
        suggestion = close[0] if close else "Europe/London"
        raise UserError(msg.unknown_zone(text), f"{example_of} {suggestion}")
    try:
        ZoneInfo(match)
    except ZoneInfoNotFoundError:  # listed but not loadable on this system
        raise UserError(msg.unknown_zone(text), f"{example_of} Europe/London") from None
    return match


@command(
    "group timezone",
    Arg("zone", ArgType.TEXT, "IANA timezone, like Europe/London", required=True,
        autocomplete="timezones"),
    usage="group timezone <Area/City>",
    example=ZONE_EXAMPLE,
    category="group",
)
async def set_group_zone(cmd: Invocation, ctx: Context) -> Reply:
    """For admins: the group's timezone; its week and its weekly post follow it."""
    text = cmd.text("zone") or ""
    if not text:
        await _group_here(ctx, ZONE_EXAMPLE)
        raise UserError(msg.WHICH_ZONE, ZONE_EXAMPLE)
    group, _ = await _as_admin(ctx, typed(cmd, ZONE_EXAMPLE))
    group.timezone = find_zone(text, "group timezone")
    return msg.post_moved(group, await _replan(ctx, group))
