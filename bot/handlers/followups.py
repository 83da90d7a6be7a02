"""Follow-ups owed: `followups`, `done`, `snooze`, `drop`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot import messages as msg
from bot.commands import Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.dates import When, split_when
from bot.domain import ActivityKind, Contact, FollowUp, FollowUpKind, FollowUpStatus
from bot.errors import UserError
from bot.formatting import is_number
from bot.handlers.log import read_when, record
from bot.handlers.progress import member_streak
from bot.people import AmbiguousContact, contacts_of, existing_contact
from bot.repeats import repeated_at
from bot.replies import Reply
from bot.undo import finish

_LOGS_AS = {
    FollowUpKind.THANKYOU: ActivityKind.THANKYOU,
    FollowUpKind.LEAD: ActivityKind.OUTREACH,
    FollowUpKind.CHECKBACK: ActivityKind.FOLLOWUP,
    FollowUpKind.PLANNED: ActivityKind.FOLLOWUP,
}


@command(
    "followups", usage="followups", example="followups", category="follow-ups",
    reads_only=True,
)
async def list_followups(cmd: Invocation, ctx: Context) -> Reply:
    """What you owe: thank-yous, check-backs and leads, overdue first."""
    owed = await ctx.uow.followups.open(ctx.member_id)
    contacts = await contacts_of(ctx, owed)
    return msg.followup_list(owed, contacts, ctx.now(), ctx.tz, ctx.today())


async def _target(
    ctx: Context, text: str | None, verb: str, button: Callable[[FollowUp], str]
) -> FollowUp:
    """The follow-up `text` names: its number, or the earliest owed to that person (or
    organisation). Two people the name fits: ask, with a `button` for each one's."""
    example = f"{verb} 3" if verb != "snooze" else "snooze 3 tomorrow"
    if not text:
        raise UserError(msg.which_followup(verb), example)
    ref = text.lstrip("#")
    if is_number(ref):
        found = await ctx.uow.followups.by_number(ctx.member_id, int(ref))
        if found is None or found.status is not FollowUpStatus.OPEN:
            raise UserError(msg.no_open_followup(text), "followups")
        return found
    owed = await ctx.uow.followups.open(ctx.member_id)  # earliest due first
    first: dict[int, FollowUp] = {}
    for f in owed:
        if f.contact_id is not None:
            first.setdefault(f.contact_id, f)

    ids: dict[int, int] = {}  # contact number -> id, of the people asked about

    def retry(contact_ref: str) -> str:  # "#12", the contact the member picks
        return button(first[ids[int(contact_ref.removeprefix("#"))]])

    def asking(contacts: list[Contact]) -> list[Contact]:
        ids.update({c.number: c.id for c in contacts if c.number and c.id})
        return contacts

    if not text.startswith("@"):
        try:
            person = await existing_contact(ctx, text, None, retry, among=first)
        except AmbiguousContact as e:
            asking(e.candidates)
            raise
        if person is not None and person.id is not None:
            return first[person.id]
    org = text.removeprefix("@").strip().casefold()
    there = [f for f in owed if (f.company or "").casefold() == org]
    # The organisation itself first; else the people there, asking when they are several.
    alone = [f for f in there if f.contact_id is None]
    people = list(dict.fromkeys(f.contact_id for f in there if f.contact_id is not None))
    if not alone and len(people) > 1:
        contacts = [c for c in [await ctx.uow.contacts.get(ctx.member_id, i) for i in people] if c]
        raise AmbiguousContact(text, asking(contacts), retry)
    if not there:
        raise UserError(msg.no_open_followup(text), "followups")
    return (alone or there)[0]


def _parse_target(rest: str) -> dict[str, ArgValue]:
    return {"target": rest.strip() or None}


def _parse_snooze(rest: str) -> dict[str, ArgValue]:
    words = rest.split()
    if words and is_number(words[0].removeprefix("#")):
        # "snooze 3 tomorrow": a leading number is the follow-up, not part of the date
        return {"target": words[0], "when": " ".join(words[1:]) or None}
    words, when = split_when(words)
    return {"target": " ".join(words) or None, "when": when}


_TARGET = Arg(
    "target", ArgType.PERSON, "Follow-up number or person", required=True, autocomplete="contacts"
)


@command(
    "done",
    _TARGET,
    usage="done <number|person>",
    example="done 3",
    category="follow-ups",
    parse=_parse_target,
)
async def done(cmd: Invocation, ctx: Context) -> Reply:
    """Mark a follow-up as sent; it counts for your streak."""
    f = await _target(ctx, cmd.text("target"), "done", lambda f: f"done {f.number}")
    before = replace(f)
    f.status, f.closed_at = FollowUpStatus.DONE, ctx.now()
    await ctx.uow.followups.update(f)
    ctx.journal.updated(before, f)
    contact = await ctx.uow.contacts.get(ctx.member_id, f.contact_id) if f.contact_id else None
    now = ctx.now()
    kind = _LOGS_AS[f.kind]
    when = When(now, ctx.today(), True)
    # Sent to someone already followed up with today: scored once on the board.
    repeated = await repeated_at(ctx, kind, contact, f.company, when.local_date) is not None
    await record(ctx, kind, contact, f.company, when, None, repeated=repeated)
    remaining = len(await ctx.uow.followups.open(ctx.member_id))
    reply = msg.followup_done(f, contact, remaining)
    return await finish(ctx, reply, msg.step_summary(kind, contact, f.company))


@command(
    "snooze",
    _TARGET,
    Arg("when", ArgType.WHEN, "Until when (default tomorrow)"),
    usage="snooze <number|person> [when]",
    example="snooze 3 tomorrow",
    category="follow-ups",
    parse=_parse_snooze,
)
async def snooze(cmd: Invocation, ctx: Context) -> Reply:
    """Push a follow-up to a later day."""
    when_text = cmd.text("when") or "tomorrow"
    f = await _target(ctx, cmd.text("target"), "snooze", lambda f: f"snooze {f.number} {when_text}")
    when = read_when(ctx, when_text, "snooze 3 tomorrow", prefer="future")
    if when.at <= ctx.now():
        raise UserError(msg.SNOOZE_IN_PAST, "snooze 3 fri")
    f.due_at = when.at
    f.next_nudge_at, f.nudges_sent = None, 0  # reminders start over from the new day
    await ctx.uow.followups.update(f)
    contact = await ctx.uow.contacts.get(ctx.member_id, f.contact_id) if f.contact_id else None
    streak = await member_streak(ctx)  # what today still needs, so the next step is true
    return msg.followup_snoozed(f, contact, ctx.tz, ctx.today(), streak)


@command(
    "drop",
    _TARGET,
    usage="drop <number|person>",
    example="drop 3",
    category="follow-ups",
    parse=_parse_target,
)
async def drop(cmd: Invocation, ctx: Context) -> Reply:
    """Let a follow-up go: no more reminders for it."""
    f = await _target(ctx, cmd.text("target"), "drop", lambda f: f"drop {f.number}")
    f.status, f.closed_at = FollowUpStatus.DROPPED, ctx.now()
    await ctx.uow.followups.update(f)
    contact = await ctx.uow.contacts.get(ctx.member_id, f.contact_id) if f.contact_id else None
    return msg.followup_dropped(f, contact)
