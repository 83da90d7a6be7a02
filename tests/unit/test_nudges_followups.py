"""Follow-ups owed and leads: a reminder at the due time, then a gentle cadence until the
member acts; snooze restarts it, done and drop stop it; a lead left alone gets nudged."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.domain import FollowUpKind, FollowUpStatus
from bot.nudges.model import NudgeKind, NudgeStatus
from tests.unit.harness import local
from tests.unit.nudge_world import Delivered, NudgeWorld, run_until

THANKYOU_OPEN = "the thank-you is still open"  # only the thank-you reminder says this


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """January 2025, UTC (the members here live in UTC)."""
    return local(date(2025, 1, day), hour, minute, "UTC")


def headed_by(world: NudgeWorld, kind: NudgeKind) -> list[Delivered]:
    """Deliveries whose headline nudge is of `kind` (the idempotency key names the head)."""
    keys = {f"nudge-{n.id}" for n in world.nudges(kind)}
    return [d for d in world.sent("ada") if d.message.idempotency_key in keys]


def thankyou_times(world: NudgeWorld) -> list[datetime]:
    return [d.at for d in world.sent("ada") if THANKYOU_OPEN in d.text]


async def met_jane_monday() -> NudgeWorld:
    # Monday 6 January 10:00: the thank-you is owed within 24 h, so due Tuesday 10:00.
    world = NudgeWorld(at(6, 10))
    await world.ok("met Jane Doe from Acme")
    (owed,) = world.open_followups(FollowUpKind.THANKYOU)
    assert owed.due_at == at(7, 10)
    return world


async def test_thankyou_reminder_arrives_at_its_due_time_naming_jane() -> None:
    world = await met_jane_monday()
    await run_until(world, at(7, 12))
    (reminder,) = headed_by(world, NudgeKind.FOLLOWUP)
    assert reminder.at == at(7, 10)
    assert "You met Jane Doe (Acme) yesterday" in reminder.text
    assert "Send Jane a two-line thank-you" in reminder.text
    assert [a.command for a in reminder.message.reply.actions] == [
        "log thankyou #1",
        "snooze 1 tomorrow",
        "drop 1",
    ]


async def test_reminders_follow_the_cadence_until_done() -> None:
    world = await met_jane_monday()
    cadence = world.config.followup_cadence_days
    assert cadence == (2, 4, 7)  # the expected times below spell this out
    await run_until(world, at(22, 12))
    # Due Tue 7, then +2, +4, +7 days after due, then weekly: Thu 9, Sat 11, Tue 14, Tue 21.
    assert thankyou_times(world) == [at(d, 10) for d in (7, 9, 11, 14, 21)]
    await world.ok("done 1")
    await run_until(world, at(31, 0))
    assert thankyou_times(world)[5:] == []  # Tue 28 would have been next
    assert world.followups(FollowUpKind.THANKYOU)[0].status is FollowUpStatus.DONE


async def test_done_after_the_reminder_is_queued_skips_it() -> None:
    world = await met_jane_monday()
    # The planner looks two minutes ahead: Thursday's 10:00 row is queued, not yet sent.
    await run_until(world, at(9, 9, 59))
    queued = world.nudges(NudgeKind.FOLLOWUP, NudgeStatus.PENDING)
    assert [n.due_at for n in queued] == [at(9, 10)]
    await world.ok("done 1")
    await run_until(world, at(9, 12))
    assert thankyou_times(world) == [at(7, 10)]
    (skipped,) = world.nudges(NudgeKind.FOLLOWUP, NudgeStatus.SKIPPED)
    assert skipped.id == queued[0].id and skipped.note == "already done"


async def test_snooze_before_any_reminder_moves_the_first_one() -> None:
    world = await met_jane_monday()
    await world.ok("snooze 1 thu")
    await run_until(world, at(17, 0))
    # Thu 9 09:30 (the check-in time), then +2, +4, +7 days: Sat 11, Mon 13, Thu 16.
    assert thankyou_times(world) == [at(d, 9, 30) for d in (9, 11, 13, 16)]


async def test_snooze_restarts_the_cadence_from_the_new_day() -> None:
    world = await met_jane_monday()
    await run_until(world, at(8, 12))  # Tuesday's reminder went out
    reply = await world.ok("snooze 1 fri")
    assert "until Fri 09:30" in reply.text()  # a snoozed day starts at the check-in time
    await run_until(world, at(20, 0))
    # Not Thu 9 10:00 (the old cadence); Fri 10 09:30, then +2, +4, +7 days from there.
    # Each reminder is keyed by its instant, so the restarted cadence never collides with
    # Tuesday's sent row.
    assert thankyou_times(world) == [at(7, 10), *(at(d, 9, 30) for d in (10, 12, 14, 17))]


async def test_drop_stops_reminders() -> None:
    world = await met_jane_monday()
    await run_until(world, at(8, 12))
    await world.ok("drop 1")
    await run_until(world, at(25, 0))
    assert thankyou_times(world) == [at(7, 10)]
    # Follow-up 1 is the thank-you (2 is the check-back a week on): no row after the drop.
    rows = [n for n in world.nudges(NudgeKind.FOLLOWUP) if n.payload["followup_id"] == 1]
    assert [(n.due_at, n.status) for n in rows] == [(at(7, 10), NudgeStatus.SENT)]


async def test_lead_not_acted_on_gets_one_nudge_at_48_hours() -> None:
    world = NudgeWorld(at(6, 10))
    await world.ok("lead Priya @Initech via Sam")
    # Up to the day before the cadence's next reminder (Fri 10:00): one lead nudge.
    await run_until(world, at(9, 23, 55))
    (nudge,) = headed_by(world, NudgeKind.LEAD)
    assert nudge.at == at(8, 10)  # 48 hours after the lead came in
    assert nudge.text.startswith("Sam gave you Priya (Initech) two days ago.")
    assert "Reach out to Priya yourself today" in nudge.text
    primary = nudge.message.reply.actions[0]
    assert primary.primary and primary.command == f"log outreach #{world.contact('Priya').id}"
    assert [n.status for n in world.nudges(NudgeKind.LEAD)] == [NudgeStatus.SENT]


@pytest.mark.parametrize(
    ("logged_at", "outbox"),
    [
        (at(7, 15), []),  # a day early: the lead is closed, nothing is ever queued
        (at(8, 9, 59), [(NudgeStatus.SKIPPED, "already done")]),  # queued a minute before
    ],
)
async def test_outreach_logged_before_48_hours_means_no_lead_nudge(
    logged_at: datetime, outbox: list[tuple[NudgeStatus, str]]
) -> None:
    world = NudgeWorld(at(6, 10))
    await world.ok("lead Priya @Initech via Sam")
    await run_until(world, logged_at)
    await world.ok("log outreach Priya")
    assert not world.open_followups(FollowUpKind.LEAD)
    await run_until(world, at(11, 0))
    assert headed_by(world, NudgeKind.LEAD) == []
    assert not [d for d in world.sent("ada") if "gave you Priya" in d.text]
    assert [(n.status, n.note) for n in world.nudges(NudgeKind.LEAD)] == outbox


async def test_nudges_off_followup_stops_followup_nudges_only() -> None:
    world = await met_jane_monday()
    await world.ok("lead Priya @Initech via Sam")
    await world.ok("nudges off followup")
    await run_until(world, at(10, 12))
    assert thankyou_times(world) == []
    assert world.nudges(NudgeKind.FOLLOWUP) == []  # never even queued
    # Leads and check-ins are other kinds: they still come.
    assert [d.at for d in headed_by(world, NudgeKind.LEAD)] == [at(8, 10), at(10, 10)]
    assert [d.at for d in headed_by(world, NudgeKind.CHECKIN)] == [
        at(d, 9, 30) for d in (7, 8, 9, 10)
    ]
