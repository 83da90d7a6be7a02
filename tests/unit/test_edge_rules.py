"""Rules a real member trips over: today's weekday name, partial weeks, the most urgent
follow-up first, digits that are not ASCII, and words after a command that takes none."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.dates import parse_when
from bot.domain import MON_FRI, ActivityKind, FollowUpKind, FollowUpStatus
from bot.streaks import compute_streak
from tests.unit.harness import WED, Chat

UTC_ZONE = ZoneInfo("UTC")


def test_todays_weekday_name_means_today_in_the_past() -> None:
    # WED is a Wednesday: "wed" is today, not a week ago.
    when = parse_when("wed", UTC_ZONE, WED, "past")
    assert when.local_date == WED.date()


def test_todays_weekday_with_a_time_still_ahead_is_today_in_the_future() -> None:
    when = parse_when("wed 17:00", UTC_ZONE, WED, "future")
    assert when.at == datetime(2025, 1, 8, 17, 0, tzinfo=UTC)


def test_todays_weekday_with_a_time_gone_is_next_week_in_the_future() -> None:
    when = parse_when("wed 10:00", UTC_ZONE, WED, "future")
    assert when.local_date == WED.date() + timedelta(days=7)


def test_todays_weekday_without_time_in_the_future_is_next_week() -> None:
    # `pause until wed` on a Wednesday cannot mean today.
    assert parse_when("wed", UTC_ZONE, WED, "future").local_date == date(2025, 1, 15)


def test_last_weekday_still_means_a_week_ago() -> None:
    assert parse_when("last wed", UTC_ZONE, WED, "past").local_date == date(2025, 1, 1)


def test_a_partial_first_week_earns_no_freeze() -> None:
    friday = date(2025, 1, 10)
    monday_after = date(2025, 1, 13)
    # Only Friday active in the first week, then Monday missed.
    s = compute_streak({friday}, monday_after + timedelta(days=1), MON_FRI)
    assert s.freezes == 0
    assert s.current == 0
    assert s.broken_on == monday_after


def test_a_week_with_a_paused_day_earns_no_freeze() -> None:
    monday = date(2025, 1, 6)
    active = {monday + timedelta(days=i) for i in range(4)}  # Mon-Thu, Friday paused
    s = compute_streak(active, date(2025, 1, 13), MON_FRI, [(date(2025, 1, 10), date(2025, 1, 10))])
    assert s.current == 4
    assert s.freezes == 0


async def test_a_followup_closes_the_most_urgent_thing_owed() -> None:
    chat = Chat()
    await chat.ok("log meeting Jane Doe @Acme yesterday")
    await chat.ok("followup Jane fri")  # a planned one, due after the thank-you
    jane = chat.contact("Jane Doe")
    chat.clock.advance(timedelta(days=9))  # the thank-you and the check-back are overdue
    await chat.ok("followup Jane")
    closed = [f for f in chat.followups() if f.status is FollowUpStatus.DONE]
    assert [f.kind for f in closed] == [FollowUpKind.THANKYOU]
    assert all(f.contact_id == jane.id for f in closed)
    chat.clock.advance(timedelta(minutes=11))  # a second one, not the first sent twice
    await chat.ok("followup Jane")
    closed = [f.kind for f in chat.followups() if f.status is FollowUpStatus.DONE]
    assert FollowUpKind.PLANNED in closed  # due Friday, before the 7-day check-back


async def test_non_ascii_digits_get_a_reply_not_a_crash() -> None:
    chat = Chat()
    await chat.ok("log meeting Jane Doe @Acme yesterday")
    for text in ("done ²", "snooze ³ tomorrow", "drop #¹", "pause ²", "contact stage Jane ²"):
        reply = await chat.say(text)
        assert reply.is_error, text
        assert "Something went wrong" not in reply.text(), text


async def test_words_after_a_command_that_takes_none_are_refused() -> None:
    chat = Chat()
    reply = await chat.say("streak please")
    assert reply.is_error
    assert "`streak` takes nothing after it." in reply.text()
    # Nothing written but the member (their welcome comes once: bot/core.py).
    assert len(chat.store.members) == 1 and chat.store.contacts == {}


async def test_applied_alone_asks_where() -> None:
    chat = Chat()
    reply = await chat.say("applied")
    assert reply.is_error
    assert "where you applied" in reply.text()
    assert chat.activities(ActivityKind.APPLICATION) == []
