"""The question a repeated step gets instead of being counted twice."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import ActivityKind, Contact
from bot.formatting import who
from bot.replies import Action, Reply, line

_ANOTHER = {
    ActivityKind.OUTREACH: "outreach to",
    ActivityKind.MEETING: "conversation with",
    ActivityKind.INTERVIEW: "interview with",
    ActivityKind.FOLLOWUP: "follow-up with",
    ActivityKind.THANKYOU: "thank-you to",
    ActivityKind.REFERRAL: "lead for",
    ActivityKind.APPLICATION: "application to",
    ActivityKind.OFFER: "offer from",
}


def _ago(elapsed: timedelta) -> str:
    minutes = max(int(elapsed.total_seconds() // 60), 0)
    if minutes == 0:
        return "just now"
    return "a minute ago" if minutes == 1 else f"{minutes} minutes ago"


def repeat_asked(
    elapsed: timedelta,
    kind: ActivityKind,
    contact: Contact | None,
    company: str | None,
    again: str,
) -> Reply:
    """`again`: the command that logs it anyway."""
    return Reply(
        body=(line(f"You logged this {_ago(elapsed)} — log it again?"),),
        next_step=line(
            f"If it was another {_ANOTHER[kind]} ",
            *who(contact, company),
            ", tap Log again; if not, it's counted already.",
        ),
        actions=(Action("Log again", again, primary=True),),
    )
