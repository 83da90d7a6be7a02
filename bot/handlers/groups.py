"""Job-search groups bound to a channel: setup, join, leave, opt in/out, leaderboard, report."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import messages as msg
from bot.commands import REGISTRY, Arg, ArgType, Invocation, command
from bot.context import Context
from bot.dates import local_midnight_utc, week_start
from bot.domain import STREAK_KINDS, ActivityKind, Group, Member, Membership
from bot.errors import UserError
from bot.formatting import first_name
from bot.leaderboard import ONCE_A_DAY, rank
from bot.nudges.model import NudgeKind
from bot.nudges.schedule import group_cursors
from bot.ports import UnitOfWork
from bot.replies import Reply


def typed(cmd: Invocation, example: str) -> str:
    """The command as the member gave it, to suggest again; `example` when bare."""
    spec = REGISTRY.get(cmd.name)
    values = [cmd.text(a.name) for a in spec.args] if spec else []
    words = [v for v in values if v]
    return " ".join([cmd.name, *words]) if words else example


async def group_here(ctx: Context, example: str) -> Group:
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
    """First names by member id; a last initial where two members share one (in any
    case: "Ann" and "ann"). Never more."""
    firsts = [first_name(name) for _, name in roster]
    shared = Counter(f.casefold() for f in firsts)  # once: 1,000 members, not 1,000,000 steps
    out: dict[int, str] = {}
    for (member_id, name), first in zip(roster, firsts, strict=True):
        parts = name.split()
        clash = shared[first.casefold()] > 1 and len(parts) > 1
        out[member_id] = f"{first} {parts[-1][0]}." if clash else first
    return out


def told_apart(names: dict[int, str], people: list[tuple[Member, Membership]]) -> dict[int, str]:
    """For admins' eyes (the report): names that still read alike ("Ann", "ann") get the
    full name, then the day they joined, then a number, so no two read the same."""
    full = {m.id: m.display_name for m, _ in people if m.id is not None}
    joined = {ms.member_id: ms.joined_at for _, ms in people}
    out = dict(names)
    for widen in ("full", "joined", "number"):
        alike: dict[str, list[int]] = {}
        for mid, name in sorted(out.items()):
            alike.setdefault(name.casefold(), []).append(mid)
        clashes = [ids for ids in alike.values() if len(ids) > 1]
        if not clashes:
            break
        for ids in clashes:
            for n, mid in enumerate(ids, start=1):
                name, day = full.get(mid, out[mid]), joined.get(mid)
                if widen == "full":
                    out[mid] = name
                elif widen == "joined" and day is not None:
                    out[mid] = f"{name} (joined {day.strftime('%d %b')})"
                elif widen == "number":
                    out[mid] = f"{name} ({n})"
    return out


async def coaches_of(uow: UnitOfWork, admin_ids: list[int]) -> set[int]:
    """Admins who log nothing: the group's coaches, not job seekers on its board."""
    kinds = tuple(ActivityKind)
    return {mid for mid in admin_ids if await uow.activities.last_at(mid, kinds) is None}


def _off_board(group_id: int) -> str:
    """Kept among the member's turned-off kinds after they leave a group opted out, so a
    rejoin keeps them off its board (the membership row goes when they leave)."""
    return f"{NudgeKind.LEADERBOARD.value}:g{group_id}"


_OFF_BOARD_KEPT = 8  # groups remembered at most; the column holds 200 characters


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
    group = await group_here(ctx, "group join")
    assert group.id is not None
    if await ctx.uow.groups.membership(group.id, ctx.member_id):
        return msg.already_member(group)
    # A group nobody runs (its last admin left it empty) is run by whoever joins next.
    runs_it = not await ctx.uow.groups.admins(group.id)
    marker = _off_board(group.id)
    stays_off = marker in ctx.member.nudges_off
    await ctx.uow.groups.join(
        Membership(
            group_id=group.id,
            member_id=ctx.member_id,
            is_admin=runs_it,
            leaderboard_opt_in=not stays_off,
        )
    )
    if stays_off:  # the membership row holds it again
        ctx.member.nudges_off = ctx.member.nudges_off - {marker}
        await ctx.uow.members.update(ctx.member)
    return msg.joined(group, admin=runs_it, off_board=stays_off)


@command("group leave", usage="group leave", example="group leave", category="group")
async def leave(cmd: Invocation, ctx: Context) -> Reply:
    """Leave this channel's group (its last admin hands over first)."""
    group = await group_here(ctx, "group leave")
    assert group.id is not None
    mine = await ctx.uow.groups.membership(group.id, ctx.member_id)
    if mine is None:
        raise UserError(msg.NOT_A_MEMBER, "group join")
    if mine.is_admin and await ctx.uow.groups.admins(group.id) == [ctx.member_id]:
        roster = await ctx.uow.groups.roster(group.id, opted_in_only=False)
        others = [name for mid, name in roster if mid != ctx.member_id]
        if others:  # alone, they may go: whoever joins next runs the group
            raise UserError(msg.last_admin_leaving(group), f"group admin {others[0]}")
    if not mine.leaderboard_opt_in:
        kept = sorted(k for k in ctx.member.nudges_off if k.startswith("leaderboard:g"))
        drop = set(kept[: max(0, len(kept) - _OFF_BOARD_KEPT + 1)])
        ctx.member.nudges_off = (ctx.member.nudges_off - drop) | {_off_board(group.id)}
        await ctx.uow.members.update(ctx.member)
    await ctx.uow.groups.leave(group.id, ctx.member_id)
    return msg.left(group)


async def _set_opt_in(ctx: Context, opt_in: bool, example: str) -> Reply:
    group = await group_here(ctx, example)
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


async def build_leaderboard(
    uow: UnitOfWork, group: Group, now: datetime, viewer: int | None = None
) -> Reply:
    """This week's standings (with the viewer's own place); the weekly post reuses it."""
    assert group.id is not None
    # Ids and names only: a 1,000-member group needs no full member rows here.
    shown = await uow.groups.roster(group.id, opted_in_only=True)
    on_board = {mid for mid, _ in shown}
    coaches = await coaches_of(uow, [m for m in await uow.groups.admins(group.id) if m in on_board])
    shown = [(mid, name) for mid, name in shown if mid not in coaches]
    start, end, monday = group_week(group, now)
    ids = [mid for mid, _ in shown]
    counts = await uow.activities.counts_by_member(ids, start, end, once_a_day=ONCE_A_DAY)
    names = public_names(shown)
    standings = rank([(mid, names[mid], counts.get(mid, {})) for mid in names])
    return msg.leaderboard(group, standings, monday, viewer)


async def build_report(uow: UnitOfWork, group: Group, now: datetime) -> Reply:
    """Who is active and who is stalled; the admins' weekly summary reuses it."""
    assert group.id is not None
    people = await uow.groups.members(group.id)
    start, end, monday = group_week(group, now)
    admins = [ms.member_id for _, ms in people if ms.is_admin]
    coaches = await coaches_of(uow, admins)
    ids = [m.id for m, _ in people if m.id is not None and m.id not in coaches]
    counts = await uow.activities.counts_by_member(ids, start, end)
    last: dict[int, datetime | None] = {}
    for mid in ids:
        last[mid] = await uow.activities.last_at(mid, STREAK_KINDS)
    names = told_apart(
        public_names([(m.id, m.display_name) for m, _ in people if m.id is not None]), people
    )
    seekers = {mid: names[mid] for mid in ids}
    coached = [names[mid] for mid in sorted(coaches)]
    return msg.group_report(group, seekers, counts, last, now, monday, coaches=coached)


@command(
    "leaderboard", usage="leaderboard", example="leaderboard", category="group",
    reads_only=True,
)
async def leaderboard(cmd: Invocation, ctx: Context) -> Reply:
    """This week's points in this group: conversations and follow-ups count most."""
    group = await group_here(ctx, "leaderboard")
    return await build_leaderboard(ctx.uow, group, ctx.now(), ctx.member_id)


@command(
    "group report", usage="group report", example="group report", category="group",
    reads_only=True,
)  # fmt: skip
async def report(cmd: Invocation, ctx: Context) -> Reply:
    """For admins: who is active, who is stalled, conversations this week."""
    group = await group_here(ctx, "group report")
    assert group.id is not None
    mine = await ctx.uow.groups.membership(group.id, ctx.member_id)
    if mine is None or not mine.is_admin:
        raise UserError(msg.ADMINS_ONLY, "leaderboard")
    return await build_report(ctx.uow, group, ctx.now())
