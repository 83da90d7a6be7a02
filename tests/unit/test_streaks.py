"""Streaks: consecutive working days on the member's own calendar.

First `compute_streak` itself (weekends, today, misses, freezes, pauses, landed, custom
working days, years of history), then through the Core for members far from UTC: a
day ends at the member's local midnight, never at UTC, across DST changes too.
"""

from __future__ import annotations

import time as timer
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import MON_FRI, ActivityKind
from bot.streaks import MAX_FREEZES, compute_streak
from tests.unit.harness import Chat, caller, local

MON = date(2025, 1, 6)  # a Monday
MWF = frozenset({0, 2, 4})


def day(n: int) -> date:
    """MON + n days: day(0) Mon 6 Jan, day(4) Fri 10 Jan, day(7) Mon 13 Jan."""
    return MON + timedelta(days=n)


def weekdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [d for d in days if d.weekday() < 5]


# --- compute_streak ----------------------------------------------------------------------


def test_consecutive_working_days_count() -> None:
    s = compute_streak(weekdays(day(0), day(4)), day(4), MON_FRI)
    assert (s.current, s.best) == (5, 5)
    assert s.today_done and not s.resting_today
    assert s.broken_on is None


def test_no_history_is_a_fresh_start() -> None:
    s = compute_streak([], day(2), MON_FRI)
    assert (s.current, s.best, s.freezes, s.today_done, s.broken_on) == (0, 0, 0, False, None)


def test_weekend_neither_breaks_nor_adds() -> None:
    thu_fri_mon = [day(3), day(4), day(7)]
    assert compute_streak(thu_fri_mon, day(7), MON_FRI).current == 3
    # Saturday activity is welcome but does not lengthen a Mon–Fri streak.
    assert compute_streak([*thu_fri_mon, day(5)], day(7), MON_FRI).current == 3
    sunday = compute_streak([day(3), day(4)], day(6), MON_FRI)
    assert sunday.current == 2 and sunday.resting_today and sunday.broken_on is None


def test_today_not_done_yet_does_not_break() -> None:
    s = compute_streak(weekdays(day(0), day(3)), day(4), MON_FRI)
    assert s.current == 4
    assert not s.today_done
    assert s.broken_on is None


def test_a_missed_working_day_breaks() -> None:
    s = compute_streak([day(0), day(1), day(3), day(4)], day(4), MON_FRI)
    assert (s.current, s.best) == (2, 2)
    assert s.broken_on == day(2)
    # Yesterday missed and today not done yet: the streak is gone.
    gone = compute_streak([day(0), day(1)], day(3), MON_FRI)
    assert gone.current == 0 and gone.broken_on == day(2) and gone.best == 2


def test_a_full_working_week_earns_a_freeze() -> None:
    assert compute_streak(weekdays(day(0), day(4)), day(4), MON_FRI).freezes == 0  # week open
    assert compute_streak(weekdays(day(0), day(4)), day(7), MON_FRI).freezes == 1  # Sunday closes
    # A week with a miss earns nothing, so the miss breaks the streak.
    partial = compute_streak(weekdays(day(0), day(3)), day(7), MON_FRI)
    assert partial.freezes == 0 and partial.broken_on == day(4)


def test_a_freeze_is_spent_automatically_on_a_missed_day() -> None:
    active = [*weekdays(day(0), day(4)), day(7), day(9)]  # Tuesday day(8) missed
    s = compute_streak(active, day(9), MON_FRI)
    assert s.current == 7
    assert s.frozen_days == 1
    assert s.freezes == 0
    assert s.broken_on is None


def test_freezes_bank_at_most_two_then_a_third_miss_breaks() -> None:
    three_weeks = weekdays(day(0), day(18))
    banked = compute_streak(three_weeks, day(21), MON_FRI)
    assert banked.freezes == MAX_FREEZES == 2
    assert banked.current == 15

    # Mon and Tue missed: both freezes spent, the streak lives on.
    covered = compute_streak([*three_weeks, day(23)], day(23), MON_FRI)
    assert (covered.current, covered.frozen_days, covered.freezes) == (16, 2, 0)
    assert covered.broken_on is None

    # Mon, Tue and Wed missed: the third miss breaks it.
    broken = compute_streak([*three_weeks, day(24)], day(24), MON_FRI)
    assert broken.broken_on == day(23)
    assert (broken.current, broken.best, broken.frozen_days) == (1, 15, 0)


def test_a_pause_stops_the_clock_without_breaking() -> None:
    active = [day(0), day(1), day(2), day(9)]  # Mon–Wed, then Wed of next week
    pause = (day(3), day(8))  # Thu to the next Tue, inclusive
    s = compute_streak(active, day(9), MON_FRI, pauses=[pause])
    assert s.current == 4
    assert s.broken_on is None
    assert s.frozen_days == 0  # the pause did it, not a freeze
    assert compute_streak(active, day(9), MON_FRI).broken_on == day(3)  # without the pause


def test_an_open_pause_rests_today() -> None:
    s = compute_streak([day(0), day(1), day(2)], day(9), MON_FRI, pauses=[(day(3), None)])
    assert s.current == 3 and s.resting_today and s.broken_on is None


def test_landed_stops_the_clock_and_keeps_the_streak() -> None:
    active = [day(0), day(1), day(2)]
    s = compute_streak(active, day(25), MON_FRI, landed_on=day(3))
    assert (s.current, s.best) == (3, 3)
    assert s.resting_today
    assert s.broken_on is None
    assert compute_streak(active, day(25), MON_FRI).current == 0  # without landing


def test_custom_working_days() -> None:
    mon_wed_fri_mon = [day(0), day(2), day(4), day(7)]
    s = compute_streak(mon_wed_fri_mon, day(7), MWF)
    assert s.current == 4 and s.broken_on is None
    # The same log breaks on Tue and Thu for a Mon–Fri member (broken_on: the last break).
    mon_fri = compute_streak(mon_wed_fri_mon, day(7), MON_FRI)
    assert (mon_fri.current, mon_fri.broken_on) == (2, day(3))
    # Tuesday is a rest day for them; a missed Wednesday breaks.
    assert compute_streak(mon_wed_fri_mon, day(8), MWF).resting_today
    missed_wed = compute_streak([day(0), day(4)], day(4), MWF)
    assert missed_wed.current == 1 and missed_wed.broken_on == day(2)


def test_three_years_of_history_is_exact_and_fast() -> None:
    first, last = date(2022, 1, 3), date(2024, 12, 31)
    every_weekday = weekdays(first, last)
    started = timer.perf_counter()
    s = compute_streak(every_weekday, last, MON_FRI)
    assert timer.perf_counter() - started < 1.0
    assert s.current == s.best == len(every_weekday) > 700
    assert s.freezes == 2

    # Mon–Wed missed in October 2024: two freezes cover Mon and Tue, Wednesday breaks.
    gap = {date(2024, 10, 7), date(2024, 10, 8), date(2024, 10, 9)}
    with_gap = compute_streak([d for d in every_weekday if d not in gap], last, MON_FRI)
    assert with_gap.broken_on == date(2024, 10, 9)
    assert with_gap.current == len(weekdays(date(2024, 10, 10), last))
    assert with_gap.best == len(weekdays(first, date(2024, 10, 4)))


@settings(max_examples=100, deadline=None, database=None)
@given(
    offsets=st.sets(st.integers(min_value=0, max_value=120), max_size=80),
    today_offset=st.integers(min_value=0, max_value=120),
    working=st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
)
def test_streak_invariants(offsets: set[int], today_offset: int, working: frozenset[int]) -> None:
    today = day(today_offset)
    active = {day(o) for o in offsets}
    s = compute_streak(active, today, working)
    assert 0 <= s.current <= s.best
    assert 0 <= s.freezes <= MAX_FREEZES
    assert s.today_done == (today in active)
    assert s.resting_today == (today.weekday() not in working)
    if s.broken_on is not None:
        assert s.broken_on < today


# --- pausing and landing change neither figure ------------------------------------------


def test_pausing_after_acting_today_keeps_both_figures() -> None:
    active = [day(1), day(2)]  # Tue and Wed; today is Wed
    s = compute_streak(active, day(2), MON_FRI, pauses=[(day(2), day(4))])
    assert (s.current, s.best) == (2, 2)
    assert s.today_counts and s.resting_today  # one reply says which: it counts


def test_landing_after_acting_today_keeps_both_figures() -> None:
    s = compute_streak([day(1), day(2)], day(2), MON_FRI, landed_on=day(2))
    assert (s.current, s.best) == (2, 2)
    assert s.today_counts


def test_a_day_acted_on_while_paused_counts_and_one_not_is_no_miss() -> None:
    active = [day(1), day(2), day(3)]  # paused Wed to Fri; Thursday acted on anyway
    s = compute_streak(active, day(7), MON_FRI, pauses=[(day(2), day(4))])
    assert (s.current, s.best, s.broken_on) == (3, 3, None)
    assert not s.today_counts and not s.resting_today  # Monday, back, not done yet


def test_today_counts_only_on_a_working_day() -> None:
    saturday = compute_streak([day(4), day(5)], day(5), MON_FRI)
    assert saturday.today_done and not saturday.today_counts and saturday.current == 1


@settings(max_examples=150, deadline=None, database=None)
@given(
    offsets=st.sets(st.integers(min_value=0, max_value=60), max_size=50),
    today_offset=st.integers(min_value=0, max_value=60),
    working=st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
    start=st.integers(min_value=0, max_value=60),
    length=st.integers(min_value=0, max_value=20),
    landed=st.booleans(),
)
def test_a_pause_or_landing_never_lowers_either_figure(
    offsets: set[int],
    today_offset: int,
    working: frozenset[int],
    start: int,
    length: int,
    landed: bool,
) -> None:
    today = day(today_offset)
    active = {day(o) for o in offsets if o <= today_offset}
    plain = compute_streak(active, today, working)
    off = day(min(start, today_offset))
    if landed:
        rested = compute_streak(active, today, working, landed_on=off)
    else:
        rested = compute_streak(active, today, working, [(off, off + timedelta(days=length))])
    assert rested.current >= plain.current and rested.best >= plain.best
    assert rested.today_counts == plain.today_counts == (
        today in active and today.weekday() in working
    )
    if off == today:  # pausing or landing today changes nothing at all
        assert (rested.current, rested.best, rested.freezes) == (
            plain.current,
            plain.best,
            plain.freezes,
        )


# --- through the Core: the member's own calendar --------------------------------------


async def log_at(chat: Chat, zone: str, at: list[tuple[date, int, int]], who_tz: str) -> None:
    member = caller("kiri", "Kiri", who_tz)
    for d, hour, minute in at:
        chat.clock.set(local(d, hour, minute, zone))
        await chat.ok("reached out to Sam", who=member)


async def test_auckland_logs_count_for_the_local_day_not_the_utc_day() -> None:
    chat = Chat()
    zone = "Pacific/Auckland"  # UTC+13 in January
    # Fri 23:30, Mon 07:00 (still Sunday in UTC), Tue 23:30.
    await log_at(chat, zone, [(day(4), 23, 30), (day(7), 7, 0), (day(8), 23, 30)], zone)
    assert [a.local_date for a in chat.activities()] == [day(4), day(7), day(8)]
    assert chat.activities()[1].occurred_at.date() == day(6)  # a Sunday in UTC
    reply = await chat.ok("streak", who=caller("kiri", "Kiri", zone))
    assert "Streak: 3 working days." in reply.text()
    assert "Today counts already" in reply.text()


async def test_new_york_streak_across_the_march_dst_change() -> None:
    chat = Chat()
    zone = "America/New_York"  # clocks spring forward on Sunday 9 March 2025
    days = [date(2025, 3, 6), date(2025, 3, 7), date(2025, 3, 10), date(2025, 3, 11)]
    await log_at(chat, zone, [(d, 23, 30) for d in days], zone)
    logged = chat.activities()
    assert [a.local_date for a in logged] == days
    assert [a.occurred_at.hour for a in logged] == [4, 4, 3, 3]  # EST, then EDT
    reply = await chat.ok("streak", who=caller("kiri", "Kiri", zone))
    assert "Streak: 4 working days." in reply.text()


async def test_new_york_streak_across_the_november_dst_change() -> None:
    chat = Chat()
    zone = "America/New_York"  # clocks fall back on Sunday 2 November 2025
    days = [date(2025, 10, 30), date(2025, 10, 31), date(2025, 11, 3), date(2025, 11, 4)]
    await log_at(chat, zone, [(d, 23, 30) for d in days], zone)
    logged = chat.activities()
    assert [a.local_date for a in logged] == days
    assert [a.occurred_at.hour for a in logged] == [3, 3, 4, 4]  # EDT, then EST
    reply = await chat.ok("streak", who=caller("kiri", "Kiri", zone))
    assert "Streak: 4 working days." in reply.text()


async def test_yesterday_just_after_the_spring_forward_night() -> None:
    chat = Chat()
    zone = "America/New_York"
    chat.clock.set(local(date(2025, 3, 10), 0, 30, zone))  # Monday 00:30 EDT
    await chat.ok("log outreach Sam yesterday", who=caller("kiri", "Kiri", zone))
    (a,) = chat.activities()
    assert a.local_date == date(2025, 3, 9)  # Sunday, the DST day
    assert a.occurred_at == local(date(2025, 3, 9), 12, 0, zone)


async def test_half_hour_zone_kolkata() -> None:
    chat = Chat()
    zone = "Asia/Kolkata"  # UTC+05:30
    # Thu 00:15 (Wednesday evening in UTC) and Fri 23:45.
    await log_at(chat, zone, [(day(3), 0, 15), (day(4), 23, 45)], zone)
    logged = chat.activities()
    assert [a.local_date for a in logged] == [day(3), day(4)]
    assert logged[0].occurred_at.date() == day(2)
    reply = await chat.ok("streak", who=caller("kiri", "Kiri", zone))
    assert "Streak: 2 working days." in reply.text()


async def test_timezone_set_by_command_moves_the_day_boundary() -> None:
    chat = Chat()
    kiri = caller("kiri", "Kiri", None)  # the platform gave no hint: UTC
    await chat.ok("settings timezone pacific/auckland", who=kiri)
    assert chat.member(kiri).timezone == "Pacific/Auckland"
    chat.clock.set(local(day(7), 8, 0, "Pacific/Auckland"))  # Monday 08:00, Sunday in UTC
    await chat.ok("met Jane Doe", who=kiri)
    (a,) = chat.activities(ActivityKind.MEETING)
    assert a.local_date == day(7)
    reply = await chat.ok("streak", who=kiri)
    assert "Streak: 1 working day." in reply.text()
