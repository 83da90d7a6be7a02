"""The in-memory fakes honour the port contracts the core relies on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain import (
    Activity,
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Group,
    Identity,
    Meeting,
    MeetingStatus,
    Member,
    Membership,
    Opportunity,
    Pause,
    Pending,
)
from tests.fakes import FakeClock, FakeStore, FakeUnitOfWork, fake_uow_factory

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
ADA = Identity("console", "local", "ada")


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def uow(store: FakeStore, clock: FakeClock) -> FakeUnitOfWork:
    return fake_uow_factory(store, clock)()


async def _member(uow: FakeUnitOfWork) -> int:
    async with uow:
        member = await uow.members.add(Member("Ada"), ADA)
    assert member.id is not None
    return member.id


async def test_clean_exit_commits_with_ids_and_created_at(
    store: FakeStore, uow: FakeUnitOfWork
) -> None:
    member_id = await _member(uow)
    async with uow:
        contact = await uow.contacts.add(Contact(member_id, "Grace"))
    assert (member_id, contact.id) == (1, 1)
    assert store.members[1].created_at == T0
    assert store.contacts[1].name == "Grace"
    assert store.commits == 2


async def test_exception_rolls_back_everything_written_in_the_unit(
    store: FakeStore, uow: FakeUnitOfWork
) -> None:
    member_id = await _member(uow)
    with pytest.raises(RuntimeError):
        async with uow:
            await uow.contacts.add(Contact(member_id, "Grace"))
            member = await uow.members.get(member_id)
            assert member is not None
            member.weekly_goal = 9
            await uow.members.update(member)
            raise RuntimeError("boom")
    assert store.contacts == {}
    assert store.members[member_id].weekly_goal == 5
    assert (store.commits, store.rollbacks) == (1, 1)


async def test_returned_entities_are_copies_until_updated(
    store: FakeStore, uow: FakeUnitOfWork
) -> None:
    member_id = await _member(uow)
    async with uow:
        member = await uow.members.get(member_id)
        assert member is not None
        member.display_name = "Countess"
    assert store.members[member_id].display_name == "Ada"


async def test_contact_lookups_ignore_case_and_order_by_name(uow: FakeUnitOfWork) -> None:
    member_id = await _member(uow)
    async with uow:
        for name, company in [("bob", "Acme"), ("Alice", None), ("Anne", "Globex"), ("al", None)]:
            await uow.contacts.add(Contact(member_id, name, company=company))
        starting = await uow.contacts.starting_with(member_id, "A")
        by_company = await uow.contacts.search(member_id, "ACM", limit=5)
        everyone = await uow.contacts.search(member_id, None, limit=3)
        companies = await uow.contacts.companies(member_id, "g", limit=5)
    assert [c.name for c in starting] == ["al", "Alice", "Anne"]
    assert [c.name for c in by_company] == ["bob"]
    assert [c.name for c in everyone] == ["al", "Alice", "Anne"]
    assert companies == ["Globex"]


async def test_between_is_half_open_and_oldest_first(uow: FakeUnitOfWork) -> None:
    member_id = await _member(uow)
    day = T0.date()
    async with uow:
        for hours, kind in [
            (2, ActivityKind.MEETING),
            (0, ActivityKind.OUTREACH),
            (4, ActivityKind.OUTREACH),
        ]:
            at = T0 + timedelta(hours=hours)
            await uow.activities.add(Activity(member_id, kind, at, day))
        found = await uow.activities.between(member_id, T0, T0 + timedelta(hours=4))
        counts = await uow.activities.counts_by_member([member_id, 99], T0, T0 + timedelta(hours=4))
        dates, _ = await uow.activities.streak_history(member_id, [ActivityKind.MEETING])
    assert [a.occurred_at for a in found] == [T0, T0 + timedelta(hours=2)]
    assert counts == {member_id: {ActivityKind.OUTREACH: 1, ActivityKind.MEETING: 1}}
    assert dates == {day}


async def test_open_followups_and_upcoming_meetings_come_soonest_first(
    uow: FakeUnitOfWork,
) -> None:
    member_id = await _member(uow)
    async with uow:
        late = await uow.followups.add(FollowUp(member_id, FollowUpKind.LEAD, T0 + timedelta(2)))
        await uow.followups.add(FollowUp(member_id, FollowUpKind.LEAD, T0 + timedelta(1)))
        await uow.followups.add(
            FollowUp(member_id, FollowUpKind.LEAD, T0, status=FollowUpStatus.DONE)
        )
        for days, status in [
            (3, MeetingStatus.SCHEDULED),
            (1, MeetingStatus.CANCELLED),
            (2, MeetingStatus.SCHEDULED),
            (-1, MeetingStatus.SCHEDULED),
        ]:
            await uow.meetings.add(Meeting(member_id, T0 + timedelta(days), status=status))
        open_ = await uow.followups.open(member_id)
        upcoming = await uow.meetings.upcoming(member_id, after=T0, limit=1)
    assert [f.due_at for f in open_] == [T0 + timedelta(1), late.due_at]
    assert [m.starts_at for m in upcoming] == [T0 + timedelta(2)]


async def test_by_organisation_ignores_case(uow: FakeUnitOfWork) -> None:
    member_id = await _member(uow)
    async with uow:
        await uow.opportunities.add(Opportunity(member_id, "Acme Corp"))
        found = await uow.opportunities.by_organisation(member_id, "ACME corp")
        missing = await uow.opportunities.by_organisation(member_id, "Acme")
    assert found is not None and found.organisation == "Acme Corp"
    assert missing is None


async def test_forget_removes_every_row_of_the_member(
    store: FakeStore, uow: FakeUnitOfWork
) -> None:
    member_id = await _member(uow)
    async with uow:
        other = await uow.members.add(Member("Grace"), Identity("console", "local", "grace"))
        group = await uow.groups.add(Group("console", "local", "general", "General"))
        assert group.id is not None and other.id is not None
        for mid in (member_id, other.id):
            await uow.groups.join(Membership(group.id, mid))
            await uow.contacts.add(Contact(mid, "Bob"))
        await uow.members.add_pause(Pause(member_id, T0.date(), None))
        await uow.pending.put(Pending(member_id, "forget"))
        await uow.members.forget(member_id)
        remaining = await uow.groups.members(group.id)
        assert await uow.members.by_identity(ADA) is None
    assert [m.display_name for m, _ in remaining] == ["Grace"]
    assert member_id not in store.members and store.pauses == {} and store.pending == {}
    assert [c.member_id for c in store.contacts.values()] == [other.id]


async def test_end_open_pauses_closes_open_and_later_pauses(uow: FakeUnitOfWork) -> None:
    member_id = await _member(uow)
    async with uow:
        for start, end in [
            (date(2025, 1, 1), None),
            (date(2025, 1, 2), date(2025, 2, 1)),
            (date(2024, 12, 1), date(2024, 12, 5)),
        ]:
            await uow.members.add_pause(Pause(member_id, start, end))
        await uow.members.end_open_pauses(member_id, date(2025, 1, 10))
        ends = [p.end for p in await uow.members.pauses(member_id)]
    assert ends == [date(2024, 12, 5), date(2025, 1, 10), date(2025, 1, 10)]


def test_clock_is_settable_and_advances() -> None:
    clock = FakeClock()
    clock.set(datetime(2025, 3, 1, 12, tzinfo=UTC))
    clock.advance(timedelta(hours=1))
    assert clock.now() == datetime(2025, 3, 1, 13, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)
    with pytest.raises(ValueError):
        clock.set(datetime(2025, 3, 1))
