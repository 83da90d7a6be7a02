"""Words that help (issue 8): replies that say what is true and what to do, on SQLite.

Help lines are whole sentences; the leaderboard's legend names every step that scores;
`settings foo` lists the settings; nothing reads "I couldn't read ``"; a date too far
off is called that, and an ISO time reads; a snooze's next step fits today; quiet hours
over the check-in are pointed out; a backdated conversation's check-back comes after
its thank-you.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.console.backend import ConsoleBackend
from bot.commands import REGISTRY
from bot.domain import CONVERSATIONS, ActivityKind
from bot.leaderboard import POINTS
from bot.messages.words import ACTIVITY_WORD
from tests.console.helpers import err, ok
from tests.fakes import FakeClock

DAY = timedelta(days=1)


# --- help and the leaderboard -------------------------------------------------------


@pytest.mark.parametrize("name", sorted(n for n, s in REGISTRY.items() if not s.hidden))
def test_every_help_line_is_a_whole_sentence(name: str) -> None:
    """`help` shows each command's summary alone: it must not stop mid-list."""
    summary = REGISTRY[name].summary
    assert summary.endswith((".", "?", "!")), summary
    assert summary.count("(") == summary.count(")"), summary
    assert not summary.rstrip(".").endswith(","), summary


async def test_help_shows_the_nudges_line_whole(console: ConsoleBackend) -> None:
    (nudges,) = [x for x in (await ok(console, "ann", "help")).splitlines() if "`nudges" in x]
    assert nudges.endswith(".") and "(" not in nudges, nudges
    kinds = await ok(console, "ann", "help nudges")
    assert "streak" in kinds and "summary" in kinds


async def test_the_leaderboard_legend_names_every_step_that_scores(
    console: ConsoleBackend,
) -> None:
    await ok(console, "ann", "group setup", "club")
    board = await ok(console, "ann", "leaderboard", "club")
    legend = board.split("Points: ", 1)[1].split(". ", 1)[0]
    scored: dict[str, int] = {}
    for part in legend.split(", "):
        words, points = part.rsplit(" ", 1)
        for word in words.split(" or "):
            scored[word] = int(points)
    for kind, points in POINTS.items():
        word = ACTIVITY_WORD[ActivityKind.MEETING if kind in CONVERSATIONS else kind]
        if points:
            assert scored.get(word) == points, (kind, legend)


# --- settings -----------------------------------------------------------------------


async def test_settings_with_an_unknown_word_lists_the_settings(console: ConsoleBackend) -> None:
    names = [n.split()[1] for n in REGISTRY if n.startswith("settings ")]
    shown = await err(console, "ann", "settings foo")
    assert shown.splitlines()[0] == f"I don't know the setting `foo`. Settings: {', '.join(names)}."
    assert "takes nothing" not in shown
    assert (await err(console, "ann", "settings chekin 9")).endswith(
        "Try: `settings checkin 09:30`"
    )


@pytest.mark.parametrize("name", sorted(REGISTRY))
async def test_nothing_typed_after_a_command_is_never_shown_as_empty_quotes(
    console: ConsoleBackend, name: str
) -> None:
    group = "club" if REGISTRY[name].category == "group" else None
    if group:
        await ok(console, "ann", "group setup", group)
    reply = console.render(await console.reply("ann", name, group))
    assert "``" not in reply, reply


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("settings checkin", "Add a time of day."),
        ("settings days", "Add working days."),
        ("settings quiet", "Add quiet hours."),
    ],
)
async def test_an_empty_value_says_what_is_missing(
    console: ConsoleBackend, text: str, says: str
) -> None:
    assert (await err(console, "ann", text)).splitlines()[0] == says


async def test_quiet_hours_over_the_check_in_are_pointed_out(console: ConsoleBackend) -> None:
    warned = await ok(console, "ann", "settings quiet 08:00-10:00")  # check-in 09:30
    assert warned.splitlines() == [
        "Quiet from 08:00 to 10:00.",
        "Heads-up: your 09:30 check-in falls in your quiet hours (08:00–10:00), "
        "so it will come at 10:00 instead.",
        "Next: pick its time yourself, like `settings checkin 10:00`.",
    ]
    assert "Heads-up" in await ok(console, "ann", "settings checkin 8:30")
    assert "Heads-up" not in await ok(console, "ann", "settings checkin 10:00")
    # Across midnight too, and not when they don't cover it.
    assert "Heads-up" in await ok(console, "ann", "settings quiet 21:00-10:30")
    assert "Heads-up" not in await ok(console, "ann", "settings quiet 21:00-08:00")


# --- dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date_text"),
    [
        ("log meeting Jane 2030-01-01", "2030-01-01"),
        ("log meeting Jane 1999-01-01", "1999-01-01"),
        ("schedule Bo @Hooli 2030-01-01 10:00", "2030-01-01 10:00"),
        ("pause until 2030-01-01", "2030-01-01"),
    ],
)
async def test_a_date_that_reads_but_is_too_far_off_is_called_that(
    console: ConsoleBackend, text: str, date_text: str
) -> None:
    shown = await err(console, "ann", text)
    assert shown.splitlines()[0] == (
        f"`{date_text}` is too far off: dates go up to a year back or ahead."
    )


async def test_an_iso_date_and_time_reads(console: ConsoleBackend, clock: FakeClock) -> None:
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    scheduled = await ok(console, "ann", "schedule Noor @Hooli 2026-12-10T10:00")
    assert scheduled.splitlines()[0] == "Your next conversation: Noor (Hooli), Thu 10 Dec 10:00."
    met = await ok(console, "ann", "met Al @Initech 2026-11-30T16:30")
    assert met.splitlines()[0].endswith("conversation with Al (Initech) yesterday.")


# --- follow-ups ---------------------------------------------------------------------


async def test_a_snooze_says_what_today_still_needs(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")  # thank-you #1, Monday
    keep_going = "Next: one other follow-up today keeps your streak going."
    assert (await ok(console, "ann", "snooze 1")).splitlines()[-1] == keep_going
    await ok(console, "ann", "reached out to Sam")  # today counts now
    done = (await ok(console, "ann", "snooze 1 fri")).splitlines()[-1]
    assert done == "Today counts already. Next: `followups` shows what else is owed."
    clock.advance(5 * DAY)  # Saturday: a rest day
    rest = (await ok(console, "ann", "snooze 1 mon")).splitlines()[-1]
    assert rest == "Next: enjoy the rest day; I'll remind you then."


async def test_a_backdated_conversations_check_back_comes_after_its_thank_you(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # Tuesday
    await ok(console, "ann", "met Jane Doe @Acme 2026-11-20")  # eleven days ago
    owed = await ok(console, "ann", "followups")
    lines = [x.strip() for x in owed.splitlines() if x.startswith("  #")]
    assert lines == [
        "#1 thank-you · Jane Doe (Acme) · due today 13:00",
        "#2 check-back · Jane Doe (Acme) · due Mon 13:00",  # its usual six days after
    ]
    assert "Next: send Jane Doe (Acme) that thank-you today." in owed


async def test_an_on_time_conversation_keeps_its_week(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe @Acme")  # Monday 09:00, logged as it happens
    owed = await ok(console, "ann", "followups")
    assert "#1 thank-you · Jane Doe (Acme) · due tomorrow 09:00" in owed
    assert "#2 check-back · Jane Doe (Acme) · due Mon 13 Jan 09:00" in owed, owed
