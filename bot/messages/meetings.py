"""Scheduled conversations: what is coming up, moved, cancelled or already there."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain import ActivityKind, Contact, Meeting
from bot.formatting import plural, when_label, who
from bot.replies import Action, Line, Reply, UserText, line

MEETINGS_SHOWN = 25
WHICH_MEETING = "Which conversation? Give its number or the person."
MOVE_WHEN = "When should it move to? Add a day and a time."
MOVE_IN_PAST = "That time has passed — pick a later one."
_PREPARE = "Next: research them and write down three questions before then."


def meeting_word(meeting: Meeting) -> str:
    return "interview" if meeting.kind is ActivityKind.INTERVIEW else "conversation"


def _about(meeting: Meeting, contact: Contact | None) -> Line:
    """'interview with Noor (Hooli)'."""
    return line(f"{meeting_word(meeting)} with ", *who(contact, meeting.company))


def meeting_line(meeting: Meeting, contact: Contact | None, tz: ZoneInfo, today: date) -> Line:
    """'#12 Thu 15:00 · interview with Noor (Hooli)'."""
    at = when_label(meeting.starts_at, tz, today)
    return line(f"#{meeting.number} {at} · ", *_about(meeting, contact))


def meeting_list(
    meetings: list[Meeting], contacts: Mapping[int, Contact], tz: ZoneInfo, today: date
) -> Reply:
    if not meetings:
        return Reply(
            body=(line("Nothing on your calendar yet."),),
            next_step=line(
                "Next: ask someone you've met for 20 minutes, then ",
                "`schedule Jane Doe @Acme thu 3pm`.",
            ),
        )
    shown = meetings[:MEETINGS_SHOWN]
    lines = [
        meeting_line(m, contacts.get(m.contact_id) if m.contact_id else None, tz, today)
        for m in shown
    ]
    if len(meetings) > len(shown):
        lines.append(line(f"…and {len(meetings) - len(shown)} more."))
    first = shown[0].id
    lines.append(line(f"`move {first} fri 3pm` or `cancel {first}` changes one."))
    return Reply(
        title=line(f"Coming up ({len(meetings)})"),
        body=tuple(lines),
        next_step=line("Next: prepare for the first — research them and have three questions."),
    )


def no_meeting_numbered(number: int) -> Line:
    return line(f"Nothing on your calendar is #{number}.")


def nothing_with(name: str) -> Line:
    return line("Nothing coming up with ", UserText(name), ".")


def which_meeting(
    query: str,
    meetings: list[Meeting],
    contacts: Mapping[int, Contact],
    commands: list[str],
    tz: ZoneInfo,
    today: date,
) -> Reply:
    """Several coming up fit what the member typed: a button for each."""
    shown = meetings[:5]
    lines = tuple(
        meeting_line(m, contacts.get(m.contact_id) if m.contact_id else None, tz, today)
        for m in shown
    )
    return Reply(
        body=(
            line(
                f"{plural(len(meetings), 'conversation')} coming up match `",
                UserText(query),
                "`:",
            ),
            *lines,
        ),
        next_step=line("Which one? Pick it below."),
        actions=tuple(
            Action(f"#{m.number} {when_label(m.starts_at, tz, today)}", cmd)
            for m, cmd in zip(shown, commands, strict=False)
        ),
    )


def meeting_cancelled(meeting: Meeting, contact: Contact | None, tz: ZoneInfo, today: date) -> Reply:
    at = when_label(meeting.starts_at, tz, today)
    name: Line = who(contact, meeting.company) if contact or meeting.company else line("them")
    return Reply(
        body=(line("Cancelled your ", *_about(meeting, contact), f", {at}."),),
        next_step=line("Next: suggest another time to ", *name, " yourself — don't wait for one."),
    )


def meeting_moved(
    meeting: Meeting, contact: Contact | None, was: datetime, tz: ZoneInfo, today: date
) -> Reply:
    at, before = when_label(meeting.starts_at, tz, today), when_label(was, tz, today)
    return Reply(
        body=(line("Moved your ", *_about(meeting, contact), f" from {before} to {at}."),),
        next_step=line(_PREPARE),
    )


def already_scheduled(meeting: Meeting, contact: Contact | None, tz: ZoneInfo, today: date) -> Reply:
    """The same conversation at the same time: nothing new to store."""
    at = when_label(meeting.starts_at, tz, today)
    return Reply(
        body=(line("Your ", *_about(meeting, contact), f", {at}, is already on your calendar."),),
        next_step=line(_PREPARE),
    )


def move_or_keep(
    existing: Meeting,
    contact: Contact | None,
    new_label: str,
    move: str,
    keep: str,
    tz: ZoneInfo,
    today: date,
) -> Reply:
    """Another one with the same person: move the one coming, or add a second?"""
    at = when_label(existing.starts_at, tz, today)
    article = "an" if existing.kind is ActivityKind.INTERVIEW else "a"
    return Reply(
        body=(
            line(
                f"You already have {article} ",
                *_about(existing, contact),
                f" coming up: {at} (#{existing.number}).",
            ),
        ),
        next_step=line(f"Move it to {new_label}, or keep both?"),
        actions=(Action("Move it", move, primary=True), Action("Keep both", keep)),
    )
