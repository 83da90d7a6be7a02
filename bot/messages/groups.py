"""Groups, the leaderboard and the admin report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from bot.domain import (
    ActivityKind,
    Group,
)
from bot.formatting import plural
from bot.leaderboard import Standing
from bot.replies import File, Line, Reply, Section, UserText, Visibility, line
from bot.spreadsheet import csv_bytes

SETUP_IN_CHANNEL = "Type it in the channel that should become the group, not in a DM."
NO_GROUP_HERE = "This channel isn't a job-search group yet."
GROUP_EXISTS = "This channel is already a group."
NOT_A_MEMBER = "You're not in this group yet."
ADMINS_ONLY = "Only the group's admins can see the report."
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


def joined(group: Group, admin: bool = False, off_board: bool = False) -> Reply:
    body = [
        line(
            "Welcome to ",
            UserText(group.name),
            "! The leaderboard counts conversations and follow-ups, never details.",
        )
    ]
    if admin:
        body.append(line("Nobody was running it, so you're its admin now: `group` shows how."))
    if off_board:
        return Reply(
            body=(*body, line("You're still off its leaderboard, as you chose.")),
            next_step=line("Next: log your next step. Want your name back on? `group optin`."),
        )
    return Reply(
        body=tuple(body),
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


BOARD_TOP = 10  # standings a board message shows; the full board goes as a file


def _standing(s: Standing) -> Line:
    return line(
        f"{s.rank}. ",
        UserText(s.name),
        f" — {plural(s.points, 'pt')} · {plural(s.conversations, 'conversation')}"
        f" · {plural(s.followups, 'follow-up')}",
    )


def leaderboard(
    group: Group, standings: list[Standing], monday: date, viewer: int | None = None
) -> Reply:
    """The top of the board, the viewer's own place when it is further down, and the
    whole board as a CSV file when it does not fit."""
    scoring = [s for s in standings if s.points > 0]
    top = scoring[:BOARD_TOP]
    lines = [_standing(s) for s in top]
    mine = next((s for s in scoring[BOARD_TOP:] if s.member_id == viewer), None)
    if mine is not None:
        lines += [line("⋯"), _standing(mine)]
    if not lines:
        lines = [line("No points yet this week — the first conversation sets the pace.")]
    more = len(scoring) - len(top) - (mine is not None)
    if more:
        lines.append(line(f"…and {plural(more, 'more member')} on the full board, attached."))
    quiet = len(standings) - len(scoring)
    if quiet:
        lines.append(line(f"{plural(quiet, 'member')} getting started this week."))
    files = (board_file(group, scoring, monday),) if len(scoring) > len(top) else ()
    return Reply(
        title=line("Leaderboard — ", UserText(group.name), f", week of {monday.strftime('%d %b')}"),
        body=tuple(lines),
        next_step=line(
            "Points: conversation 5, follow-up or thank-you 3, outreach 2, lead or application 1. "
            "Next: one more conversation this week."
        ),
        files=files,
        visibility=Visibility.PUBLIC,
    )


def board_file(group: Group, scoring: list[Standing], monday: date) -> File:
    rows = (
        {"rank": s.rank, "name": s.name, "points": s.points,
         "conversations": s.conversations, "follow-ups": s.followups}
        for s in scoring
    )  # fmt: skip
    header = ("rank", "name", "points", "conversations", "follow-ups")
    return File(f"leaderboard-{monday.isoformat()}.csv", csv_bytes(header, rows), "text/csv")


def group_report(
    group: Group,
    names: dict[int, str],
    counts: Mapping[int, Mapping[ActivityKind, int]],
    last: Mapping[int, datetime | None],
    now: datetime,
    monday: date,
    coaches: Sequence[str] = (),
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
            *((line("Coach: ", *_joined(coaches), "."),) if coaches else ()),
        ),
        sections=sections,
        next_step=step,
    )


def _joined(names: Sequence[str]) -> list[str | UserText]:
    out: list[str | UserText] = []
    for i, name in enumerate(names):
        out += [", "] if i else []
        out.append(UserText(name))
    return out


def group_in_channel(command: str, groups: list[str]) -> Line:
    """A group command typed in a DM: the same command, and where it works."""
    if not groups:
        return line("`", UserText(command), "` works in a group's channel, not in a DM.")
    return line(
        "Type `", UserText(command), "` in your group's channel (", *_joined(groups[:3]),
        ") — group commands work there, not in a DM.",
    )  # fmt: skip


def channel_lost(group: Group) -> Reply:
    """To each admin, once, when the group's channel no longer takes posts (archived, the
    bot removed, deleted)."""
    return Reply(
        body=(
            line(
                "I can't post in the channel of ",
                UserText(group.name),
                " any more (it was archived, or I was removed), so its weekly leaderboard "
                "is on hold.",
            ),
        ),
        next_step=line(
            "Invite me back to that channel, or type `group setup` in the channel the group "
            "uses now."
        ),
    )
