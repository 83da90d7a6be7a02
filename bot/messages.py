"""Everything the buddy says, in one place (see VOICE.md: warm, brief, one next step)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.commands import CommandSpec
from bot.dates import When
from bot.domain import (
    Activity,
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpKind,
    Group,
    Meeting,
    Member,
    MemberStatus,
    Opportunity,
)
from bot.formatting import day_label, plural, when_label, who
from bot.leaderboard import Standing
from bot.replies import Action, Field, File, Line, Reply, Section, UserText, Visibility, line
from bot.streaks import Streak

# ---- errors -------------------------------------------------------------------------

EMPTY_COMMAND = "Tell me what you did or what you need."
LOG_WHAT = "What should I log?"
LOG_IN_FUTURE = "That's still ahead — schedule it and I'll remind you."
LEAD_NEEDS_PERSON = "I couldn't tell who the lead is."
FOLLOWUP_NEEDS_WHO = "I couldn't tell who you followed up with."
SOMETHING_BROKE = "Something went wrong on my side and nothing was saved. Please try again."
KIND_LIST = "outreach, meeting, interview, followup, thankyou, referral, application, offer"


def too_long(what: str, limit: int) -> str:
    return f"{what} can be at most {limit} characters."


def not_a_number(arg: str) -> str:
    return f"The {arg} should be a number."


def unknown_command(word: str, close: str | None) -> str:
    if close:
        return f"I don't know `{word}` — did you mean `{close}`?"
    return f"I don't know `{word}`. `help` lists what I can do."


def which_contact(query: str) -> str:
    return f"Which {query} did you mean?"


def no_such_contact(query: str) -> str:
    return f"I couldn't find {query} among your contacts."


def unknown_kind(word: str) -> str:
    if not word:
        return f"What kind of step was it? One of: {KIND_LIST}."
    return f"I don't know the kind `{word}`. Use one of: {KIND_LIST}."


def bad_date(text: str) -> str:
    return f"I couldn't read `{text}` as a date."


def log_needs_who(kind: ActivityKind) -> str:
    verbs = {
        ActivityKind.MEETING: "who you met",
        ActivityKind.INTERVIEW: "who interviewed you or where",
        ActivityKind.OUTREACH: "who you reached out to",
        ActivityKind.FOLLOWUP: "who you followed up with",
        ActivityKind.THANKYOU: "who you thanked",
        ActivityKind.APPLICATION: "where you applied",
        ActivityKind.OFFER: "who made the offer",
    }
    return f"I couldn't tell {verbs.get(kind, 'who it was with')}."


def error(message: str, example: str | None) -> Reply:
    return Reply(
        body=(line(message),),
        next_step=line("Try: ", f"`{example}`") if example else None,
        is_error=True,
    )


def ambiguous(query: str, candidates: list[Contact], commands: list[str]) -> Reply:
    actions = tuple(
        Action(label=f"{c.name}" + (f" ({c.company})" if c.company else ""), command=cmd)
        for c, cmd in zip(candidates[:5], commands[:5], strict=False)
    )
    lines = tuple(
        line(f"#{c.id} ", UserText(c.name), *((" (", UserText(c.company), ")") if c.company else ()))
        for c in candidates[:5]
    )
    return Reply(
        body=(line(which_contact(query)), *lines),
        next_step=line("Pick one, or type the full name: ", f"`{commands[0]}`"),
        actions=actions,
        is_error=True,
    )


# ---- logging --------------------------------------------------------------------------

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
        opener = "Nice — logged your " if kind in (ActivityKind.MEETING, ActivityKind.INTERVIEW) else "Logged your "
        body = line(opener, _LOGGED[kind], " ", *target, f" {day}.")
    name: Line = line(UserText(contact.name)) if contact else target
    lines = [body]
    if any(f.kind is FollowUpKind.LEAD for f in closed):
        lines.append(line("That lead is acted on — well done setting it up yourself."))
    elif closed:
        lines.append(line("Follow-up closed."))
    if kind in (ActivityKind.MEETING, ActivityKind.INTERVIEW) and thankyou is not None:
        due = when_label(thankyou.due_at, tz, today)
        step = line("Thank-you due by ", due, "; I'll check back with you in a week.")
        action = Action("Log thank-you", f"log thankyou {_ref(contact, company)}", primary=True)
        return Reply(body=tuple(lines), next_step=step, actions=(action,))
    steps = {
        ActivityKind.OUTREACH: line("Next: suggest a time yourself rather than waiting for ", *name, "."),
        ActivityKind.FOLLOWUP: line("Next: who else have you not heard back from?"),
        ActivityKind.THANKYOU: line("Next: ask ", *name, " who else you should talk to."),
        ActivityKind.APPLICATION: line("Next: find someone at ", *target, " to talk to — a conversation beats a résumé."),
        ActivityKind.OFFER: line("Congratulations! Next: thank everyone who helped, then `landed` when you accept."),
    }
    return Reply(body=tuple(lines), next_step=steps.get(kind, line("Next: `next` shows your dashboard.")))


def _ref(contact: Contact | None, company: str | None) -> str:
    if contact is not None:
        return f"#{contact.id}"
    return f"@{company}" if company else ""


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
        actions=(Action("Log outreach", f"log outreach #{contact.id}", primary=True),),
    )


def followup_planned(contact: Contact | None, planned: FollowUp, tz: ZoneInfo, today: date) -> Reply:
    due = when_label(planned.due_at, tz, today)
    return Reply(
        body=(line("I'll remind you to follow up with ", *who(contact, planned.company), f" {due}."),),
        next_step=line("Until then: who else could you talk to this week?"),
    )


# ---- contacts -------------------------------------------------------------------------

CONTACT_NEEDS_NAME = "Who should I add?"
CONTACT_WHO = "Whose history should I show?"
STAGE_HOW = "Give a name and a stage: 1 in touch, 2 interested, 3 discussing real jobs."


def no_contacts_matching(search: str) -> str:
    return f"No contact matches `{search}`."


def no_contacts_yet() -> Reply:
    return Reply(
        body=(line("No contacts yet."),),
        next_step=line("Start with one person you could talk to: ", "`contact add Jane Doe @Acme`"),
    )


def contact_list(contacts: list[Contact], total: int) -> Reply:
    lines = tuple(
        line(f"#{c.id} ", *who(c), f" · stage {c.stage}") for c in contacts
    )
    more = (line(f"…and {total - len(contacts)} more; `contacts <name>` narrows it."),) if total > len(contacts) else ()
    return Reply(
        title=line(f"Your contacts ({total})"),
        body=(*lines, *more),
        next_step=line("Next: pick one you haven't talked to lately and send a note."),
    )


def contact_exists(contact: Contact) -> Reply:
    return Reply(
        body=(line("You already have ", *who(contact), f" (#{contact.id})."),),
        next_step=line("Next: ", f"`contact #{contact.id}`", " shows your history together."),
    )


def contact_added(contact: Contact, referrer: Contact | None) -> Reply:
    via: Line = line(", referred by ", UserText(referrer.name)) if referrer else ()
    return Reply(
        body=(line("Added ", *who(contact), *via, "."),),
        next_step=line("Next: reach out to ", UserText(contact.name), " and ask for 20 minutes."),
        actions=(Action("Log outreach", f"log outreach #{contact.id}", primary=True),),
    )


def contact_card(
    contact: Contact,
    stage: str,
    referrer: Contact | None,
    history: list[Activity],
    owed: list[FollowUp],
    tz: ZoneInfo,
    today: date,
) -> Reply:
    fields = [Field("Stage", line(f"{contact.stage} — {stage}"))]
    if contact.role:
        fields.append(Field("Role", line(UserText(contact.role))))
    if referrer:
        fields.append(Field("Referred by", line(UserText(referrer.name))))
    if contact.notes:
        fields.append(Field("Notes", line(UserText(contact.notes))))
    lines = tuple(
        line(when_label(a.occurred_at, tz, today, with_time=False), f" · {a.kind.value}",
             *((" — ", UserText(a.note)) if a.note else ()))
        for a in history
    )
    sections = [Section("History", lines or (line("Nothing logged yet."),))]
    if owed:
        sections.append(Section("Owed", tuple(line(f"#{f.id} {_FU_LABEL[f.kind]} due {when_label(f.due_at, tz, today)}") for f in owed)))
    if owed:
        step = line("Next: send ", UserText(contact.name), " that ", _FU_LABEL[owed[0].kind], ".")
    else:
        step = line("Next: when did you last hear from ", UserText(contact.name), "? A short note keeps it warm.")
    return Reply(
        title=line(*who(contact)),
        fields=tuple(fields),
        sections=tuple(sections),
        next_step=step,
        actions=(Action("Log follow-up", f"log followup #{contact.id}"),),
    )


_FU_LABEL = {
    FollowUpKind.THANKYOU: "thank-you",
    FollowUpKind.CHECKBACK: "check-back",
    FollowUpKind.LEAD: "first outreach",
    FollowUpKind.PLANNED: "follow-up",
}


# ---- follow-ups -----------------------------------------------------------------------

SNOOZE_IN_PAST = "Snooze needs a time still ahead."


def which_followup(verb: str) -> str:
    return f"Which follow-up? Give its number from `followups`, or the person's name."


def no_open_followup(text: str) -> str:
    return f"There's no open follow-up for `{text}`."


def followup_line(f: FollowUp, contact: Contact | None, now: datetime, tz: ZoneInfo, today: date) -> Line:
    due = when_label(f.due_at, tz, today)
    late = "overdue since " if f.due_at < now else "due "
    return line(f"#{f.id} ", _FU_LABEL[f.kind], " · ", *who(contact, f.company), f" · {late}{due}")


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
        sections.append(Section("Overdue", tuple(followup_line(f, contacts.get(f.contact_id or 0), now, tz, today) for f in overdue)))
    if later:
        sections.append(Section("Coming up", tuple(followup_line(f, contacts.get(f.contact_id or 0), now, tz, today) for f in later)))
    first = owed[0]
    c = contacts.get(first.contact_id or 0)
    return Reply(
        title=line(f"Follow-ups owed ({len(owed)})"),
        sections=tuple(sections),
        next_step=line("Next: send ", *who(c, first.company), " that ", _FU_LABEL[first.kind], " today."),
        actions=(
            Action("Done", f"done {first.id}", primary=True),
            Action("Snooze 1 day", f"snooze {first.id} tomorrow"),
            Action("Drop", f"drop {first.id}"),
        ),
    )


def followup_done(f: FollowUp, contact: Contact | None, remaining: int) -> Reply:
    rest = "That was the last one." if remaining == 0 else f"{remaining} still open."
    return Reply(
        body=(line("Done: ", _FU_LABEL[f.kind], " to ", *who(contact, f.company), f". {rest}"),),
        next_step=line("Next: `followups` for the rest." if remaining else "Next: who else could you talk to this week?"),
    )


def followup_snoozed(f: FollowUp, contact: Contact | None, tz: ZoneInfo, today: date) -> Reply:
    return Reply(
        body=(line("Snoozed: ", _FU_LABEL[f.kind], " to ", *who(contact, f.company), f" until {when_label(f.due_at, tz, today)}."),),
        next_step=line("Next: one other follow-up today keeps your streak going."),
    )


def followup_dropped(f: FollowUp, contact: Contact | None) -> Reply:
    return Reply(
        body=(line("Dropped the ", _FU_LABEL[f.kind], " to ", *who(contact, f.company), ". No more reminders for it."),),
        next_step=line("Next: put that energy into someone new — `contacts` has ideas."),
    )


# ---- pipeline -------------------------------------------------------------------------

OPPORTUNITY_WHERE = "Which organisation?"
OPPORTUNITY_STAGE_HOW = "Give an organisation and a stage: target, contacted, conversation, interviewing, offer or closed."
TARGET_LOW, TARGET_HIGH = 6, 10


def opportunity_exists(org: str) -> str:
    return f"{org} is already on your list; move it along with a stage instead."


def no_opportunity(org: str) -> str:
    return f"{org} isn't on your list yet."


def works_line(n: int) -> Line:
    if n < TARGET_LOW:
        return line(f"You have {n} {'thing' if n == 1 else 'things'} in the works; aim for {TARGET_LOW} to {TARGET_HIGH}.")
    if n <= TARGET_HIGH:
        return line(f"{n} things in the works — right in the {TARGET_LOW}–{TARGET_HIGH} zone.")
    return line(f"{n} things in the works — more than {TARGET_HIGH}; keep the warmest ones moving.")


def pipeline(opps: list[Opportunity], warm: list[Opportunity], tz: ZoneInfo, today: date) -> Reply:
    if not opps:
        return Reply(
            body=(works_line(0),),
            next_step=line("Next: name one organisation you'd like to work for: ", "`opportunity add Acme`"),
        )
    warm_ids = {o.id for o in warm}
    by_stage: dict[str, list[Line]] = {}
    for o in opps:
        tag = "" if o.id in warm_ids or o.stage.value in ("target", "closed") else " (gone cold)"
        role: Line = line(" — ", UserText(o.role)) if o.role else ()
        by_stage.setdefault(o.stage.value, []).append(line(UserText(o.organisation), *role, tag))
    sections = tuple(Section(stage.capitalize(), tuple(lines)) for stage, lines in by_stage.items())
    step = (
        line("Next: who could you talk to at a company on your list?")
        if len(warm) < TARGET_LOW
        else line("Next: move the warmest one forward with a follow-up today.")
    )
    return Reply(title=line("Things in the works"), body=(works_line(len(warm)),), sections=sections, next_step=step)


def opportunity_added(opp: Opportunity, warm: int) -> Reply:
    return Reply(
        body=(line("Added ", UserText(opp.organisation), " to your list."), works_line(warm)),
        next_step=line("Next: find one person at ", UserText(opp.organisation), " to talk to."),
    )


def opportunity_moved(opp: Opportunity, warm: int) -> Reply:
    return Reply(
        body=(line(UserText(opp.organisation), f" is now at {opp.stage.value}."), works_line(warm)),
        next_step=line("Next: a follow-up with your contact there keeps it moving."),
    )


# ---- progress -------------------------------------------------------------------------

SCHEDULE_WHO = "Who is the conversation with?"
SCHEDULE_WHEN = "When is it? Add a day and a time."
SCHEDULE_IN_PAST = "That time has passed — log it instead."
STATS_PERIOD = "Stats cover a `week` or a `month`."


def scheduled(meeting: Meeting, contact: Contact | None, tz: ZoneInfo, today: date) -> Reply:
    what = "interview" if meeting.kind is ActivityKind.INTERVIEW else "conversation"
    at = when_label(meeting.starts_at, tz, today)
    return Reply(
        body=(line(f"Your next {what}: ", *who(contact, meeting.company), f", {at}."),),
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
    elif s.resting_today:
        body.append(line("Today is a rest day: it doesn't count against you."))
    if s.today_done:
        step = line("Today counts already. Next: line up tomorrow's conversation.")
    else:
        step = line("Next: one outreach or follow-up today keeps it going.")
    return Reply(body=tuple(body), next_step=step)


def stats(period: str, counts: Mapping[ActivityKind, int], goal: int) -> Reply:
    conversations = counts.get(ActivityKind.MEETING, 0) + counts.get(ActivityKind.INTERVIEW, 0)
    fields = tuple(Field(k.value, line(str(counts.get(k, 0)))) for k in ActivityKind if counts.get(k, 0))
    target = goal if period == "week" else goal * 4
    body = line(f"This {period}: {plural(conversations, 'conversation')} of your goal of {target}.")
    step = (
        line("Goal met — next: a follow-up with each person you met keeps them warm.")
        if conversations >= target
        else line(f"Next: {target - conversations} more — who could you ask for 20 minutes?")
    )
    return Reply(title=line(f"Your {period}"), body=(body,), fields=fields, next_step=step)


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
        fields.append(Field(f"Your next {what}", line(*who(meeting_with, meeting.company), ", ", when_label(meeting.starts_at, tz, today))))
    else:
        fields.append(Field("Your next interview", line("not scheduled yet")))
    overdue = sum(1 for f in owed if f.due_at < now)
    fields.append(Field("Follow-ups owed", line(f"{len(owed)}" + (f" ({overdue} overdue)" if overdue else ""))))
    fields.append(Field("Things in the works", line(f"{warm} (aim for {TARGET_LOW}–{TARGET_HIGH})")))
    fields.append(Field("Conversations this week", line(f"{conversations} of {member.weekly_goal}")))
    fields.append(Field("Streak", line(plural(streak.current, "day") + (" · done today" if streak.today_done else ""))))
    actions: tuple[Action, ...] = ()
    if owed:
        first = owed[0]
        step = line("Next: send ", *who(owed_contact, first.company), " that ", _FU_LABEL[first.kind], " today.")
        actions = (Action("Done", f"done {first.id}", primary=True), Action("Snooze 1 day", f"snooze {first.id} tomorrow"))
    elif meeting is not None:
        step = line("Next: prepare — research them and have three questions ready.")
    elif suggestion is not None:
        step = line("Next: ask ", UserText(suggestion.name), " for 20 minutes — set it up yourself.")
        actions = (Action("Log outreach", f"log outreach #{suggestion.id}", primary=True),)
    elif warm < TARGET_LOW:
        step = line("Next: who could you talk to at a company on your list? `contact add Jane Doe @Acme`")
    else:
        step = line("Next: reach out to someone you've met and ask who else you should talk to.")
    return Reply(title=line("Your next interview"), fields=tuple(fields), next_step=step, actions=actions)


# ---- settings -------------------------------------------------------------------------

BAD_GOAL = "A weekly goal is a number of conversations from 1 to 50."
NUDGES_HOW = "Nudges are `on` or `off`."
BAD_PAUSE = "A pause is 1 to 90 days: a number of days, or until a date ahead."
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def unknown_zone(zone: str) -> str:
    return f"I don't know the timezone `{zone}`."


def bad_time(text: str) -> str:
    return f"I couldn't read `{text}` as a time of day."


def bad_days(text: str) -> str:
    return f"I couldn't read `{text}` as working days."


def bad_quiet(text: str) -> str:
    return f"I couldn't read `{text}` as quiet hours."


def settings(m: Member) -> Reply:
    quiet = (
        f"{m.quiet_start.strftime('%H:%M')}–{m.quiet_end.strftime('%H:%M')}"
        if m.quiet_start and m.quiet_end
        else "off"
    )
    fields = (
        Field("Timezone", line(m.timezone)),
        Field("Check-in", line(m.checkin_time.strftime("%H:%M"))),
        Field("Working days", line(", ".join(_DAYS[d] for d in sorted(m.working_days)))),
        Field("Quiet hours", line(quiet)),
        Field("Weekly goal", line(plural(m.weekly_goal, "conversation"))),
        Field("Nudges", line("on" if m.nudges_enabled else "off")),
        Field("Status", line(m.status.value + (f", paused until {m.paused_until.isoformat()}" if m.paused_until else ""))),
    )
    return Reply(title=line("Your settings"), fields=fields, next_step=line("Change one with e.g. `settings checkin 09:30`."))


def setting_saved(text: str) -> Reply:
    return Reply(body=(line(text),), next_step=line("Next: `next` shows what to do today."))


def nudges_set(on: bool) -> Reply:
    if on:
        return Reply(body=(line("Nudges on. I'll check in on your working days."),), next_step=line("Next: `next` shows what to do today."))
    return Reply(body=(line("Nudges off. I won't message you unless you ask."),), next_step=line("Turn them back on any time: `nudges on`."))


def paused(back: date, today: date) -> Reply:
    return Reply(
        body=(line(f"Paused until {day_label(back, today)}. Your streak waits for you — rest well."),),
        next_step=line("Back early? `resume`."),
    )


def not_paused() -> Reply:
    return Reply(body=(line("You're not paused."),), next_step=line("Next: `next` shows what to do today."))


def resumed() -> Reply:
    return Reply(body=(line("Welcome back!"),), next_step=line("Next: one message to someone you've met is a great restart."))


def landed() -> Reply:
    return Reply(
        body=(line("Congratulations — you landed! Your streak is kept and the clock is stopped."),),
        next_step=line("Next: thank the people who helped you; keep your network warm."),
    )


def already_landed() -> Reply:
    return Reply(body=(line("You already landed — congratulations again."),), next_step=line("Searching again? `resume`."))


# ---- groups ---------------------------------------------------------------------------

GROUP_IN_CHANNEL = "Group commands work in the group's channel, not in a DM."
NO_GROUP_HERE = "This channel isn't a job-search group yet."
GROUP_EXISTS = "This channel is already a group."
NOT_A_MEMBER = "You're not in this group yet."
ADMINS_ONLY = "Only the group's admins can see the report."
STALLED_DAYS = 7


def group_created(group: Group) -> Reply:
    return Reply(
        body=(line("This channel is now the job-search group ", UserText(group.name), ". You're its admin."),),
        next_step=line("Next: invite members to type `group join` here."),
        visibility=Visibility.PUBLIC,
    )


def already_member(group: Group) -> Reply:
    return Reply(body=(line("You're already in ", UserText(group.name), "."),), next_step=line("Next: `leaderboard` shows this week."))


def joined(group: Group) -> Reply:
    return Reply(
        body=(line("Welcome to ", UserText(group.name), "! The leaderboard counts conversations and follow-ups, never details."),),
        next_step=line("Next: log your first step, like `met Jane from Acme`. Prefer to stay off the board? `group optout`."),
    )


def left(group: Group) -> Reply:
    return Reply(body=(line("You left ", UserText(group.name), ". Your own log stays yours."),), next_step=line("Next: `next` shows what to do today."))


def opted(opt_in: bool) -> Reply:
    text = "Your first name is back on the leaderboard." if opt_in else "You're off the leaderboard; your streak and log are unchanged."
    return Reply(body=(line(text),), next_step=line("Next: `next` shows what to do today."))


def leaderboard(group: Group, standings: list[Standing], monday: date) -> Reply:
    scoring = [s for s in standings if s.points > 0]
    quiet = len(standings) - len(scoring)
    lines = tuple(
        line(f"{s.rank}. ", UserText(s.name), f" — {s.points} pts · {plural(s.conversations, 'conversation')} · {plural(s.followups, 'follow-up')}")
        for s in scoring[:20]
    )
    if not lines:
        lines = (line("No points yet this week — the first conversation sets the pace."),)
    tail = (line(f"{plural(quiet, 'member')} getting started this week."),) if quiet else ()
    return Reply(
        title=line("Leaderboard — ", UserText(group.name), f", week of {monday.strftime('%d %b')}"),
        body=(*lines, *tail),
        next_step=line("Points: conversation 5, follow-up or thank-you 3, outreach 2, application 1. Next: one more conversation this week."),
        visibility=Visibility.PUBLIC,
    )


def group_report(
    group: Group,
    names: dict[int, str],
    counts: Mapping[int, Mapping[ActivityKind, int]],
    last: Mapping[int, datetime | None],
    now: datetime,
    monday: date,
) -> Reply:
    active, stalled = [], []
    total = 0
    for mid, name in sorted(names.items(), key=lambda kv: kv[1].lower()):
        c = counts.get(mid, {})
        conv = c.get(ActivityKind.MEETING, 0) + c.get(ActivityKind.INTERVIEW, 0)
        total += conv
        seen = last.get(mid)
        if seen is None or now - seen > timedelta(days=STALLED_DAYS):
            since = "never" if seen is None else f"{(now - seen).days} days ago"
            stalled.append(line(UserText(name), f" — last step {since}"))
        else:
            active.append(line(UserText(name), f" — {plural(conv, 'conversation')} this week"))
    sections = (
        Section(f"Active ({len(active)})", tuple(active) or (line("nobody yet"),)),
        Section(f"Stalled ({len(stalled)})", tuple(stalled) or (line("nobody — great"),)),
    )
    step = (
        line("Next: a friendly DM to ", stalled[0][0], " with one small first step.")
        if stalled
        else line("Next: celebrate this week's conversations in the channel.")
    )
    return Reply(
        title=line("Group report — ", UserText(group.name), f", week of {monday.strftime('%d %b')}"),
        body=(line(f"{plural(total, 'conversation')} this week across {plural(len(names), 'member')}."),),
        sections=sections,
        next_step=step,
    )


# ---- data and help --------------------------------------------------------------------


def exported(files: tuple[File, ...], contacts: int, activities: int) -> Reply:
    return Reply(
        body=(line(f"Here's everything: {plural(contacts, 'contact')}, {plural(activities, 'logged step')}."),),
        files=files,
        next_step=line("Next: `next` shows what to do today."),
    )


def confirm_forget() -> Reply:
    return Reply(
        body=(line("This deletes everything I hold about you — contacts, log, follow-ups, groups. It can't be undone."),),
        next_step=line("Answer `yes` to delete, or `no` to keep it all. Want a copy first? `export`."),
        actions=(Action("Yes, delete", "yes"), Action("No, keep", "no", primary=True)),
    )


def forgotten() -> Reply:
    return Reply(
        body=(line("Done — everything about you is deleted."),),
        next_step=line("Good luck out there. If you come back, just say hi."),
    )


def nothing_to_confirm() -> Reply:
    return Reply(body=(line("There's nothing waiting for a yes."),), next_step=line("Next: `next` shows what to do today."))


def cancelled(had: bool) -> Reply:
    text = "Kept everything." if had else "Nothing to cancel."
    return Reply(body=(line(text),), next_step=line("Next: `next` shows what to do today."))


def help_all(by_category: Mapping[str, list[CommandSpec]]) -> Reply:
    sections = tuple(
        Section(cat.capitalize(), tuple(line(f"`{s.usage}` — {s.summary}") for s in specs))
        for cat, specs in by_category.items()
        if specs
    )
    return Reply(
        title=line("What I can do"),
        sections=sections,
        next_step=line("Start with what you did today: `met Jane from Acme yesterday`."),
    )


def help_for(specs: list[CommandSpec]) -> Reply:
    body: list[Line] = []
    for s in specs:
        body.append(line(f"`{s.usage}` — {s.summary}"))
        if s.details:
            body.append(line(s.details.replace("\n", " ")))
    return Reply(body=tuple(body), next_step=line("Try: ", f"`{specs[0].example}`"))
