"""Settings and the clock through the console: `settings` and its subcommands, `nudges`,
`pause`, `resume`, `landed`. Each setting is checked where a member would notice it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import err, ok
from tests.fakes import FakeClock

DAY = timedelta(days=1)


def setting(text: str, label: str) -> str:
    for line in text.splitlines():
        if line.startswith(f"{label}: "):
            return line.removeprefix(f"{label}: ")
    raise AssertionError(f"no {label!r} in:\n{text}")


async def test_default_settings(console: ConsoleBackend) -> None:
    assert (await ok(console, "ann", "settings")).splitlines() == [
        "Your settings",
        "Timezone: UTC",
        "Check-in: 09:30",
        "Working days: mon, tue, wed, thu, fri",
        "Quiet hours: off",
        "Weekly goal: 5 conversations",
        "Nudges: on",
        "Status: searching",
        "Change one with e.g. `settings checkin 09:30`.",
    ]


async def test_every_setting_is_saved_and_shown(console: ConsoleBackend) -> None:
    said = {
        "settings timezone america/new_york": "Timezone set to America/New_York.",
        "settings checkin 8am": "Daily check-in at 08:00 your time.",
        "settings days mon,wed,fri": "Working days: mon, wed, fri.",
        "settings quiet 21:00-7:30": "Quiet from 21:00 to 07:30.",
        "settings goal 8": "Weekly goal: 8 conversations.",
        "nudges off": "Nudges off. I won't message you unless you ask.",
    }
    for text, expected in said.items():
        assert (await ok(console, "ann", text)).splitlines()[0] == expected
    shown = await ok(console, "ann", "settings")
    assert setting(shown, "Timezone") == "America/New_York"
    assert setting(shown, "Check-in") == "08:00"
    assert setting(shown, "Working days") == "mon, wed, fri"
    assert setting(shown, "Quiet hours") == "21:00–07:30"
    assert setting(shown, "Weekly goal") == "8 conversations"
    assert setting(shown, "Nudges") == "off"

    assert "Quiet hours off." in await ok(console, "ann", "settings quiet off")
    assert "Nudges on. I'll check in on your working days." in await ok(console, "ann", "nudges on")
    assert "Working days: mon, tue, wed, thu, fri, sat, sun." in await ok(
        console, "ann", "settings days every day"
    )
    assert "Working days: tue, wed, thu." in await ok(console, "ann", "settings days tue-thu")
    shown = await ok(console, "ann", "settings")
    assert setting(shown, "Quiet hours") == "off"
    assert setting(shown, "Nudges") == "on"
    assert setting(shown, "Working days") == "tue, wed, thu"

    # Settings are per member.
    assert setting(await ok(console, "bob", "settings"), "Timezone") == "UTC"


async def test_timezone_and_checkin_shape_dates(console: ConsoleBackend) -> None:
    # Monday 09:00 UTC is 04:00 in New York.
    await ok(console, "ann", "settings timezone America/New_York")
    await ok(console, "ann", "settings checkin 08:15")
    # A planned follow-up without a time comes at the check-in time, local.
    assert "follow up with Jane Fri 08:15." in await ok(console, "ann", "followup Jane fri")
    # A time of day is read in the member's zone.
    assert "Your next conversation: Sam, Thu 15:00." in await ok(
        console, "ann", "schedule Sam thu 3pm"
    )
    assert "Sam, Thu 15:00" in await ok(console, "ann", "next")


async def test_working_days_decide_rest_days(console: ConsoleBackend, clock: FakeClock) -> None:
    await ok(console, "ann", "settings days mon,wed,fri")
    await ok(console, "ann", "reached out to Sam")  # Monday
    clock.advance(DAY)  # Tuesday: not a working day any more
    tuesday = await ok(console, "ann", "streak")
    assert "Today is a rest day: it doesn't count against you." in tuesday
    clock.advance(DAY)  # Wednesday: Tuesday was no miss
    await ok(console, "ann", "followup Sam")
    assert (await ok(console, "ann", "streak")).startswith("Streak: 2 working days.")


async def test_weekly_goal_is_what_progress_is_measured_against(console: ConsoleBackend) -> None:
    await ok(console, "ann", "settings goal 1")
    assert "Conversations this week: 0 of 1" in await ok(console, "ann", "next")
    await ok(console, "ann", "met Jane today")
    assert "This week: 1 conversation of your goal of 1." in await ok(console, "ann", "stats")
    assert "Goal met" in await ok(console, "ann", "stats")
    assert "of your goal of 4." in await ok(console, "ann", "stats month")


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("settings timezone Mars/Olympus", "I don't know the timezone `Mars/Olympus`.", None),
        ("settings timezone Europe/Lundon", "timezone", "settings timezone Europe/London"),
        ("settings timezone", "timezone", None),
        ("settings checkin 25:00", "I couldn't read `25:00` as a time of day.", None),
        ("settings checkin soon", "as a time of day", "settings checkin 09:30"),
        ("settings days funday", "I couldn't read `funday` as working days.", None),
        ("settings days mon-fri-sun", "as working days", "settings days mon-fri"),
        ("settings quiet 9-9", "I couldn't read `9-9` as quiet hours.", None),
        ("settings quiet always", "as quiet hours", "settings quiet 21:00-08:00"),
        ("settings goal 0", "A weekly goal is a number of conversations from 1 to 50.", None),
        ("settings goal 51", "from 1 to 50", "settings goal 5"),
        ("settings goal lots", "should be a number", "settings goal 5"),
        ("nudges maybe", "Nudges are `on` or `off`, all of them or one kind.", "nudges off"),
        ("nudges", "Nudges are `on` or `off`, all of them or one kind.", "nudges off"),
        ("nudges off foo", "I don't know the nudge `foo`", "nudges off streak"),
    ],
)
async def test_bad_settings_input_changes_nothing(
    console: ConsoleBackend, text: str, says: str, example: str | None
) -> None:
    before = await ok(console, "ann", "settings")
    error = await err(console, "ann", text)
    assert says in error
    if example:
        assert error.endswith(f"Try: `{example}`")
    assert await ok(console, "ann", "settings") == before


# --- pause, resume, landed ------------------------------------------------------------


async def test_a_pause_keeps_the_streak(console: ConsoleBackend, clock: FakeClock) -> None:
    await ok(console, "ann", "reached out to Sam")  # Monday
    clock.advance(DAY)
    paused = await ok(console, "ann", "pause 3")  # Tuesday to Thursday
    assert paused.splitlines() == [
        "Paused until Fri. Your streak waits for you — rest well.",
        "Back early? `resume`.",
    ]
    assert setting(await ok(console, "ann", "settings"), "Status") == (
        "searching, paused; back on 2025-01-10"
    )
    assert "Today is a rest day" in await ok(console, "ann", "streak")
    clock.advance(3 * DAY)  # Friday: back, streak intact
    friday = await ok(console, "ann", "streak")
    assert friday.splitlines()[0] == "Streak: 1 working day."
    await ok(console, "ann", "followup Sam")
    assert (await ok(console, "ann", "streak")).startswith("Streak: 2 working days.")


async def test_without_a_pause_the_same_gap_breaks_it(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console, "ann", "reached out to Sam")
    clock.advance(4 * DAY)
    assert "Fresh start today" in await ok(console, "ann", "streak")


async def test_pause_until_a_day_and_resume_early(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    assert "You're not paused." in await ok(console, "ann", "resume")
    assert "Paused until Fri." in await ok(console, "ann", "pause until fri")
    clock.advance(DAY)
    assert "Welcome back!" in await ok(console, "ann", "resume")
    assert setting(await ok(console, "ann", "settings"), "Status") == "searching"
    assert "You're not paused." in await ok(console, "ann", "resume")


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("pause", "A pause is 1 to 90 days", "pause 5"),
        ("pause 0", "A pause is 1 to 90 days", "pause 5"),
        ("pause 91 days", "A pause is 1 to 90 days", "pause 5"),
        ("pause until yesterday", "A pause is 1 to 90 days", "pause until mon"),
        ("pause blorp", "I couldn't read `blorp` as a date.", "pause until mon"),
    ],
)
async def test_bad_pause_input(console: ConsoleBackend, text: str, says: str, example: str) -> None:
    error = await err(console, "ann", text)
    assert says in error and error.endswith(f"Try: `{example}`")
    assert setting(await ok(console, "ann", "settings"), "Status") == "searching"


async def test_landed_stops_the_clock_and_resume_restarts_it(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console, "ann", "reached out to Sam")  # Monday
    clock.advance(DAY)
    assert "Congratulations — you landed!" in await ok(console, "ann", "landed")
    assert "You already landed — congratulations again." in await ok(console, "ann", "landed")
    assert setting(await ok(console, "ann", "settings"), "Status") == "landed"

    clock.set(datetime(2025, 1, 15, 9, 0, tzinfo=UTC))  # the Wednesday after
    streak = await ok(console, "ann", "streak")
    assert streak.splitlines()[0] == "Streak: 1 working day."
    assert "You landed — the clock is stopped, your streak kept." in streak

    assert "Welcome back!" in await ok(console, "ann", "resume")
    assert setting(await ok(console, "ann", "settings"), "Status") == "searching"
    await ok(console, "ann", "followup Sam")
    assert (await ok(console, "ann", "streak")).startswith("Streak: 2 working days.")
