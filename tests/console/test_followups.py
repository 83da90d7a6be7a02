"""Follow-ups owed through the console: `followups`, `done`, `snooze`, `drop`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import err, ok
from tests.fakes import FakeClock


async def test_working_through_what_is_owed(console: ConsoleBackend, clock: FakeClock) -> None:
    assert (await ok(console, "ann", "followups")).splitlines() == [
        "You owe no follow-ups. Clean slate.",
        "Next: who could you set up a conversation with this week?",
    ]
    await ok(console, "ann", "met Jane Doe from Acme yesterday")  # thank-you #1, check-back #2
    await ok(console, "ann", "lead Priya @Initech via Sam")  # first outreach #3
    await ok(console, "ann", "followup Sam fri")  # planned #4

    reply = await console.reply("ann", "followups")
    owed = console.render(reply)
    assert owed.splitlines()[:6] == [
        "Follow-ups owed (4)",
        "Coming up",
        "  #1 thank-you · Jane Doe (Acme) · due today 13:00",
        "  #3 first outreach · Priya (Initech) · due Wed 09:00",
        "  #4 follow-up · Sam · due Fri 09:30",
        "  #2 check-back · Jane Doe (Acme) · due Sun 13:00",  # six days after the thank-you
    ]
    assert "Next: send Jane Doe (Acme) that thank-you today." in owed
    assert [a.command for a in reply.actions] == ["done 1", "snooze 1 tomorrow", "drop 1"]

    # The thank-you's deadline passes: it moves to Overdue.
    clock.advance(timedelta(hours=5))
    owed = await ok(console, "ann", "followups")
    assert "Overdue\n  #1 thank-you · Jane Doe (Acme) · overdue since today 13:00" in owed
    assert "Follow-ups owed: 4 (1 overdue)" in await ok(console, "ann", "next")

    # The buttons' commands work as typed.
    done = await ok(console, "ann", "done 1")
    assert done.splitlines()[0] == "Done: thank-you to Jane Doe (Acme). 3 still open."
    snoozed = await ok(console, "ann", "snooze 3 tomorrow")
    assert (
        snoozed.splitlines()[0]
        == "Snoozed: first outreach to Priya (Initech) until tomorrow 09:30."
    )
    dropped = await ok(console, "ann", "drop #4")
    assert dropped.splitlines()[0] == "Dropped the follow-up to Sam. No more reminders for it."

    owed = await ok(console, "ann", "followups")
    assert owed.splitlines()[:4] == [
        "Follow-ups owed (2)",
        "Coming up",
        "  #3 first outreach · Priya (Initech) · due tomorrow 09:30",
        "  #2 check-back · Jane Doe (Acme) · due Sun 13:00",
    ]

    # By name: the earliest one owed to that person.
    assert "Snoozed: check-back to Jane Doe (Acme) until Fri 09:30." in await ok(
        console, "ann", "snooze Jane fri"
    )
    last = await ok(console, "ann", "done Priya")
    assert "Done: first outreach to Priya (Initech). 1 still open." in last
    assert "Done: check-back to Jane Doe (Acme). That was the last one." in await ok(
        console, "ann", "done Jane Doe"
    )
    assert "You owe no follow-ups" in await ok(console, "ann", "followups")


async def test_done_counts_as_a_step_and_drop_does_not(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "lead Priya @Initech via Sam")
    assert "Fresh start today" in await ok(console, "ann", "streak")

    await ok(console, "ann", "drop Priya")
    week = await ok(console, "ann", "stats")
    assert "outreach" not in week
    assert "Fresh start today" in await ok(console, "ann", "streak")

    await ok(console, "ann", "done 1")  # the thank-you, logged as one
    week = await ok(console, "ann", "stats")
    assert "thank-yous: 1" in week
    assert "Today counts already." in await ok(console, "ann", "streak")
    assert "today · thank-you" in await ok(console, "ann", "contact Jane")


async def test_snooze_defaults_to_tomorrow_and_accepts_dates(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme today")  # thank-you #1 due tomorrow 09:00
    assert "until tomorrow 09:30" in await ok(console, "ann", "snooze 1")
    assert "until Thu 09:30" in await ok(console, "ann", "snooze #1 in 3 days")
    assert "until Fri 15:00" in await ok(console, "ann", "snooze Jane fri 3pm")
    assert "#1 thank-you · Jane Doe (Acme) · due Fri 15:00" in await ok(console, "ann", "followups")


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("done", "Which follow-up?", "done 3"),
        ("snooze", "Which follow-up?", "snooze 3 tomorrow"),
        ("drop", "Which follow-up?", "drop 3"),
        ("done 99", "There's no open follow-up for `99`.", "followups"),
        ("drop nobody", "There's no open follow-up for `nobody`.", "followups"),
        ("snooze 99 tomorrow", "There's no open follow-up for `99`.", "followups"),
        ("snooze 1 yesterday", "Snooze needs a time still ahead.", "snooze 3 fri"),
        ("snooze 1 2025-13-45", "I couldn't read `2025-13-45` as a date.", "snooze 3 tomorrow"),
    ],
)
async def test_bad_followup_input(
    console: ConsoleBackend, text: str, says: str, example: str
) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    before = await ok(console, "ann", "followups")
    error = await err(console, "ann", text)
    assert says in error
    assert error.endswith(f"Try: `{example}`")
    assert await ok(console, "ann", "followups") == before


async def test_a_closed_followup_cannot_be_closed_again(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "done 1")
    assert "There's no open follow-up for `1`." in await err(console, "ann", "done 1")
    assert "There's no open follow-up for `1`." in await err(console, "ann", "snooze 1 fri")
    await ok(console, "ann", "drop 2")
    assert "There's no open follow-up for `#2`." in await err(console, "ann", "drop #2")
    assert "thank-yous: 1" in await ok(console, "ann", "stats")  # done once, counted once


@pytest.mark.parametrize(
    ("text", "buttons"),
    [
        ("done Jane", ["done 1", "done 3"]),
        ("snooze Jane fri", ["snooze 1 fri", "snooze 3 fri"]),
        ("drop Jane", ["drop 1", "drop 3"]),
    ],
)
async def test_a_name_two_people_share_asks_which_one(
    console: ConsoleBackend, text: str, buttons: list[str]
) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")  # thank-you #1, check-back #2
    await ok(console, "ann", "met Jane Smith from Globex yesterday")  # #3 and #4
    before = await ok(console, "ann", "followups")
    reply = await console.reply("ann", text)
    shown = console.render(reply)
    assert reply.is_error and shown.startswith("Which Jane did you mean?"), shown
    assert "Jane Doe (Acme)" in shown and "Jane Smith (Globex)" in shown
    assert [a.command for a in reply.actions] == buttons
    assert await ok(console, "ann", "followups") == before  # nothing picked silently

    # Her button acts on Jane Smith's earliest, and on nothing of Jane Doe's.
    answer = await ok(console, "ann", buttons[1])
    assert "Jane Smith (Globex)" in answer and "Jane Doe" not in answer
    owed = await ok(console, "ann", "followups")
    assert "#1 thank-you · Jane Doe (Acme) · due today 13:00" in owed
    assert ("#3 thank-you" in owed) is text.startswith("snooze")

    # Several owed to one person is no question: the earliest due.
    one = text.replace("Jane", "Jane D")
    assert "thank-you to Jane Doe (Acme)" in await ok(console, "ann", one)
