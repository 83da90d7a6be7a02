"""Scheduled conversations, seen and changed: `meetings`, `cancel`, `move`.

Members name a meeting by its number (for now the meeting's id) or by the person or
organisation it is with; when that fits several, the reply asks which, with a button
for each.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import messages as msg
from bot.commands import Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.dates import When, split_when, stamp, to_utc
from bot.domain import Contact, Meeting, MeetingStatus
from bot.errors import UserError
from bot.formatting import is_number
from bot.handlers.log import read_when
from bot.matching import same_text
from bot.people import contacts_of, find_contact
from bot.replies import Reply

# Upcoming meetings read at once: far more than anyone has on their calendar.
LOOKAHEAD = 100
MOVE_EXAMPLE = "move Jane fri 3pm"
CANCEL_EXAMPLE = "cancel Jane"


async def coming_up(ctx: Context) -> list[Meeting]:
    """Scheduled meetings from now on, soonest first."""
    return await ctx.uow.meetings.upcoming(ctx.member_id, ctx.now(), limit=LOOKAHEAD)


def is_with(meeting: Meeting, contact_id: int | None, company: str | None) -> bool:
    """With that person; with no person, with that organisation and no one in particular."""
    if contact_id is not None:
        return meeting.contact_id == contact_id
    return (
        meeting.contact_id is None
        and company is not None
        and same_text(meeting.company, company)
    )


async def coming_with(
    ctx: Context, contact_id: int | None, company: str | None = None
) -> list[Meeting]:
    return [m for m in await coming_up(ctx) if is_with(m, contact_id, company)]


@command("meetings", usage="meetings", example="meetings", category="progress", reads_only=True)
async def list_meetings(cmd: Invocation, ctx: Context) -> Reply:
    """What is on your calendar, soonest first, numbered so you can move or cancel one."""
    coming = await coming_up(ctx)
    contacts = await contacts_of(ctx, coming[: msg.MEETINGS_SHOWN])
    return msg.meeting_list(coming, contacts, ctx.tz, ctx.today())


async def _find(
    ctx: Context, text: str, button: Callable[[Meeting], str], example: str
) -> Meeting | Reply:
    """The meeting `text` names, or a reply asking which one when it fits several."""
    number = text.removeprefix("#")
    if is_number(number):
        found = await ctx.uow.meetings.by_number(ctx.member_id, int(number))
        if found is None or found.status is not MeetingStatus.SCHEDULED:
            raise UserError(msg.no_meeting_numbered(int(number)), "meetings")
        return found
    coming = await coming_up(ctx)
    mine: list[Meeting] = []
    if not text.startswith("@"):
        people = {c.id for c in await find_contact(ctx, text, None)}
        mine = [m for m in coming if m.contact_id is not None and m.contact_id in people]
    if not mine:  # an organisation: every conversation there
        org = text.removeprefix("@").strip().casefold()
        mine = [m for m in coming if (m.company or "").casefold() == org]
    if not mine:
        raise UserError(msg.nothing_with(text.removeprefix("@")), example)
    if len(mine) > 1:
        contacts = await contacts_of(ctx, mine[:5])
        return msg.which_meeting(
            text, mine, contacts, [button(m) for m in mine[:5]], ctx.tz, ctx.today()
        )
    return mine[0]


async def _contact(ctx: Context, meeting: Meeting) -> Contact | None:
    if meeting.contact_id is None:
        return None
    return await ctx.uow.contacts.get(ctx.member_id, meeting.contact_id)


def _parse_cancel(rest: str) -> dict[str, ArgValue]:
    return {"target": rest.strip() or None}


_TARGET = Arg("target", ArgType.TEXT, "Meeting number, person or organisation", required=True)


@command(
    "cancel",
    _TARGET,
    usage="cancel <number|person>",
    example=CANCEL_EXAMPLE,
    category="progress",
    parse=_parse_cancel,
)
async def cancel(cmd: Invocation, ctx: Context) -> Reply:
    """Take a scheduled conversation off your calendar; its reminders stop."""
    target = cmd.text("target")
    if not target:
        raise UserError(msg.WHICH_MEETING, CANCEL_EXAMPLE)
    found = await _find(ctx, target, lambda m: f"cancel {m.number}", "meetings")
    if isinstance(found, Reply):
        return found
    found.status = MeetingStatus.CANCELLED
    await ctx.uow.meetings.update(found)
    return msg.meeting_cancelled(found, await _contact(ctx, found), ctx.tz, ctx.today())


def _parse_move(rest: str) -> dict[str, ArgValue]:
    words = rest.split()
    if words and is_number(words[0].removeprefix("#")):
        # "move 12 fri 3pm": a leading number is the meeting, not part of the date
        target, when_words = words[0], words[1:]
    else:
        head, when = split_when(words)
        target, when_words = " ".join(head), (when or "").split()
        while target.lower().endswith(" to") or target.lower() == "to":
            target = target[:-2].rstrip()
    if when_words and when_words[0].lower() == "to":
        when_words = when_words[1:]
    return {"target": target or None, "when": " ".join(when_words) or None}


def moved_to(meeting: Meeting, when: When, tz: ZoneInfo) -> datetime:
    """`when`, keeping the meeting's time of day when only a day was given."""
    if when.has_time:
        return when.at
    clock_time = meeting.starts_at.astimezone(tz).time()
    return to_utc(datetime.combine(when.local_date, clock_time), tz)


@command(
    "move",
    _TARGET,
    Arg("when", ArgType.WHEN, "New day and time (fri 3pm)", required=True),
    usage="move <number|person> <when>",
    example=MOVE_EXAMPLE,
    category="progress",
    parse=_parse_move,
)
async def move(cmd: Invocation, ctx: Context) -> Reply:
    """Move a scheduled conversation to a new time; a day alone keeps its time of day."""
    target, when_text = cmd.text("target"), cmd.text("when")
    if not target:
        raise UserError(msg.WHICH_MEETING, MOVE_EXAMPLE)
    example = f"move {target} fri 3pm"
    if not when_text:
        raise UserError(msg.MOVE_WHEN, example)
    when = read_when(ctx, when_text, example, prefer="future")
    tz = ctx.tz
    found = await _find(
        ctx, target, lambda m: f"move {m.number} {stamp(moved_to(m, when, tz), tz)}", example
    )
    if isinstance(found, Reply):
        return found
    new_at = moved_to(found, when, tz)
    if new_at <= ctx.now():
        raise UserError(msg.MOVE_IN_PAST, example)
    was = found.starts_at
    found.starts_at = new_at
    await ctx.uow.meetings.update(found)
    return msg.meeting_moved(found, await _contact(ctx, found), was, tz, ctx.today())
