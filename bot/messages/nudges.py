"""What the nudges say (VOICE.md): short, specific, one next step, kind about misses."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain import ActivityKind, Contact, FollowUp, FollowUpKind, Meeting, Member
from bot.formatting import first_name, plural, when_label, who
from bot.messages.words import FOLLOWUP_WORD, TARGET_HIGH, TARGET_LOW, ref
from bot.nudges.model import NudgeKind, NudgePart
from bot.replies import Action, Line, Reply, UserText, line
from bot.streaks import Streak


def days_ago(instant: datetime, tz: ZoneInfo, today: date) -> str:
    """'today', 'yesterday', 'two days ago', '9 days ago': how long someone has waited."""
    n = (today - instant.astimezone(tz).date()).days
    if n <= 0:
        return "today"
    if n == 1:
        return "yesterday"
    return f"{_WORDS.get(n, n)} days ago"


_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _name(contact: Contact | None, company: str | None) -> Line:
    if contact is not None:
        return line(UserText(first_name(contact.name)))
    return line("someone at ", UserText(company)) if company else line("them")


def _followup_actions(f: FollowUp, contact: Contact | None) -> tuple[Action, ...]:
    verb = {FollowUpKind.THANKYOU: "thankyou", FollowUpKind.LEAD: "outreach"}.get(
        f.kind, "followup"
    )
    target = ref(contact, f.company)
    return (
        Action("Log it", f"log {verb} {target}".strip(), primary=True),
        Action("Snooze a day", f"snooze {f.number} tomorrow"),
        Action("Drop", f"drop {f.number}"),
    )


def checkin(owed: list[FollowUp], first_contact: Contact | None) -> NudgePart:
    """`owed`: what is due within a day, most urgent first."""
    if not owed:
        return NudgePart(
            NudgeKind.CHECKIN,
            line("Who did you talk to or follow up with today?"),
            line("Log it in a few words: `met Jane from Acme` or `followup Sam`."),
            (Action("Next", "next"),),
        )
    f = owed[0]
    waiting = line(
        *who(first_contact, f.company), f" is still waiting for your {FOLLOWUP_WORD[f.kind]}."
    )
    more = f" (+{plural(len(owed) - 1, 'more follow-up')})" if len(owed) > 1 else ""
    return NudgePart(
        NudgeKind.CHECKIN,
        line("Who did you follow up with today? ", *waiting, more),
        line("Send ", *_name(first_contact, f.company), " a short note today."),
        _followup_actions(f, first_contact),
    )


def followup_due(f: FollowUp, contact: Contact | None, tz: ZoneInfo, today: date) -> NudgePart:
    name = _name(contact, f.company)
    since = days_ago(f.created_at or f.due_at, tz, today)
    if f.kind is FollowUpKind.THANKYOU:
        text = line("You met ", *who(contact, f.company), f" {since}; the thank-you is still open.")
        step = line("Send ", *name, " a two-line thank-you now — mention what you talked about.")
    elif f.kind is FollowUpKind.CHECKBACK:
        text = line("It's been a while since you met ", *who(contact, f.company), ".")
        step = line("Check back with ", *name, " today: ask where things stand.")
    else:
        text = line("You planned to follow up with ", *who(contact, f.company), ".")
        step = line("Send ", *name, " a short note today.")
    return NudgePart(NudgeKind.FOLLOWUP, text, step, _followup_actions(f, contact))


def lead_waiting(
    f: FollowUp, contact: Contact | None, referrer: Contact | None, tz: ZoneInfo, today: date
) -> NudgePart:
    since = days_ago(f.created_at or f.due_at, tz, today)
    giver = line(UserText(first_name(referrer.name))) if referrer else line("Someone")
    text = line(*giver, " gave you ", *who(contact, f.company), f" {since}.")
    step = line(
        "Reach out to ", *_name(contact, f.company), " yourself today — ask for 20 minutes."
    )
    actions = (
        Action("Log outreach", f"log outreach {ref(contact, f.company)}".strip(), primary=True),
        Action("Snooze a day", f"snooze {f.number} tomorrow"),
    )
    return NudgePart(NudgeKind.LEAD, text, step, actions)


def _conversation(meeting: Meeting) -> str:
    return "interview" if meeting.kind is ActivityKind.INTERVIEW else "conversation"


def prep(meeting: Meeting, contact: Contact | None, tz: ZoneInfo, today: date) -> NudgePart:
    at = when_label(meeting.starts_at, tz, today)
    text = line(f"Your {_conversation(meeting)} with ", *who(contact, meeting.company), f": {at}.")
    org = meeting.company or (contact.company if contact else None)
    about = line(UserText(org)) if org else _name(contact, None)
    step = line("Prepare: read up on ", *about, " and write down three questions to ask.")
    return NudgePart(NudgeKind.PREP, text, step, (Action("Next", "next"),))


def debrief(meeting: Meeting, contact: Contact | None) -> NudgePart:
    kind = _conversation(meeting)
    target = ref(contact, meeting.company)
    text = line(f"How did your {kind} with ", *who(contact, meeting.company), " go?")
    step = line(
        "Log it with the problem they mentioned, then send the thank-you: "
        f"`log {'interview' if kind == 'interview' else 'meeting'} {target} -- their problem`."
    )
    verb = "interview" if kind == "interview" else "meeting"
    return NudgePart(
        NudgeKind.DEBRIEF, text, step, (Action("Log it", f"log {verb} {target}", primary=True),)
    )


def no_interview(days: int, lead: Contact | None, best: Contact | None) -> NudgePart:
    text = line(f"No conversation held or scheduled in {plural(days, 'working day')}.")
    if lead is not None:
        step = line("Reach out to your lead ", *who(lead), " today — ask for 20 minutes.")
        target = f"#{lead.number}"
    elif best is not None:
        step = line("Ask ", *who(best), " for 20 minutes this week — suggest a time yourself.")
        target = f"#{best.number}"
    else:
        step = line("Message one person in your field you haven't spoken to in a while.")
        target = ""
    actions = (Action("Log outreach", f"log outreach {target}".strip(), primary=True),)
    return NudgePart(NudgeKind.NO_INTERVIEW, text, step, actions if target else ())


def pipeline_thin(warm: int) -> NudgePart:
    return NudgePart(
        NudgeKind.PIPELINE,
        line(
            f"You have {plural(warm, 'thing')} in the works; aim for {TARGET_LOW} to {TARGET_HIGH}."
        ),
        line("Who could you talk to at a company on your list? `opportunity add Acme`"),
        (Action("Pipeline", "pipeline"),),
    )


def streak_at_risk(s: Streak) -> NudgePart:
    return NudgePart(
        NudgeKind.STREAK_RISK,
        line(f"Your {s.current}-day streak is still open today."),
        line("One follow-up or a note to someone you've met keeps it going."),
        (Action("Follow-ups", "followups"),),
    )


def weekly_review(member: Member, conversations: int, followups: int, outreach: int) -> NudgePart:
    goal = member.weekly_goal
    text = line(
        f"Your week: {plural(conversations, 'conversation')} of your goal of {goal}, "
        f"{plural(followups, 'follow-up')}, {plural(outreach, 'outreach', 'outreaches')}."
    )
    if conversations >= goal:
        step = line("Goal met — well done. Book next week's first conversation today.")
    elif conversations == 0:
        step = line("Fresh start next week: book one conversation for Monday.")
    else:
        step = line(f"Book {plural(goal - conversations, 'more conversation')} for next week.")
    return NudgePart(NudgeKind.WEEKLY_REVIEW, text, step, (Action("Stats", "stats"),))


def merged(parts: list[NudgePart]) -> Reply:
    """One message for nudges due together: a line each (three at most), the first
    part's next step and buttons (VOICE.md: one next step, fits on a phone)."""
    head = parts[0]
    return Reply(body=tuple(p.line for p in parts[:3]), next_step=head.next_step,
                 actions=head.actions[:3])  # fmt: skip
