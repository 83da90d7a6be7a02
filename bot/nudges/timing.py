"""Wall-clock times in a member's own zone, to UTC instants, correct across DST.

A check-in "at 09:30 on working days" is a local time; each occurrence is found on the
local calendar and only then turned into UTC, so a DST change neither skips nor doubles
a day. A time that does not exist (spring forward) moves forward by the gap; a time that
exists twice (fall back) is the first one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo


@cache
def zone(name: str) -> ZoneInfo:
    """ZoneInfo keeps only a few zones strongly cached; planning across hundreds of
    zones would otherwise re-read tzdata files on every tick."""
    return ZoneInfo(name)


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """`clock` on `day` in `tz`, as an aware UTC instant.

    fold=0 (PEP 495) does both DST rules above: a skipped 02:30 reads with the offset
    before the jump (so it lands at 03:30, after the gap), a doubled 01:30 is the first.
    """
    return datetime.combine(day, clock).replace(tzinfo=tz, fold=0).astimezone(UTC)


def next_occurrence(
    after: datetime, tz: ZoneInfo, clock: time, days: frozenset[int] | None = None
) -> datetime:
    """The first instant strictly after `after` at local `clock` on one of `days`
    (0 = Monday; None = every day)."""
    day = after.astimezone(tz).date() - timedelta(days=1)
    for _ in range(16):
        if days is None or day.weekday() in days:
            candidate = at_local(day, clock, tz)
            if candidate > after:
                return candidate
        day += timedelta(days=1)
    raise ValueError("no working day in two weeks")  # days is empty


def next_weekly(after: datetime, tz: ZoneInfo, weekday: int, clock: time) -> datetime:
    return next_occurrence(after, tz, clock, frozenset({weekday}))


def in_quiet(local: time, start: time | None, end: time | None) -> bool:
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # wraps midnight: 21:00-08:00


def out_of_quiet(at: datetime, tz: ZoneInfo, start: time | None, end: time | None) -> datetime:
    """`at`, or the end of the quiet hours it falls in (on the right local day)."""
    local = at.astimezone(tz)
    if start is None or end is None or not in_quiet(local.time(), start, end):
        return at
    end_day = local.date()
    if start > end and local.time() >= start:
        end_day += timedelta(days=1)  # 22:30 in 21:00-08:00 ends tomorrow morning
    return at_local(end_day, end, tz)


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, in UTC (23 or 25 hours on DST days)."""
    return at_local(day, time(0, 0), tz), at_local(day + timedelta(days=1), time(0, 0), tz)
