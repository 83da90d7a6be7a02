"""Groups through the console, several users in one channel: `group setup`, `group join`,
`group leave`, `group optout`, `group optin`, `leaderboard`, `group report`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.backend import ConsoleBackend
from bot.replies import Visibility
from tests.console.helpers import err, ok, without_welcome
from tests.fakes import FakeClock

CLUB = "club"


async def test_a_job_club_week(console: ConsoleBackend, clock: FakeClock) -> None:
    created = await console.reply("Ann Lee", "group setup Tuesday job club", group=CLUB)
    assert without_welcome(console.render(created)).splitlines() == [
        "This channel is now the job-search group Tuesday job club. You're its admin.",
        "Next: invite members to type `group join` here.",
    ]
    assert created.visibility is Visibility.PUBLIC

    joined = await ok(console, "Bob Stone", "group join", CLUB)
    assert joined.startswith("Welcome to Tuesday job club!")
    assert "You're already in Tuesday job club." in await ok(
        console, "Bob Stone", "group join", CLUB
    )
    await ok(console, "Cat", "group join", CLUB)
    await ok(console, "Ann Cole", "group join", CLUB)  # a second Ann

    # Steps are logged anywhere (DM or channel); the board counts them, never details.
    await ok(console, "Bob Stone", "met Jane Doe from Acme")
    await ok(console, "Bob Stone", "thanked Jane")
    await ok(console, "Cat", "reached out to Sam @Globex", CLUB)
    await ok(console, "Ann Lee", "applied to Hooli")

    board = await console.reply("Cat", "leaderboard", group=CLUB)
    assert board.visibility is Visibility.PUBLIC
    assert console.render(board).splitlines()[:5] == [
        "Leaderboard — Tuesday job club, week of 06 Jan",
        "1. Bob — 8 pts · 1 conversation · 1 follow-up",
        "2. Cat — 2 pts · 0 conversations · 0 follow-ups",
        "3. Ann L. — 1 pt · 0 conversations · 0 follow-ups",
        "1 member getting started this week.",
    ]
    text = console.render(board)
    for private in ("Jane", "Acme", "Globex", "Hooli", "Stone"):
        assert private not in text

    # Opting out hides a name but keeps the log; opting in shows it again.
    assert "You're off the leaderboard" in await ok(console, "Cat", "group optout", CLUB)
    board_text = await ok(console, "Bob Stone", "leaderboard", CLUB)
    assert "Cat" not in board_text
    assert "2. Ann L. — 1 pt" in board_text
    assert "Streak: 1 day · done today" in await ok(console, "Cat", "next")
    assert "Your first name is back on the leaderboard." in await ok(
        console, "Cat", "group optin", CLUB
    )
    assert "2. Cat — 2 pts" in await ok(console, "Ann Lee", "leaderboard", CLUB)

    # The admin's report: who is active, who is stalled. Nobody else may read it.
    report = await ok(console, "Ann Lee", "group report", CLUB)
    assert report.splitlines() == [
        "Group report — Tuesday job club, week of 06 Jan",
        "1 conversation this week across 4 members.",
        "Active (2)",
        "  Bob — 1 conversation this week",
        "  Cat — 0 conversations this week",
        "Stalled (2)",
        "  Ann C. — last step never",
        "  Ann L. — last step never",
        "Next: a friendly DM to Ann C. with one small first step.",
    ]
    assert "Only the group's admins can see the report." in await err(
        console, "Bob Stone", "group report", CLUB
    )

    # Leaving: off the board and out of the report; the member's own log stays.
    left = await ok(console, "Bob Stone", "group leave", CLUB)
    assert left.startswith("You left Tuesday job club. Your own log stays yours.")
    assert "Bob" not in await ok(console, "Ann Lee", "leaderboard", CLUB)
    assert "across 3 members" in await ok(console, "Ann Lee", "group report", CLUB)
    assert "Jane Doe (Acme)" in await ok(console, "Bob Stone", "contacts")

    # A new week starts from zero.
    clock.advance(timedelta(days=7))
    board_text = await ok(console, "Cat", "leaderboard", CLUB)
    assert "No points yet this week — the first conversation sets the pace." in board_text
    assert "week of 13 Jan" in board_text
    assert "3 members getting started this week." in board_text


async def test_two_groups_are_separate(console: ConsoleBackend) -> None:
    await ok(console, "ann", "group setup", "club")
    await ok(console, "bob", "group setup Evening circle", "evening")
    await ok(console, "bob", "met Jane today")
    club = await ok(console, "ann", "leaderboard", "club")
    assert club.startswith("Leaderboard — club,")  # named after the channel by default
    assert "bob" not in club
    assert "1. bob — 5 pts" in await ok(console, "bob", "leaderboard", "evening")


@pytest.mark.parametrize(
    ("user", "text", "group", "says", "example"),
    [
        ("ann", "group setup", None, "the channel that should become the group", "group setup"),
        ("ann", "group join", None, "not in a DM", "group join"),
        ("ann", "leaderboard", None, "not in a DM", "leaderboard"),
        ("ann", "group report", None, "not in a DM", "group report"),
        ("ann", "group setup", CLUB, "This channel is already a group.", "group join"),
        ("dan", "group join", "elsewhere", "This channel isn't a job-search group yet.", None),
        ("dan", "leaderboard", "elsewhere", "isn't a job-search group yet", "group setup"),
        ("dan", "group leave", CLUB, "You're not in this group yet.", "group join"),
        ("dan", "group optout", CLUB, "You're not in this group yet.", "group join"),
        ("dan", "group optin", CLUB, "You're not in this group yet.", "group join"),
        ("dan", "group report", CLUB, "Only the group's admins can see the report.", None),
        ("dan", "group frobnicate", CLUB, "I don't know", None),
    ],
)
async def test_bad_group_input(
    console: ConsoleBackend,
    user: str,
    text: str,
    group: str | None,
    says: str,
    example: str | None,
) -> None:
    await ok(console, "ann", "group setup", CLUB)
    before = await ok(console, "ann", "group report", CLUB)
    error = await err(console, user, text, group)
    assert says in error
    if example:
        assert error.endswith(f"Try: `{example}`")
    assert await ok(console, "ann", "group report", CLUB) == before


async def test_forgotten_member_leaves_the_group(console: ConsoleBackend) -> None:
    await ok(console, "ann", "group setup", CLUB)
    await ok(console, "bob", "group join", CLUB)
    await ok(console, "bob", "met Jane today")
    await ok(console, "bob", "forget me")
    await ok(console, "bob", "yes")
    assert "bob" not in await ok(console, "ann", "leaderboard", CLUB)
    report = await ok(console, "ann", "group report", CLUB)
    assert "across 0 members." in report and "Coach: ann." in report and "bob" not in report
