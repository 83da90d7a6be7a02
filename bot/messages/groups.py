"""Groups, the leaderboard and the admin report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import (
    ActivityKind,
    Group,
)
from bot.formatting import plural
from bot.leaderboard import Standing
from bot.replies import Field, Line, Reply, Section, UserText, Visibility, line

SETUP_IN_CHANNEL = "Type it in the channel that should become the group, not in a DM."
NO_GROUP_HERE = "This channel isn't a job-search group yet."
GROUP_EXISTS = "This channel is already a group."
NOT_A_MEMBER = "You're not in this group yet."
ADMINS_ONLY = "Only the group's admins can see the report."
ADMINS_SET_RHYTHM = "Only the group's admins can change when it posts."
POST_WHEN = "When should the weekly leaderboard go out? Give a day and a time."
_WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
STALLED_DAYS = 7


def group_created(group: Group) -> Reply:
    return Reply(
        body=(
            line(
                "This channel is now the job-search group ",
                UserText(group.name),
                ". You're its admin.",
            ),
        ),
        next_step=line("Next: invite members to type `group join` here."),
        visibility=Visibility.PUBLIC,
    )


def already_member(group: Group) -> Reply:
    return Reply(
        body=(line("You're already in ", UserText(group.name), "."),),
        next_step=line("Next: `leaderboard` shows this week."),
    )


def joined(group: Group) -> Reply:
    return Reply(
        body=(
            line(
                "Welcome to ",
                UserText(group.name),
                "! The leaderboard counts conversations and follow-ups, never details.",
            ),
        ),
        next_step=line(
            "Next: log your first step, like `met Jane from Acme`. Prefer to stay off the board? `group optout`."
        ),
    )


def left(group: Group) -> Reply:
    return Reply(
        body=(line("You left ", UserText(group.name), ". Your own log stays yours."),),
        next_step=line("Next: `next` shows what to do today."),
    )


def opted(opt_in: bool) -> Reply:
    text = (
        "Your first name is back on the leaderboard."
        if opt_in
        else "You're off the leaderboard; your streak and log are unchanged."
    )
    return Reply(body=(line(text),), next_step=line("Next: `next` shows what to do today."))


def leaderboard(group: Group, standings: list[Standing], monday: date) -> Reply:
    scoring = [s for s in standings if s.points > 0]
    quiet = len(standings) - len(scoring)
    lines = tuple(
        line(
            f"{s.rank}. ",
            UserText(s.name),
            f" — {plural(s.points, 'pt')} · {plural(s.conversations, 'conversation')} · {plural(s.followups, 'follow-up')}",
        )
        for s in scoring[:20]
    )
    if not lines:
        lines = (line("No points yet this week — the first conversation sets the pace."),)
    tail = (line(f"{plural(quiet, 'member')} getting started this week."),) if quiet else ()
    return Reply(
        title=line("Leaderboard — ", UserText(group.name), f", week of {monday.strftime('%d %b')}"),
        body=(*lines, *tail),
        next_step=line(
            "Points: conversation 5, follow-up or thank-you 3, outreach 2, lead or application 1. "
            "Next: one more conversation this week."
        ),
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
        title=line(
            "Group report — ", UserText(group.name), f", week of {monday.strftime('%d %b')}"
        ),
        body=(
            line(
                f"{plural(total, 'conversation')} this week across {plural(len(names), 'member')}."
            ),
        ),
        sections=sections,
        next_step=step,
    )


def unknown_group_command(typed: str, close: str | None) -> Line:
    if close:
        return line("I don't know `", UserText(typed), f"` — did you mean `{close}`?")
    return line("I don't know `", UserText(typed), "`. `help group` lists the group commands.")


def bad_weekday(text: str) -> Line:
    return line("I couldn't read `", UserText(text), "` as a day of the week.")


def _post_time(group: Group) -> str:
    return f"{_WEEKDAYS[group.leaderboard_weekday]} at {group.leaderboard_time.strftime('%H:%M')}"


def _next_post(at: datetime, group: Group) -> str:
    return at.astimezone(ZoneInfo(group.timezone)).strftime("%a %d %b, %H:%M")


def group_settings(
    group: Group, members: int, admins: list[str], next_post: datetime, is_admin: bool
) -> Reply:
    names: list[str | UserText] = []
    for i, name in enumerate(admins):
        names += [", "] if i else []
        names.append(UserText(name))
    fields = (
        Field("Timezone", line(group.timezone)),
        Field(
            "Weekly leaderboard",
            line(f"{_post_time(group)} (next: {_next_post(next_post, group)})"),
        ),
        Field("Members", line(str(members))),
        Field("Admins", line(*names) if names else line("none yet — `group join` makes you one")),
    )
    step = (
        line("Change when it posts: `group post fri 16:00` or `group timezone Europe/London`.")
        if is_admin
        else line("Next: `leaderboard` shows this week so far.")
    )
    return Reply(title=line("Group: ", UserText(group.name)), fields=fields, next_step=step)


def post_moved(group: Group, next_post: datetime) -> Reply:
    return Reply(
        body=(
            line(
                f"The weekly leaderboard now goes out {_post_time(group)}, {group.timezone} time.",
            ),
        ),
        next_step=line(f"Next post: {_next_post(next_post, group)}. `group` shows every setting."),
    )


def group_in_channel(command: str, groups: list[str]) -> Line:
    """A group command typed in a DM: the same command, and where it works."""
    if not groups:
        return line("`", UserText(command), "` works in a group's channel, not in a DM.")
    names: list[str | UserText] = []
    for i, name in enumerate(groups[:3]):
        names += [", "] if i else []
        names.append(UserText(name))
    return line(
        "Type `", UserText(command), "` in your group's channel (", *names,
        ") — group commands work there, not in a DM.",
    )  # fmt: skip
