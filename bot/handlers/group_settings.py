"""How a group is run: `group` (its settings), `group post`, `group timezone`, and its
admins: `group admin [remove] <name>`, `group admins`."""

from __future__ import annotations

import difflib
from datetime import datetime

from bot import messages as msg
from bot.commands import REGISTRY, Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.domain import Group, Member, Membership
from bot.errors import UserError
from bot.handlers.groups import coaches_of, group_here, typed
from bot.handlers.settings import find_zone, parse_clock
from bot.messages.words import DAY_NAMES
from bot.nudges.schedule import group_cursors, next_group_time
from bot.replies import Reply

POST_EXAMPLE = "group post fri 16:00"
ZONE_EXAMPLE = "group timezone Europe/London"


async def _as_admin(ctx: Context, example: str, refusal: str) -> Group:
    group = await group_here(ctx, example)
    assert group.id is not None
    mine = await ctx.uow.groups.membership(group.id, ctx.member_id)
    if mine is None or not mine.is_admin:
        raise UserError(refusal, "group admins")
    return group


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
    group = await group_here(ctx, "group")
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
    Arg("day", ArgType.CHOICE, "Day of the week", required=True, choices=DAY_NAMES),
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
        await group_here(ctx, POST_EXAMPLE)
        raise UserError(msg.POST_WHEN, POST_EXAMPLE)
    group = await _as_admin(ctx, typed(cmd, POST_EXAMPLE), msg.ADMINS_SET_RHYTHM)
    day = parse_weekday(day_text)
    if day is None:
        raise UserError(msg.bad_weekday(day_text), f"group post fri {time_text}")
    at = parse_clock(time_text.lower().removeprefix("at "))
    if at is None:
        raise UserError(msg.bad_time(time_text), f"group post {DAY_NAMES[day]} 16:00")
    group.leaderboard_weekday, group.leaderboard_time = day, at
    return msg.post_moved(group, await _replan(ctx, group))


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
        await group_here(ctx, ZONE_EXAMPLE)
        raise UserError(msg.WHICH_ZONE, ZONE_EXAMPLE)
    group = await _as_admin(ctx, typed(cmd, ZONE_EXAMPLE), msg.ADMINS_SET_RHYTHM)
    group.timezone = find_zone(text, "group timezone")
    return msg.post_moved(group, await _replan(ctx, group))


# --- admins -----------------------------------------------------------------------------


def _parse_admin(rest: str) -> dict[str, ArgValue]:
    word, _, name = rest.strip().partition(" ")
    if word.lower() in ("remove", "add"):
        return {"action": word.lower(), "name": name.strip() or None}
    return {"action": "add", "name": rest.strip() or None}


def _matches(people: list[tuple[Member, Membership]], text: str) -> list[Member]:
    """Members `text` names: "#12" (a button), the whole name, the first name, a prefix."""
    wanted = text.strip().lstrip("@").casefold()
    if not wanted:
        return []
    if wanted.startswith("#") and wanted[1:].isascii() and wanted[1:].isdigit():
        return [m for m, _ in people if m.id == int(wanted[1:])]
    members = [(m, m.display_name.casefold()) for m, _ in people]
    whole = [m for m, name in members if name == wanted]
    first = [m for m, name in members if name.split()[:1] == [wanted]]
    return whole or first or [m for m, name in members if name.startswith(wanted)]


@command(
    "group admin",
    Arg("action", ArgType.CHOICE, "Make an admin, or remove one", choices=("add", "remove")),
    Arg("name", ArgType.TEXT, "A member's name", required=True),
    usage="group admin [remove] <name>",
    example="group admin Bob Stone",
    category="group",
    parse=_parse_admin,
)
async def admin(cmd: Invocation, ctx: Context) -> Reply:
    """For admins: make a member an admin (the report, the settings), or `remove` one."""
    remove = cmd.text("action") == "remove"
    name = cmd.text("name")
    verb = "group admin remove" if remove else "group admin"
    if not name:
        await group_here(ctx, f"{verb} Bob Stone")
        raise UserError(msg.ADMIN_WHO, f"{verb} Bob Stone")
    group = await _as_admin(ctx, f"{verb} {name}", msg.ADMINS_NAME_ADMINS)
    assert group.id is not None
    people = await ctx.uow.groups.members(group.id)
    found = _matches(people, name)
    if not found:
        others = [m.display_name for m, _ in people if m.id != ctx.member_id]
        raise UserError(msg.no_member_named(name), f"{verb} {others[0] if others else 'Bob'}")
    if len(found) > 1:
        # Names alike ("Ann", "ann"): buttons carry the member unambiguously.
        labels = [m.display_name for m in found]
        return msg.which_member(name, labels, [f"{verb} #{m.id}" for m in found])
    target = found[0]
    membership = next(ms for m, ms in people if m.id == target.id)
    if not remove:
        if membership.is_admin:
            return msg.already_admin(target.display_name)
        membership.is_admin = True
        await ctx.uow.groups.update_membership(membership)
        return msg.admin_added(target.display_name, group)
    yourself = target.id == ctx.member_id
    if not membership.is_admin:
        raise UserError(msg.not_an_admin(target.display_name), "group admins")
    if sum(1 for _, ms in people if ms.is_admin) == 1:  # then it is the caller themself
        other = next((m.display_name for m, _ in people if m.id != target.id), "Bob Stone")
        raise UserError(msg.ONLY_ADMIN, f"group admin {other}")
    membership.is_admin = False
    await ctx.uow.groups.update_membership(membership)
    return msg.admin_removed(target.display_name, group, yourself)


@command("group admins", usage="group admins", example="group admins", category="group")
async def admins(cmd: Invocation, ctx: Context) -> Reply:
    """Who runs this group; an admin who logs nothing is its coach."""
    group = await group_here(ctx, "group admins")
    assert group.id is not None
    people = await ctx.uow.groups.members(group.id)
    running = [(m, ms) for m, ms in people if ms.is_admin]
    coaches = await coaches_of(ctx.uow, [m.id for m, _ in running if m.id is not None])
    mine = next((ms for m, ms in people if m.id == ctx.member_id), None)
    return msg.admins_list(
        group,
        [m.display_name for m, _ in running],
        [m.display_name for m, _ in running if m.id in coaches],
        mine is not None and mine.is_admin,
    )
