"""Dates as members type them, read in the member's own timezone (bot.dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.dates import DateError, Prefer, local_midnight_utc, parse_when, split_when, to_utc

NY = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")
KOLKATA = ZoneInfo("Asia/Kolkata")
# Wednesday 5 March 2025, 10:00 in New York (EST, UTC-5); DST starts on Sunday 9 March.
NOW = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
WED = date(2025, 3, 5)


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NY)


# --- parse_when ----------------------------------------------------------------------------


def test_today_keeps_the_current_time() -> None:
    w = parse_when("today", NY, NOW, "past")
    assert w.at == NOW
    assert w.local_date == WED
    assert not w.has_time


def test_yesterday_without_a_time_is_noon_local() -> None:
    w = parse_when("yesterday", NY, NOW, "past")
    assert w.local_date == date(2025, 3, 4)
    assert w.at == ny(date(2025, 3, 4), 12)
    assert w.at.tzinfo is not None and w.at.utcoffset() == timedelta(0)


def test_tomorrow_uses_the_default_time() -> None:
    w = parse_when("tomorrow", NY, NOW, "future", default_time=time(9, 30))
    assert w.at == ny(date(2025, 3, 6), 9, 30)
    assert parse_when("tomorrow", NY, NOW, "future").at == ny(date(2025, 3, 6), 9, 0)


@pytest.mark.parametrize(
    ("text", "prefer", "expected"),
    [
        ("tue", "past", date(2025, 3, 4)),
        ("tue", "future", date(2025, 3, 11)),
        ("monday", "past", date(2025, 3, 3)),
        ("fri", "future", date(2025, 3, 7)),
        ("friday", "past", date(2025, 2, 28)),
        ("last friday", "past", date(2025, 2, 28)),
        ("on thursday", "future", date(2025, 3, 6)),
    ],
)
def test_weekday_names_follow_the_preference(text: str, prefer: Prefer, expected: date) -> None:
    assert parse_when(text, NY, NOW, prefer).local_date == expected


def test_a_future_weekday_after_the_dst_change_is_at_local_9am() -> None:
    # Tuesday 11 March is on daylight time (UTC-4): 09:00 local is 13:00 UTC.
    w = parse_when("tue", NY, NOW, "future")
    assert w.at == datetime(2025, 3, 11, 13, 0, tzinfo=UTC)


def test_relative_days_and_weeks() -> None:
    assert parse_when("in 3 days", NY, NOW, "future").local_date == date(2025, 3, 8)
    assert parse_when("2 days ago", NY, NOW, "past").local_date == date(2025, 3, 3)
    next_week = parse_when("next week", NY, NOW, "future").local_date
    assert date(2025, 3, 10) <= next_week <= date(2025, 3, 16)


def test_iso_dates_and_times_are_local() -> None:
    day_only = parse_when("2025-03-01", NY, NOW, "past")
    assert (day_only.local_date, day_only.has_time) == (date(2025, 3, 1), False)
    assert day_only.at == ny(date(2025, 3, 1), 12)
    with_time = parse_when("2025-03-01 15:00", NY, NOW, "past")
    assert with_time.at == ny(date(2025, 3, 1), 15) == datetime(2025, 3, 1, 20, tzinfo=UTC)
    assert with_time.has_time


def test_a_time_alone_prefers_past_or_future() -> None:
    # 10:00 now: 3pm already passed yesterday, and is still ahead today.
    assert parse_when("3pm", NY, NOW, "past").at == ny(date(2025, 3, 4), 15)
    assert parse_when("3pm", NY, NOW, "future").at == ny(WED, 15)
    w = parse_when("fri 3pm", NY, NOW, "future")
    assert w.at == ny(date(2025, 3, 7), 15) and w.has_time


def test_the_day_is_the_members_own() -> None:
    # 15:00 UTC on Wednesday is already 04:00 on Thursday in Auckland.
    assert parse_when("today", AUCKLAND, NOW, "past").local_date == date(2025, 3, 6)
    assert parse_when("today", KOLKATA, NOW, "past").local_date == WED
    late = datetime(2025, 3, 5, 19, 0, tzinfo=UTC)  # 00:30 Thursday in Kolkata
    assert parse_when("today", KOLKATA, late, "past").local_date == date(2025, 3, 6)
    assert parse_when("yesterday", KOLKATA, late, "past").local_date == WED


def test_a_time_in_the_spring_forward_gap_moves_on_instead_of_crashing() -> None:
    w = parse_when("2025-03-09 02:30", NY, NOW, "future")
    assert w.local_date == date(2025, 3, 9)
    assert w.at == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)  # 03:30 EDT
    assert to_utc(datetime(2025, 3, 9, 2, 30), NY) == w.at


def test_an_ambiguous_fall_back_time_parses() -> None:
    now = datetime(2025, 10, 29, 15, 0, tzinfo=UTC)
    w = parse_when("2025-11-02 01:30", NY, now, "future")
    assert w.local_date == date(2025, 11, 2)
    assert w.at.astimezone(NY).replace(tzinfo=None) == datetime(2025, 11, 2, 1, 30)


def test_local_midnight_across_dst() -> None:
    assert local_midnight_utc(date(2025, 3, 9), NY) == datetime(2025, 3, 9, 5, tzinfo=UTC)
    assert local_midnight_utc(date(2025, 3, 10), NY) == datetime(2025, 3, 10, 4, tzinfo=UTC)
    # Santiago skipped midnight on 8 September 2024: the day starts at 01:00.
    santiago = ZoneInfo("America/Santiago")
    start = local_midnight_utc(date(2024, 9, 8), santiago)
    assert start.astimezone(santiago).date() == date(2024, 9, 8)
    assert start < local_midnight_utc(date(2024, 9, 9), santiago)


@pytest.mark.parametrize(
    ("text", "prefer"),
    [("2030-01-01", "future"), ("2023-06-01", "past"), ("in 400 days", "future")],
)
def test_far_away_dates_are_rejected(text: str, prefer: Prefer) -> None:
    with pytest.raises(DateError):
        parse_when(text, NY, NOW, prefer)


@pytest.mark.parametrize("text", ["", "   ", "flurble", "Jane May"])
def test_unreadable_text_raises_date_error(text: str) -> None:
    with pytest.raises(DateError):
        parse_when(text, NY, NOW, "past")


# --- split_when ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rest", "when"),
    [
        ("Jane Doe yesterday", "Jane Doe", "yesterday"),
        ("Jane Doe @Acme Yesterday", "Jane Doe @Acme", "yesterday"),
        ("Sam Friday", "Sam", "friday"),
        ("Jane on tuesday", "Jane", "on tuesday"),
        ("Jane at 3pm", "Jane", "at 3pm"),
        ("Jane tue 3pm", "Jane", "tue 3pm"),
        ("Jane 2025-03-01", "Jane", "2025-03-01"),
        ("Jane 2025-03-01 15:00", "Jane", "2025-03-01 15:00"),
        ("Jane dec 3", "Jane", "dec 3"),
        ("Jane 3 days ago", "Jane", "3 days ago"),
        ("Jane in 3 days", "Jane", "in 3 days"),
        ("Jane next week", "Jane", "next week"),
        ("Jane in 2 weeks", "Jane", "in 2 weeks"),
        ("Jane tomorrow 3 pm", "Jane", "tomorrow 3 pm"),
        ("Agent 47 today", "Agent 47", "today"),
        ("Agent 47 on friday", "Agent 47", "on friday"),
    ],
)
def test_split_when_takes_the_trailing_date(text: str, rest: str, when: str) -> None:
    assert split_when(text.split()) == (rest.split(), when)


@pytest.mark.parametrize(
    "text",
    ["Jane May", "June Smith", "Agent 47", "Room 101", "May", "Jane Day", "Jane next", "Jane 3"],
)
def test_names_are_not_dates(text: str) -> None:
    assert split_when(text.split()) == (text.split(), None)


def test_split_when_finds_what_parse_when_reads() -> None:
    for text in ["Jane in 3 days", "Jane next week", "Jane fri 3pm", "Agent 47 today"]:
        _, when = split_when(text.split())
        assert when is not None
        parse_when(when, NY, NOW, "future")  # no DateError
