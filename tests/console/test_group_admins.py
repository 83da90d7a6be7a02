"""Coaches keep their group, through the console on SQLite and PostgreSQL: the last admin
hands over before leaving; `group admin [remove] <name>`, `group admins`; an admin who
logs nothing is the coach, not a stalled member; an opt-out survives leaving and
rejoining; members shown alike are told apart; a group command in a DM is suggested again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.backend import ConsoleBackend
from bot.context import Caller
from bot.domain import Identity
from tests.console.helpers import err, ok
from tests.fakes import FakeClock

CLUB = "club"


async def test_the_last_admin_hands_over_before_leaving(console_db: ConsoleBackend) -> None:
    c = console_db
    await ok(c, "Ann Lee", "group setup Job club", CLUB)
    await ok(c, "Bob Stone", "group join", CLUB)
    refused = await err(c, "Ann Lee", "group leave", CLUB)
    assert refused.splitlines() == [
        "You're the only admin of Job club — hand it over before you leave, so the group "
        "keeps its coach.",
        "Try: `group admin Bob Stone`",
    ]
    assert "Admins of Job club: Ann Lee." in await ok(c, "Bob Stone", "group admins", CLUB)

    # Only admins name admins.
    assert "Only the group's admins can make or remove admins." in await err(
        c, "Bob Stone", "group admin Bob Stone", CLUB
    )
    added = await ok(c, "Ann Lee", "group admin bob", CLUB)  # a first name, any case
    assert added.startswith("Bob Stone is now an admin of Job club")
    assert "Bob Stone is already an admin." in await ok(c, "Ann Lee", "group admin Bob Stone", CLUB)
    both = "Admins of Job club: Ann Lee, Bob Stone."
    assert both in await ok(c, "Bob Stone", "group admins", CLUB)

    # Handed over: Ann may go, and Bob runs the group.
    assert "You left Job club." in await ok(c, "Ann Lee", "group leave", CLUB)
    assert "Group report — Job club" in await ok(c, "Bob Stone", "group report", CLUB)
    assert "Only the group's admins" in await err(c, "Ann Lee", "group report", CLUB)
    await ok(c, "Ann Lee", "group join", CLUB)
    assert "Admins of Job club: Bob Stone." in await ok(c, "Ann Lee", "group admins", CLUB)


async def test_removing_admins_keeps_one(console_db: ConsoleBackend) -> None:
    c = console_db
    await ok(c, "Ann Lee", "group setup Job club", CLUB)
    await ok(c, "Bob Stone", "group join", CLUB)
    assert "You're the group's only admin — make someone else an admin first." in await err(
        c, "Ann Lee", "group admin remove Ann Lee", CLUB
    )
    assert "Bob Stone isn't an admin." in await err(c, "Ann Lee", "group admin remove Bob", CLUB)
    await ok(c, "Ann Lee", "group admin Bob", CLUB)
    removed = await ok(c, "Bob Stone", "group admin remove Ann", CLUB)
    assert removed.startswith("Ann Lee is no longer an admin of Job club.")
    assert "Admins of Job club: Bob Stone." in await ok(c, "Ann Lee", "group admins", CLUB)
    assert "You're the group's only admin" in await err(
        c, "Bob Stone", "group admin remove Bob", CLUB
    )
    await ok(c, "Bob Stone", "group admin Ann", CLUB)
    assert "You're no longer an admin of Job club." in await ok(
        c, "Ann Lee", "group admin remove Ann Lee", CLUB
    )


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("group admin", "Whom should I make an admin?", "group admin Bob Stone"),
        ("group admin remove", "Whom should I make an admin?", "group admin remove Bob Stone"),
        ("group admin Zed", "No one in this group goes by `Zed`.", "group admin Bob Stone"),
    ],
)
async def test_bad_admin_input_changes_nothing(
    console: ConsoleBackend, text: str, says: str, example: str
) -> None:
    await ok(console, "Ann Lee", "group setup Job club", CLUB)
    await ok(console, "Bob Stone", "group join", CLUB)
    error = await err(console, "Ann Lee", text, CLUB)
    assert says in error and error.endswith(f"Try: `{example}`"), error
    assert "Admins of Job club: Ann Lee." in await ok(console, "Ann Lee", "group admins", CLUB)


async def test_a_lone_admin_may_leave_and_the_next_joiner_runs_the_group(
    console: ConsoleBackend,
) -> None:
    await ok(console, "ann", "group setup", CLUB)
    assert "You left club." in await ok(console, "ann", "group leave", CLUB)
    joined = await ok(console, "ann", "group join", CLUB)
    assert "Nobody was running it, so you're its admin now" in joined
    assert "Group report — club" in await ok(console, "ann", "group report", CLUB)


async def test_an_admin_who_logs_nothing_is_the_coach(console_db: ConsoleBackend) -> None:
    c = console_db
    await ok(c, "Ann Lee", "group setup Job club", CLUB)
    await ok(c, "Bob Stone", "group join", CLUB)
    await ok(c, "Cat", "group join", CLUB)
    await ok(c, "Bob Stone", "met Jane Doe from Acme")
    report = await ok(c, "Ann Lee", "group report", CLUB)
    assert report.splitlines() == [
        "Group report — Job club, week of 06 Jan",
        "1 conversation this week across 2 members.",
        "Coach: Ann.",
        "Active (1)",
        "  Bob — 1 conversation this week",
        "Stalled (1)",
        "  Cat — last step never",
        "Next: a friendly DM to Cat with one small first step.",
    ]
    board = await ok(c, "Cat", "leaderboard", CLUB)
    assert "1 member getting started this week." in board  # Cat, not the coach
    assert "Ann" not in board
    assert "Coaching, not searching: Ann Lee." in await ok(c, "Cat", "group admins", CLUB)
    # A coach who starts logging is a member like any other.
    await ok(c, "Ann Lee", "reached out to Sam @Globex")
    report = await ok(c, "Ann Lee", "group report", CLUB)
    assert "Coach:" not in report and "across 3 members." in report
    assert "  Ann — 0 conversations this week" in report
    assert "2 members getting started" not in await ok(c, "Cat", "leaderboard", CLUB)


async def test_an_opt_out_survives_leaving_and_rejoining(console_db: ConsoleBackend) -> None:
    c = console_db
    await ok(c, "ann", "group setup Job club", CLUB)
    await ok(c, "ann", "group setup Evening circle", "evening")
    for group in (CLUB, "evening"):
        await ok(c, "bob", "group join", group)
    await ok(c, "bob", "met Jane today")
    await ok(c, "bob", "group optout", CLUB)
    await ok(c, "bob", "group leave", CLUB)
    await ok(c, "bob", "group leave", "evening")  # opted in there
    rejoined = await ok(c, "bob", "group join", CLUB)
    assert "You're still off its leaderboard, as you chose." in rejoined
    assert "bob" not in await ok(c, "ann", "leaderboard", CLUB)
    assert "1. bob — 5 pts" in (
        await ok(c, "bob", "group join", "evening") and await ok(c, "ann", "leaderboard", "evening")
    )
    # Back on by choice; and a later leave and rejoin keeps that choice too.
    await ok(c, "bob", "group optin", CLUB)
    await ok(c, "bob", "group leave", CLUB)
    assert "still off" not in await ok(c, "bob", "group join", CLUB)
    assert "1. bob — 5 pts" in await ok(c, "ann", "leaderboard", CLUB)
    # The remembered choice is not a nudge setting.
    assert "Nudges: on\n" in await ok(c, "bob", "settings") + "\n"


async def test_members_shown_alike_are_told_apart(
    console_db: ConsoleBackend, clock: FakeClock
) -> None:
    c = console_db
    await ok(c, "Coach", "group setup Job club", CLUB)
    await ok(c, "Ann", "group join", CLUB)
    await ok(c, "ann smith", "group join", CLUB)
    await ok(c, "Ann", "met Jane today")
    await ok(c, "ann smith", "met Sam today")
    report = await ok(c, "Coach", "group report", CLUB)
    assert "  Ann — 1 conversation this week" in report
    assert "  ann s. — 1 conversation this week" in report
    board = await ok(c, "Coach", "leaderboard", CLUB)
    assert "1. Ann — 5 pts" in board and "1. ann s. — 5 pts" in board

    # Two platform users both called "Ann" (Slack and Discord allow it): apart in the report.
    where = c.where(CLUB)
    for n in (2, 3):
        clock.advance(timedelta(days=1))
        other = Caller(Identity("console", "local", f"ann-{n}"), "Ann")
        assert not (await c.core.handle_text(other, where, "group join")).is_error
    report = await ok(c, "Coach", "group report", CLUB)
    assert "  Ann (joined 07 Jan) — last step never" in report
    assert "  Ann (joined 08 Jan) — last step never" in report
    assert "  Ann (joined 06 Jan) — 1 conversation this week" in report


async def test_a_group_command_in_a_dm_is_suggested_for_the_groups_channel(
    console: ConsoleBackend,
) -> None:
    await ok(console, "ann", "group setup Job club", CLUB)
    await ok(console, "bob", "met Jane today")
    error = await err(console, "ann", "group post thu 09:00")
    assert error.splitlines() == [
        "Type `group post thu 09:00` in your group's channel (Job club) — group commands "
        "work there, not in a DM.",
        "Try: `group post thu 09:00`",
    ]
    assert (await err(console, "bob", "leaderboard")).splitlines() == [
        "`leaderboard` works in a group's channel, not in a DM.",
        "Try: `leaderboard`",
    ]
    assert "Try: `group admin remove Bob`" in await err(console, "ann", "group admin remove Bob")
