"""Replies about taking a step back (`undo`), and how a step is named for it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain import ActivityKind, Contact, FollowUpKind
from bot.formatting import when_label, who
from bot.messages.words import FOLLOWUP_WORD
from bot.replies import Action, Line, Reply, UserText, line, plain

if TYPE_CHECKING:
    from bot.undo import TakenBack

UNDO_ACTION = Action("Undo", "undo")

_STEP = {
    ActivityKind.OUTREACH: "outreach to",
    ActivityKind.MEETING: "conversation with",
    ActivityKind.INTERVIEW: "interview with",
    ActivityKind.FOLLOWUP: "follow-up with",
    ActivityKind.THANKYOU: "thank-you to",
    ActivityKind.REFERRAL: "lead",
    ActivityKind.APPLICATION: "application to",
    ActivityKind.OFFER: "offer from",
}


# Summaries are stored with the step and shown whole as user text (they hold names).
def step_summary(kind: ActivityKind, contact: Contact | None, company: str | None) -> str:
    return f"{_STEP[kind]} {plain(who(contact, company))}"


def planned_summary(contact: Contact | None, company: str | None) -> str:
    return f"reminder to follow up with {plain(who(contact, company))}"


def scheduled_summary(kind: ActivityKind, contact: Contact | None, company: str | None) -> str:
    return f"scheduled {step_summary(kind, contact, company)}"


def nothing_to_undo() -> Reply:
    return Reply(
        body=(line("Nothing to take back: you've logged nothing in the last 24 hours."),),
        next_step=line("Next: log your latest step, like `met Jane Doe from Acme yesterday`."),
    )


def _and(items: Sequence[Line]) -> Line:
    if len(items) <= 1:
        return items[0] if items else ()
    out: list[str | UserText] = []
    for i, item in enumerate(items):
        if i:
            out.append(" and " if i == len(items) - 1 else ", ")
        out.extend(item)
    return tuple(out)


def _words(kinds: Sequence[FollowUpKind]) -> Line:
    return _and([line(FOLLOWUP_WORD[k]) for k in dict.fromkeys(kinds)])


def _names(names: Sequence[str]) -> Line:
    return _and([line(UserText(n)) for n in dict.fromkeys(names)])


def _is(items: Sequence[object]) -> str:
    return "are" if len(set(items)) > 1 else "is"


def _clauses(t: TakenBack, tz: ZoneInfo, today: date) -> list[Line]:
    out: list[Line] = []
    if t.removed:
        out.append(line("its ", *_words(t.removed), f" {_is(t.removed)} gone"))
    if t.reopened:
        out.append(line("the ", *_words(t.reopened), f" it closed {_is(t.reopened)} open again"))
    for followup, due in t.redated:
        word = FOLLOWUP_WORD[followup]
        out.append(line(f"the {word} is due {when_label(due, tz, today)} again"))
    for meeting, starts in t.rescheduled:
        what = "interview" if meeting == ActivityKind.INTERVIEW.value else "conversation"
        out.append(line(f"your {what} {when_label(starts, tz, today)} is scheduled again"))
    for org, stage in t.stages:
        out.append(line(UserText(org), f" is back at {stage.value} in your pipeline"))
    if t.unlisted:
        out.append(line(*_names(t.unlisted), f" {_is(t.unlisted)} off your pipeline"))
    if t.contacts_removed:
        removed = t.contacts_removed
        out.append(line(*_names(removed), f" {_is(removed)} off your contacts"))
    restored = [n for n in t.contacts_restored if n not in t.contacts_removed]
    if restored:
        out.append(line(*_names(restored), f" {_is(restored)} as before"))
    return out


def undone(t: TakenBack, tz: ZoneInfo, today: date) -> Reply:
    head = line("Took back your ", UserText(t.summary))
    if t.at is not None:
        with_time = t.main == "meeting"  # a scheduled one: its hour matters
        head = line(*head, " ", when_label(t.at, tz, today, with_time=with_time))
    clauses = _clauses(t, tz, today)
    body: list[str | UserText] = list(head)
    for i, clause in enumerate(clauses):
        body.extend((": " if i == 0 else "; ", *clause))
    body.append(".")
    return Reply(
        body=(tuple(body),),
        next_step=line(
            "Next: schedule it again at the right time."
            if t.main == "meeting"
            else "Next: log it again the way it really happened."
        ),
    )
