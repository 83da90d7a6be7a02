"""Progress toward the next interview: `schedule`, `next`, `streak`, `stats`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot import messages as msg
from bot.commands import Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.dates import local_midnight_utc, stamp, week_start
from bot.domain import STREAK_KINDS, ActivityKind, Contact, FollowUpKind, Meeting, Member
from bot.effects import close_followups
from bot.errors import UserError
from bot.formatting import when_label
from bot.handlers.log import read_when
from bot.handlers.meetings import coming_with
from bot.handlers.pipeline import in_the_works
from bot.people import PhraseParts, resolve_contact
from bot.phrases import parse_phrase
from bot.ports import UnitOfWork
from bot.replies import Reply
from bot.streaks import Streak, compute_streak
from bot.undo import finish

_MEETING_KINDS = ("interview", "meeting")
_AGAIN = "again"  # add it even though one with them is coming already


def _parse_schedule(rest: str) -> dict[str, ArgValue]:
    words = rest.split()
    kind = None
    again = None
    if words and words[-1].lower() == _AGAIN:
        again = words.pop().lower()
    if words and words[-1].lower() in _MEETING_KINDS:
        kind = words.pop().lower()
    elif words and words[0].lower() in _MEETING_KINDS:
        kind = words.pop(0).lower()
    if words and words[-1].lower() == _AGAIN:  # "schedule Jane fri 3pm again interview"
        again = words.pop().lower()
    p = parse_phrase(" ".join(words))
    args: dict[str, ArgValue] = {
        "person": p.person,
        "company": p.company,
        "when": p.when,
        "kind": kind,
        "note": p.note,
    }
    return args | {"again": again} if again else args


@command(
    "schedule",
    Arg("person", ArgType.PERSON, "Who", autocomplete="contacts"),
    Arg("company", ArgType.COMPANY, "Company", autocomplete="companies"),
    Arg("when", ArgType.WHEN, "When (thu 3pm, 2026-12-01 10:00)", required=True),
    Arg("kind", ArgType.CHOICE, "Interview or meeting", choices=_MEETING_KINDS),
    Arg("again", ArgType.CHOICE, "Keep the one already coming too", choices=(_AGAIN,)),
    usage="schedule <person> [@company] <when> [interview|meeting] [again]",
    example="schedule Jane Doe @Acme thu 3pm interview",
    category="progress",
    parse=_parse_schedule,
    in_form=True,
)
async def schedule(cmd: Invocation, ctx: Context) -> Reply:
    """Put your next conversation on the calendar; I'll help you prepare and follow up.
    With one already coming with them, I ask whether to move it; `again` keeps both."""
    person, company, when_text = cmd.text("person"), cmd.text("company"), cmd.text("when")
    kind = ActivityKind.INTERVIEW if cmd.text("kind") == "interview" else ActivityKind.MEETING
    example = "schedule Jane Doe @Acme thu 3pm interview"
    if not person and not company:
        raise UserError(msg.SCHEDULE_WHO, example)
    if not when_text:
        raise UserError(msg.SCHEDULE_WHEN, example)
    when = read_when(ctx, when_text, example, prefer="future")
    if when.at <= ctx.now():
        raise UserError(
            msg.SCHEDULE_IN_PAST, f"log {kind.value} {person or '@' + (company or '')} {when_text}"
        )
    retry = PhraseParts("schedule", company, None, f"{when_text} {kind.value}", None)
    contact = await resolve_contact(ctx, person, company, retry.with_person) if person else None
    if (cmd.text("again") or "").lower() != _AGAIN:
        coming = await coming_with(ctx, contact.id if contact else None, company)
        if coming:
            return _already_coming(ctx, coming, contact, company, when.at, kind)
    meeting = await ctx.uow.meetings.add(
        Meeting(
            member_id=ctx.member_id,
            starts_at=when.at,
            kind=kind,
            contact_id=contact.id if contact else None,
            company=company or (contact.company if contact else None),
        )
    )
    ctx.journal.added(meeting, main=True)
    # Setting the conversation up yourself is what a lead asks for: it is acted on.
    closed = []
    if contact is not None and not ctx.journal.made(contact):
        owed = await ctx.uow.followups.open_for(ctx.member_id, contact.id)
        closed = await close_followups(ctx, kind, contact, meeting.company, owed)
    lead_acted = any(f.kind is FollowUpKind.LEAD for f in closed)
    reply = msg.scheduled(meeting, contact, ctx.tz, ctx.today(), lead_acted)
    return await finish(ctx, reply, msg.scheduled_summary(kind, contact, meeting.company))


def _already_coming(
    ctx: Context,
    coming: list[Meeting],
    contact: Contact | None,
    company: str | None,
    at: datetime,
    kind: ActivityKind,
) -> Reply:
    """A repeat changes nothing; another time asks: move the one coming, or keep both?"""
    tz, today = ctx.tz, ctx.today()
    same = next((m for m in coming if m.starts_at == at), None)
    if same is not None:
        return msg.already_scheduled(same, contact, tz, today)
    first, new_at = coming[0], stamp(at, tz)
    names = [f"#{contact.number}" if contact else "", f"@{company}" if company else ""]
    keep = " ".join(x for x in ("schedule", *names, new_at, kind.value, _AGAIN) if x)
    return msg.move_or_keep(
        first, contact, when_label(at, tz, today), f"move {first.number} {new_at}", keep, tz, today
    )


async def streak_of(uow: UnitOfWork, member: Member, today: date) -> Streak:
    assert member.id is not None
    active, pauses = await uow.activities.streak_history(member.id, STREAK_KINDS)
    return compute_streak(active, today, member.working_days, pauses, member.landed_on)


async def member_streak(ctx: Context) -> Streak:
    return await streak_of(ctx.uow, ctx.member, ctx.today())


def week_bounds(ctx: Context) -> tuple[datetime, datetime]:
    start = week_start(ctx.today())
    return local_midnight_utc(start, ctx.tz), local_midnight_utc(start + timedelta(days=7), ctx.tz)


@command("next", usage="next", example="next", category="progress", reads_only=True)
async def dashboard(cmd: Invocation, ctx: Context) -> Reply:
    """Your dashboard: your next interview, follow-ups owed, things in the works, streak."""
    uow, now = ctx.uow, ctx.now()
    upcoming = await uow.meetings.upcoming(ctx.member_id, now, limit=1)
    meeting = upcoming[0] if upcoming else None
    who = (
        await uow.contacts.get(ctx.member_id, meeting.contact_id)
        if meeting and meeting.contact_id
        else None
    )
    owed = await uow.followups.open(ctx.member_id)
    first_owed = owed[0] if owed else None
    owed_contact = (
        await uow.contacts.get(ctx.member_id, first_owed.contact_id)
        if first_owed and first_owed.contact_id
        else None
    )
    warm = in_the_works(await uow.opportunities.all(ctx.member_id), now)
    start, end = week_bounds(ctx)
    counts = (await uow.activities.counts_by_member([ctx.member_id], start, end)).get(
        ctx.member_id, {}
    )
    conversations = counts.get(ActivityKind.MEETING, 0) + counts.get(ActivityKind.INTERVIEW, 0)
    streak = await member_streak(ctx)
    suggestion = None
    if meeting is None and first_owed is None:
        recent = await uow.contacts.search(ctx.member_id, None, limit=50)
        suggestion = max(recent, key=lambda c: (c.stage, c.id or 0), default=None)
    return msg.dashboard(
        member=ctx.member,
        meeting=meeting,
        meeting_with=who,
        owed=owed,
        owed_contact=owed_contact,
        warm=len(warm),
        conversations=conversations,
        streak=streak,
        suggestion=suggestion,
        now=now,
        tz=ctx.tz,
        today=ctx.today(),
    )


@command("streak", usage="streak", example="streak", category="progress", reads_only=True)
async def streak(cmd: Invocation, ctx: Context) -> Reply:
    """Your streak: working days in a row with an outreach, follow-up or conversation."""
    return msg.streak(await member_streak(ctx), ctx.member)


def _parse_stats(rest: str) -> dict[str, ArgValue]:
    return {"period": rest.strip().lower() or "week"}


@command(
    "stats",
    Arg("period", ArgType.CHOICE, "This week or this month", choices=("week", "month")),
    usage="stats [week|month]",
    example="stats month",
    category="progress",
    parse=_parse_stats,
    reads_only=True,
)
async def stats(cmd: Invocation, ctx: Context) -> Reply:
    """What you did this week or this month, by kind."""
    period = cmd.text("period") or "week"
    if period not in ("week", "month"):
        raise UserError(msg.STATS_PERIOD, "stats month")
    today = ctx.today()
    if period == "week":
        start, end = week_bounds(ctx)
    else:
        first = today.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        start, end = local_midnight_utc(first, ctx.tz), local_midnight_utc(nxt, ctx.tz)
    counts = (await ctx.uow.activities.counts_by_member([ctx.member_id], start, end)).get(
        ctx.member_id, {}
    )
    return msg.stats(period, counts, ctx.member.weekly_goal)
