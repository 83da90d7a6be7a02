"""The dispatcher's batch reads and writes (one query for a batch of members or nudges),
on SQLite, PostgreSQL and the fakes: each gives what its one-member version gives."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain import (
    CONVERSATIONS,
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
)
from tests.storage.test_storage_nudges import (
    CLAIMED,
    FAILED,
    LEASE,
    MIN,
    PENDING,
    SENT,
    SKIPPED,
    T0,
    Uow,
    _settle,
    add_members,
    claim,
    enqueue,
    get,
    make_uow,
    nudge,
    url_or_fake,
)

__all__ = ["make_uow", "url_or_fake"]  # the fixtures, shared
SEC = timedelta(seconds=1)


async def test_sent_since_lists_each_members_messages_not_merged(make_uow: Uow) -> None:
    me, other, quiet = await add_members(make_uow, "ada", "bob", "cy")
    start = T0
    await _settle(
        make_uow,
        [
            ("at-start", me, SENT, start, None),
            ("inside", me, SENT, start + timedelta(hours=5), None),
            ("carried", me, SENT, start + timedelta(hours=5), "inside"),  # merged: not one
            ("skipped", me, SKIPPED, start + MIN, None),
            ("failed", me, FAILED, start + MIN, None),
            ("held", me, CLAIMED, start, None),
            ("again", me, PENDING, start, None),
            ("before", me, SENT, start - timedelta(microseconds=1), None),
            ("not-mine", other, SENT, start + MIN, None),
        ],
    )
    async with make_uow() as u:
        sent = await u.outbox.sent_since([me, other, quiet], start)
        assert {mid: sorted(at) for mid, at in sent.items()} == {
            me: [start, start + timedelta(hours=5)],
            other: [start + MIN],
        }
        assert await u.outbox.sent_since([], start) == {}


async def test_finish_many_closes_only_what_the_worker_holds(make_uow: Uow) -> None:
    await enqueue(make_uow, [nudge("a"), nudge("b"), nudge("c", T0 + MIN)])
    mine = await claim(make_uow, "w")
    a, b = mine[0].id or 0, mine[1].id or 0
    theirs = await claim(make_uow, "x", now=T0 + MIN)
    c = theirs[0].id or 0
    async with make_uow() as u:
        assert await u.outbox.finish_many([a, b, c], "w", SKIPPED, T0, "nothing to say") == {a, b}
        assert await u.outbox.finish_many([a], "w", SENT, T0) == set()  # already closed
    done = await get(make_uow, a)
    assert (done.status, done.note, done.finished_at) == (SKIPPED, "nothing to say", T0)
    assert (await get(make_uow, c)).status is CLAIMED


async def test_batch_reads_match_the_one_member_reads(make_uow: Uow) -> None:
    ada, bob, cy = await add_members(make_uow, "ada", "bob", "cy")
    hour = timedelta(hours=1)
    async with make_uow() as u:
        await u.followups.add_many([
            FollowUp(ada, FollowUpKind.LEAD, T0 + hour),
            FollowUp(ada, FollowUpKind.THANKYOU, T0),
            FollowUp(ada, FollowUpKind.LEAD, T0, status=FollowUpStatus.DONE),
            FollowUp(bob, FollowUpKind.CHECKBACK, T0 - hour),
        ])  # fmt: skip
        await u.meetings.add(Meeting(ada, T0 + hour))
        await u.meetings.add(Meeting(bob, T0 + hour, status=MeetingStatus.CANCELLED))
        await u.meetings.add(Meeting(cy, T0 - hour))  # before: not upcoming
        await u.activities.add(Activity(ada, ActivityKind.MEETING, T0 - hour, T0.date()))
        await u.activities.add(Activity(ada, ActivityKind.INTERVIEW, T0 - 2 * hour, T0.date()))
        await u.activities.add(Activity(bob, ActivityKind.OUTREACH, T0, T0.date()))
        dee = await u.members.add(Member("dee"), Identity("discord", "discord", "777"))
        await u.links.merge(cy, dee.id or 0)  # cy now has two identities
    ids = [ada, bob, cy]
    async with make_uow() as u:
        opened = await u.followups.open_many(ids)
        assert opened == {m: got for m in ids if (got := await u.followups.open(m))}
        assert [f.kind for f in opened[ada]] == [FollowUpKind.THANKYOU, FollowUpKind.LEAD]
        assert await u.meetings.with_upcoming(ids, T0) == {ada}
        last = await u.activities.last_at_many(ids, CONVERSATIONS)
        assert last == {ada: T0 - hour}  # bob's outreach is not a conversation
        assert await u.activities.last_at_many(ids, []) == {}
        by_use = await u.members.identities_by_use_many([*ids, 999_999])
        assert by_use == {m: await u.members.identities_by_use(m) for m in ids}
        assert len(by_use[cy]) == 2


async def test_a_claim_leaves_aside_what_waits_for_a_lane_it_skips(make_uow: Uow) -> None:
    """A nudge handed back for a full lane carries that lane; the claimer's next claims
    skip it while it names the lane, and take it again once it does not."""
    await enqueue(make_uow, [nudge("full"), nudge("other", due=T0 + MIN), nudge("fresh")])
    (first,) = await claim(make_uow, "w1", limit=1)
    async with make_uow() as u:
        assert await u.outbox.hand_over(first.id or 0, "w1", "slack", "lane full", "slack/T1")
    back = await get(make_uow, first.id)
    assert (back.status, back.lane, back.platform) == (PENDING, "slack/T1", "slack")
    assert back.attempts == 0
    async with make_uow() as u:
        skipped = await u.outbox.claim(
            T0 + MIN, "w1", LEASE, 100, platforms={"slack"}, skip_lanes=["slack/T1", "discord"]
        )
        assert sorted(n.dedupe_key for n in skipped) == ["fresh", "other"]  # no lane: taken
        (again,) = await u.outbox.claim(
            T0 + MIN, "w2", LEASE, 100, platforms={"slack"}, skip_lanes=["slack/T2"]
        )
    assert (again.id, again.lane) == (first.id, "slack/T1")


async def test_a_routed_claim_takes_at_most_its_limit_while_others_claim(make_uow: Uow) -> None:
    """Four claimers at once over 2,000 due rows: each takes its limit, none the same row.
    (The bench's million-member run is what showed a claim taking more than its limit;
    this size does not make PostgreSQL choose the plan that did.)"""
    await enqueue(make_uow, [nudge(f"n{i}", T0 - i * MIN) for i in range(2000)])

    async def one(worker: str) -> list[int]:
        async with make_uow() as u:
            got = await u.outbox.claim(
                T0, worker, LEASE, 50, platforms={"slack"}, stale_before=T0 - 100 * MIN,
                skip_lanes=["discord"],
            )  # fmt: skip
        return [n.id or 0 for n in got]

    taken = await asyncio.gather(*(one(f"w{i}") for i in range(4)))
    assert [len(t) for t in taken] == [50, 50, 50, 50]
    assert len({i for t in taken for i in t}) == 200


async def test_hand_over_many_gives_back_a_lanes_nudges_in_one_statement(make_uow: Uow) -> None:
    await enqueue(make_uow, [nudge("a"), nudge("b"), nudge("c"), nudge("d", T0 - SEC)])
    d, a, b, c = await claim(make_uow, "w1")
    turns = {a.id or 0: T0 + 3 * SEC, b.id or 0: T0 + 4 * SEC, c.id or 0: T0 + 5 * SEC}
    turns[d.id or 0] = None  # ready as it was
    async with make_uow() as u:
        assert await u.outbox.retry(c.id or 0, "w1", T0, "moved")  # not held any more
        assert await u.outbox.hand_over_many(turns, "w1", "discord", "lane full", "discord") == 3
    for n in (a, b):
        back = await get(make_uow, n.id)
        assert (back.status, back.attempts, back.platform, back.lane, back.due_at) == (
            PENDING, 0, "discord", "discord", T0,
        )  # fmt: skip
        assert back.ready_at == turns[n.id or 0]  # booked; due as it was
    assert (await get(make_uow, c.id)).lane is None
    assert (await get(make_uow, c.id)).ready_at == T0
    kept = await get(make_uow, d.id)
    assert (kept.status, kept.lane, kept.ready_at) == (PENDING, "discord", T0 - SEC)


async def test_a_booked_nudge_is_claimed_from_its_turn_not_before(make_uow: Uow) -> None:
    """A full lane's turned-away nudge is out of every claim until its turn; then it is
    claimed in turn order, ahead of what is due after it; next_due sees the turn."""
    await enqueue(make_uow, [nudge("early", T0 - MIN), nudge("late", T0 + 10 * SEC)])
    [early] = await claim(make_uow, "w1")
    async with make_uow() as u:
        await u.outbox.hand_over_many(
            {early.id or 0: T0 + 5 * SEC}, "w1", "slack", "lane full", "slack/T1"
        )
    assert await claim(make_uow, "w2", now=T0 + 4 * SEC) == []
    async with make_uow() as u:
        assert await u.outbox.next_due(T0) == T0 + 5 * SEC
    await enqueue(make_uow, [nudge("between", T0 + 4 * SEC)])  # due after early, ready first
    [first] = await claim(make_uow, "w2", now=T0 + 11 * SEC, limit=1)
    assert first.dedupe_key == "between"  # ready order, not due order
    got = await claim(make_uow, "w2", now=T0 + 11 * SEC)
    assert [n.dedupe_key for n in got] == ["early", "late"]  # the turn, then the later due
    assert got[0].due_at == T0 - MIN  # lateness still counts from when it was due


async def test_most_advanced_is_each_members_contact_furthest_along(make_uow: Uow) -> None:
    ada, bob, cy = await add_members(make_uow, "ada", "bob", "cy")
    async with make_uow() as u:
        early = await u.contacts.add(Contact(ada, "Ann Early", stage=1))
        far = await u.contacts.add(Contact(ada, "Zed Far", stage=3))
        await u.contacts.add(Contact(ada, "Al Also", stage=1))
        same1 = await u.contacts.add(Contact(bob, "Bo One", stage=1))
        same2 = await u.contacts.add(Contact(bob, "Bo Two", stage=1))
    async with make_uow() as u:
        best = await u.contacts.most_advanced([ada, bob, cy])
    assert {m: c.id for m, c in best.items()} == {ada: far.id, bob: same2.id}  # newest of ties
    assert best[ada] == far and early.id != far.id and same1.id != same2.id
