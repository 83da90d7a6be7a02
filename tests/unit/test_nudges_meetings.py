"""Scheduled conversations (prepare the day before, debrief after), the no-interview
nudge and the thin-pipeline note, both merged into the check-in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain import MeetingStatus, Member
from bot.nudges.compose import _working_days_back
from bot.nudges.config import NudgeConfig
from bot.nudges.model import NudgeKind, NudgeStatus
from tests.unit.harness import local
from tests.unit.nudge_world import NY, Delivered, NudgeWorld, ny, run_until


def headed_by(world: NudgeWorld, kind: NudgeKind) -> list[Delivered]:
    """Deliveries whose headline nudge is of `kind` (the idempotency key names the head)."""
    keys = {f"nudge-{n.id}" for n in world.nudges(kind)}
    return [d for d in world.sent("ada") if d.message.idempotency_key in keys]


async def noor_on_thursday() -> NudgeWorld:
    # Tuesday 7 January, 10:00 in New York: an interview two days ahead.
    world = NudgeWorld(ny(7, 10))
    await world.ok(f"settings timezone {NY}")
    await world.ok("schedule Noor @Hooli thu 15:00 interview")
    (meeting,) = world.store.meetings.values()
    assert meeting.starts_at == ny(9, 15)
    return world


async def test_prep_a_day_before_and_debrief_two_hours_after() -> None:
    world = await noor_on_thursday()
    assert world.config.prep_before.total_seconds() == 24 * 3600
    assert world.config.debrief_after.total_seconds() == 2 * 3600
    await run_until(world, ny(10, 0))
    (prep,) = headed_by(world, NudgeKind.PREP)
    assert prep.at == ny(8, 15)
    assert prep.text.startswith("Your interview with Noor (Hooli): tomorrow 15:00.")
    assert "read up on Hooli" in prep.text
    (debrief,) = headed_by(world, NudgeKind.DEBRIEF)
    assert debrief.at == ny(9, 17)
    assert debrief.text.startswith("How did your interview with Noor (Hooli) go?")
    noor = world.contact("Noor").id
    assert [a.command for a in debrief.message.reply.actions] == [f"log interview #{noor}"]


@pytest.mark.parametrize(
    ("logged_at", "outbox"),
    [
        (ny(9, 16), []),  # the meeting is held before its debrief is planned: none queued
        (ny(9, 16, 59), [(NudgeStatus.SKIPPED, "already logged")]),  # queued a minute before
    ],
)
async def test_no_debrief_when_the_conversation_is_already_logged(
    logged_at: datetime, outbox: list[tuple[NudgeStatus, str]]
) -> None:
    world = await noor_on_thursday()
    await run_until(world, logged_at)
    await world.ok("log interview Noor @Hooli -- their data team is swamped")
    await run_until(world, ny(10, 0))
    assert headed_by(world, NudgeKind.DEBRIEF) == []
    assert not [d for d in world.sent("ada") if "How did your" in d.text]
    assert [(n.status, n.note) for n in world.nudges(NudgeKind.DEBRIEF)] == outbox
    assert len(headed_by(world, NudgeKind.PREP)) == 1  # the prep came as usual


async def met_jane_monday() -> NudgeWorld:
    # Monday 6 January 10:00 UTC: a conversation; check-ins at 09:30 on Mon-Fri.
    world = NudgeWorld(local(date(2025, 1, 6), 10, 0, "UTC"))
    await world.ok("met Jane Doe from Acme")
    return world


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return local(date(2025, 1, day), hour, minute, "UTC")


NO_INTERVIEW = "No conversation held or scheduled in 5 working days."
THIN = "things in the works; aim for 6 to 10."


def with_line(world: NudgeWorld, text: str) -> list[Delivered]:
    return [d for d in world.sent("ada") if text in d.text]


async def test_no_interview_merges_into_the_checkin_after_quiet_working_days() -> None:
    world = await met_jane_monday()
    assert world.config.no_interview_working_days == 5
    await run_until(world, utc(14, 12))
    # Mon 13 still counts Mon 6 among its last five working days; Tue 14 does not.
    (message,) = with_line(world, NO_INTERVIEW)
    assert message.at == utc(14, 9, 30)
    # Inside the check-in's own message (headed by it), not a second one.
    assert message in headed_by(world, NudgeKind.CHECKIN)
    assert [d for d in world.sent("ada") if d.at == utc(14, 9, 30)] == [message]
    assert message.text.startswith("Who did you follow up with today?")


async def test_no_interview_nudge_absent_when_a_meeting_is_scheduled() -> None:
    world = await met_jane_monday()
    await world.ok("schedule Noor @Hooli 2025-01-21 15:00")
    await run_until(world, utc(17, 12))
    assert with_line(world, NO_INTERVIEW) == []
    # Every check-in came (Tue 7 to Fri 17: nine), none with the line.
    checkins = headed_by(world, NudgeKind.CHECKIN)
    assert [d.at.day for d in checkins] == [7, 8, 9, 10, 13, 14, 15, 16, 17]


async def pipeline_of(in_the_works: int) -> NudgeWorld:
    # Wednesday 8 January: seven organisations listed, `in_the_works` of them moved on
    # (a bare `opportunity add` is a target, which is not in the works).
    world = NudgeWorld(utc(8, 10))
    await world.ok("nudges off interview")  # keep the Monday message to check-in + pipeline
    orgs = ["Acme", "Globex", "Initech", "Hooli", "Umbrella", "Stark", "Wayne"]
    for org in orgs:
        await world.ok(f"opportunity add {org}")
    for org in orgs[:in_the_works]:
        await world.ok(f"opportunity {org} interviewing")
    return world


async def test_pipeline_line_comes_with_mondays_checkin_when_thin() -> None:
    world = await pipeline_of(5)
    await run_until(world, utc(15, 0))
    # Check-ins Thu 9, Fri 10, Mon 13, Tue 14: the note rides with Monday's only.
    assert [d.at.day for d in headed_by(world, NudgeKind.CHECKIN)] == [9, 10, 13, 14]
    (monday,) = with_line(world, THIN)
    assert monday.at == utc(13, 9, 30)
    assert monday in headed_by(world, NudgeKind.CHECKIN)
    assert "You have 5 things in the works; aim for 6 to 10." in monday.text


async def test_no_pipeline_line_with_six_in_the_works() -> None:
    world = await pipeline_of(6)
    await run_until(world, utc(14, 0))
    assert with_line(world, THIN) == []
    (monday,) = [d for d in world.sent("ada") if d.at == utc(13, 9, 30)]
    assert monday.text.startswith("Who did you talk to or follow up with today?")


# --- moved, cancelled and held meetings ---------------------------------------------------


def about_noor(world: NudgeWorld) -> list[tuple[datetime, str]]:
    """(when, first line) of every message about the interview with Noor."""
    return [(d.at, d.text.splitlines()[0]) for d in world.sent("ada") if "Noor" in d.text]


async def test_a_moved_meeting_is_prepared_and_debriefed_at_its_new_time_only() -> None:
    world = await noor_on_thursday()
    await run_until(world, ny(8, 14, 58))  # Wednesday's prep is queued
    (queued,) = world.nudges(NudgeKind.PREP)
    assert queued.status is NudgeStatus.PENDING
    await world.ok("move Noor fri 15:00")
    await run_until(world, ny(11, 0))
    assert about_noor(world) == [
        (ny(9, 15), "Your interview with Noor (Hooli): tomorrow 15:00."),
        (ny(10, 17), "How did your interview with Noor (Hooli) go?"),
    ]
    assert (queued.id, NudgeStatus.SKIPPED, "meeting moved") in [
        (n.id, n.status, n.note) for n in world.nudges(NudgeKind.PREP)
    ]


async def test_a_cancelled_meeting_gets_no_prep_or_debrief() -> None:
    world = await noor_on_thursday()
    await run_until(world, ny(8, 14, 58))
    await world.ok("cancel Noor")
    await run_until(world, ny(11, 0))
    assert about_noor(world) == []
    assert [(n.status, n.note) for n in world.nudges(NudgeKind.PREP)] == [
        (NudgeStatus.SKIPPED, "meeting cancelled")
    ]
    assert world.nudges(NudgeKind.DEBRIEF) == []


async def test_an_interview_logged_at_the_company_on_its_day_is_held() -> None:
    world = await noor_on_thursday()
    await run_until(world, ny(9, 10))
    await world.ok("interviewed at Hooli")  # no person named: the organisation's one
    (meeting,) = world.store.meetings.values()
    assert meeting.status is MeetingStatus.HELD
    await run_until(world, ny(11, 0))
    assert [line for _, line in about_noor(world)] == [
        "Your interview with Noor (Hooli): tomorrow 15:00."  # Wednesday's, before it
    ]
    assert world.nudges(NudgeKind.DEBRIEF) == []


@pytest.mark.parametrize(
    ("logged_at", "outbox"),
    [
        (ny(9, 11), []),  # held before the prep was planned: none queued
        (ny(9, 11, 58), [(NudgeStatus.SKIPPED, "already logged")]),  # queued, then held
    ],
)
async def test_no_prep_for_a_meeting_held_before_it(
    logged_at: datetime, outbox: list[tuple[NudgeStatus, str]]
) -> None:
    # Prep three hours before: a conversation held early that morning makes it moot.
    world = NudgeWorld(ny(9, 8), NudgeConfig(evening_spread_min=0, prep_before=timedelta(hours=3)))
    await world.ok(f"settings timezone {NY}")
    await world.ok("schedule Noor @Hooli 15:00 interview")
    await run_until(world, logged_at)
    await world.ok("log interview Noor @Hooli")
    await run_until(world, ny(10, 0))
    assert about_noor(world) == []
    assert [(n.status, n.note) for n in world.nudges(NudgeKind.PREP)] == outbox
    assert world.nudges(NudgeKind.DEBRIEF) == []


def test_working_days_back_counts_calendar_days_when_none_are_kept() -> None:
    """A member with no working days kept (the data allows it) must not hang the
    dispatcher composing their nudge: every day counts."""
    member = Member(display_name="Ada", timezone="UTC", working_days=frozenset())
    today = datetime(2025, 1, 8, 9, 0, tzinfo=UTC)  # a Wednesday
    assert _working_days_back(member, today, 3) == datetime(2025, 1, 5, tzinfo=UTC)
