"""What undo and the contact fixes need from storage, on both databases: the step journal,
deleting rows, moving a contact's records to another, and touch reporting what it moved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.domain import (
    Activity,
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpKind,
    Identity,
    Meeting,
    Member,
    Opportunity,
    OpportunityStage,
    Step,
)
from storage.uow import SqlUnitOfWork

Uow = Callable[[], SqlUnitOfWork]
T0 = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)


async def _members(uow: Uow) -> tuple[int, int]:
    async with uow() as u:
        ada = await u.members.add(Member("Ada"), Identity("slack", "T", "A"))
        bob = await u.members.add(Member("Bob"), Identity("slack", "T", "B"))
    assert ada.id and bob.id
    return ada.id, bob.id


async def test_steps_newest_first_within_the_window_per_member(uow: Uow) -> None:
    ada, bob = await _members(uow)
    changes: list[dict[str, object]] = [
        {"op": "add", "t": "activity", "id": 7, "main": True, "at": T0.isoformat()},
        {"op": "set", "t": "followup", "id": 3, "before": {"status": "open", "closed_at": None}},
    ]
    async with uow() as u:
        old = await u.steps.add(Step(ada, "outreach to Sam", [], created_at=T0 - timedelta(days=2)))
        first = await u.steps.add(Step(ada, "conversation with Jane Doe (Acme)", changes, T0))
        second = await u.steps.add(Step(ada, "thank-you to Jane Doe", [], created_at=T0))
        theirs = await u.steps.add(Step(bob, "lead Priya", [], created_at=T0))
    assert old.id and first.id and second.id and theirs.id
    since = T0 - timedelta(hours=24)
    async with uow() as u:
        assert await u.steps.last(ada, since) == second  # same instant: the later one
        await u.steps.delete(ada, second.id)
        await u.steps.delete(ada, theirs.id)  # not Ada's: stays
        got = await u.steps.last(ada, since)
        assert got == first and got is not None and got.changes == changes
        assert await u.steps.last(bob, since) == theirs
    async with uow() as u:
        await u.steps.delete(ada, first.id)
        assert await u.steps.last(ada, since) is None  # the old one is out of the window
        assert await u.steps.last(ada, since - timedelta(days=2)) == old
        assert await u.steps.prune(since) == 1
        assert await u.steps.last(ada, since - timedelta(days=2)) is None
        assert await u.steps.last(bob, since) == theirs


async def test_deleting_rows_is_scoped_to_their_member(uow: Uow) -> None:
    ada, bob = await _members(uow)
    async with uow() as u:
        act = await u.activities.add(Activity(ada, ActivityKind.MEETING, T0, T0.date()))
        fu = await u.followups.add(
            FollowUp(ada, FollowUpKind.THANKYOU, T0, source_activity_id=act.id)
        )
        other = await u.followups.add(FollowUp(ada, FollowUpKind.CHECKBACK, T0))
        meeting = await u.meetings.add(Meeting(ada, T0))
        opp = await u.opportunities.add(Opportunity(ada, "Acme", updated_at=T0))
    assert act.id and fu.id and other.id and meeting.id and opp.id
    async with uow() as u:  # Bob's ids mean nothing for Ada's rows
        await u.activities.delete(bob, act.id)
        await u.followups.delete(bob, fu.id)
        await u.meetings.delete(bob, meeting.id)
        await u.opportunities.delete(bob, opp.id)
        assert await u.opportunities.get(bob, opp.id) is None
        assert await u.opportunities.get(ada, opp.id) == opp
        assert len(await u.activities.all(ada)) == 1
    async with uow() as u:
        await u.activities.delete(ada, act.id)
        await u.meetings.delete(ada, meeting.id)
        await u.opportunities.delete(ada, opp.id)
        assert await u.activities.all(ada) == []
        kept = await u.followups.get(ada, fu.id)  # what the activity caused keeps its row
        assert kept is not None and kept.source_activity_id is None
        await u.followups.delete(ada, fu.id)
        assert [f.id for f in await u.followups.all(ada)] == [other.id]
        assert await u.meetings.all(ada) == [] and await u.opportunities.all(ada) == []


async def test_in_use_sees_every_kind_of_pointer(uow: Uow) -> None:
    ada, bob = await _members(uow)
    async with uow() as u:
        people = [await u.contacts.add(Contact(ada, f"P{i}")) for i in range(5)]
        ids = [p.id or 0 for p in people]
        await u.activities.add(Activity(ada, ActivityKind.MEETING, T0, T0.date(), ids[0]))
        await u.followups.add(FollowUp(ada, FollowUpKind.THANKYOU, T0, contact_id=ids[1]))
        await u.meetings.add(Meeting(ada, T0, contact_id=ids[2]))
        await u.contacts.add(Contact(ada, "Referred", referred_by_id=ids[3]))
        # Bob's rows never count for Ada's contacts.
        await u.activities.add(Activity(bob, ActivityKind.MEETING, T0, T0.date(), ids[4]))
    async with uow() as u:
        assert [await u.contacts.in_use(ada, i) for i in ids] == [True] * 4 + [False]


async def test_reassign_then_delete_moves_everything_to_the_target(uow: Uow) -> None:
    ada, bob = await _members(uow)
    async with uow() as u:
        source = await u.contacts.add(Contact(ada, "Jane Doe"))
        target = await u.contacts.add(Contact(ada, "Jane Smith", referred_by_id=source.id))
        bystander = await u.contacts.add(Contact(ada, "Sam"))
        s, t, b = source.id or 0, target.id or 0, bystander.id or 0
        referred = await u.contacts.add(Contact(ada, "Priya", referred_by_id=s))
        for who in (s, b):
            await u.activities.add(Activity(ada, ActivityKind.MEETING, T0, T0.date(), who))
            await u.followups.add(FollowUp(ada, FollowUpKind.THANKYOU, T0, contact_id=who))
            await u.meetings.add(Meeting(ada, T0, contact_id=who))
        await u.meetings.add(Meeting(bob, T0, contact_id=s))  # not Ada's: never moved
    async with uow() as u:
        await u.contacts.reassign(ada, s, t)
        assert [m.contact_id for m in await u.meetings.all(bob)] == [s]
        # The target's own link to the source is the caller's to settle (see merged()).
        moved_target = await u.contacts.get(ada, t)
        assert moved_target is not None and moved_target.referred_by_id == s
        assert await u.contacts.in_use(ada, s)
        moved_target.referred_by_id = None
        await u.contacts.update(moved_target)
        assert not await u.contacts.in_use(ada, s)
        await u.contacts.delete(ada, s)
    async with uow() as u:
        assert await u.contacts.get(ada, s) is None
        assert [a.contact_id for a in await u.activities.all(ada)] == [t, b]
        assert sorted(f.contact_id or 0 for f in await u.followups.all(ada)) == sorted([t, b])
        assert sorted(m.contact_id or 0 for m in await u.meetings.all(ada)) == sorted([t, b])
        again = await u.contacts.get(ada, referred.id or 0)
        assert again is not None and again.referred_by_id == t
        assert await u.contacts.count(ada) == 3


async def test_deleting_a_contact_leaves_what_pointed_at_it_pointing_at_no_one(uow: Uow) -> None:
    ada, _ = await _members(uow)
    async with uow() as u:
        jane = await u.contacts.add(Contact(ada, "Jane"))
        ref = await u.contacts.add(Contact(ada, "Ref", referred_by_id=jane.id))
        await u.activities.add(Activity(ada, ActivityKind.MEETING, T0, T0.date(), jane.id))
    async with uow() as u:
        await u.contacts.delete(ada, jane.id or 0)
    async with uow() as u:
        (activity,) = await u.activities.all(ada)
        assert activity.contact_id is None
        kept = await u.contacts.get(ada, ref.id or 0)
        assert kept is not None and kept.referred_by_id is None


async def test_touch_returns_the_rows_as_they_were(uow: Uow) -> None:
    ada, bob = await _members(uow)
    async with uow() as u:
        early = await u.opportunities.add(
            Opportunity(ada, "Acme", stage=OpportunityStage.TARGET, updated_at=T0)
        )
        ahead = await u.opportunities.add(
            Opportunity(ada, "ACME", role="PM", stage=OpportunityStage.OFFER, updated_at=T0)
        )
        await u.opportunities.add(Opportunity(bob, "Acme", updated_at=T0))
    later = T0 + timedelta(days=3)
    behind = [OpportunityStage.TARGET, OpportunityStage.CONTACTED]
    async with uow() as u:
        before = await u.opportunities.touch(
            ada, "acme", later, OpportunityStage.CONVERSATION, behind
        )
        assert before == [early, ahead]
        assert await u.opportunities.touch(ada, "Globex", later, OpportunityStage.OFFER, []) == []
    async with uow() as u:
        now = await u.opportunities.all(ada)
        assert [(o.stage, o.updated_at) for o in now] == [
            (OpportunityStage.CONVERSATION, later),
            (OpportunityStage.OFFER, later),
        ]
        (theirs,) = await u.opportunities.all(bob)
        assert (theirs.stage, theirs.updated_at) == (OpportunityStage.TARGET, T0)
