"""Member settings and the clock: `settings ...`, `nudges`, `pause`, `resume`, `landed`."""

from __future__ import annotations

import difflib
import re
from datetime import time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot import messages as msg
from bot.commands import REGISTRY, Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.domain import MON_FRI, Member, MemberStatus, Pause
from bot.errors import UserError
from bot.formatting import is_number, plural
from bot.handlers.log import read_when
from bot.messages.words import DAY_NAMES
from bot.nudges.schedule import member_cursors
from bot.nudges.timing import in_quiet
from bot.replies import Reply

_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


async def replan(ctx: Context) -> None:
    """The member's timezone, check-in time or days changed: lay their cursors anew, so
    the next nudge comes at the new local time (never twice, never skipped)."""
    await ctx.uow.cursors.drop_member(ctx.member_id)
    await ctx.uow.cursors.put_many(member_cursors(ctx.member, ctx.now(), ctx.config.nudges))


@cache
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


GOALS = range(1, 51)  # conversations a week a goal can be


def match_zone(text: str) -> str | None:
    """The IANA name `text` is, in any case."""
    return next((z for z in zone_names() if z.lower() == text.lower()), None)


def closest_zone(text: str) -> str | None:
    """The IANA name `text` was probably meant to be ("Europe/Londn")."""
    close = difflib.get_close_matches(text, zone_names(), n=1, cutoff=0.5)
    return close[0] if close else None


def parse_quiet(text: str) -> tuple[time, time] | None:
    """Quiet hours "21:00-08:00"; None when they don't read (or start where they end)."""
    start_text, _, end_text = text.partition("-")
    start, end = parse_clock(start_text), parse_clock(end_text)
    if start is None or end is None or start == end:
        return None
    return start, end


def find_zone(text: str, example_of: str) -> str:
    """The IANA name `text` means (any case), or a UserError suggesting the closest."""
    match = match_zone(text)
    if match is None:
        suggestion = closest_zone(text) or "Europe/London"
        raise UserError(msg.unknown_zone(text), f"{example_of} {suggestion}")
    try:
        ZoneInfo(match)
    except ZoneInfoNotFoundError:  # listed but not loadable on this system
        raise UserError(msg.unknown_zone(text), f"{example_of} Europe/London") from None
    return match


def parse_clock(text: str) -> time | None:
    m = _TIME.match(text.strip().lower())
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) == "pm" and hour < 12:
        hour += 12
    if m.group(3) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_days(text: str) -> frozenset[int] | None:
    text = text.lower().replace(" ", "")
    if text in ("weekdays", "mon-fri"):
        return MON_FRI
    if text in ("everyday", "daily", "all", "mon-sun"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in filter(None, text.split(",")):
        ends = part.split("-")
        if not all(e[:3] in DAY_NAMES for e in ends) or len(ends) > 2:
            return None
        first, last = DAY_NAMES.index(ends[0][:3]), DAY_NAMES.index(ends[-1][:3])
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        days.update(span)
    return frozenset(days) or None


def _parse_settings(rest: str) -> dict[str, ArgValue]:
    """`settings` alone shows them; `settings foo` names the ones there are."""
    if not rest.strip():
        return {}
    names = [n.split()[1] for n in REGISTRY if n.startswith("settings ")]
    word = rest.split()[0].lower()
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.5)
    example = REGISTRY[f"settings {close[0]}"].example if close else "settings"
    raise UserError(msg.unknown_setting(rest.split()[0], names), example)


def read_checkin(text: str) -> time:
    value = parse_clock(text)
    if value is None:
        raise UserError(msg.bad_time(text), "settings checkin 09:30")
    return value


def read_days(text: str) -> frozenset[int]:
    days = parse_days(text)
    if days is None:
        raise UserError(msg.bad_days(text), "settings days mon-fri")
    return days


def read_quiet(text: str) -> tuple[time, time] | None:
    """Quiet hours, or None for `off`."""
    if text.strip().lower() == "off":
        return None
    hours = parse_quiet(text.lower())
    if hours is None:
        raise UserError(msg.bad_quiet(text.lower()), "settings quiet 21:00-08:00")
    return hours


def read_goal(n: int | None) -> int:
    if n is None or n not in GOALS:
        raise UserError(msg.BAD_GOAL, "settings goal 5")
    return n


# Each sets one setting on the member and says what it saved: `settings` with several
# values and the single `settings X` commands share them.
def _set_zone(m: Member, zone: str) -> str:
    m.timezone, m.timezone_pinned = zone, True
    return f"Timezone set to {zone}."


def _set_checkin(m: Member, at: time) -> str:
    m.checkin_time = at
    return f"Daily check-in at {at.strftime('%H:%M')} your time."


def _set_days(m: Member, days: frozenset[int]) -> str:
    m.working_days = days
    return "Working days: " + ", ".join(DAY_NAMES[d] for d in sorted(days)) + "."


def _set_quiet(m: Member, hours: tuple[time, time] | None) -> str:
    m.quiet_start, m.quiet_end = hours if hours is not None else (None, None)
    if hours is None:
        return "Quiet hours off."
    return f"Quiet from {hours[0].strftime('%H:%M')} to {hours[1].strftime('%H:%M')}."


def _set_goal(m: Member, n: int) -> str:
    m.weekly_goal = n
    return f"Weekly goal: {plural(n, 'conversation')}."


async def _save(ctx: Context, said: list[str], replanned: bool, quiet_checked: bool) -> Reply:
    if replanned:
        await replan(ctx)
    await ctx.uow.members.update(ctx.member)
    saved = " ".join(said)
    return _saved_checking_quiet(ctx, saved) if quiet_checked else msg.setting_saved(saved)


@command(
    "settings",
    Arg("timezone", ArgType.TEXT, "IANA timezone, like Europe/London", autocomplete="timezones"),
    Arg("checkin", ArgType.TEXT, "Daily check-in time, HH:MM"),
    Arg("days", ArgType.TEXT, "Working days, like mon-fri or mon,wed,fri"),
    Arg("quiet", ArgType.TEXT, "Quiet hours HH:MM-HH:MM, or off"),
    Arg("goal", ArgType.NUMBER, "Conversations per week"),
    usage="settings",
    example="settings",
    category="settings",
    parse=_parse_settings,
)
async def show_settings(cmd: Invocation, ctx: Context) -> Reply:
    """Your settings: timezone, check-in time, working days, quiet hours, goal, nudges.
    Platforms with forms may set several at once; each is read before any is saved."""
    zone, checkin = cmd.text("timezone"), cmd.text("checkin")
    days, quiet = cmd.text("days"), cmd.text("quiet")
    goal = cmd.args.get("goal")
    if not any((zone, checkin, days, quiet, goal is not None)):
        return msg.settings(ctx.member)
    # Every value is read before any is set: one that doesn't read leaves all unsaved.
    new_zone = find_zone(zone, "settings timezone") if zone else None
    new_checkin = read_checkin(checkin) if checkin else None
    new_days = read_days(days) if days else None
    new_quiet = read_quiet(quiet) if quiet else None
    new_goal = read_goal(cmd.number("goal")) if goal is not None else None
    m, said = ctx.member, []
    if new_zone is not None:
        said.append(_set_zone(m, new_zone))
    if new_checkin is not None:
        said.append(_set_checkin(m, new_checkin))
    if new_days is not None:
        said.append(_set_days(m, new_days))
    if quiet:
        said.append(_set_quiet(m, new_quiet))
    if new_goal is not None:
        said.append(_set_goal(m, new_goal))
    replanned = any(v is not None for v in (new_zone, new_checkin, new_days))
    return await _save(ctx, said, replanned, bool(new_checkin or new_quiet))


@command(
    "settings timezone",
    Arg(
        "zone",
        ArgType.TEXT,
        "IANA timezone, like Europe/London",
        required=True,
        autocomplete="timezones",
    ),
    usage="settings timezone <Area/City>",
    example="settings timezone America/New_York",
    category="settings",
)
async def set_timezone(cmd: Invocation, ctx: Context) -> Reply:
    """Your timezone: days end at your midnight, nudges come at your hours."""
    zone = cmd.text("zone") or ""
    if not zone:
        raise UserError(msg.WHICH_ZONE, "settings timezone Europe/London")
    match = find_zone(zone, "settings timezone")
    return await _save(ctx, [_set_zone(ctx.member, match)], True, False)


@command(
    "settings checkin",
    Arg("time", ArgType.TEXT, "Daily check-in time, HH:MM", required=True),
    usage="settings checkin <HH:MM>",
    example="settings checkin 09:30",
    category="settings",
)
async def set_checkin(cmd: Invocation, ctx: Context) -> Reply:
    """When your daily check-in arrives, on your working days."""
    value = read_checkin(cmd.text("time") or "")
    return await _save(ctx, [_set_checkin(ctx.member, value)], True, True)


def _saved_checking_quiet(ctx: Context, saved: str) -> Reply:
    m = ctx.member
    if m.quiet_start is None or m.quiet_end is None:
        return msg.setting_saved(saved)
    if not in_quiet(m.checkin_time, m.quiet_start, m.quiet_end):
        return msg.setting_saved(saved)
    return msg.checkin_in_quiet(saved, m.checkin_time, m.quiet_start, m.quiet_end)


@command(
    "settings days",
    Arg("days", ArgType.TEXT, "Working days, like mon-fri or mon,wed,fri", required=True),
    usage="settings days <mon-fri|mon,tue,thu|every day>",
    example="settings days mon-thu",
    category="settings",
)
async def set_days(cmd: Invocation, ctx: Context) -> Reply:
    """Your working days: streaks and check-ins follow them."""
    days = read_days(cmd.text("days") or "")
    return await _save(ctx, [_set_days(ctx.member, days)], True, False)


@command(
    "settings quiet",
    Arg("hours", ArgType.TEXT, "Quiet hours HH:MM-HH:MM, or off", required=True),
    usage="settings quiet <HH:MM-HH:MM|off>",
    example="settings quiet 21:00-08:00",
    category="settings",
)
async def set_quiet(cmd: Invocation, ctx: Context) -> Reply:
    """Hours when I never message you."""
    hours = read_quiet(cmd.text("hours") or "")
    return await _save(ctx, [_set_quiet(ctx.member, hours)], False, hours is not None)


@command(
    "settings goal",
    Arg("n", ArgType.NUMBER, "Conversations per week", required=True),
    usage="settings goal <conversations per week>",
    example="settings goal 5",
    category="settings",
)
async def set_goal(cmd: Invocation, ctx: Context) -> Reply:
    """Your weekly goal, in conversations."""
    n = read_goal(cmd.number("n"))
    return await _save(ctx, [_set_goal(ctx.member, n)], False, False)


@command(
    "nudges",
    Arg("state", ArgType.CHOICE, "on or off", required=True, choices=("on", "off")),
    Arg("kind", ArgType.CHOICE, "Just one kind of nudge", choices=tuple(msg.NUDGE_WORDS)),
    usage="nudges <on|off> [kind]",
    example="nudges off streak",
    category="settings",
)
async def set_nudges(cmd: Invocation, ctx: Context) -> Reply:
    """Turn my reminders on or off, all of them or one kind.
    Kinds: check-in, follow-up, lead, prep, debrief, interview, pipeline, streak, weekly,
    summary."""
    state = (cmd.text("state") or "").lower()
    if state not in ("on", "off"):
        raise UserError(msg.NUDGES_HOW, "nudges off")
    word = (cmd.text("kind") or "").lower()
    m = ctx.member
    if not word:
        m.nudges_enabled = state == "on"
        await ctx.uow.members.update(m)
        return msg.nudges_set(m.nudges_enabled)
    known = msg.nudge_word(word)
    if known is None:
        raise UserError(msg.unknown_nudge_kind(word), "nudges off streak")
    word, kind = known, msg.NUDGE_WORDS[known]
    m.nudges_off = m.nudges_off - {kind} if state == "on" else m.nudges_off | {kind}
    await ctx.uow.members.update(m)
    return msg.nudge_kind_set(word, state == "on", m.nudges_enabled)


def _parse_pause(rest: str) -> dict[str, ArgValue]:
    return {"until": rest.strip() or None}


@command(
    "pause",
    Arg("until", ArgType.WHEN, "How many days, or until when", required=True),
    usage="pause <days|until date>",
    example="pause until mon",
    category="settings",
    parse=_parse_pause,
)
async def pause(cmd: Invocation, ctx: Context) -> Reply:
    """Take a break: no nudges, and your streak waits for you."""
    text = (cmd.text("until") or "").lower()
    today = ctx.today()
    days = text.removesuffix(" days").removesuffix(" day").strip()
    if is_number(days):
        if not 1 <= int(days) <= 90:
            raise UserError(msg.BAD_PAUSE, "pause 5")
        last = today + timedelta(days=int(days) - 1)
    elif text:
        back = read_when(
            ctx, text.removeprefix("until ").strip(), "pause until mon", prefer="future"
        ).local_date
        if back <= today or back > today + timedelta(days=90):
            raise UserError(msg.BAD_PAUSE, "pause until mon")
        last = back - timedelta(days=1)
    else:
        raise UserError(msg.BAD_PAUSE, "pause 5")
    await ctx.uow.members.end_open_pauses(ctx.member_id, today - timedelta(days=1))
    await ctx.uow.members.add_pause(Pause(member_id=ctx.member_id, start=today, end=last))
    ctx.member.paused_until = last
    await ctx.uow.members.update(ctx.member)
    return msg.paused(last + timedelta(days=1), today)


@command("resume", usage="resume", example="resume", category="settings")
async def resume(cmd: Invocation, ctx: Context) -> Reply:
    """Back from a pause, or back to searching after `landed`."""
    m, today = ctx.member, ctx.today()
    yesterday = today - timedelta(days=1)
    if m.status is MemberStatus.LANDED and m.landed_on is not None:
        if m.landed_on <= yesterday:
            await ctx.uow.members.add_pause(
                Pause(member_id=ctx.member_id, start=m.landed_on, end=yesterday)
            )
        m.status, m.landed_on = MemberStatus.SEARCHING, None
    elif m.paused_until is None:
        return msg.not_paused()
    await ctx.uow.members.end_open_pauses(ctx.member_id, yesterday)
    m.paused_until = None
    await ctx.uow.members.update(m)
    return msg.resumed()


@command("landed", usage="landed", example="landed", category="settings")
async def landed(cmd: Invocation, ctx: Context) -> Reply:
    """You got the job! Stops the clock without breaking your streak."""
    m = ctx.member
    if m.status is MemberStatus.LANDED:
        return msg.already_landed()
    m.status, m.landed_on = MemberStatus.LANDED, ctx.today()
    await ctx.uow.members.update(m)
    return msg.landed()
