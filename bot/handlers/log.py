"""Logging what the member did: `log`, `lead`, `followup`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from bot import messages as msg
from bot.commands import Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.dates import DateError, DateOutOfRange, When, nearer_when, parse_when
from bot.domain import (
    CONVERSATIONS,
    Activity,
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpKind,
    Opportunity,
)
from bot.effects import (
    CLOSES,
    close_followups,
    mark_meeting_held,
    owe_after_conversation,
    warm_opportunity,
)
from bot.errors import UserError
from bot.handlers.instead import marker
from bot.people import PhraseParts, check_length, find_contact, resolve_contact
from bot.phrases import parse_phrase
from bot.reading.lexicon import Slot
from bot.repeats import add_once, again_command, owe_outreach, split_again, with_again
from bot.replies import Reply
from bot.undo import finish

KIND_WORDS: dict[str, ActivityKind] = {
    **{k.value: k for k in ActivityKind},
    "meet": ActivityKind.MEETING,
    "met": ActivityKind.MEETING,
    "coffee": ActivityKind.MEETING,
    "networking": ActivityKind.MEETING,
    "informational": ActivityKind.MEETING,
    "info": ActivityKind.MEETING,
    "call": ActivityKind.MEETING,
    "chat": ActivityKind.MEETING,
    "conversation": ActivityKind.MEETING,
    "interviewed": ActivityKind.INTERVIEW,
    "reachout": ActivityKind.OUTREACH,
    "email": ActivityKind.OUTREACH,
    "message": ActivityKind.OUTREACH,
    "follow-up": ActivityKind.FOLLOWUP,
    "fu": ActivityKind.FOLLOWUP,
    "thank-you": ActivityKind.THANKYOU,
    "thanks": ActivityKind.THANKYOU,
    "ty": ActivityKind.THANKYOU,
    "lead": ActivityKind.REFERRAL,
    "applied": ActivityKind.APPLICATION,
    "apply": ActivityKind.APPLICATION,
}
LOG_EXAMPLE = "log meeting Jane Doe @Acme yesterday"
_PHRASE_ARGS = (
    Arg("person", ArgType.PERSON, "Who", autocomplete="contacts"),
    Arg("company", ArgType.COMPANY, "Company", autocomplete="companies"),
    Arg("when", ArgType.WHEN, "When (today, yesterday, tue, 2026-11-20 15:00)"),
    Arg("note", ArgType.TEXT, "Note"),
)


def _phrase_args(rest: str, slot: Slot = Slot.PERSON, lead: bool = False) -> dict[str, ArgValue]:
    rest, again = split_again(rest)  # "... again": log a repeat anyway (bot/repeats.py)
    p = parse_phrase(rest, slot=slot, lead=lead)
    args: dict[str, ArgValue] = {
        "person": p.person, "company": p.company, "via": p.via, "when": p.when, "note": p.note
    }  # fmt: skip
    if p.role:
        args["role"] = p.role
    if p.guess:
        args["guess"] = p.guess
    return with_again(args, again)


def parse_lead(rest: str) -> dict[str, ArgValue]:
    """"Priya @Initech via Sam", "from Sam: Priya at Initech", "Priya from Sam"."""
    return _phrase_args(rest, lead=True)


# Applications and offers are about an organisation: "log offer Globex".
_ABOUT_ORGANISATION = (ActivityKind.APPLICATION, ActivityKind.OFFER)


def parse_log(rest: str) -> dict[str, ArgValue]:
    words = rest.split(maxsplit=1)
    if not words:
        raise UserError(msg.LOG_WHAT, LOG_EXAMPLE)
    kind = KIND_WORDS.get(words[0].lower())
    if kind is None:
        raise UserError(msg.unknown_kind(words[0]), LOG_EXAMPLE)
    slot = Slot.COMPANY if kind in _ABOUT_ORGANISATION else Slot.PERSON
    if kind is ActivityKind.INTERVIEW:
        slot = Slot.EITHER  # "log interview Globex": one word is the organisation
    rest_text = words[1] if len(words) > 1 else ""
    args = _phrase_args(rest_text, slot, lead=kind is ActivityKind.REFERRAL)
    args["kind"] = kind.value
    return args


@contextmanager
def _date_read(text: str | None, example: str) -> Iterator[None]:
    """A date that doesn't read becomes the member's reply: what was wrong, an example."""
    try:
        yield
    except DateOutOfRange:
        raise UserError(msg.date_out_of_range(text or ""), example) from None
    except DateError:
        raise UserError(msg.bad_date(text or ""), example) from None


def read_when(ctx: Context, text: str | None, example: str, prefer: str = "past") -> When:
    with _date_read(text, example):
        return parse_when(
            text or "now",
            ctx.tz,
            ctx.now(),
            "future" if prefer == "future" else "past",
            default_time=ctx.member.checkin_time,
        )


async def record(
    ctx: Context,
    kind: ActivityKind,
    contact: Contact | None,
    company: str | None,
    when: When,
    note: str | None,
    once: tuple[Invocation, str] | None = None,
    repeated: bool = False,
) -> Activity:
    """`once`: the command and its `again` command, to ask before logging a double tap
    (bot/repeats.py); `repeated`, without it: the same step was logged earlier that day."""
    activity = Activity(
        member_id=ctx.member_id,
        kind=kind,
        occurred_at=when.at,
        local_date=when.local_date,
        contact_id=contact.id if contact else None,
        company=company or (contact.company if contact else None),
        note=note,
        repeated=repeated,
    )
    if once is None:
        activity = await ctx.uow.activities.add(activity)
    else:
        activity = await add_once(ctx, once[0], activity, contact, once[1])
    ctx.journal.added(activity, main=True)
    return activity


# A conversation logged up to this far ahead is "now"; further ahead it is a plan.
FUTURE_SLACK = timedelta(minutes=10)


def _nearer(ctx: Context, text: str | None, example: str) -> tuple[When, When | None]:
    with _date_read(text, example):
        return nearer_when(text or "now", ctx.tz, ctx.now(), ctx.member.checkin_time)


async def _schedule_instead(
    cmd: Invocation, ctx: Context, kind: ActivityKind, when: When, other: When | None
) -> Reply:
    """A conversation still to come goes on the calendar; the reply says so."""
    from bot.handlers.progress import schedule  # the one way a meeting is scheduled

    args = {k: cmd.args.get(k) for k in ("person", "company", "when", "note")}
    kind_word = "interview" if kind is ActivityKind.INTERVIEW else "meeting"
    reply = await schedule(Invocation("schedule", {**args, "kind": kind_word}), ctx)
    return msg.scheduled_from_log(reply, other, ctx.today(), cmd, marker(ctx.journal.changes))


async def _note_role(
    ctx: Context, opened: Opportunity | None, company: str | None, role: str | None
) -> None:
    """"applied for the data analyst role at Globex": the role goes on that opportunity."""
    if not role or not company:
        return
    opp = opened or await ctx.uow.opportunities.by_organisation(ctx.member_id, company)
    if opp is None or opp.role:
        return
    before = replace(opp)
    opp.role = role[: ctx.config.max_name]
    await ctx.uow.opportunities.update(opp)
    if opened is None:
        ctx.journal.updated(before, opp)


def _guess(cmd: Invocation, contact: Contact | None, company: str | None) -> str | None:
    """What the reply should admit it guessed ("I took Acme as the company")."""
    guess = cmd.text("guess")
    if guess == "company" and contact is None and company:
        return f"company:{company}"
    return guess


@command(
    "log",
    Arg(
        "kind",
        ArgType.CHOICE,
        "What happened",
        required=True,
        choices=tuple(k.value for k in ActivityKind),
    ),
    *_PHRASE_ARGS,
    Arg("via", ArgType.PERSON, "Referred by (for a referral)", autocomplete="contacts"),
    usage="log <kind> <person> [@company] [when] [-- note]",
    example=LOG_EXAMPLE,
    category="log",
    parse=parse_log,
    in_form=True,
)
async def log_activity(cmd: Invocation, ctx: Context) -> Reply:
    """Log a conversation or a step toward one.
    Kinds: outreach, meeting (networking or informational), interview, follow-up,
    thank-you, lead, application, offer. Short forms work too: `met Jane from Acme`,
    `reached out to Sam @Globex`, `interviewed at Initech tue`, `thanked Jane`."""
    raw_kind = cmd.text("kind")
    kind = KIND_WORDS.get((raw_kind or "").lower())
    if kind is None:
        raise UserError(msg.unknown_kind(raw_kind or ""), LOG_EXAMPLE)
    if kind is ActivityKind.REFERRAL:
        return await _lead(cmd, ctx)
    person, company, note = cmd.text("person"), cmd.text("company"), cmd.text("note")
    about_organisation = kind in _ABOUT_ORGANISATION and not company
    if about_organisation and person and not person.startswith("#"):  # "#3": a contact
        person, company = None, person  # a bare name is the organisation: "log offer Globex"
    # "interview with Priya": one word read as the organisation, unless it is someone
    # the member knows.
    known: list[Contact] = []  # the people that one word can mean, read once
    if cmd.text("guess") == "company" and company and not person:
        known = await find_contact(ctx, company, None)
        if known:
            person, company = company, None
            args = {**cmd.args, "person": person, "company": None, "guess": None}
            cmd = Invocation(cmd.name, args)
    retry = PhraseParts(f"log {kind.value}", company, None, cmd.text("when"), note)
    if not person and not company:
        raise UserError(msg.log_needs_who(kind), retry.with_person("Jane Doe @Acme"))
    check_length(ctx, "A note", note, ctx.config.max_note, LOG_EXAMPLE)
    # The example shows a date that reads, not the one that didn't.
    example = replace(retry, when="yesterday").with_person(person or "Jane")
    other: When | None = None
    if cmd.text("tense") == "neutral" and kind in CONVERSATIONS and cmd.text("when"):
        # "coffee with Jane friday": no tense, so the nearer reading of the date decides.
        when, other = _nearer(ctx, cmd.text("when"), example)
        if when.at > ctx.now() + FUTURE_SLACK:
            return await _schedule_instead(cmd, ctx, kind, when, other)
    else:
        when = read_when(ctx, cmd.text("when"), example)
        if when.at > ctx.now() + FUTURE_SLACK:  # a past or planned verb with a future date
            raise UserError(
                msg.LOG_IN_FUTURE, f"schedule {person or '@' + (company or '')} {cmd.text('when')}"
            )
    if len(known) == 1:  # already found: no second read
        contact: Contact | None = known[0]
    else:
        contact = await resolve_contact(ctx, person, company, retry.with_person) if person else None
    again = again_command(f"log {kind.value}", contact, cmd, when, ctx.tz)
    activity = await record(ctx, kind, contact, company, when, note, (cmd, again))
    # Read once, shared below; kinds that neither close nor owe anything skip it.
    # Only this person's (or, with no person, no one's): all that could close or renew.
    needs_owed = kind in CONVERSATIONS or kind in CLOSES
    owed = []
    if needs_owed and not ctx.journal.made(contact):  # nothing is owed to someone new
        owed = await ctx.uow.followups.open_for(ctx.member_id, contact.id if contact else None)
    closed = await close_followups(ctx, kind, contact, activity.company, owed)
    thankyou = None
    if kind in CONVERSATIONS:
        if contact and kind is ActivityKind.INTERVIEW and contact.stage < 3:
            before = replace(contact)
            contact.stage = 3
            await ctx.uow.contacts.update(contact)
            ctx.journal.updated(before, contact)
        await mark_meeting_held(ctx, contact, when.at, activity.company)
        thankyou, _ = await owe_after_conversation(ctx, activity, contact, owed)
    opened = await warm_opportunity(ctx, kind, activity.company)
    await _note_role(ctx, opened, activity.company, cmd.text("role"))
    reply = msg.logged(kind, contact, activity.company, when, ctx.tz, ctx.today(), thankyou, closed)
    guess, step = _guess(cmd, contact, activity.company), marker(ctx.journal.changes)
    reply = msg.with_reading(reply, cmd, guess, other, ctx, step)
    return await finish(ctx, reply, msg.step_summary(kind, contact, activity.company))


@command(
    "lead",
    *_PHRASE_ARGS[:3],
    Arg("via", ArgType.PERSON, "Who referred you", required=True, autocomplete="contacts"),
    _PHRASE_ARGS[3],
    usage="lead <person> [@company] via <referrer> [when] [-- note]",
    example="lead Priya @Initech via Sam",
    category="log",
    parse=parse_lead,
)
async def lead(cmd: Invocation, ctx: Context) -> Reply:
    """Record a referral: a lead to reach out to yourself within 48 hours."""
    return await _lead(cmd, ctx)


async def _lead(cmd: Invocation, ctx: Context) -> Reply:
    person, company, via, note = (cmd.text(k) for k in ("person", "company", "via", "note"))
    retry = PhraseParts("lead", company, via, cmd.text("when"), note)
    if not person:
        raise UserError(msg.LEAD_NEEDS_PERSON, "lead Priya @Initech via Sam")
    check_length(ctx, "A note", note, ctx.config.max_note, "lead Priya @Initech via Sam")
    when = read_when(ctx, cmd.text("when"), replace(retry, when="today").with_person(person))
    referrer = None
    if via:
        when_text = cmd.text("when")
        referrer = await resolve_contact(
            ctx,
            via,
            None,
            lambda ref: PhraseParts(f"lead {person}", company, ref, when_text, note).with_person(
                ""
            ),
        )
    contact = await resolve_contact(ctx, person, company, retry.with_person, referred_by=referrer)
    again = again_command("lead", contact, cmd, when, ctx.tz, via=referrer)
    if referrer is not None and contact.referred_by_id is None and referrer.id != contact.id:
        before = replace(contact)
        contact.referred_by_id = referrer.id
        contact.how_met = contact.how_met or "referral"
        await ctx.uow.contacts.update(contact)
        ctx.journal.updated(before, contact)
    await record(ctx, ActivityKind.REFERRAL, contact, company, when, note, (cmd, again))
    due = when.at + timedelta(hours=ctx.config.lead_hours)
    owed = await owe_outreach(ctx, contact, company, due)  # renews one already owed
    reply = msg.lead_recorded(contact, referrer, owed, ctx.tz, ctx.today())
    return await finish(ctx, reply, msg.step_summary(ActivityKind.REFERRAL, contact, company))


@command(
    "followup",
    *_PHRASE_ARGS,
    usage="followup <person> [when] [-- note]",
    example="followup Jane fri",
    category="log",
    parse=_phrase_args,
)
async def followup(cmd: Invocation, ctx: Context) -> Reply:
    """Log a follow-up you sent, or plan one: a future day sets a reminder.
    `followup Jane` logs it now; `followup Jane fri` reminds you on Friday."""
    person, company = cmd.text("person"), cmd.text("company")
    retry = PhraseParts("followup", company, None, cmd.text("when"), cmd.text("note"))
    if not person and not company:
        raise UserError(msg.FOLLOWUP_NEEDS_WHO, "followup Jane fri")
    when = read_when(
        ctx,
        cmd.text("when"),
        replace(retry, when="fri").with_person(person or "Jane"),
        prefer="future",
    )
    if when.local_date <= ctx.today():
        return await log_activity(
            Invocation("log", {**cmd.args, "kind": ActivityKind.FOLLOWUP.value}), ctx
        )
    contact = await resolve_contact(ctx, person, company, retry.with_person) if person else None
    planned = await ctx.uow.followups.add(
        FollowUp(
            member_id=ctx.member_id,
            kind=FollowUpKind.PLANNED,
            due_at=when.at,
            contact_id=contact.id if contact else None,
            company=company or (contact.company if contact else None),
        )
    )
    ctx.journal.added(planned, main=True)
    reply = msg.followup_planned(contact, planned, ctx.tz, ctx.today())
    return await finish(ctx, reply, msg.planned_summary(contact, planned.company))
