"""Streaks: consecutive working days, on the member's own calendar, with at least one
qualifying action. Freezes are earned (one per full working week, two banked at most)
and spent automatically on a missed day; pauses and `landed` stop the clock: a day off
the clock is never a miss, and one acted on still counts, so pausing or landing changes
neither the streak nor the best.

Pure and fast: three years of history is about a thousand loop steps on ints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

MAX_FREEZES = 2


@dataclass(frozen=True, slots=True)
class Streak:
    current: int
    best: int
    freezes: int  # banked, ready to cover a missed day
    frozen_days: int  # days covered by a freeze in the current run
    today_done: bool  # something qualifying was logged today
    today_counts: bool  # ...on a working day, so it is in `current`
    resting_today: bool  # paused, landed, or not a working day
    broken_on: date | None  # the day the last streak ended, if it did


def _ordinals(periods: Iterable[tuple[date, date | None]], last: int) -> set[int]:
    days: set[int] = set()
    for start, end in periods:
        stop = last if end is None else min(end.toordinal(), last)
        days.update(range(start.toordinal(), stop + 1))
    return days


def compute_streak(
    active: Iterable[date],
    today: date,
    working_days: frozenset[int],
    pauses: Iterable[tuple[date, date | None]] = (),
    landed_on: date | None = None,
) -> Streak:
    active_ords = {d.toordinal() for d in active}
    last = today.toordinal()
    resting = _ordinals(pauses, last)
    if landed_on is not None:
        resting.update(range(landed_on.toordinal(), last + 1))
    first = min(active_ords, default=last)
    current = best = freezes = frozen = 0
    broken: int | None = None
    week_days = week_hits = 0
    for o in range(first, last + 1):
        weekday = (o - 1) % 7  # ordinal 1 (0001-01-01) is a Monday
        # Off the clock (paused, landed) a day is no miss, but one acted on still counts.
        if weekday in working_days and (o not in resting or o in active_ords):
            week_days += 1
            if o in active_ords:
                current += 1
                week_hits += 1
                best = max(best, current)
            elif o != last:  # today is not over yet
                if freezes:
                    freezes -= 1
                    frozen += 1
                elif current or frozen:
                    current = frozen = 0
                    broken = o
        if weekday == 6:  # Sunday closes the week
            # Full: every working day of the week held an action (paused days don't).
            if week_days and week_hits == len(working_days):
                freezes = min(MAX_FREEZES, freezes + 1)
            week_days = week_hits = 0
    today_weekday = today.weekday()
    return Streak(
        current=current,
        best=best,
        freezes=freezes,
        frozen_days=frozen,
        today_done=last in active_ords,
        today_counts=last in active_ords and today_weekday in working_days,
        resting_today=today_weekday not in working_days or last in resting,
        broken_on=date.fromordinal(broken) if broken is not None else None,
    )
