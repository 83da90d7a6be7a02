"""Repeats, on both databases: the log path's check for a step just logged, and the
leaderboard's counts that score a follow-up once per person a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain import Activity, ActivityKind, Contact
from tests.storage.test_storage_records import Uow, two_members

K = ActivityKind
T0 = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
DAY = date(2025, 3, 14)


def logged(
    member: int,
    kind: ActivityKind,
    created: datetime,
    contact: int | None = None,
    company: str | None = None,
    day: date = DAY,
    at: datetime = T0,
    repeated: bool = False,
) -> Activity:
    return Activity(
        member, kind, at, day, contact, company, created_at=created, repeated=repeated
    )


async def test_last_logged_finds_the_same_step_only(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        jane = await u.contacts.add(Contact(ada, "Jane", "Acme"))
        sam = await u.contacts.add(Contact(ada, "Sam", None))
        assert jane.id and sam.id
        for a in (
            logged(ada, K.MEETING, T0 + timedelta(minutes=3), jane.id, "Acme"),
            logged(ada, K.MEETING, T0, jane.id, "Acme"),
            logged(ada, K.FOLLOWUP, T0 + timedelta(minutes=4), sam.id),
            logged(ada, K.APPLICATION, T0 + timedelta(minutes=1), company="Société Générale"),
            logged(bob, K.OUTREACH, T0 + timedelta(minutes=5), company="Hooli"),
        ):
            await u.activities.add(a)
    async with uow() as u:
        last = u.activities.last_logged
        # The latest of the two conversations with Jane that day (by when it was logged).
        assert await last(ada, K.MEETING, DAY, jane.id, None) == T0 + timedelta(minutes=3)
        # Another kind, person, day or member is another step.
        assert await last(ada, K.INTERVIEW, DAY, jane.id, None) is None
        assert await last(ada, K.MEETING, DAY, sam.id, None) is None
        assert await last(ada, K.MEETING, date(2025, 3, 13), jane.id, None) is None
        assert await last(bob, K.MEETING, DAY, jane.id, None) is None
        # No person: the same company, whatever its case; a step with a person isn't it.
        applied = await last(ada, K.APPLICATION, DAY, None, "SOCIÉTÉ GÉNÉRALE")
        assert applied == T0 + timedelta(minutes=1)
        assert await last(ada, K.APPLICATION, DAY, None, "Globex") is None
        assert await last(ada, K.MEETING, DAY, None, "Acme") is None
        assert await last(ada, K.APPLICATION, DAY, None, None) is None
        assert await last(bob, K.OUTREACH, DAY, None, "hooli") == T0 + timedelta(minutes=5)


async def test_repeated_round_trips_and_the_board_leaves_it_out(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        mo = await u.contacts.add(Contact(ada, "Mo", "Stripe"))
        zed = await u.contacts.add(Contact(bob, "Zed", None))
    rows = [
        logged(ada, K.FOLLOWUP, T0, mo.id),
        *(logged(ada, K.FOLLOWUP, T0, mo.id, repeated=True) for _ in range(3)),
        logged(ada, K.THANKYOU, T0, mo.id),
        logged(ada, K.THANKYOU, T0, mo.id, repeated=True),
        # Other kinds count every one, repeated or not.
        logged(ada, K.MEETING, T0, mo.id),
        logged(ada, K.MEETING, T0, mo.id, repeated=True),
        logged(bob, K.THANKYOU, T0, zed.id),
        logged(bob, K.THANKYOU, T0, zed.id, repeated=True),
    ]
    async with uow() as u:
        for a in rows:
            await u.activities.add(a)
    async with uow() as u:
        stored = await u.activities.all(ada)
        assert [a.repeated for a in stored] == [a.repeated for a in rows[:8]]
    start, end = T0 - timedelta(days=1), T0 + timedelta(days=6)
    once = {K.FOLLOWUP, K.THANKYOU}
    async with uow() as u:
        board = await u.activities.counts_by_member([ada, bob], start, end, once_a_day=once)
        assert board == {
            ada: {K.FOLLOWUP: 1, K.THANKYOU: 1, K.MEETING: 2},
            bob: {K.THANKYOU: 1},
        }
        # Without the cap (stats): everything the member did.
        every = await u.activities.counts_by_member([ada, bob], start, end)
        assert every == {
            ada: {K.FOLLOWUP: 4, K.THANKYOU: 2, K.MEETING: 2},
            bob: {K.THANKYOU: 2},
        }
        assert await u.activities.counts_by_member([], start, end, once_a_day=once) == {}


async def test_add_unless_recent_checks_and_inserts_in_one_statement(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        jane = await u.contacts.add(Contact(ada, "Jane", "Acme"))
        bo = await u.contacts.add(Contact(bob, "Bo", None))
        assert jane.id and bo.id
        add = u.activities.add_unless_recent
        ten_before = T0 - timedelta(minutes=10)
        first = await add(logged(ada, K.MEETING, T0, jane.id, "Acme"), ten_before)
        assert first is not None and first.id and not first.repeated
        # Five minutes later, with a ten-minute window: a double tap, nothing added.
        tap = logged(ada, K.MEETING, T0 + timedelta(minutes=5), jane.id, "Acme")
        assert await add(tap, T0 - timedelta(minutes=5)) is None
        # Out of the window: added, and marked as the day's repeat.
        later = logged(ada, K.MEETING, T0 + timedelta(minutes=30), jane.id, "Acme")
        later.note = "2nd"
        again = await add(later, T0 + timedelta(minutes=20))
        assert again is not None and again.repeated and again.id != first.id
        # Another kind, day or member is another step: added, not a repeat.
        other = [
            logged(ada, K.FOLLOWUP, T0, jane.id),
            logged(ada, K.MEETING, T0, jane.id, day=date(2025, 3, 15)),
            logged(bob, K.MEETING, T0, bo.id),
        ]
        for a in other:
            added = await add(a, ten_before)
            assert added is not None and not added.repeated
    async with uow() as u:
        stored = await u.activities.all(ada)
        meetings = [(a.note, a.repeated) for a in stored if a.kind is K.MEETING]
        assert meetings == [(None, False), ("2nd", True), (None, False)]
        assert [a.created_at for a in stored[:1]] == [T0]
