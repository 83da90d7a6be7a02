"""Merging and splitting members on SQLite and PostgreSQL: unique numbers (the real
unique indexes), one contact for two alike, unique memberships, queued nudges dropped,
and nothing left of the absorbed member; split moves identities and keeps the data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import (
    Activity,
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpKind,
    Group,
    Identity,
    LinkCode,
    Meeting,
    Member,
    Membership,
    Pause,
)
from bot.nudges.model import Cursor, Nudge, NudgeKind, NudgeStatus
from storage.tables import MEMBER_TABLES
from storage.uow import SqlUnitOfWork

Uow = Callable[[], SqlUnitOfWork]
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
SLACK, DISCORD = Identity("slack", "T", "U1"), Identity("discord", "G", "D1")


async def _two(uow: Uow) -> tuple[int, int, int]:
    """Ada on Slack (older) and on Discord, with overlapping data; and a shared group."""
    async with uow() as u:
        old = await u.members.add(Member("Ada", weekly_goal=7, created_at=T0), SLACK)
        new = await u.members.add(Member("Ada L", created_at=T0 + timedelta(days=1)), DISCORD)
        group = await u.groups.add(Group("slack", "T", "C1", "club"))
        a, b, g = old.id or 0, new.id or 0, group.id or 0
        jane = await u.contacts.add(Contact(a, "Jane Doe", "Acme"))
        gone = await u.meetings.add(Meeting(a, T0))
        await u.meetings.delete(a, gone.id or 0)  # Slack's meeting #1 is retired
        await u.activities.add(Activity(a, ActivityKind.MEETING, T0, T0.date(), jane.id))
        jane2 = await u.contacts.add(Contact(b, "jane doe", "ACME", role="CTO", stage=2))
        sam = await u.contacts.add(Contact(b, "Sam", referred_by_id=jane2.id))
        day2 = T0 + timedelta(days=1)
        act = await u.activities.add(Activity(b, ActivityKind.MEETING, day2, day2.date(), jane2.id))
        await u.followups.add(
            FollowUp(b, FollowUpKind.THANKYOU, day2, jane2.id, source_activity_id=act.id)
        )
        await u.meetings.add(Meeting(b, day2, contact_id=sam.id))
        await u.members.add_pause(Pause(b, T0.date(), None))  # open: a setting, dropped
        await u.groups.join(Membership(g, a))
        await u.groups.join(Membership(g, b, is_admin=True))
        await u.outbox.enqueue([Nudge(NudgeKind.CHECKIN, T0, f"m{b}:c", member_id=b)])
        await u.cursors.put(Cursor(f"m{b}:checkin", NudgeKind.CHECKIN, T0, member_id=b))
        await u.links.put_code(LinkCode("h", b, DISCORD, T0 + timedelta(minutes=10)))
    return a, b, g


async def _left(engine: AsyncEngine, member_id: int) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            t.name: (
                await conn.execute(
                    select(func.count()).select_from(t).where(t.c.member_id == member_id)
                )
            ).scalar_one()
            for t in MEMBER_TABLES
        }


async def test_merge_moves_everything_into_the_survivor(uow: Uow, engine: AsyncEngine) -> None:
    a, b, g = await _two(uow)
    async with uow() as u:
        await u.links.merge(a, b)
    assert set((await _left(engine, b)).values()) == {0}
    async with uow() as u:
        assert await u.members.get(b) is None
        assert (await u.members.by_identity(DISCORD)).id == a  # type: ignore[union-attr]
        assert (await u.members.get(a)).weekly_goal == 7  # type: ignore[union-attr]
        people = await u.contacts.search(a, None, 10)
        assert [(c.name, c.number) for c in people] == [("Jane Doe", 1), ("Sam", 3)]
        jane, sam = people
        assert (jane.role, jane.stage, sam.referred_by_id) == ("CTO", 2, jane.id)
        assert {x.contact_id for x in await u.activities.all(a)} == {jane.id}
        (followup,) = await u.followups.all(a)
        assert (followup.contact_id, followup.number) == (jane.id, 1)
        (meeting,) = await u.meetings.all(a)
        assert meeting.number == 2  # above the retired #1
        assert (await u.meetings.by_number(a, 2)).contact_id == sam.id  # type: ignore[union-attr]
        assert await u.members.pauses(a) == []
        (membership,) = [m for _, m in await u.groups.members(g)]
        assert (membership.member_id, membership.is_admin) == (a, True)
        assert (await u.outbox.counts()).get(NudgeStatus.PENDING, 0) == 0
        assert (await u.links.code("h")).member_id == a  # type: ignore[union-attr]
        added = await u.contacts.add(Contact(a, "New"))
        assert added.number == 4  # numbering goes on above what moved


async def test_split_moves_the_other_identities_to_a_fresh_member(uow: Uow) -> None:
    a, b, _ = await _two(uow)
    async with uow() as u:
        await u.links.merge(a, b)
        assert await u.members.identities_by_use(a) == [SLACK, DISCORD]
        fresh = await u.links.split(a, DISCORD, Member("Ada", weekly_goal=7))
    async with uow() as u:
        assert (await u.members.by_identity(SLACK)).id == fresh.id  # type: ignore[union-attr]
        assert (await u.members.by_identity(DISCORD)).id == a  # type: ignore[union-attr]
        assert await u.contacts.count(fresh.id or 0) == 0 and await u.contacts.count(a) == 2
        assert (await u.members.get(fresh.id or 0)).last_identity_id is not None  # type: ignore[union-attr]


async def test_identities_by_use_puts_the_last_written_from_first(uow: Uow) -> None:
    async with uow() as u:
        m = await u.members.add(Member("Ada"), SLACK)
        await u.identities.link(m.id or 0, DISCORD)
    async with uow() as u:
        seen = await u.members.by_identity(DISCORD)
        assert seen is not None and seen.seen_identity_id is not None
        seen.last_identity_id = seen.seen_identity_id
        await u.members.update(seen)
    async with uow() as u:
        assert await u.members.identities_by_use(m.id or 0) == [DISCORD, SLACK]
        assert await u.members.identities(m.id or 0) == [SLACK, DISCORD]  # unchanged order
