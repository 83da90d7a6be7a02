"""Nudge storage: the outbox, planner cursors and the planners' reads, on SQLite, on
PostgreSQL and on the in-memory fakes (the core's tests run on those: same contract)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import ports
from bot.domain import (
    ActivityKind,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Group,
    Identity,
    Meeting,
    MeetingStatus,
    Member,
    Membership,
)
from bot.nudges.model import Cursor, Nudge, NudgeKind, NudgeStatus
from storage.engine import make_engine
from storage.uow import SqlUnitOfWork
from tests.fakes import FakeClock, FakeStore, fake_uow_factory
from tests.storage.conftest import backend_url, empty_engine

Uow = Callable[[], ports.UnitOfWork]
T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
LEASE = timedelta(seconds=90)
SENT, SKIPPED, FAILED = NudgeStatus.SENT, NudgeStatus.SKIPPED, NudgeStatus.FAILED
PENDING, CLAIMED = NudgeStatus.PENDING, NudgeStatus.CLAIMED


@pytest.fixture(params=["sqlite", "postgresql", "fake"])
def url_or_fake(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """A database URL, None for the fakes. Sync: the PostgreSQL fixtures run their own loop."""
    return None if request.param == "fake" else backend_url(request, request.param, tmp_path)


@pytest_asyncio.fixture
async def make_uow(url_or_fake: str | None) -> AsyncIterator[Uow]:
    """A unit-of-work factory on an empty database (or FakeStore), clock fixed at T0."""
    clock = FakeClock(T0)
    if url_or_fake is None:
        yield fake_uow_factory(FakeStore(), clock)
        return
    async with empty_engine(url_or_fake) as engine:
        yield lambda: SqlUnitOfWork(engine, clock)


async def add_members(make_uow: Uow, *names: str) -> list[int]:
    async with make_uow() as u:
        added = [await u.members.add(Member(n), Identity("slack", "T1", n)) for n in names]
    return [m.id or 0 for m in added]


async def add_group(make_uow: Uow, channel: str) -> Group:
    async with make_uow() as u:
        return await u.groups.add(Group("slack", "T1", channel, f"#{channel}"))


def nudge(key: str, due: datetime = T0, member_id: int | None = None) -> Nudge:
    return Nudge(NudgeKind.CHECKIN, due, key, member_id=member_id)


async def enqueue(make_uow: Uow, nudges: Sequence[Nudge]) -> int:
    async with make_uow() as u:
        return await u.outbox.enqueue(nudges)


async def claim(
    make_uow: Uow, worker: str, now: datetime = T0, limit: int = 100, lease: timedelta = LEASE
) -> list[Nudge]:
    async with make_uow() as u:
        return await u.outbox.claim(now, worker, lease, limit)


async def get(make_uow: Uow, nudge_id: int | None) -> Nudge:
    async with make_uow() as u:
        found = await u.outbox.get(nudge_id or 0)
    assert found is not None
    return found


# --- outbox -------------------------------------------------------------------------


async def test_enqueue_inserts_new_keys_only_and_counts_them(make_uow: Uow) -> None:
    member_id = (await add_members(make_uow, "ada"))[0]
    payload: dict[str, object] = {"followup_id": 7, "ids": [1, 2], "why": {"é": None}}
    first = Nudge(NudgeKind.FOLLOWUP, T0, "m1:followup:7", member_id=member_id, payload=payload)
    second = nudge("m1:checkin:2025-03-10", T0 + MIN, member_id)
    assert await enqueue(make_uow, [first, second]) == 2
    assert first.id is not None and second.id is not None and first.id != second.id
    assert first.created_at == T0

    again = nudge("m1:checkin:2025-03-10", T0 + 5 * MIN, member_id)  # same key, other time
    third, third_twice = nudge("g1:leaderboard:w11", T0), nudge("g1:leaderboard:w11", T0)
    assert await enqueue(make_uow, [again, third, third_twice]) == 1
    assert again.id is None and third.id is not None and third_twice.id is None
    assert await enqueue(make_uow, []) == 0

    async with make_uow() as u:
        assert await u.outbox.counts() == {PENDING: 3}
    stored = await get(make_uow, first.id)
    assert stored == first and stored.payload == payload  # every field round-trips
    assert (await get(make_uow, second.id)).due_at == T0 + MIN  # the repeat changed nothing


async def test_enqueue_many_goes_in_chunks_under_the_bind_variable_limit(make_uow: Uow) -> None:
    # 2500 rows x 14 columns: more bound variables than SQLite (32766) or asyncpg allow.
    assert await enqueue(make_uow, [nudge(f"k{i}", T0) for i in range(0, 1000, 2)]) == 500
    batch = [nudge(f"k{i}", T0 + timedelta(seconds=i)) for i in range(2500)]
    assert await enqueue(make_uow, batch) == 2000
    assert sum(n.id is not None for n in batch) == 2000
    async with make_uow() as u:
        assert await u.outbox.counts() == {PENDING: 2500}


async def test_claim_takes_due_pending_nudges_earliest_first_with_a_lease(make_uow: Uow) -> None:
    # Enqueued latest-due first, so id order is not due order.
    dues = {"d": T0, "c": T0 - MIN, "a": T0 - 3 * MIN, "b": T0 - 3 * MIN, "later": T0 + MIN}
    await enqueue(make_uow, [nudge(key, due) for key, due in dues.items()])

    first = await claim(make_uow, "w1", now=T0, limit=3)
    # a and b tie on due_at: the one enqueued first (lower id) comes first.
    assert [n.dedupe_key for n in first] == ["a", "b", "c"]
    for n in first:
        assert (n.status, n.claimed_by, n.lease_until, n.attempts) == (
            CLAIMED,
            "w1",
            T0 + LEASE,
            1,
        )
        assert await get(make_uow, n.id) == n  # what claim returned is what is stored

    rest = await claim(make_uow, "w2", now=T0, limit=10)
    assert [n.dedupe_key for n in rest] == ["d"]  # claimed ones and "later" are not taken
    assert await claim(make_uow, "w3", now=T0, limit=10) == []
    assert [n.dedupe_key for n in await claim(make_uow, "w3", now=T0 + MIN)] == ["later"]
    assert await claim(make_uow, "w3", now=T0 + MIN, limit=0) == []
    async with make_uow() as u:
        assert await u.outbox.counts() == {CLAIMED: 5}


async def test_finish_needs_the_worker_that_holds_the_nudge(make_uow: Uow) -> None:
    await enqueue(make_uow, [nudge("a"), nudge("b")])
    a, b = await claim(make_uow, "w1")
    async with make_uow() as u:
        assert not await u.outbox.finish(a.id or 0, "w2", SENT, T0 + MIN, None)
        assert not await u.outbox.finish(999_999, "w1", SENT, T0 + MIN, None)
        with pytest.raises(ValueError):
            await u.outbox.finish(a.id or 0, "w1", PENDING, T0 + MIN, None)
    assert (await get(make_uow, a.id)).status is CLAIMED

    async with make_uow() as u:
        assert await u.outbox.finish(a.id or 0, "w1", SENT, T0 + MIN, "ok")
        assert await u.outbox.finish(b.id or 0, "w1", SENT, T0 + MIN, None, merged_into=a.id)
        assert not await u.outbox.finish(a.id or 0, "w1", FAILED, T0 + MIN, None)  # done already
    done = await get(make_uow, a.id)
    assert (done.status, done.finished_at, done.note, done.lease_until) == (
        SENT,
        T0 + MIN,
        "ok",
        None,
    )
    assert done.claimed_by == "w1" and done.merged_into is None
    assert (await get(make_uow, b.id)).merged_into == a.id


async def test_retry_gives_a_held_nudge_back_as_pending(make_uow: Uow) -> None:
    await enqueue(make_uow, [nudge("a")])
    (a,) = await claim(make_uow, "w1")
    async with make_uow() as u:
        assert not await u.outbox.retry(a.id or 0, "w2", T0 + 5 * MIN, "not yours")
        assert await u.outbox.retry(a.id or 0, "w1", T0 + 5 * MIN, "429: slow down")
        assert not await u.outbox.retry(a.id or 0, "w1", T0 + 9 * MIN, "twice")
    back = await get(make_uow, a.id)
    assert (back.status, back.due_at, back.note) == (PENDING, T0 + 5 * MIN, "429: slow down")
    assert (back.claimed_by, back.lease_until, back.attempts) == (None, None, 1)

    assert await claim(make_uow, "w2", now=T0 + 4 * MIN) == []  # not due again yet
    (again,) = await claim(make_uow, "w2", now=T0 + 5 * MIN)
    assert (again.id, again.claimed_by, again.attempts) == (a.id, "w2", 2)


async def test_leave_gives_a_nudge_to_another_worker_due_as_it_was_and_uncounted(
    make_uow: Uow,
) -> None:
    await enqueue(make_uow, [nudge("a")])
    (a,) = await claim(make_uow, "w1")
    async with make_uow() as u:
        assert not await u.outbox.leave(a.id or 0, "w2", "not yours")
        assert await u.outbox.leave(a.id or 0, "w1", "left for another process")
        assert not await u.outbox.leave(a.id or 0, "w1", "twice")
    back = await get(make_uow, a.id)
    assert (back.status, back.due_at, back.note) == (PENDING, T0, "left for another process")
    assert (back.claimed_by, back.lease_until, back.attempts) == (None, None, 0)
    (again,) = await claim(make_uow, "w2")  # due at once, for whoever claims next
    assert (again.id, again.attempts) == (a.id, 1)


async def test_claim_for_some_platforms_takes_unrouted_nudges_and_theirs(make_uow: Uow) -> None:
    """A claimer that delivers to some platforms takes nudges routed to none or to one of
    them, and those routed elsewhere only once due before `stale_before`."""
    routed = [
        Nudge(NudgeKind.CHECKIN, T0 - 3 * MIN, "old discord", platform="discord"),
        Nudge(NudgeKind.CHECKIN, T0 - 2 * MIN, "anyone"),
        Nudge(NudgeKind.CHECKIN, T0 - 2 * MIN, "slack", platform="slack"),
        Nudge(NudgeKind.CHECKIN, T0 - MIN, "discord", platform="discord"),
        Nudge(NudgeKind.CHECKIN, T0, "console", platform="console"),
    ]
    await enqueue(make_uow, routed)
    async with make_uow() as u:
        slack = await u.outbox.claim(T0, "w1", LEASE, 100, platforms={"slack"})
        assert [n.dedupe_key for n in slack] == ["anyone", "slack"]
        assert slack[1].platform == "slack" and slack[0].platform is None
        stale = await u.outbox.claim(
            T0, "w1", LEASE, 100, platforms=["slack"], stale_before=T0 - 2 * MIN
        )
        assert [n.dedupe_key for n in stale] == ["old discord"]  # due before, not at it
        assert await u.outbox.claim(T0, "w2", LEASE, 100, platforms=set()) == []
        both = await u.outbox.claim(T0, "w2", LEASE, 100, platforms=("discord", "console"))
        assert [n.dedupe_key for n in both] == ["discord", "console"]


async def test_hand_over_routes_a_nudge_to_the_claimers_of_a_platform(make_uow: Uow) -> None:
    await enqueue(make_uow, [nudge("a"), nudge("b", due=T0 + MIN)])
    (a,) = await claim(make_uow, "w1", limit=1)
    async with make_uow() as u:
        assert not await u.outbox.hand_over(a.id or 0, "w2", "discord", "not yours")
        assert await u.outbox.hand_over(a.id or 0, "w1", "discord", "no adapter for discord")
        assert not await u.outbox.hand_over(a.id or 0, "w1", "discord", "twice")
    back = await get(make_uow, a.id)
    assert (back.status, back.due_at, back.platform) == (PENDING, T0, "discord")
    assert (back.claimed_by, back.lease_until, back.attempts) == (None, None, 0)
    assert back.note == "no adapter for discord"
    async with make_uow() as u:  # a Slack claimer passes it over for the next one due
        (b,) = await u.outbox.claim(T0 + MIN, "w1", LEASE, 100, platforms={"slack"})
        assert b.dedupe_key == "b"
        (again,) = await u.outbox.claim(T0 + MIN, "w2", LEASE, 100, platforms={"discord"})
    assert (again.id, again.attempts, again.platform) == (a.id, 1, "discord")


async def test_release_gives_back_only_what_the_stopping_worker_holds(make_uow: Uow) -> None:
    await enqueue(make_uow, [nudge("mine"), nudge("also mine"), nudge("theirs"), nudge("idle")])
    mine = await claim(make_uow, "w1", limit=2, lease=timedelta(minutes=10))
    (theirs,) = await claim(make_uow, "w2", limit=1, lease=timedelta(minutes=10))

    async with make_uow() as u:
        assert await u.outbox.release("w1") == 2
        assert await u.outbox.release("w1") == 0
    for n in mine:  # pending at once, long before the lease would have ended
        back = await get(make_uow, n.id)
        assert (back.status, back.claimed_by, back.lease_until) == (PENDING, None, None)
        assert back.attempts == 1
    assert (await get(make_uow, theirs.id)).claimed_by == "w2"
    taken = await claim(make_uow, "w3", now=T0 + MIN)
    assert sorted(n.dedupe_key for n in taken) == ["also mine", "idle", "mine"]


async def test_reap_frees_expired_leases_only_and_their_holder_loses_them(make_uow: Uow) -> None:
    await enqueue(make_uow, [nudge("short"), nudge("long"), nudge("edge"), nudge("idle")])
    (short,) = await claim(make_uow, "w1", limit=1, lease=timedelta(seconds=30))
    (long,) = await claim(make_uow, "w2", limit=1, lease=timedelta(seconds=300))
    (edge,) = await claim(make_uow, "w3", limit=1, lease=timedelta(seconds=60))

    async with make_uow() as u:
        # At T0 + 60s: the 30 s lease is over, the one ending exactly now is not.
        assert await u.outbox.reap(T0 + timedelta(seconds=60)) == 1
        assert await u.outbox.reap(T0 + timedelta(seconds=60)) == 0
    reaped = await get(make_uow, short.id)
    assert (reaped.status, reaped.claimed_by, reaped.lease_until) == (PENDING, None, None)
    assert (await get(make_uow, long.id)).claimed_by == "w2"
    assert (await get(make_uow, edge.id)).status is CLAIMED

    async with make_uow() as u:  # w1 comes back late: someone else may own it now
        assert not await u.outbox.finish(short.id or 0, "w1", SENT, T0 + 2 * MIN, None)
        assert not await u.outbox.retry(short.id or 0, "w1", T0 + 2 * MIN, "late")
    taken = await claim(make_uow, "w4", now=T0 + 2 * MIN)
    assert [(n.dedupe_key, n.attempts) for n in taken] == [("short", 2), ("idle", 1)]
    async with make_uow() as u:
        assert await u.outbox.finish(short.id or 0, "w4", SENT, T0 + 2 * MIN, None)


async def _settle(
    make_uow: Uow, plan: Sequence[tuple[str, int | None, NudgeStatus, datetime, str | None]]
) -> dict[str, int]:
    """Enqueue one nudge per (key, member, status, finished_at, merged_into key) and drive
    it there; the ids by key."""
    await enqueue(make_uow, [nudge(key, T0 - timedelta(days=9), mid) for key, mid, *_ in plan])
    ids = {n.dedupe_key: n.id or 0 for n in await claim(make_uow, "w", now=T0 - timedelta(8))}
    async with make_uow() as u:
        for key, _, status, at, merged in plan:
            if status is PENDING:
                assert await u.outbox.retry(ids[key], "w", T0, "again")
            elif status is not CLAIMED:
                merged_into = ids[merged] if merged else None
                assert await u.outbox.finish(ids[key], "w", status, at, None, merged_into)
    return ids


async def test_sent_between_counts_messages_not_merged_in_the_window(make_uow: Uow) -> None:
    me, other = await add_members(make_uow, "ada", "bob")
    start, end = T0, T0 + timedelta(days=1)
    await _settle(
        make_uow,
        [
            ("at-start", me, SENT, start, None),  # counted
            ("inside", me, SENT, start + timedelta(hours=5), None),  # counted
            ("carried", me, SENT, start + timedelta(hours=5), "inside"),  # in "inside"'s message
            ("skipped", me, SKIPPED, start + MIN, None),
            ("failed", me, FAILED, start + MIN, None),
            ("held", me, CLAIMED, start, None),
            ("again", me, PENDING, start, None),
            ("before", me, SENT, start - timedelta(microseconds=1), None),
            ("at-end", me, SENT, end, None),  # half-open window
            ("not-mine", other, SENT, start + MIN, None),
        ],
    )
    async with make_uow() as u:
        assert await u.outbox.sent_between(me, start, end) == 2
        assert await u.outbox.sent_between(other, start, end) == 1
        assert await u.outbox.sent_between(me, start - timedelta(days=1), end + MIN) == 4
        assert await u.outbox.counts() == {SENT: 6, SKIPPED: 1, FAILED: 1, CLAIMED: 1, PENDING: 1}


async def test_prune_deletes_finished_nudges_before_the_cutoff(make_uow: Uow) -> None:
    cutoff = T0
    ids = await _settle(
        make_uow,
        [
            ("old-sent", None, SENT, cutoff - MIN, None),
            ("old-skipped", None, SKIPPED, cutoff - MIN, None),
            ("old-failed", None, FAILED, cutoff - timedelta(days=30), None),
            ("at-cutoff", None, SENT, cutoff, None),
            ("held", None, CLAIMED, cutoff, None),
            ("waiting", None, PENDING, cutoff, None),
        ],
    )
    async with make_uow() as u:
        assert await u.outbox.prune(cutoff) == 3
        assert await u.outbox.prune(cutoff) == 0
        left = {key for key, i in ids.items() if await u.outbox.get(i) is not None}
        assert await u.outbox.counts() == {SENT: 1, CLAIMED: 1, PENDING: 1}
    assert left == {"at-cutoff", "held", "waiting"}


# --- cursors ------------------------------------------------------------------------


async def test_cursors_upsert_by_key_and_come_due_earliest_first(make_uow: Uow) -> None:
    ada, bob = await add_members(make_uow, "ada", "bob")
    group = await add_group(make_uow, "club")
    checkin = Cursor(f"m{ada}:checkin", NudgeKind.CHECKIN, T0 + 2 * MIN, member_id=ada)
    weekly = Cursor(f"m{ada}:weekly", NudgeKind.WEEKLY_REVIEW, T0 + MIN, member_id=ada)
    board = Cursor(f"g{group.id}:board", NudgeKind.LEADERBOARD, T0, group_id=group.id)
    async with make_uow() as u:
        for cursor in (checkin, weekly, board):
            await u.cursors.put(cursor)
        checkin.next_at = T0 - MIN  # put again: replaced, not added
        await u.cursors.put(checkin)
        assert await u.cursors.due(T0 + MIN, 10) == [checkin, board, weekly]
        assert await u.cursors.due(T0, 10) == [checkin, board]
        assert await u.cursors.due(T0 + MIN, 1) == [checkin]
        assert await u.cursors.of_member(ada) == [checkin, weekly]  # by key

        await u.cursors.delete(weekly.key)
        await u.cursors.delete("no such key")
        assert await u.cursors.of_member(ada) == [checkin]

        bob_checkin = Cursor(f"m{bob}:checkin", NudgeKind.CHECKIN, T0, member_id=bob)
        bob_late = Cursor(f"m{bob}:checkin", NudgeKind.CHECKIN, T0 + MIN, member_id=bob)
        bob_lead = Cursor(f"m{bob}:lead", NudgeKind.LEAD, T0 + MIN, member_id=bob)
        moved = Cursor(checkin.key, NudgeKind.CHECKIN, T0 + 9 * MIN, member_id=ada)
        await u.cursors.put_many([bob_checkin, bob_lead, moved, bob_late])  # last one wins
        await u.cursors.put_many([])
        assert await u.cursors.of_member(bob) == [bob_late, bob_lead]
        assert await u.cursors.of_member(ada) == [moved]
    async with make_uow() as u:  # committed
        assert await u.cursors.due(T0 + 9 * MIN, 10) == [board, bob_late, bob_lead, moved]


async def test_unplanned_members_and_groups_are_those_without_a_cursor(make_uow: Uow) -> None:
    ada, bob, cy = await add_members(make_uow, "ada", "bob", "cy")
    club, team = await add_group(make_uow, "club"), await add_group(make_uow, "team")
    async with make_uow() as u:
        everyone = [await u.members.get(i) for i in (ada, bob, cy)]
        await u.cursors.put_many(
            [
                Cursor("ada:checkin", NudgeKind.CHECKIN, T0, member_id=ada),
                Cursor("ada:lead", NudgeKind.LEAD, T0, member_id=ada),
                Cursor("club:board", NudgeKind.LEADERBOARD, T0, group_id=club.id),
            ]
        )
        assert await u.cursors.unplanned_members(0, 10) == everyone[1:]  # whole, by id
        assert await u.cursors.unplanned_members(0, 1) == everyone[1:2]
        assert await u.cursors.unplanned_members(bob, 10) == everyone[2:]  # the next page
        assert await u.cursors.unplanned_groups(0, 10) == [team]
        assert await u.cursors.unplanned_groups(team.id or 0, 10) == []

        await u.cursors.drop_member(ada)
        await u.cursors.drop_group(club.id or 0)
        assert [m.id for m in await u.cursors.unplanned_members(0, 10)] == [ada, bob, cy]
        assert await u.cursors.unplanned_groups(0, 10) == [club, team]
        assert await u.cursors.due(T0, 10) == []


async def test_forget_takes_the_members_nudges_and_cursors_only(make_uow: Uow) -> None:
    ada, bob = await add_members(make_uow, "ada", "bob")
    club = await add_group(make_uow, "club")
    await enqueue(
        make_uow,
        [
            nudge("ada:1", member_id=ada),
            nudge("bob:1", member_id=bob),
            Nudge(NudgeKind.LEADERBOARD, T0, "club:board", group_id=club.id),  # a group post
        ],
    )
    async with make_uow() as u:
        await u.cursors.put(Cursor("ada:checkin", NudgeKind.CHECKIN, T0, member_id=ada))
        await u.cursors.put(Cursor("bob:checkin", NudgeKind.CHECKIN, T0, member_id=bob))
        await u.cursors.put(Cursor("club:board", NudgeKind.LEADERBOARD, T0, group_id=club.id))
        await u.members.forget(ada)
    left = await claim(make_uow, "w")
    assert sorted(n.dedupe_key for n in left) == ["bob:1", "club:board"]
    async with make_uow() as u:
        assert [c.key for c in await u.cursors.due(T0, 10)] == ["bob:checkin", "club:board"]
        assert await u.cursors.of_member(ada) == []


# --- what the planners read ---------------------------------------------------------


async def test_last_ids_are_the_newest_rows(make_uow: Uow) -> None:
    async with make_uow() as u:
        assert (await u.members.last_id(), await u.groups.last_id()) == (0, 0)
    _, bob = await add_members(make_uow, "ada", "bob")
    club = await add_group(make_uow, "club")
    async with make_uow() as u:
        assert (await u.members.last_id(), await u.groups.last_id()) == (bob, club.id)


async def test_get_many_reads_the_members_that_exist(make_uow: Uow) -> None:
    ada, bob, cy = await add_members(make_uow, "ada", "bob", "cy")
    async with make_uow() as u:
        expected = {i: await u.members.get(i) for i in (ada, cy)}
        assert await u.members.get_many([cy, ada, 999_999, ada]) == expected
        assert await u.members.get_many([]) == {}
        # More ids than one statement may bind (SQLite 32766, asyncpg 32767): chunked.
        assert set(await u.members.get_many(range(1, 40_001))) == {ada, bob, cy}


async def test_followup_reminder_fields_round_trip(make_uow: Uow) -> None:
    (ada,) = await add_members(make_uow, "ada")
    later = FollowUp(ada, FollowUpKind.CHECKBACK, T0, next_nudge_at=T0 + MIN, nudges_sent=2)
    plain = FollowUp(ada, FollowUpKind.LEAD, T0)
    many = [FollowUp(ada, FollowUpKind.PLANNED, T0, next_nudge_at=T0 - MIN, nudges_sent=1)]
    async with make_uow() as u:
        await u.followups.add(later)
        await u.followups.add(plain)
        await u.followups.add_many(many)
    async with make_uow() as u:
        assert await u.followups.get(ada, later.id or 0) == later
        assert await u.followups.get(ada, plain.id or 0) == plain
        assert await u.followups.get(ada, many[0].id or 0) == many[0]
        assert plain.next_nudge_at is None and plain.nudges_sent == 0
        later.next_nudge_at, later.nudges_sent = None, 3
        await u.followups.update(later)
    async with make_uow() as u:
        assert await u.followups.all(ada) == [later, plain, many[0]]  # same due_at: by id


async def test_due_for_nudge_uses_next_nudge_at_over_due_at(make_uow: Uow) -> None:
    ada, bob = await add_members(make_uow, "ada", "bob")
    hour, day = timedelta(hours=1), timedelta(days=1)
    until = T0 + hour
    rows = {
        "due now": FollowUp(ada, FollowUpKind.LEAD, T0),
        "snoozed": FollowUp(ada, FollowUpKind.LEAD, T0 - 2 * day, next_nudge_at=T0 + day),
        "brought forward": FollowUp(ada, FollowUpKind.LEAD, T0 + 2 * day, next_nudge_at=T0 - hour),
        "done": FollowUp(ada, FollowUpKind.LEAD, T0 - day, status=FollowUpStatus.DONE),
        "dropped": FollowUp(bob, FollowUpKind.LEAD, T0 - day, status=FollowUpStatus.DROPPED),
        "bob's": FollowUp(bob, FollowUpKind.THANKYOU, T0 - hour / 2),
        "at until": FollowUp(bob, FollowUpKind.THANKYOU, until),
        "not yet": FollowUp(bob, FollowUpKind.THANKYOU, until + MIN),
    }
    async with make_uow() as u:
        await u.followups.add_many(list(rows.values()))
        names = {f.id: name for name, f in rows.items()}
        due = await u.followups.due_for_nudge(until, 10)
        assert [names[f.id] for f in due] == ["brought forward", "bob's", "due now", "at until"]
        assert due[0] == rows["brought forward"]
        assert [names[f.id] for f in await u.followups.due_for_nudge(until, 2)] == [
            "brought forward",
            "bob's",
        ]

        # The planner reminded about "due now": next time in two days, then it is forgotten.
        reminded = rows["due now"]
        reminded.next_nudge_at, reminded.nudges_sent = T0 + 2 * day, 1
        await u.followups.update(reminded)
        snoozed = rows["snoozed"]
        snoozed.next_nudge_at = None  # back to due_at, long past
        await u.followups.update(snoozed)
        due = await u.followups.due_for_nudge(until, 10)
        assert [names[f.id] for f in due] == ["snoozed", "brought forward", "bob's", "at until"]


async def test_starting_between_lists_every_members_scheduled_meetings(make_uow: Uow) -> None:
    ada, bob = await add_members(make_uow, "ada", "bob")
    start, end = T0, T0 + timedelta(hours=2)
    meetings = {
        "at start": Meeting(ada, start, ActivityKind.INTERVIEW, company="Acme"),
        "bob's": Meeting(bob, start + MIN),
        "ada's later": Meeting(ada, start + 90 * MIN),
        "cancelled": Meeting(ada, start + MIN, status=MeetingStatus.CANCELLED),
        "held": Meeting(bob, start + MIN, status=MeetingStatus.HELD),
        "before": Meeting(bob, start - MIN),
        "at end": Meeting(ada, end),
    }
    async with make_uow() as u:
        for meeting in meetings.values():
            await u.meetings.add(meeting)
        names = {m.id: name for name, m in meetings.items()}
        found = await u.meetings.starting_between(start, end)
    assert [names[m.id] for m in found] == ["at start", "bob's", "ada's later"]
    assert found[0] == meetings["at start"]
    async with make_uow() as u:  # one by id, only the member's own
        held = meetings["held"]
        assert held.id is not None
        assert await u.meetings.get(bob, held.id) == held
        assert await u.meetings.get(ada, held.id) is None
        assert await u.meetings.get(bob, 999_999) is None


# --- several dispatchers at once (PostgreSQL: several processes) ----------------------


async def test_concurrent_claimers_never_take_the_same_nudge(pg_migrated_url: str) -> None:
    """Three dispatchers, each on its own engine (own connections), claim 25 at a time
    until nothing is left: FOR UPDATE SKIP LOCKED must hand out every row exactly once."""
    url = pg_migrated_url
    async with empty_engine(url) as setup:
        assert setup.dialect.name == "postgresql"
        queued = [nudge(f"n{i}", T0 - MIN * (i % 7)) for i in range(600)]
        async with SqlUnitOfWork(setup) as u:
            assert await u.outbox.enqueue(queued) == 600
        engines = [make_engine(url) for _ in range(3)]
        try:
            for engine in engines:  # connected up front: all three start claiming together
                async with engine.connect():
                    pass
            results = await asyncio.gather(
                *(_claim_until_empty(engine, f"w{i}") for i, engine in enumerate(engines))
            )
        finally:
            for engine in engines:
                await engine.dispose()
        claimed = [nudge_id for ids in results for nudge_id in ids]
        assert len(claimed) == len(set(claimed))  # no row claimed twice
        assert set(claimed) == {n.id for n in queued}  # and every row claimed
        assert all(results), "a claimer got nothing: the test did not run them side by side"
        async with SqlUnitOfWork(setup) as u:
            assert await u.outbox.counts() == {SENT: 600}


async def _claim_until_empty(engine: AsyncEngine, worker: str) -> list[int]:
    """A dispatcher's loop: claim in one transaction, finish in the next."""
    taken: list[int] = []
    while True:
        async with SqlUnitOfWork(engine) as u:
            batch = await u.outbox.claim(T0, worker, LEASE, 25)
        if not batch:
            return taken
        taken += [n.id or 0 for n in batch]
        async with SqlUnitOfWork(engine) as u:
            for n in batch:
                assert await u.outbox.finish(n.id or 0, worker, SENT, T0, None)


async def test_roster_lists_ids_and_names_and_can_leave_out_opted_out(make_uow: Uow) -> None:
    ada, bob, cy = await add_members(make_uow, "ada", "bob", "cy")
    club = await add_group(make_uow, "club")
    assert club.id is not None
    async with make_uow() as u:
        await u.groups.join(Membership(club.id, cy))
        await u.groups.join(Membership(club.id, ada, is_admin=True))
        await u.groups.join(Membership(club.id, bob, leaderboard_opt_in=False))
    async with make_uow() as u:
        assert await u.groups.roster(club.id, opted_in_only=False) == [
            (ada, "ada"), (bob, "bob"), (cy, "cy")
        ]  # fmt: skip
        assert await u.groups.roster(club.id, opted_in_only=True) == [(ada, "ada"), (cy, "cy")]
        assert await u.groups.roster(club.id + 1, opted_in_only=False) == []
