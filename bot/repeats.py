"""The same line sent twice (a double tap, a retried message) is asked about, not counted.

A step of the same kind with the same person (or, with no person, the same company) for
the same local day, logged less than `WINDOW` ago, is not recorded: the reply asks
whether to log it again, and its button runs the same command with the word `again`,
which logs it anyway. With a person, the check is part of the step's INSERT (no row
inserted: a double tap), and only then is the earlier one read, for the reply; what the
command wrote before it (a contact's company) is rolled back with it. A step
that does repeat one of the day is stored `repeated`: the leaderboard scores follow-ups
and thank-yous once per person a day (bot/leaderboard.py), `stats` counts them all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import messages as msg
from bot.commands import ArgValue, Invocation
from bot.context import Context
from bot.dates import When, stamp
from bot.domain import Activity, ActivityKind, Contact, FollowUp, FollowUpKind
from bot.errors import AskFirst
from bot.people import PhraseParts
from bot.reading.text import split_note

WINDOW = timedelta(minutes=10)
AGAIN = "again"  # the word in a command, and the invocation argument it becomes


def split_again(text: str) -> tuple[str, bool]:
    """"Tom @Acme again -- coffee" -> ("Tom @Acme -- coffee", True). Only the word on its
    own, outside the note: "-- met again" keeps its note."""
    head, note = split_note(text)
    words = head.split()
    kept = [w for w in words if w.casefold() != AGAIN]
    if len(kept) == len(words):
        return text, False
    return " ".join(kept) + (f" -- {note}" if note else ""), True


def with_again(args: dict[str, ArgValue], again: bool) -> dict[str, ArgValue]:
    if again:
        args[AGAIN] = "yes"
    return args


def wants_again(cmd: Invocation) -> bool:
    return cmd.text(AGAIN) is not None


def _absolute(cmd: Invocation, when: When, tz: ZoneInfo) -> str | None:
    """The date as typed, written out: the button may be tapped tomorrow, when
    "yesterday" is another day. None when no date was given (now)."""
    if not cmd.text("when"):
        return None
    return stamp(when.at, tz)


def again_command(
    head: str,
    contact: Contact | None,
    cmd: Invocation,
    when: When,
    tz: ZoneInfo,
    via: Contact | None = None,
) -> str:
    """`head` ("log meeting", "lead") with the same step's parts and `again`; the
    person by number, so the button means the one already logged."""
    parts = PhraseParts(
        head,
        cmd.text("company"),
        f"#{via.number}" if via is not None else None,
        _absolute(cmd, when, tz),
        cmd.text("note"),
    )
    return parts.with_person(f"#{contact.number} {AGAIN}" if contact is not None else AGAIN)


async def add_once(
    ctx: Context, cmd: Invocation, activity: Activity, contact: Contact | None, again: str
) -> Activity:
    """Record the step unless it repeats one logged less than `WINDOW` ago: then raise
    AskFirst, whose button command is `again` (the command saying `again` logs it
    anyway). `repeated` is set when the same step was logged earlier that day (the
    leaderboard scores a follow-up once a day). With a contact, the check is part of the
    INSERT; only the asking path reads."""
    add = ctx.uow.activities.add
    if ctx.journal.made(contact):
        return await add(activity)  # someone new: nothing was logged with them before
    if contact is not None and not wants_again(cmd):
        added = await ctx.uow.activities.add_unless_recent(activity, ctx.now() - WINDOW)
        if added is not None:
            return added
    last = await repeated_at(ctx, activity.kind, contact, activity.company, activity.local_date)
    if last is not None and ctx.now() - last < WINDOW and not wants_again(cmd):
        ago, kind = ctx.now() - last, activity.kind
        raise AskFirst(msg.repeat_asked(ago, kind, contact, activity.company, again))
    activity.repeated = last is not None
    return await add(activity)


async def repeated_at(
    ctx: Context, kind: ActivityKind, contact: Contact | None, company: str | None, day: date
) -> datetime | None:
    """When this step (kind, person or company, local day) was last logged."""
    return await ctx.uow.activities.last_logged(
        ctx.member_id,
        kind,
        day,
        contact.id if contact is not None else None,
        company or (contact.company if contact is not None else None),
    )


async def owe_outreach(
    ctx: Context, contact: Contact, company: str | None, due: datetime
) -> FollowUp:
    """The first outreach a lead asks for: a second lead for someone already owed one
    renews it (never to an earlier day) instead of owing two."""
    assert contact.id is not None
    # Someone this command met for the first time is owed nothing yet.
    made = ctx.journal.made(contact)
    owed = [] if made else await ctx.uow.followups.open_for(ctx.member_id, contact.id)
    lead = next((f for f in owed if f.kind is FollowUpKind.LEAD), None)
    if lead is None:
        added = await ctx.uow.followups.add(
            FollowUp(
                member_id=ctx.member_id,
                kind=FollowUpKind.LEAD,
                due_at=due,
                contact_id=contact.id,
                company=company or contact.company,
            )
        )
        ctx.journal.added(added)
        return added
    before = replace(lead)
    lead.due_at = max(lead.due_at, due)
    lead.next_nudge_at, lead.nudges_sent = None, 0  # reminders start over
    lead.company = lead.company or company or contact.company
    await ctx.uow.followups.update(lead)
    ctx.journal.updated(before, lead)
    return lead
