"""Conversation, not syntax: the welcome, and answers to hi, thanks, help and "what now?"."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain import ActivityKind, Contact, FollowUp, FollowUpKind, Meeting
from bot.formatting import first_name, when_label, who
from bot.messages.nudges import days_ago
from bot.messages.words import FOLLOWUP_WORD
from bot.replies import Action, Line, Reply, UserText, line

__all__ = ["WELCOME", "Step", "dm_failed", "greeting", "orientation", "thanks", "welcomed", "what_now"]

WELCOME = (
    line(
        "Welcome! I'm your job-search buddy: tell me who you talk to, and I'll keep track "
        "of the follow-ups that lead to your next interview."
    ),
    line("Say it in a few words, like `met Jane from Acme yesterday`; `help` shows the rest."),
)


def welcomed(reply: Reply, zone_guess: str | None = None) -> Reply:
    """The reply to a member's very first message, with the welcome before it. A title
    moves into the body so the welcome is read first on every platform. A platform that
    does not tell the member's zone (Discord) gets it asked, once, here."""
    head = (reply.title,) if reply.title else ()
    ask = (
        (
            line(
                f"Your days and nudges follow {zone_guess} for now. In another timezone? "
                "Say `settings timezone Area/City`, like `settings timezone America/Chicago`."
            ),
        )
        if zone_guess
        else ()
    )
    return dataclasses.replace(reply, title=None, body=(*WELCOME, *ask, *head, *reply.body))


def dm_failed(reply: Reply) -> Reply:
    """Told in a channel (ephemerally) after a nudge could not reach the member's DMs."""
    note = line(
        "By the way, my last direct message to you didn't go through. If your DMs are "
        "closed to this server, open them so your check-ins and reminders reach you."
    )
    return dataclasses.replace(reply, body=(*reply.body, note))


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """The member's one next step, from their data (bot/handlers/chat.py picks it)."""

    kind: Literal["owed", "lead", "meeting", "reach_out", "start"]
    followup: FollowUp | None = None
    contact: Contact | None = None
    referrer: Contact | None = None
    meeting: Meeting | None = None


def _first(contact: Contact | None, company: str | None) -> Line:
    if contact is not None:
        return line(UserText(first_name(contact.name)))
    return line("someone at ", UserText(company)) if company else line("them")


def _step(
    step: Step, now: datetime, tz: ZoneInfo, today: date
) -> tuple[Line, Line, tuple[Action, ...]]:
    """What stands out (for "what now?"), the next step, and its buttons."""
    f, c = step.followup, step.contact
    if step.kind == "owed" and f is not None:
        due = when_label(f.due_at, tz, today)
        when = f"overdue since {due}" if f.due_at < now else f"due {due}"
        detail = line(*who(c, f.company), f" is waiting for your {FOLLOWUP_WORD[f.kind]} ({when}).")
        name = _first(c, f.company)
        if f.kind is FollowUpKind.THANKYOU:
            nxt = line("Next: send ", *name, " a two-line thank-you — mention what you talked about.")
        elif f.kind is FollowUpKind.CHECKBACK:
            nxt = line("Next: check back with ", *name, " today and ask where things stand.")
        else:
            nxt = line("Next: send ", *name, " a short note today.")
        actions: tuple[Action, ...] = (
            Action("Done", f"done {f.number}", primary=True),
            Action("Snooze 1 day", f"snooze {f.number} tomorrow"),
        )
        return detail, nxt, actions
    if step.kind == "lead" and f is not None:
        since = days_ago(f.created_at or f.due_at, tz, today)
        giver = line(UserText(first_name(step.referrer.name))) if step.referrer else line("Someone")
        detail = line(*giver, " gave you ", *who(c, f.company), f" {since}.")
        nxt = line("Next: reach out to ", *_first(c, f.company), " yourself — ask for 20 minutes.")
        target = f"#{c.number}" if c else f"@{f.company}" if f.company else ""
        return detail, nxt, (Action("Log outreach", f"log outreach {target}".strip(), primary=True),)
    m = step.meeting
    if step.kind == "meeting" and m is not None:
        what = "interview" if m.kind is ActivityKind.INTERVIEW else "conversation"
        at = when_label(m.starts_at, tz, today)
        detail = line(f"Your next {what}: ", *who(c, m.company), f", {at}.")
        org = m.company or (c.company if c else None)
        about = line(UserText(org)) if org else _first(c, None)
        nxt = line("Next: prepare — read up on ", *about, " and write down three questions.")
        return detail, nxt, ()
    if step.kind == "reach_out" and c is not None:
        detail = line("Nothing is owed today — a good day to start a new conversation.")
        nxt = line("Next: ask ", *who(c), " for 20 minutes — suggest a time yourself.")
        return detail, nxt, (Action("Log outreach", f"log outreach #{c.number}", primary=True),)
    detail = line("Your log is empty so far — that's where everyone starts.")
    nxt = line(
        "Next: send one person you could learn from a short note, then tell me: "
        "`reached out to Jane Doe @Acme`."
    )
    return detail, nxt, ()


def greeting(name: str, step: Step, now: datetime, tz: ZoneInfo, today: date) -> Reply:
    _detail, nxt, actions = _step(step, now, tz, today)
    hello = line("Hi ", UserText(first_name(name)), " — good to see you.")
    return Reply(body=(hello,), next_step=nxt, actions=actions)


def thanks(step: Step, now: datetime, tz: ZoneInfo, today: date) -> Reply:
    _detail, nxt, actions = _step(step, now, tz, today)
    return Reply(body=(line("Any time — you're the one doing the work."),), next_step=nxt,
                 actions=actions)  # fmt: skip


def what_now(step: Step, now: datetime, tz: ZoneInfo, today: date) -> Reply:
    detail, nxt, actions = _step(step, now, tz, today)
    return Reply(body=(detail,), next_step=nxt, actions=actions)


def orientation(step: Step, now: datetime, tz: ZoneInfo, today: date) -> Reply:
    _detail, nxt, actions = _step(step, now, tz, today)
    return Reply(
        body=(
            line("Tell me who you talk to and I'll keep the follow-ups coming, like:"),
            line(
                "`met Jane from Acme yesterday` · `lead Priya @Initech via Sam` · `followups`"
            ),
            line("`help log` shows every way to log a step; `help` lists everything."),
        ),
        next_step=nxt,
        actions=actions,
    )
