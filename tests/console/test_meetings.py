"""Scheduled conversations through the console: `meetings`, `cancel`, `move`, and
`schedule` asking before it stores a second one with the same person."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import err, ok
from tests.console.test_progress import field
from tests.fakes import FakeClock

# The console's clock starts on Monday 6 January 2025, 09:00 UTC (the member's zone).


async def test_scheduling_noor_twice_then_friday_moves_the_one_interview(
    console: ConsoleBackend,
) -> None:
    first = await ok(console, "ann", "schedule Noor @Hooli thu 3pm interview")
    assert "Your next interview: Noor (Hooli), Thu 15:00." in first.splitlines()
    # The same line again (a double tap): nothing new is stored.
    again = await ok(console, "ann", "schedule Noor @Hooli thu 3pm interview")
    assert again.splitlines()[0] == (
        "Your interview with Noor (Hooli), Thu 15:00, is already on your calendar."
    )
    # Another time: asked, not stored.
    reply = await console.reply("ann", "schedule Noor @Hooli fri 3pm interview")
    assert console.render(reply).splitlines()[:2] == [
        "You already have an interview with Noor (Hooli) coming up: Thu 15:00 (#1).",
        "Move it to Fri 15:00, or keep both?",
    ]
    move, keep = reply.actions
    assert (move.label, move.command) == ("Move it", "move 1 2025-01-10 15:00")
    assert (keep.label, keep.command) == (
        "Keep both",
        "schedule #1 @Hooli 2025-01-10 15:00 interview again",
    )
    assert (await ok(console, "ann", "meetings")).splitlines()[:2] == [
        "Coming up (1)",
        "#1 Thu 15:00 · interview with Noor (Hooli)",
    ]
    moved = await ok(console, "ann", move.command)
    assert moved.splitlines() == [
        "Moved your interview with Noor (Hooli) from Thu 15:00 to Fri 15:00.",
        "Next: research them and write down three questions before then.",
    ]
    listed = await ok(console, "ann", "meetings")
    assert listed.splitlines() == [
        "Coming up (1)",
        "#1 Fri 15:00 · interview with Noor (Hooli)",
        "`move 1 fri 3pm` or `cancel 1` changes one.",
        "Next: prepare for the first — research them and have three questions.",
    ]
    dash = await ok(console, "ann", "next")
    assert field(dash, "Your next interview") == "Noor (Hooli), Fri 15:00"
    card = await ok(console, "ann", "contact Noor")
    assert "Coming up\n  #1 Fri 15:00 · interview" in card


async def test_keep_both_then_cancel_asks_which(console: ConsoleBackend) -> None:
    await ok(console, "ann", "schedule Noor @Hooli thu 3pm interview")
    reply = await console.reply("ann", "schedule Noor fri 10:00")
    keep = reply.actions[1]
    assert keep.command == "schedule #1 2025-01-10 10:00 meeting again"
    await ok(console, "ann", keep.command)
    assert (await ok(console, "ann", "meetings")).splitlines()[:3] == [
        "Coming up (2)",
        "#1 Thu 15:00 · interview with Noor (Hooli)",
        "#2 Fri 10:00 · conversation with Noor (Hooli)",
    ]
    assert "#1 Thu 15:00 · interview\n  #2 Fri 10:00 · conversation" in await ok(
        console, "ann", "contact Noor"
    )
    which = await console.reply("ann", "cancel Noor")
    assert not which.is_error
    assert console.render(which).splitlines()[0] == "2 conversations coming up match `Noor`:"
    assert [a.command for a in which.actions] == ["cancel 1", "cancel 2"]
    assert "Coming up (2)" in await ok(console, "ann", "meetings")  # asking cancelled nothing
    cancelled = await ok(console, "ann", which.actions[0].command)
    assert cancelled.splitlines()[0] == (
        "Cancelled your interview with Noor (Hooli), Thu 15:00."
    )
    # One left with Noor: named by the person, it is that one.
    await ok(console, "ann", "cancel Noor")
    assert "Nothing on your calendar yet." in await ok(console, "ann", "meetings")
    assert "Coming up" not in await ok(console, "ann", "contact Noor")
    assert field(await ok(console, "ann", "next"), "Your next interview") == "not scheduled yet"


async def test_move_by_person_keeps_the_time_of_day_when_given_a_day(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console, "ann", "schedule Jane Doe @Acme thu 3pm")
    moved = await ok(console, "ann", "move Jane to mon")
    assert moved.splitlines()[0] == (
        "Moved your conversation with Jane Doe (Acme) from Thu 15:00 to Mon 13 Jan 15:00."
    )
    await ok(console, "ann", "move @Acme fri 9am")
    assert "#1 Fri 09:00 · conversation with Jane Doe (Acme)" in await ok(
        console, "ann", "meetings"
    )
    # The meeting's organisation names it too, for one with no one in particular.
    await ok(console, "ann", "schedule @Initech wed 11:00 interview")
    await ok(console, "ann", "cancel Initech")
    assert "Initech" not in await ok(console, "ann", "meetings")
    # A held meeting is no longer on the calendar to move.
    clock.set(datetime(2025, 1, 10, 10, 0, tzinfo=UTC))
    await ok(console, "ann", "met Jane today")
    assert "Nothing on your calendar is #1." in await err(console, "ann", "move 1 sat 10am")


async def test_a_name_that_fits_two_people_asks_which_meeting(console: ConsoleBackend) -> None:
    await ok(console, "ann", "schedule Jane Doe @Acme thu 3pm")
    await ok(console, "ann", "schedule Jane Smith @Globex fri 10am")
    which = await console.reply("ann", "move Jane tue")
    assert console.render(which).splitlines()[:3] == [
        "2 conversations coming up match `Jane`:",
        "#1 Thu 15:00 · conversation with Jane Doe (Acme)",
        "#2 Fri 10:00 · conversation with Jane Smith (Globex)",
    ]
    # Each button carries its meeting and an absolute time (each keeps its time of day).
    assert [a.command for a in which.actions] == [
        "move 1 2025-01-07 15:00",
        "move 2 2025-01-07 10:00",
    ]
    await ok(console, "ann", which.actions[1].command)
    assert (await ok(console, "ann", "meetings")).splitlines()[1:3] == [
        "#2 tomorrow 10:00 · conversation with Jane Smith (Globex)",
        "#1 Thu 15:00 · conversation with Jane Doe (Acme)",
    ]
    # The full name is one person: no question.
    await ok(console, "ann", "cancel Jane Doe")
    assert "Jane Doe" not in await ok(console, "ann", "meetings")


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("cancel", "Which conversation? Give its number or the person.", "cancel Jane"),
        ("cancel 99", "Nothing on your calendar is #99.", "meetings"),
        ("cancel Zed", "Nothing coming up with Zed.", "meetings"),
        ("move", "Which conversation? Give its number or the person.", "move Jane fri 3pm"),
        ("move Noor", "When should it move to?", "move Noor fri 3pm"),
        ("move 1 yesterday", "That time has passed — pick a later one.", "move 1 fri 3pm"),
        ("move 1 someday", "I couldn't read `someday` as a date.", None),
        ("move Zed fri", "Nothing coming up with Zed.", "move Zed fri 3pm"),
    ],
)
async def test_bad_cancel_or_move(
    console: ConsoleBackend, text: str, says: str, example: str | None
) -> None:
    await ok(console, "ann", "schedule Noor @Hooli thu 3pm interview")
    before = await ok(console, "ann", "meetings")
    error = await err(console, "ann", text)
    assert says in error
    if example:
        assert error.endswith(f"Try: `{example}`")
    assert await ok(console, "ann", "meetings") == before


async def test_nothing_scheduled(console: ConsoleBackend) -> None:
    assert (await ok(console, "ann", "meetings")).splitlines()[-2:] == [
        "Nothing on your calendar yet.",
        "Next: ask someone you've met for 20 minutes, then `schedule Jane Doe @Acme thu 3pm`.",
    ]


@pytest.mark.parametrize(
    ("logged", "held"),
    [
        ("met Noor", True),  # the person, earlier on its day than planned
        ("interviewed at Hooli", True),  # the organisation, no one named
        ("log interview @hooli", True),  # the organisation, in any case
        ("met Sam @Hooli", False),  # someone else there: another conversation
        ("met Noor yesterday", False),  # another day
        ("reached out to Noor", False),  # not a conversation
    ],
)
async def test_a_conversation_logged_on_its_day_marks_the_scheduled_one_held(
    console: ConsoleBackend, clock: FakeClock, logged: str, held: bool
) -> None:
    await ok(console, "ann", "schedule Noor @Hooli wed 3pm interview")
    clock.set(datetime(2025, 1, 8, 10, 0, tzinfo=UTC))  # Wednesday morning
    await ok(console, "ann", logged)
    listed = await ok(console, "ann", "meetings")
    assert ("#1 today 15:00 · interview with Noor (Hooli)" not in listed) is held
    assert ("#1 today 15:00" in await ok(console, "ann", "contact Noor")) is not held
