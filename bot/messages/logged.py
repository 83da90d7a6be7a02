"""Replies to logging a step."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.dates import When
from bot.domain import (
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpKind,
)
from bot.formatting import when_label, who
from bot.replies import Action, Line, Reply, UserText, line

LEAD_ACTED_ON = "That lead is acted on — well done setting it up yourself."
_LOGGED = {
    ActivityKind.OUTREACH: "reached out to",
    ActivityKind.MEETING: "conversation with",
    ActivityKind.INTERVIEW: "interview with",
    ActivityKind.FOLLOWUP: "follow-up with",
    ActivityKind.THANKYOU: "thank-you to",
    ActivityKind.APPLICATION: "application to",
    ActivityKind.OFFER: "offer from",
}


def logged(
    kind: ActivityKind,
    contact: Contact | None,
    company: str | None,
    when: When,
    tz: ZoneInfo,
    today: date,
    thankyou: FollowUp | None,
    closed: list[FollowUp],
) -> Reply:
    target = who(contact, company)
    day = when_label(when.at, tz, today, with_time=False)
    if kind is ActivityKind.OUTREACH:
        body = line("Logged: you ", _LOGGED[kind], " ", *target, f" {day}.")
    else:
        opener = (
            "Nice — logged your "
            if kind in (ActivityKind.MEETING, ActivityKind.INTERVIEW)
            else "Logged your "
        )
        body = line(opener, _LOGGED[kind], " ", *target, f" {day}.")
    name: Line = line(UserText(contact.name)) if contact else target
    lines = [body]
    if any(f.kind is FollowUpKind.LEAD for f in closed):
        lines.append(line(LEAD_ACTED_ON))
    elif closed:
        lines.append(line("Follow-up closed."))
    if kind in (ActivityKind.MEETING, ActivityKind.INTERVIEW) and thankyou is not None:
        due = when_label(thankyou.due_at, tz, today)
        step = line("Thank-you due by ", due, "; I'll check back with you in a week.")
        # The button acts on the thank-you itself: the number `followups` shows for it.
        action = Action("Log thank-you", f"done {thankyou.number}", primary=True)
        return Reply(body=tuple(lines), next_step=step, actions=(action,))
    steps = {
        ActivityKind.OUTREACH: line(
            "Next: suggest a time yourself rather than waiting for ", *name, "."
        ),
        ActivityKind.FOLLOWUP: line("Next: who else have you not heard back from?"),
        ActivityKind.THANKYOU: line("Next: ask ", *name, " who else you should talk to."),
        ActivityKind.APPLICATION: line(
            "Next: find someone at ", *target, " to talk to — a conversation beats a résumé."
        ),
        ActivityKind.OFFER: line(
            "Congratulations! Next: thank everyone who helped, then `landed` when you accept."
        ),
    }
    return Reply(
        body=tuple(lines), next_step=steps.get(kind, line("Next: `next` shows your dashboard."))
    )


def lead_recorded(
    contact: Contact, referrer: Contact | None, owed: FollowUp, tz: ZoneInfo, today: date
) -> Reply:
    via: Line = line(" from ", UserText(referrer.name)) if referrer else ()
    due = when_label(owed.due_at, tz, today)
    return Reply(
        body=(line("New lead: ", *who(contact), *via, "."),),
        next_step=line(
            "Reach out to ", UserText(contact.name), f" yourself by {due} — ask for 20 minutes."
        ),
        actions=(Action("Log outreach", f"log outreach #{contact.number}", primary=True),),
    )


def followup_planned(
    contact: Contact | None, planned: FollowUp, tz: ZoneInfo, today: date
) -> Reply:
    due = when_label(planned.due_at, tz, today)
    return Reply(
        body=(
            line("I'll remind you to follow up with ", *who(contact, planned.company), f" {due}."),
        ),
        next_step=line("Until then: who else could you talk to this week?"),
    )
