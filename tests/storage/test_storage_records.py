"""Contacts, the activity log, follow-ups, meetings and opportunities, on both databases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.domain import (
    CONVERSATIONS,
    STREAK_KINDS,
    Activity,
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Identity,
    Meeting,
    MeetingStatus,
    Member,
    Opportunity,
    OpportunityStage,
    Pause,
)
from storage.uow import SqlUnitOfWork

Uow = Callable[[], SqlUnitOfWork]
T0 = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
K = ActivityKind


async def two_members(uow: Uow) -> tuple[int, int]:
    async with uow() as u:
        ada = await u.members.add(Member("Ada"), Identity("slack", "T", "A"))
        bob = await u.members.add(Member("Bob"), Identity("slack", "T", "B"))
    assert ada.id and bob.id
    return ada.id, bob.id


async def add_contacts(uow: Uow, member_id: int, *specs: tuple[str, str | None]) -> list[Contact]:
    async with uow() as u:
        return [await u.contacts.add(Contact(member_id, name, company)) for name, company in specs]


async def test_contact_round_trip_update_and_privacy(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        jane = await u.contacts.add(Contact(ada, "Jane Doe", "Acme"))
        contact = Contact(
            ada,
            "Élodie Ünal",
            "Société Générale",
            role="Head of Data",
            how_met="alumni dinner",
            referred_by_id=jane.id,
            stage=2,
            notes="Wants a **dashboard** person.\nCall after 10.",
            created_at=datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2))),
        )
        await u.contacts.add(contact)
    assert contact.id and jane.id and contact.id != jane.id
    async with uow() as u:
        assert await u.contacts.get(ada, contact.id) == contact
        assert await u.contacts.get(bob, contact.id) is None  # contacts are private
        contact.stage, contact.company, contact.name = 3, None, "Elodie Unal"
        contact.referred_by_id = None
        await u.contacts.update(contact)
    async with uow() as u:
        assert await u.contacts.get(ada, contact.id) == contact
        assert [c.name for c in await u.contacts.starting_with(ada, "e")] == ["Elodie Unal"]
        assert await u.contacts.count(ada) == 2 and await u.contacts.count(bob) == 0


async def test_starting_with_ignores_case_and_is_literal(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    await add_contacts(
        uow, ada, ("jane", None), ("Jack", None), ("JANET", None), ("Élise", None),
        ("élan", None), ("Ana", None), ("%percent", None), ("_under", None), ("x_y", None),
    )  # fmt: skip
    await add_contacts(uow, bob, ("Jill", None))
    async with uow() as u:
        assert [c.name for c in await u.contacts.starting_with(ada, "J")] == [
            "Jack", "jane", "JANET",
        ]  # fmt: skip
        assert [c.name for c in await u.contacts.starting_with(ada, "jAn")] == ["jane", "JANET"]
        assert [c.name for c in await u.contacts.starting_with(ada, "é")] == ["élan", "Élise"]
        assert [c.name for c in await u.contacts.starting_with(ada, "É")] == ["élan", "Élise"]
        assert [c.name for c in await u.contacts.starting_with(ada, "%")] == ["%percent"]
        assert [c.name for c in await u.contacts.starting_with(ada, "_")] == ["_under"]
        assert await u.contacts.starting_with(ada, "z") == []
        assert [c.name for c in await u.contacts.starting_with(bob, "j")] == ["Jill"]


async def test_search_name_or_company_by_name_with_limit(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    await add_contacts(
        uow, ada, ("Zoe Park", "ACME Corp"), ("Jane Doe", "Globex"), ("Alan Acme", None),
        ("Bea Stone", "acmeware"), ("Carl", "Initech"),
    )  # fmt: skip
    await add_contacts(uow, bob, ("Acme Fan", "Acme"))
    async with uow() as u:
        found = await u.contacts.search(ada, "acme", 10)
        assert [c.name for c in found] == ["Alan Acme", "Bea Stone", "Zoe Park"]
        assert [c.name for c in await u.contacts.search(ada, "ACME", 2)] == [
            "Alan Acme",
            "Bea Stone",
        ]
        assert [c.name for c in await u.contacts.search(ada, "DOE", 10)] == ["Jane Doe"]
        assert [c.name for c in await u.contacts.search(ada, None, 3)] == [
            "Alan Acme", "Bea Stone", "Carl",
        ]  # fmt: skip
        assert len(await u.contacts.search(ada, None, 100)) == 5
        assert await u.contacts.search(ada, "nobody", 10) == []


async def test_companies_distinct_by_prefix_ignoring_case(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    await add_contacts(
        uow, ada, ("A", "Acme"), ("B", "ACME"), ("C", "Acorn"), ("D", "Globex"),
        ("E", None), ("F", "acme labs"),
    )  # fmt: skip
    await add_contacts(uow, bob, ("G", "Acrobat"))
    async with uow() as u:
        acme = await u.contacts.companies(ada, "ac", 10)
        assert len(acme) == 3 and acme[0].casefold() == "acme"
        assert acme[1:] == ["acme labs", "Acorn"]
        assert await u.contacts.companies(ada, "ACO", 10) == ["Acorn"]
        assert len(await u.contacts.companies(ada, "", 10)) == 4
        assert len(await u.contacts.companies(ada, "", 2)) == 2
        assert await u.contacts.companies(bob, "a", 10) == ["Acrobat"]


def act(member_id: int, kind: ActivityKind, at: datetime, **kw: object) -> Activity:
    return Activity(member_id, kind, at, at.date(), **kw)  # type: ignore[arg-type]


async def test_activity_round_trip_and_for_contact(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    [jane, carl] = await add_contacts(uow, ada, ("Jane", "Acme"), ("Carl", None))
    local = timezone(timedelta(hours=-7))
    async with uow() as u:
        first = await u.activities.add(
            Activity(
                ada, K.INTERVIEW, datetime(2025, 3, 1, 20, 30, 0, 1, tzinfo=local),
                date(2025, 3, 1), jane.id, "Acme", "panel of 4",
            )
        )  # fmt: skip
        second = await u.activities.add(act(ada, K.THANKYOU, T0, contact_id=jane.id))
        third = await u.activities.add(act(ada, K.FOLLOWUP, T0, contact_id=jane.id))
        await u.activities.add(act(ada, K.OUTREACH, T0, contact_id=carl.id))
    assert first.id and first.created_at is not None
    async with uow() as u:
        got = await u.activities.all(ada)
        assert got[0] == first and got[0].occurred_at.tzinfo is UTC
        assert got[0].occurred_at == datetime(2025, 3, 2, 3, 30, 0, 1, tzinfo=UTC)
        assert got[0].local_date == date(2025, 3, 1) and got[0].kind is K.INTERVIEW
        # Newest first; ties by id, newest first too.
        assert await u.activities.for_contact(ada, jane.id or 0, 10) == [third, second, first]
        assert await u.activities.for_contact(ada, jane.id or 0, 1) == [third]
        assert await u.activities.for_contact(bob, jane.id or 0, 10) == []
        assert await u.activities.all(bob) == []


async def test_between_is_half_open_and_oldest_first(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    start, end = T0, T0 + timedelta(days=7)
    async with uow() as u:
        at_end = await u.activities.add(act(ada, K.MEETING, end))
        late = await u.activities.add(act(ada, K.MEETING, end - timedelta(microseconds=1)))
        at_start = await u.activities.add(act(ada, K.OUTREACH, start))
        await u.activities.add(act(ada, K.OUTREACH, start - timedelta(microseconds=1)))
        await u.activities.add(act(bob, K.OUTREACH, start + timedelta(hours=1)))
    async with uow() as u:
        assert await u.activities.between(ada, start, end) == [at_start, late]
        # Bounds in another zone mean the same instants.
        minus5 = timezone(timedelta(hours=-5))
        shifted = await u.activities.between(ada, start.astimezone(minus5), end.astimezone(minus5))
        assert shifted == [at_start, late]
        assert await u.activities.between(ada, end, end + timedelta(1)) == [at_end]


async def test_streak_dates_are_distinct_by_kind(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        for day, kind in [(1, K.OUTREACH), (1, K.MEETING), (2, K.APPLICATION), (3, K.FOLLOWUP),
                          (5, K.INTERVIEW), (5, K.INTERVIEW), (9, K.OFFER)]:  # fmt: skip
            when = datetime(2025, 5, day, 12, tzinfo=UTC)
            await u.activities.add(Activity(ada, kind, when, date(2025, 5, day)))
        await u.activities.add(act(bob, K.OUTREACH, datetime(2025, 5, 4, tzinfo=UTC)))
    async with uow() as u:
        streak, _ = await u.activities.streak_history(ada, STREAK_KINDS)
        assert streak == {date(2025, 5, 1), date(2025, 5, 3), date(2025, 5, 5)}
        assert (await u.activities.streak_history(ada, [K.OFFER, K.APPLICATION]))[0] == {
            date(2025, 5, 2), date(2025, 5, 9),
        }  # fmt: skip
        assert await u.activities.streak_history(ada, []) == (set(), [])
        assert (await u.activities.streak_history(bob, STREAK_KINDS))[0] == {date(2025, 5, 4)}


async def test_counts_by_member_in_window(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        cy = (await u.members.add(Member("Cy"), Identity("slack", "T", "C"))).id or 0
    start, end = T0, T0 + timedelta(days=7)
    async with uow() as u:
        for member, kind, at in [
            (ada, K.MEETING, start), (ada, K.MEETING, start + timedelta(days=1)),
            (ada, K.FOLLOWUP, end - timedelta(microseconds=1)), (ada, K.MEETING, end),
            (ada, K.OUTREACH, start - timedelta(seconds=1)), (bob, K.INTERVIEW, start),
            (cy, K.MEETING, start),
        ]:  # fmt: skip
            await u.activities.add(act(member, kind, at))
    async with uow() as u:
        counts = await u.activities.counts_by_member([ada, bob, 999], start, end)
        # Like GROUP BY (and tests/fakes.py): members with nothing in the window are absent.
        assert counts == {ada: {K.MEETING: 2, K.FOLLOWUP: 1}, bob: {K.INTERVIEW: 1}}
        assert all(isinstance(kind, ActivityKind) for kind in counts[ada])
        assert await u.activities.counts_by_member([], start, end) == {}


async def test_last_at_by_kinds(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        await u.activities.add(act(ada, K.MEETING, T0))
        await u.activities.add(act(ada, K.INTERVIEW, T0 + timedelta(hours=3)))
        await u.activities.add(act(ada, K.OUTREACH, T0 + timedelta(days=2)))
    async with uow() as u:
        last = await u.activities.last_at(ada, CONVERSATIONS)
        assert last == T0 + timedelta(hours=3) and last is not None and last.tzinfo is UTC
        assert await u.activities.last_at(ada, [K.OFFER]) is None
        assert await u.activities.last_at(ada, []) is None
        assert await u.activities.last_at(bob, CONVERSATIONS) is None


async def test_followups_round_trip_open_ordering_and_update(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    [jane] = await add_contacts(uow, ada, ("Jane", "Acme"))
    async with uow() as u:
        source = await u.activities.add(act(ada, K.MEETING, T0, contact_id=jane.id))
        later = await u.followups.add(
            FollowUp(ada, FollowUpKind.CHECKBACK, T0 + timedelta(days=7), jane.id, "Acme",
                     source_activity_id=source.id)
        )  # fmt: skip
        sooner = await u.followups.add(FollowUp(ada, FollowUpKind.THANKYOU, T0 + timedelta(1)))
        dropped = await u.followups.add(
            FollowUp(ada, FollowUpKind.LEAD, T0, status=FollowUpStatus.DROPPED, closed_at=T0)
        )
        await u.followups.add(FollowUp(bob, FollowUpKind.PLANNED, T0))
    assert later.id and sooner.id and dropped.id and later.created_at is not None
    async with uow() as u:
        assert await u.followups.open(ada) == [sooner, later]
        # One person's, or no one's: what a log command could close or renew.
        assert await u.followups.open_for(ada, jane.id) == [later]
        assert await u.followups.open_for(ada, None) == [sooner]  # not the dropped lead
        assert await u.followups.open_for(bob, jane.id) == []
        assert await u.followups.get(ada, later.id) == later
        assert await u.followups.get(bob, later.id) is None
        later.status, later.closed_at = FollowUpStatus.DONE, T0 + timedelta(days=6, seconds=1)
        await u.followups.update(later)
    async with uow() as u:
        assert await u.followups.open(ada) == [sooner]
        assert await u.followups.get(ada, later.id) == later
        assert await u.followups.all(ada) == [dropped, sooner, later]
        assert [f.kind for f in await u.followups.all(bob)] == [FollowUpKind.PLANNED]


async def test_upcoming_meetings(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        past = await u.meetings.add(Meeting(ada, T0 - timedelta(minutes=1)))
        now = await u.meetings.add(Meeting(ada, T0, K.INTERVIEW, None, "Acme"))
        later = await u.meetings.add(Meeting(ada, T0 + timedelta(days=2)))
        soon = await u.meetings.add(Meeting(ada, T0 + timedelta(hours=2)))
        cancelled = await u.meetings.add(
            Meeting(ada, T0 + timedelta(hours=1), status=MeetingStatus.CANCELLED)
        )
        await u.meetings.add(Meeting(bob, T0 + timedelta(hours=1)))
    async with uow() as u:
        assert await u.meetings.upcoming(ada, T0, 10) == [now, soon, later]
        assert await u.meetings.upcoming(ada, T0, 2) == [now, soon]
        assert await u.meetings.upcoming(ada, T0 + timedelta(days=3), 10) == []
        now.status = MeetingStatus.HELD
        await u.meetings.update(now)
    async with uow() as u:
        assert await u.meetings.upcoming(ada, T0, 10) == [soon, later]
        assert await u.meetings.all(ada) == [past, now, cancelled, soon, later]
        assert (await u.meetings.all(ada))[1].kind is K.INTERVIEW


async def test_opportunities_by_organisation_ignoring_case(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        acme = await u.opportunities.add(Opportunity(ada, "Acme GmbH", "Data lead"))
        second = await u.opportunities.add(Opportunity(ada, "ACME GMBH", "Analyst"))
        ecole = await u.opportunities.add(
            Opportunity(ada, "École Polytechnique", stage=OpportunityStage.CONTACTED)
        )
        await u.opportunities.add(Opportunity(bob, "Globex"))
    assert acme.created_at is not None and acme.updated_at == acme.created_at
    async with uow() as u:
        assert await u.opportunities.by_organisation(ada, "ACME gmbh") == acme  # first added
        assert await u.opportunities.by_organisation(ada, "école polytechnique") == ecole
        assert await u.opportunities.by_organisation(ada, "Acme") is None
        assert await u.opportunities.by_organisation(ada, "Globex") is None
        acme.stage, acme.role = OpportunityStage.INTERVIEWING, None
        acme.updated_at = T0 + timedelta(days=30)
        await u.opportunities.update(acme)
    async with uow() as u:
        assert await u.opportunities.by_organisation(ada, "acme gmbh") == acme
        assert await u.opportunities.all(ada) == [acme, second, ecole]
        assert [o.organisation for o in await u.opportunities.all(bob)] == ["Globex"]


async def test_updates_of_missing_or_foreign_rows_raise(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    [jane] = await add_contacts(uow, ada, ("Jane", None))
    stolen = Contact(bob, "Jane (as Bob)", id=jane.id)
    updates: list[Callable[[SqlUnitOfWork], Awaitable[None]]] = [
        lambda u: u.contacts.update(stolen),  # another member's contact
        lambda u: u.followups.update(FollowUp(ada, FollowUpKind.LEAD, T0, id=999)),
        lambda u: u.meetings.update(Meeting(ada, T0, id=999)),
        lambda u: u.opportunities.update(Opportunity(ada, "Nope", id=999)),
        lambda u: u.opportunities.update(Opportunity(ada, "Never added")),
    ]
    for update in updates:
        with pytest.raises(LookupError):
            async with uow() as u:
                await update(u)
    async with uow() as u:
        assert await u.contacts.get(ada, jane.id or 0) == jane


async def test_add_many_followups_sets_ids_in_order(uow: Uow) -> None:
    ada, _ = await two_members(uow)
    [jane] = await add_contacts(uow, ada, ("Jane Doe", "Acme"))
    batch = [
        FollowUp(ada, FollowUpKind.THANKYOU, T0 + timedelta(days=1), contact_id=jane.id),
        FollowUp(ada, FollowUpKind.CHECKBACK, T0 + timedelta(days=7), contact_id=jane.id),
    ]
    async with uow() as u:
        await u.followups.add_many(batch)
        await u.followups.add_many([])  # nothing to do, no statement error
    assert batch[0].id and batch[1].id and batch[0].id < batch[1].id
    async with uow() as u:
        stored = await u.followups.open(ada)
    assert [(f.id, f.kind, f.due_at) for f in stored] == [(f.id, f.kind, f.due_at) for f in batch]


async def test_add_many_gives_each_followup_the_id_of_its_own_row(uow: Uow) -> None:
    """One statement for the batch: ids are matched back to rows, twins included."""
    ada, bob = await two_members(uow)
    [jane, sam] = await add_contacts(uow, ada, ("Jane Doe", "Acme"), ("Sam", None))
    tokyo = timezone(timedelta(hours=9))
    batch = [
        FollowUp(ada, FollowUpKind.CHECKBACK, T0 + timedelta(days=7), contact_id=sam.id),
        FollowUp(ada, FollowUpKind.THANKYOU, (T0 + timedelta(days=1)).astimezone(tokyo),
                 contact_id=jane.id, company="Acme"),
        FollowUp(ada, FollowUpKind.CHECKBACK, T0 + timedelta(days=7), contact_id=sam.id),
        FollowUp(ada, FollowUpKind.PLANNED, T0, company="Initech"),
        FollowUp(bob, FollowUpKind.PLANNED, T0, company="Initech"),  # twins but for member
        FollowUp(ada, FollowUpKind.PLANNED, T0, company="Initech",
                 status=FollowUpStatus.DROPPED, closed_at=T0),  # ...or for status
    ]  # fmt: skip
    async with uow() as u:
        await u.followups.add_many(batch)
    assert len({f.id for f in batch}) == len(batch)
    async with uow() as u:
        for f in batch:
            stored = await u.followups.get(f.member_id, f.id or 0)
            assert stored == f


async def test_touch_warms_and_moves_forward_only(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    async with uow() as u:
        acme = await u.opportunities.add(
            Opportunity(ada, "Acme", stage=OpportunityStage.TARGET, updated_at=T0)
        )
        done = await u.opportunities.add(
            Opportunity(ada, "Initech", stage=OpportunityStage.OFFER, updated_at=T0)
        )
    later = T0 + timedelta(days=3)
    behind = [OpportunityStage.TARGET, OpportunityStage.CONTACTED]
    async with uow() as u:
        assert await u.opportunities.touch(
            ada, "ACME", later, OpportunityStage.CONVERSATION, behind
        )
        assert await u.opportunities.touch(
            ada, "initech", later, OpportunityStage.CONVERSATION, behind
        )
        assert not await u.opportunities.touch(
            ada, "Globex", later, OpportunityStage.CONVERSATION, behind
        )
        assert not await u.opportunities.touch(
            bob, "Acme", later, OpportunityStage.CONVERSATION, behind
        )
    async with uow() as u:
        moved = await u.opportunities.by_organisation(ada, "acme")
        kept = await u.opportunities.by_organisation(ada, "Initech")
    assert moved and moved.id == acme.id
    assert (moved.stage, moved.updated_at) == (OpportunityStage.CONVERSATION, later)
    assert kept and kept.id == done.id
    assert (kept.stage, kept.updated_at) == (OpportunityStage.OFFER, later)


async def test_streak_history_reads_dates_and_pauses_in_one_go(uow: Uow) -> None:
    ada, bob = await two_members(uow)
    days = [date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 11), date(2025, 3, 14)]
    async with uow() as u:
        for i, day in enumerate(days):
            at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9 + i)
            await u.activities.add(Activity(ada, K.OUTREACH, at, day))
        # Not a streak kind, and another member's day: neither counts.
        await u.activities.add(Activity(ada, K.APPLICATION, T0, date(2025, 3, 12)))
        await u.activities.add(Activity(bob, K.MEETING, T0, date(2025, 3, 13)))
        await u.members.add_pause(Pause(ada, date(2025, 3, 17), date(2025, 3, 21)))
        await u.members.add_pause(Pause(ada, date(2025, 4, 1), None))
    async with uow() as u:
        dates, pauses = await u.activities.streak_history(ada, STREAK_KINDS)
        assert dates == {date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 14)}
        assert pauses == [(date(2025, 3, 17), date(2025, 3, 21)), (date(2025, 4, 1), None)]
        assert await u.activities.streak_history(bob, []) == (set(), [])
        assert await u.activities.streak_history(bob, STREAK_KINDS) == ({date(2025, 3, 13)}, [])
        many = await u.activities.streak_history_many([ada, bob, 9999], STREAK_KINDS)
        assert many == {
            ada: await u.activities.streak_history(ada, STREAK_KINDS),
            bob: ({date(2025, 3, 13)}, []),
        }  # a member with neither days nor pauses: left out
        assert await u.activities.streak_history_many([ada], []) == {ada: (set(), pauses)}
