"""Daily check-ins at the member's own time, on their working days, across DST."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.nudges.config import NudgeConfig
from bot.nudges.model import NudgeKind, NudgeStatus
from bot.nudges.planner import Planner
from tests.fakes import fake_uow_factory
from tests.unit.harness import caller, local
from tests.unit.nudge_world import FakeTimer, NudgeWorld


def local_times(world: NudgeWorld, zone: str) -> list[datetime]:
    return [d.at.astimezone(ZoneInfo(zone)) for d in world.sent("ada")]


async def test_checkin_at_local_time_on_working_days_only() -> None:
    # Monday 6 January 2025, 00:00 in London; a Mon-Fri member checking in at 09:00.
    world = NudgeWorld(local(date(2025, 1, 6), 0, 0, "Europe/London"))
    await world.ok("settings timezone Europe/London")
    await world.ok("settings checkin 09:00")
    await world.run(local(date(2025, 1, 13), 0, 0, "Europe/London"))
    checkins = [d for d in world.sent("ada") if "Who did you" in d.text]
    got = [d.at.astimezone(ZoneInfo("Europe/London")) for d in checkins]
    assert [(t.date().isoformat(), t.time()) for t in got] == [
        (f"2025-01-{day:02d}", time(9, 0)) for day in (6, 7, 8, 9, 10)
    ]
    assert "settings" not in checkins[0].text
    assert world.nudges(NudgeKind.CHECKIN, NudgeStatus.SENT) and not world.nudges(
        NudgeKind.CHECKIN, NudgeStatus.PENDING
    )


# Days around each change, in the zone: none skipped, none doubled, always 09:30 local.
DST_CASES = [
    ("America/New_York", date(2026, 3, 7)),  # spring forward Sun 8 Mar
    ("America/New_York", date(2026, 10, 31)),  # fall back Sun 1 Nov
    ("Europe/London", date(2026, 3, 28)),  # Sun 29 Mar
    ("Europe/London", date(2026, 10, 24)),  # Sun 25 Oct
    ("Pacific/Tongatapu", date(2026, 3, 7)),  # UTC+13, no DST: the day starts before UTC's
    ("Asia/Kolkata", date(2026, 3, 7)),  # UTC+05:30
    ("Australia/Lord_Howe", date(2026, 4, 4)),  # half-hour DST change, Sun 5 Apr
]


@pytest.mark.parametrize(("zone", "first"), DST_CASES)
async def test_one_checkin_a_day_across_dst(zone: str, first: date) -> None:
    world = NudgeWorld(local(first, 0, 0, zone))
    await world.ok(f"settings timezone {zone}")
    await world.ok("settings days every day")
    await world.ok("settings checkin 09:30")
    await world.run(local(first + timedelta(days=4), 0, 0, zone), step=timedelta(minutes=15))
    got = local_times(world, zone)
    assert [t.date() for t in got] == [first + timedelta(days=i) for i in range(4)]
    assert {t.time() for t in got} == {time(9, 30)}


async def test_checkin_time_inside_a_dst_gap_moves_past_it() -> None:
    # 02:30 does not exist in New York on 8 March 2026: the check-in comes at 03:30.
    zone = "America/New_York"
    world = NudgeWorld(local(date(2026, 3, 7), 12, 0, zone))
    await world.ok(f"settings timezone {zone}")
    await world.ok("settings days every day")
    await world.ok("settings checkin 02:30")
    await world.run(local(date(2026, 3, 10), 0, 0, zone), step=timedelta(minutes=15))
    got = [(t.date().day, t.strftime("%H:%M")) for t in local_times(world, zone)]
    assert got == [(8, "03:30"), (9, "02:30")]


async def test_timezone_change_moves_the_next_checkin() -> None:
    world = NudgeWorld(local(date(2025, 1, 6), 0, 0, "Europe/London"))
    await world.ok("settings timezone Europe/London")
    await world.ok("settings checkin 09:00")
    await world.run(local(date(2025, 1, 6), 12, 0, "Europe/London"))
    await world.ok("settings timezone Asia/Tokyo")
    await world.run(local(date(2025, 1, 8), 0, 0, "Asia/Tokyo"))
    got = [(t.strftime("%a %H:%M")) for t in local_times(world, "Asia/Tokyo")]
    # Monday 09:00 London is Monday 18:00 in Tokyo; then Tuesday 09:00 Tokyo, once.
    assert got == ["Mon 18:00", "Tue 09:00"]


async def test_quiet_hours_move_the_checkin_to_their_end() -> None:
    world = NudgeWorld(local(date(2025, 1, 6), 0, 0, "UTC"))
    await world.ok("settings checkin 07:00")
    await world.ok("settings quiet 21:00-08:00")
    await world.run(local(date(2025, 1, 7), 0, 0, "UTC"))
    assert [d.at.strftime("%H:%M") for d in world.sent("ada")] == ["08:00"]


@pytest.mark.parametrize("command", ["nudges off", "landed", "pause 3", "nudges off checkin"])
async def test_member_choices_stop_checkins(command: str) -> None:
    world = NudgeWorld(local(date(2025, 1, 6), 0, 0, "UTC"))
    await world.ok("settings checkin 09:00")
    await world.ok(command)
    await world.run(local(date(2025, 1, 9), 0, 0, "UTC"))
    assert not [d for d in world.sent("ada") if "Who did you" in d.text]


async def test_pause_ends_and_checkins_come_back() -> None:
    world = NudgeWorld(local(date(2025, 1, 6), 0, 0, "UTC"))
    await world.ok("settings checkin 09:00")
    await world.ok("pause 2")  # Monday and Tuesday off
    await world.run(local(date(2025, 1, 9), 0, 0, "UTC"))
    assert [d.at.date().day for d in world.sent("ada")] == [8]


async def test_restart_after_downtime_sends_recent_and_skips_stale() -> None:
    world = NudgeWorld(local(date(2025, 1, 6), 8, 0, "UTC"))
    await world.ok("settings checkin 09:00")
    await world.tick()  # cursors laid at 08:00
    world.clock.set(local(date(2025, 1, 6), 10, 30, "UTC"))  # down through 09:00, 1.5 h late
    await world.tick()
    assert [d.at.strftime("%H:%M") for d in world.sent("ada")] == ["10:30"]
    world.clock.set(local(date(2025, 1, 7), 12, 0, "UTC"))  # down 3 h past Tuesday's 09:00
    await world.tick()
    assert len(world.sent("ada")) == 1
    skipped = world.nudges(NudgeKind.CHECKIN, NudgeStatus.SKIPPED)
    assert [n.dedupe_key.rsplit(":", 1)[1] for n in skipped] == ["2025-01-07"]
    assert skipped[0].note and skipped[0].note.startswith("late")
    # ...and the clock goes on: Wednesday's comes on time, once.
    await world.run(local(date(2025, 1, 8), 10, 0, "UTC"))
    assert [d.at.strftime("%d %H:%M") for d in world.sent("ada")][1:] == ["08 09:00"]


def test_streak_evenings_spread_around_the_configured_time_and_stay_put() -> None:
    from bot.domain import Member
    from bot.nudges.config import NudgeConfig
    from bot.nudges.schedule import evening_of

    config = NudgeConfig()  # 18:30, 15 minutes either side
    evenings = {evening_of(Member("x", id=i), config) for i in range(1, 200)}
    assert min(evenings) == time(18, 15) and max(evenings) == time(18, 45)
    assert len(evenings) == 31  # every minute of the window is used
    member = Member("ann", id=42)
    assert evening_of(member, config) == evening_of(member, config)
    assert evening_of(member, NudgeConfig(evening_spread_min=0)) == time(18, 30)


async def test_a_wave_of_checkins_is_spread_over_ticks_yet_arrives_on_time() -> None:
    # Ten members at 09:00; a tick may take three cursors: the wave is planned over
    # several ticks inside the horizon, and every check-in still goes out at 09:00.
    config = NudgeConfig(evening_spread_min=0, tick_budget=3, cursor_batch=3)
    world = NudgeWorld(local(date(2025, 1, 6), 8, 50, "UTC"), config)
    people = [caller(f"p{i}", f"Person {i}") for i in range(10)]
    for who in people:
        await world.ok("settings checkin 09:00", who)
    reports = []
    while world.clock.now() < local(date(2025, 1, 6), 9, 1, "UTC"):
        reports.append(await world.planner.tick())
        await world.dispatcher.tick()
        world.clock.advance(timedelta(seconds=30))
    assert max(r.cursors for r in reports) == 3  # the budget held
    checkins = [d for d in world.sent() if "Who did you" in d.text]
    assert sorted(d.to for d in checkins) == sorted(p.identity.user_id for p in people)
    assert {d.at.strftime("%H:%M:%S") for d in checkins} == {"09:00:00"}


async def test_a_tick_stops_taking_batches_when_its_time_is_spent() -> None:
    class SlowTimer(FakeTimer):
        def monotonic(self) -> float:  # every look at the time finds 100 ms more gone
            self.slept_total += 0.1
            return self.now

    config = NudgeConfig(evening_spread_min=0, cursor_batch=2)  # 120 ms per tick
    world = NudgeWorld(local(date(2025, 1, 6), 8, 58, "UTC"), config)
    for i in range(6):
        await world.ok("settings checkin 09:00", caller(f"p{i}", f"Person {i}"))
    planner = Planner(fake_uow_factory(world.store, world.clock), world.clock, SlowTimer(), config)
    report = await planner.tick()
    assert report.cursors == 2  # one batch, then the time was up
    assert (await planner.tick()).cursors == 2  # the next tick goes on from there


async def test_cursors_falling_due_within_a_minute_are_planned_past_the_budget() -> None:
    class SlowTimer(FakeTimer):
        def monotonic(self) -> float:  # every look at the time finds 100 ms more gone
            self.slept_total += 0.1
            return self.now

    # A wave bigger than the budget allows, a minute from due: planned now, not late.
    config = NudgeConfig(evening_spread_min=0, cursor_batch=2)  # 120 ms per tick
    world = NudgeWorld(local(date(2025, 1, 6), 8, 59, "UTC"), config)
    for i in range(7):
        await world.ok("settings checkin 09:00", caller(f"p{i}", f"Person {i}"))
    planner = Planner(fake_uow_factory(world.store, world.clock), world.clock, SlowTimer(), config)
    report = await planner.tick()
    assert report.cursors == 7 and report.enqueued == 7
    assert len(world.nudges(NudgeKind.CHECKIN, NudgeStatus.PENDING)) == 7
