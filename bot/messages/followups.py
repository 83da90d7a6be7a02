"""Replies about follow-ups owed."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain import (
    Contact,
    FollowUp,
)
from bot.formatting import when_label, who
from bot.messages.words import FOLLOWUP_WORD
from bot.replies import Action, Line, Reply, Section, UserText, line
from bot.streaks import Streak

SNOOZE_IN_PAST = "Snooze needs a time still ahead."


def which_followup(verb: str) -> str:
    return "Which follow-up? Give its number from `followups`, or the person's name."


def no_open_followup(text: str) -> Line:
    return line("There's no open follow-up for `", UserText(text), "`.")


def followup_line(
    f: FollowUp, contact: Contact | None, now: datetime, tz: ZoneInfo, today: date
) -> Line:
    due = when_label(f.due_at, tz, today)
    late = "overdue since " if f.due_at < now else "due "
    return line(
        f"#{f.number} ", FOLLOWUP_WORD[f.kind], " · ", *who(contact, f.company), f" · {late}{due}"
    )


def followup_list(
    owed: list[FollowUp], contacts: dict[int, Contact], now: datetime, tz: ZoneInfo, today: date
) -> Reply:
    if not owed:
        return Reply(
            body=(line("You owe no follow-ups. Clean slate."),),
            next_step=line("Next: who could you set up a conversation with this week?"),
        )
    overdue = [f for f in owed if f.due_at < now]
    later = [f for f in owed if f.due_at >= now]
    sections = []
    if overdue:
        sections.append(
            Section(
                "Overdue",
                tuple(
                    followup_line(f, contacts.get(f.contact_id or 0), now, tz, today)
                    for f in overdue
                ),
            )
        )
    if later:
        sections.append(
            Section(
                "Coming up",
                tuple(
                    followup_line(f, contacts.get(f.contact_id or 0), now, tz, today) for f in later
                ),
            )
        )
    first = owed[0]
    c = contacts.get(first.contact_id or 0)
    return Reply(
        title=line(f"Follow-ups owed ({len(owed)})"),
        sections=tuple(sections),
        next_step=line(
            "Next: send ", *who(c, first.company), " that ", FOLLOWUP_WORD[first.kind], " today."
        ),
        actions=(
            Action("Done", f"done {first.number}", primary=True),
            Action("Snooze 1 day", f"snooze {first.number} tomorrow"),
            Action("Drop", f"drop {first.number}"),
        ),
    )


def followup_done(f: FollowUp, contact: Contact | None, remaining: int) -> Reply:
    rest = "That was the last one." if remaining == 0 else f"{remaining} still open."
    return Reply(
        body=(
            line("Done: ", FOLLOWUP_WORD[f.kind], " to ", *who(contact, f.company), f". {rest}"),
        ),
        next_step=line(
            "Next: `followups` for the rest."
            if remaining
            else "Next: who else could you talk to this week?"
        ),
    )


def followup_snoozed(
    f: FollowUp, contact: Contact | None, tz: ZoneInfo, today: date, streak: Streak
) -> Reply:
    if streak.today_counts:
        step = line("Today counts already. Next: `followups` shows what else is owed.")
    elif streak.resting_today:
        step = line("Next: enjoy the rest day; I'll remind you then.")
    else:
        step = line("Next: one other follow-up today keeps your streak going.")
    return Reply(
        body=(
            line(
                "Snoozed: ",
                FOLLOWUP_WORD[f.kind],
                " to ",
                *who(contact, f.company),
                f" until {when_label(f.due_at, tz, today)}.",
            ),
        ),
        next_step=step,
    )


def followup_dropped(f: FollowUp, contact: Contact | None) -> Reply:
    return Reply(
        body=(
            line(
                "Dropped the ",
                FOLLOWUP_WORD[f.kind],
                " to ",
                *who(contact, f.company),
                ". No more reminders for it.",
            ),
        ),
        next_step=line("Next: put that energy into someone new — `contacts` has ideas."),
    )
