"""Pausing or landing changes neither the streak nor the best, and `streak` says one
thing about today: a day acted on counts, even one taken off the clock afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import ok
from tests.fakes import FakeClock

DAY = timedelta(days=1)


async def two_days(console: ConsoleBackend, clock: FakeClock) -> None:
    await ok(console, "ann", "reached out to Sam")  # Monday
    clock.advance(DAY)
    await ok(console, "ann", "followup Sam")  # Tuesday
    assert (await ok(console, "ann", "streak")).splitlines()[:2] == [
        "Streak: 2 working days.",
        "Best: 2 days · freezes banked: 0 of 2.",
    ]


@pytest.mark.parametrize("rest", ["pause 3", "landed"])
async def test_taking_today_off_after_acting_keeps_both_figures(
    console: ConsoleBackend, clock: FakeClock, rest: str
) -> None:
    await two_days(console, clock)
    await ok(console, "ann", rest)
    shown = await ok(console, "ann", "streak")
    assert shown.splitlines()[:2] == [
        "Streak: 2 working days.",
        "Best: 2 days · freezes banked: 0 of 2.",
    ]
    assert "Today is a rest day" not in shown  # one thing, not both
    assert ("Today counts already" in shown) is (rest == "pause 3")
    assert "Streak: 2 days · done today" in await ok(console, "ann", "next")


async def test_the_days_off_after_are_rest_days_and_the_figures_wait(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    await two_days(console, clock)
    await ok(console, "ann", "pause 3")  # Tuesday to Thursday
    clock.advance(DAY)  # Wednesday, nothing logged
    wednesday = await ok(console, "ann", "streak")
    assert wednesday.splitlines()[0] == "Streak: 2 working days."
    assert "Today is a rest day" in wednesday and "Today counts already" not in wednesday
    clock.advance(2 * DAY)  # Friday: back, and the two days are still there
    await ok(console, "ann", "thanked Sam")
    assert (await ok(console, "ann", "streak")).startswith("Streak: 3 working days.")
