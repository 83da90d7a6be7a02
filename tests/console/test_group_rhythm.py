"""Coaches set their group's rhythm through the console: `group post <day> <HH:MM>` and
`group timezone <Area/City>` (admins only) re-plan the weekly post at once; `group` shows
the group's settings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.console.backend import ConsoleBackend
from bot.nudges.model import NudgeKind
from tests.console.helpers import err, ok
from tests.console.test_nudges import Club, club  # noqa: F401  (the fixture)
from tests.unit.harness import local

CLUB = "club"


async def next_post(console: ConsoleBackend) -> list[datetime]:
    """When the planner next looks at the group's weekly post (its cursor), read from storage."""
    async with console.core.uow_factory() as uow:
        due = await uow.cursors.due(datetime(2100, 1, 1, tzinfo=UTC), 1000)
    return [c.next_at for c in due if c.kind is NudgeKind.LEADERBOARD]


async def test_group_shows_its_settings(console: ConsoleBackend) -> None:
    await ok(console, "Ann Lee", "group setup Job club", CLUB)
    await ok(console, "Bob Stone", "group join", CLUB)
    shown = await ok(console, "Bob Stone", "group", CLUB)
    assert shown.splitlines() == [
        "Group: Job club",
        "Timezone: UTC",
        "Weekly leaderboard: Fridays at 16:00 (next: Fri 10 Jan, 16:00)",
        "Members: 2",
        "Admins: Ann Lee",
        "Next: `leaderboard` shows this week so far.",
    ]
    assert (await ok(console, "Ann Lee", "group", CLUB)).endswith(
        "Change when it posts: `group post fri 16:00` or `group timezone Europe/London`."
    )


async def test_moving_the_post_replans_it_at_once(console: ConsoleBackend) -> None:
    await ok(console, "ann", "group setup Job club", CLUB)
    assert await next_post(console) == [datetime(2025, 1, 10, 16, 0, tzinfo=UTC)]

    moved = await ok(console, "ann", "group post wed 09:30", CLUB)
    assert moved.splitlines() == [
        "The weekly leaderboard now goes out Wednesdays at 09:30, UTC time.",
        "Next post: Wed 08 Jan, 09:30. `group` shows every setting.",
    ]
    assert await next_post(console) == [datetime(2025, 1, 8, 9, 30, tzinfo=UTC)]

    # The week and the post follow the group's timezone: 09:30 in Tokyo is 00:30 UTC.
    zoned = await ok(console, "ann", "group timezone asia/tokyo", CLUB)
    assert "Wednesdays at 09:30, Asia/Tokyo time." in zoned
    assert await next_post(console) == [datetime(2025, 1, 8, 0, 30, tzinfo=UTC)]
    assert "Weekly leaderboard: Wednesdays at 09:30 (next: Wed 08 Jan, 09:30)" in await ok(
        console, "ann", "group", CLUB
    )
    # Full day names and am/pm read too.
    await ok(console, "ann", "group post Friday 4pm", CLUB)
    assert await next_post(console) == [datetime(2025, 1, 10, 7, 0, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("user", "text", "group", "says", "example"),
    [
        ("ann", "group post", CLUB, "Give a day and a time.", "group post fri 16:00"),
        ("ann", "group post fri", CLUB, "Give a day and a time.", "group post fri 16:00"),
        ("ann", "group post funday 16:00", CLUB, "`funday` as a day", "group post fri 16:00"),
        ("ann", "group post fri 25:00", CLUB, "`25:00` as a time of day", "group post fri 16:00"),
        ("ann", "group timezone", CLUB, "Which timezone?", "group timezone Europe/London"),
        (
            "ann",
            "group timezone Europe/Lundon",
            CLUB,
            "I don't know the timezone `Europe/Lundon`.",
            "group timezone Europe/London",
        ),
        ("bob", "group post thu 09:00", CLUB, "Only the group's admins", "group admins"),
        ("bob", "group timezone Asia/Tokyo", CLUB, "Only the group's admins", "group admins"),
        ("dan", "group post thu 09:00", CLUB, "Only the group's admins", "group admins"),
        ("ann", "group post thu 09:00", None, "not in a DM", "group post thu 09:00"),
        ("ann", "group", None, "not in a DM", "group"),
        ("ann", "group frobnicate", CLUB, "I don't know `group frobnicate`", None),
        (
            "ann",
            "group pots fri 16:00",
            CLUB,
            "I don't know `group pots` — did you mean `group post`?",
            "group post fri 16:00",
        ),
        ("dan", "group jion", CLUB, "did you mean `group join`?", "group join"),
    ],
)
async def test_bad_rhythm_input_changes_nothing(
    console: ConsoleBackend,
    user: str,
    text: str,
    group: str | None,
    says: str,
    example: str | None,
) -> None:
    await ok(console, "ann", "group setup", CLUB)
    await ok(console, "bob", "group join", CLUB)
    before = await ok(console, "ann", "group", CLUB)
    planned = await next_post(console)
    error = await err(console, user, text, group)
    assert says in error
    if example:
        assert error.endswith(f"Try: `{example}`"), error
    assert await ok(console, "ann", "group", CLUB) == before
    assert await next_post(console) == planned


async def test_the_post_goes_out_at_the_new_time(club: Club) -> None:  # noqa: F811
    c = club.console  # the clock: Monday 6 January, 07:00 in New York
    await ok(c, "ann", "settings timezone America/New_York")
    await ok(c, "ann", "group setup Job club", CLUB)
    await ok(c, "ann", "group post wed 10:00", CLUB)
    await ok(c, "ann", "group timezone Europe/London", CLUB)
    await ok(c, "bo", "group join", CLUB)
    await ok(c, "bo", "met Jane Doe from Acme")
    await club.run(local(date(2025, 1, 11), 12, 0, "America/New_York"))
    posts = [p for p in club.printed if "nudge to #club" in p]
    assert len(posts) == 1  # once, at the new time: 10:00 London is 05:00 in New York
    assert posts[0].startswith("[Wed 08 Jan 05:00 EST nudge to #club]")
    assert "1. bo — 5 pts" in posts[0]
    # The admin's summary moved with it.
    assert ("Wed 05:00", "Group report — Job club, week of 06 Jan") in [
        (at, text.splitlines()[0]) for at, text in club.received("ann")
    ]
