"""The dashboard, streak, stats and scheduled conversations."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain import (
    CONVERSATIONS,
    ActivityKind,
    Contact,
    FollowUp,
    Meeting,
    Member,
    MemberStatus,
)
from bot.formatting import plural, when_label, who
from bot.messages.logged import LEAD_ACTED_ON
from bot.messages.words import ACTIVITY_WORDS, FOLLOWUP_WORD, TARGET_HIGH, TARGET_LOW
from bot.replies import Action, Field, Line, Reply, UserText, line
from bot.streaks import Streak

SCHEDULE_WHO = "Who is the conversation with?"
SCHEDULE_WHEN = "When is it? Add a day and a time."
SCHEDULE_IN_PAST = "That time has passed — log it instead."
STATS_PERIOD = "Stats cover a `week` or a `month`."


def scheduled(
    meeting: Meeting, contact: Contact | None, tz: ZoneInfo, today: date, lead_acted: bool = False
) -> Reply:
    what = "interview" if meeting.kind is ActivityKind.INTERVIEW else "conversation"
    at = when_label(meeting.starts_at, tz, today)
    body = [line(f"Your next {what}: ", *who(contact, meeting.company), f", {at}.")]
    if lead_acted:
        body.append(line(LEAD_ACTED_ON))
    return Reply(
        body=tuple(body),
        next_step=line("Next: research them and write down three questions before then."),
    )


def _streak_line(s: Streak) -> Line:
    if s.current == 0:
        return line("Fresh start today — one message to someone you've met is enough to begin.")
    rest = f" ({plural(s.frozen_days, 'day')} covered by a freeze)" if s.frozen_days else ""
    return line(f"Streak: {plural(s.current, 'working day')}{rest}.")


def streak(s: Streak, member: Member) -> Reply:
    body = [_streak_line(s)]
    body.append(line(f"Best: {plural(s.best, 'day')} · freezes banked: {s.freezes} of 2."))
    if member.status is MemberStatus.LANDED:
        body.append(line("You landed — the clock is stopped, your streak kept."))
    elif s.resting_today and not s.today_counts:  # one thing: a rest day, or a day that counts
        body.append(line("Today is a rest day: it doesn't count against you."))
    if member.status is MemberStatus.LANDED:
        step = line("Next: thank someone who helped you — keep your network warm.")
    elif s.today_counts:
        step = line("Today counts already. Next: line up tomorrow's conversation.")
    elif s.resting_today:
        step = line("Enjoy the rest. Next: pick tomorrow's first outreach.")
    else:
        step = line("Next: one outreach or follow-up today keeps it going.")
    return Reply(body=tuple(body), next_step=step)


def stats(period: str, counts: Mapping[ActivityKind, int], goal: int) -> Reply:
    conversations = counts.get(ActivityKind.MEETING, 0) + counts.get(ActivityKind.INTERVIEW, 0)
    interviews = counts.get(ActivityKind.INTERVIEW, 0)
    fields = []
    for k in ActivityKind:
        if k is ActivityKind.MEETING and conversations:  # any meeting or interview (VOICE.md)
            split = f" ({plural(interviews, 'interview')})" if interviews else ""
            fields.append(Field(ACTIVITY_WORDS[k], line(f"{conversations}{split}")))
        elif k not in CONVERSATIONS and counts.get(k, 0):
            fields.append(Field(ACTIVITY_WORDS[k], line(str(counts[k]))))
    target = goal if period == "week" else goal * 4
    body = line(f"This {period}: {plural(conversations, 'conversation')} of your goal of {target}.")
    step = (
        line("Goal met — next: a follow-up with each person you met keeps them warm.")
        if conversations >= target
        else line(f"Next: {target - conversations} more — who could you ask for 20 minutes?")
    )
    return Reply(title=line(f"Your {period}"), body=(body,), fields=tuple(fields), next_step=step)


def dashboard(
    *,
    member: Member,
    meeting: Meeting | None,
    meeting_with: Contact | None,
    owed: list[FollowUp],
    owed_contact: Contact | None,
    warm: int,
    conversations: int,
    streak: Streak,
    suggestion: Contact | None,
    now: datetime,
    tz: ZoneInfo,
    today: date,
) -> Reply:
    fields: list[Field] = []
    if meeting is not None:
        what = "interview" if meeting.kind is ActivityKind.INTERVIEW else "conversation"
        fields.append(
            Field(
                f"Your next {what}",
                line(
                    *who(meeting_with, meeting.company),
                    ", ",
                    when_label(meeting.starts_at, tz, today),
                ),
            )
        )
    else:
        fields.append(Field("Your next interview", line("not scheduled yet")))
    overdue = sum(1 for f in owed if f.due_at < now)
    fields.append(
        Field(
            "Follow-ups owed", line(f"{len(owed)}" + (f" ({overdue} overdue)" if overdue else ""))
        )
    )
    fields.append(
        Field("Things in the works", line(f"{warm} (aim for {TARGET_LOW}–{TARGET_HIGH})"))
    )
    fields.append(
        Field("Conversations this week", line(f"{conversations} of {member.weekly_goal}"))
    )
    fields.append(
        Field(
            "Streak",
            line(plural(streak.current, "day") + (" · done today" if streak.today_done else "")),
        )
    )
    actions: tuple[Action, ...] = ()
    if owed:
        first = owed[0]
        step = line(
            "Next: send ",
            *who(owed_contact, first.company),
            " that ",
            FOLLOWUP_WORD[first.kind],
            " today.",
        )
        actions = (
            Action("Done", f"done {first.number}", primary=True),
            Action("Snooze 1 day", f"snooze {first.number} tomorrow"),
        )
    elif meeting is not None:
        step = line("Next: prepare — research them and have three questions ready.")
    elif suggestion is not None:
        step = line(
            "Next: ask ", UserText(suggestion.name), " for 20 minutes — set it up yourself."
        )
        actions = (Action("Log outreach", f"log outreach #{suggestion.number}", primary=True),)
    elif warm < TARGET_LOW:
        step = line(
            "Next: who could you talk to at a company on your list? `contact add Jane Doe @Acme`"
        )
    else:
        step = line("Next: reach out to someone you've met and ask who else you should talk to.")
    return Reply(
        title=line("Your search today"), fields=tuple(fields), next_step=step, actions=actions
    )
