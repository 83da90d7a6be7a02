"""Members, identities, pauses, groups, pending questions and `forget`, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError
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
    MeetingStatus,
    Member,
    Membership,
    MemberStatus,
    Opportunity,
    Pause,
    Pending,
    Step,
)
from bot.nudges.model import Cursor, Nudge, NudgeKind
from storage.tables import MEMBER_TABLES, groups, members, nudge_cursors, outbox
from storage.uow import SqlUnitOfWork

Uow = Callable[[], SqlUnitOfWork]
T0 = datetime(2025, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


async def add_member(uow: Uow, name: str = "Ada", user_id: str = "U1") -> Member:
    async with uow() as u:
        return await u.members.add(Member(display_name=name), Identity("slack", "T1", user_id))


async def test_member_round_trips_every_field(uow: Uow) -> None:
    paris = ZoneInfo("Europe/Paris")
    member = Member(
        display_name="Ada Lovelace",
        timezone="America/New_York",
        checkin_time=time(7, 45),
        working_days=frozenset({0, 2, 6}),
        quiet_start=time(22, 0),
        quiet_end=time(6, 59, 59),
        paused_until=date(2025, 4, 1),
        status=MemberStatus.LANDED,
        landed_on=date(2025, 3, 31),
        weekly_goal=8,
        nudges_enabled=False,
        nudges_off=frozenset({"streak_risk", "checkin", "pipeline"}),
        unreachable=True,
        created_at=datetime(2025, 3, 14, 23, 30, 0, 123456, tzinfo=paris),
    )
    async with uow() as u:
        added = await u.members.add(member, Identity("discord", "G9", "42"))
    assert added is member and isinstance(member.id, int)

    async with uow() as u:
        by_id = await u.members.get(member.id)
        by_identity = await u.members.by_identity(Identity("discord", "G9", "42"))
    assert by_id == member == by_identity
    assert by_id is not None and by_id.created_at is not None
    assert by_id.created_at.tzinfo is UTC  # aware UTC, whatever zone went in
    assert by_id.created_at == datetime(2025, 3, 14, 22, 30, 0, 123456, tzinfo=UTC)
    assert by_id.working_days == frozenset({0, 2, 6})
    assert by_id.status is MemberStatus.LANDED
    assert by_id.nudges_off == {"checkin", "pipeline", "streak_risk"} and by_id.unreachable


async def test_member_defaults_and_update(uow: Uow) -> None:
    member = await add_member(uow)
    assert member.created_at is not None and member.created_at.tzinfo is not None
    async with uow() as u:
        loaded = await u.members.get(member.id or 0)
    assert loaded == member and loaded is not None
    assert loaded.working_days == frozenset({0, 1, 2, 3, 4}) and loaded.checkin_time == time(9, 30)
    assert loaded.nudges_off == frozenset() and loaded.unreachable is False

    loaded.display_name = "Ada B."
    loaded.working_days = frozenset()
    loaded.quiet_start, loaded.quiet_end = time(21, 30), time(8, 0)
    loaded.status, loaded.landed_on = MemberStatus.LANDED, date(2025, 6, 2)
    loaded.weekly_goal, loaded.nudges_enabled = 3, False
    loaded.nudges_off, loaded.unreachable = frozenset({"lead"}), True
    async with uow() as u:
        await u.members.update(loaded)
    async with uow() as u:
        assert await u.members.get(loaded.id or 0) == loaded
    loaded.nudges_off, loaded.unreachable = frozenset(), False  # and back: "" reads as none
    async with uow() as u:
        await u.members.update(loaded)
    async with uow() as u:
        assert await u.members.get(loaded.id or 0) == loaded
    with pytest.raises(LookupError):  # an update must hit a row, as in tests/fakes.py
        async with uow() as u:
            await u.members.update(Member("Ghost", id=loaded.id + 1 if loaded.id else 0))
    with pytest.raises(LookupError):
        async with uow() as u:
            await u.members.update(Member("Never added"))


async def test_unknown_member_and_identity(uow: Uow) -> None:
    await add_member(uow, user_id="U1")
    async with uow() as u:
        assert await u.members.get(999_999) is None
        assert await u.members.by_identity(Identity("slack", "T1", "U2")) is None
        assert await u.members.by_identity(Identity("slack", "T2", "U1")) is None
        assert await u.members.by_identity(Identity("discord", "T1", "U1")) is None


async def test_naive_datetimes_are_refused(uow: Uow) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with uow() as u:
            await u.members.add(
                Member(display_name="N", created_at=datetime(2025, 1, 1)), Identity("s", "t", "u")
            )


async def test_identities_are_unique_and_linkable(uow: Uow) -> None:
    member = await add_member(uow)
    with pytest.raises(IntegrityError):
        await add_member(uow, name="Impostor")
    async with uow() as u:
        await u.identities.link(member.id or 0, Identity("discord", "G1", "D7"))
        assert await u.identities.dm_channel(Identity("discord", "G1", "D7")) is None
        await u.identities.set_dm_channel(Identity("discord", "G1", "D7"), "DM-123")
    async with uow() as u:
        assert await u.members.identities(member.id or 0) == [
            Identity("slack", "T1", "U1"),
            Identity("discord", "G1", "D7"),
        ]
        assert await u.members.by_identity(Identity("discord", "G1", "D7")) == member
        assert await u.identities.dm_channel(Identity("discord", "G1", "D7")) == "DM-123"
        assert await u.identities.dm_channel(Identity("slack", "T1", "U1")) is None


async def test_pauses_end_open_and_later_ones(uow: Uow) -> None:
    member_id = (await add_member(uow)).id or 0
    other_id = (await add_member(uow, "Bob", "U2")).id or 0
    async with uow() as u:
        done = await u.members.add_pause(Pause(member_id, date(2025, 1, 1), date(2025, 1, 5)))
        late = await u.members.add_pause(Pause(member_id, date(2025, 3, 1), date(2025, 3, 30)))
        open_ = await u.members.add_pause(Pause(member_id, date(2025, 2, 1), None))
        await u.members.add_pause(Pause(other_id, date(2025, 2, 1), None))
    assert None not in (done.id, late.id, open_.id)
    async with uow() as u:
        await u.members.end_open_pauses(member_id, date(2025, 3, 10))
    async with uow() as u:
        assert await u.members.pauses(member_id) == [
            Pause(member_id, date(2025, 1, 1), date(2025, 1, 5), done.id),
            Pause(member_id, date(2025, 2, 1), date(2025, 3, 10), open_.id),
            Pause(member_id, date(2025, 3, 1), date(2025, 3, 10), late.id),
        ]
        assert [p.end for p in await u.members.pauses(other_id)] == [None]


async def test_pending_put_replaces_and_clear_removes(uow: Uow) -> None:
    member_id = (await add_member(uow)).id or 0
    payload: dict[str, object] = {"contact_ids": [3, 4], "text": "Zoë", "nested": {"ok": True}}
    async with uow() as u:
        assert await u.pending.get(member_id) is None
        await u.pending.put(Pending(member_id, "forget", payload, T0))
    async with uow() as u:
        assert await u.pending.get(member_id) == Pending(member_id, "forget", payload, T0)
        await u.pending.put(Pending(member_id, "pick_contact", {"n": 1}, None))
    async with uow() as u:
        assert await u.pending.get(member_id) == Pending(member_id, "pick_contact", {"n": 1})
        await u.pending.clear(member_id)
        await u.pending.clear(member_id)  # clearing nothing is fine
    async with uow() as u:
        assert await u.pending.get(member_id) is None


async def test_the_member_comes_with_the_action_of_their_pending_question(uow: Uow) -> None:
    ada = await add_member(uow)
    bob = await add_member(uow, "Bob", "U2")
    assert ada.id is not None and bob.id is not None
    async with uow() as u:
        await u.pending.put(Pending(ada.id, "forget", {}, T0))
    async with uow() as u:
        read = await u.members.by_identity(Identity("slack", "T1", "U1"))
        assert read is not None and read.pending == "forget"
        other = await u.members.by_identity(Identity("slack", "T1", "U2"))
        assert other is not None and other.pending is None
        got = await u.members.get(ada.id)  # only the command's read carries it
        assert got is not None and got.pending is None
        await u.pending.clear(ada.id)
    async with uow() as u:
        read = await u.members.by_identity(Identity("slack", "T1", "U1"))
        assert read is not None and read.pending is None


async def test_the_member_comes_with_the_start_of_their_latest_scheduled_meeting(
    uow: Uow,
) -> None:
    """Read along so a logged conversation skips looking for a meeting to mark held:
    the latest start among meetings still scheduled, in UTC; None when there is none."""
    ada = await add_member(uow)
    assert ada.id is not None
    me = Identity("slack", "T1", "U1")
    async with uow() as u:
        read = await u.members.by_identity(me)
        assert read is not None and read.latest_scheduled is None
        soon = await u.meetings.add(Meeting(ada.id, T0 + timedelta(days=1)))
        later = await u.meetings.add(Meeting(ada.id, T0 + timedelta(days=9)))
        await u.meetings.add(Meeting(ada.id, T0 + timedelta(days=30), status=MeetingStatus.HELD))
    async with uow() as u:
        read = await u.members.by_identity(me)
        assert read is not None and read.latest_scheduled == T0 + timedelta(days=9)
        assert read.latest_scheduled.tzinfo is not None
        got = await u.members.get(ada.id)  # only the command's read carries it
        assert got is not None and got.latest_scheduled == "unread"
        later.status = MeetingStatus.CANCELLED
        await u.meetings.update(later)
        soon.status = MeetingStatus.HELD
        await u.meetings.update(soon)
    async with uow() as u:
        read = await u.members.by_identity(me)
        assert read is not None and read.latest_scheduled is None


def a_group(channel: str = "C1") -> Group:
    return Group("slack", "T1", channel, "Job club", "Europe/Berlin", 0, time(17, 30))


async def test_group_round_trip_update_and_unique_channel(uow: Uow) -> None:
    group = a_group()
    async with uow() as u:
        await u.groups.add(group)
    assert isinstance(group.id, int) and group.created_at is not None
    async with uow() as u:
        assert await u.groups.by_channel("slack", "T1", "C1") == group
        assert await u.groups.get(group.id) == group
        assert await u.groups.by_channel("slack", "T2", "C1") is None
        assert await u.groups.get(group.id + 1) is None
        group.name, group.timezone, group.leaderboard_weekday = "Club", "Asia/Tokyo", 6
        group.leaderboard_time = time(9, 5)
        await u.groups.update(group)
    async with uow() as u:
        assert await u.groups.get(group.id) == group
    with pytest.raises(IntegrityError):
        async with uow() as u:
            await u.groups.add(a_group())


async def test_memberships_and_leaderboard_opt_in(uow: Uow) -> None:
    ada = await add_member(uow, "Ada", "UA")
    bob = await add_member(uow, "Bob", "UB")
    cy = await add_member(uow, "Cy", "UC")
    g1, g2 = a_group("C1"), a_group("C2")
    async with uow() as u:
        await u.groups.add(g1)
        await u.groups.add(g2)
        assert g1.id and g2.id and ada.id and bob.id and cy.id
        await u.groups.join(Membership(g1.id, bob.id, joined_at=T0 + timedelta(hours=1)))
        await u.groups.join(Membership(g1.id, ada.id, is_admin=True, joined_at=T0))
        await u.groups.join(Membership(g1.id, cy.id, leaderboard_opt_in=False, joined_at=T0))
        in_g2 = Membership(g2.id, ada.id)
        await u.groups.join(in_g2)
    assert in_g2.joined_at is not None  # defaulted to now
    async with uow() as u:
        listed = await u.groups.members(g1.id)  # by member id
        assert [(m.display_name, ms.is_admin, ms.leaderboard_opt_in) for m, ms in listed] == [
            ("Ada", True, True),
            ("Bob", False, True),
            ("Cy", False, False),
        ]
        assert listed[0] == (ada, Membership(g1.id, ada.id, True, True, T0))
        assert await u.groups.members(g2.id) == [(ada, in_g2)]
        assert await u.groups.of_member(ada.id) == [g1, g2]
        assert await u.groups.of_member(bob.id) == [g1]
        await u.groups.update_membership(Membership(g1.id, bob.id, leaderboard_opt_in=False))
    with pytest.raises(IntegrityError):  # joining twice is a bug: check membership() first
        async with uow() as u:
            await u.groups.join(Membership(g1.id, cy.id))
    with pytest.raises(LookupError):
        async with uow() as u:
            await u.groups.update_membership(Membership(g2.id, bob.id))
    async with uow() as u:
        assert await u.groups.membership(g1.id, bob.id) == Membership(
            g1.id, bob.id, False, False, T0 + timedelta(hours=1)
        )
        assert await u.groups.membership(g1.id, cy.id) == Membership(g1.id, cy.id, False, False, T0)
        await u.groups.leave(g1.id, bob.id)
        await u.groups.leave(g1.id, bob.id)  # leaving twice is harmless
    async with uow() as u:
        assert await u.groups.membership(g1.id, bob.id) is None
        assert [m.id for m, _ in await u.groups.members(g1.id)] == [ada.id, cy.id]
        assert await u.groups.of_member(bob.id) == []


async def _fill(uow: Uow, member: Member, group: Group) -> None:
    """One row of every kind for `member`."""
    mid = member.id or 0
    async with uow() as u:
        contact = await u.contacts.add(Contact(mid, "Jane", "Acme"))
        referred = await u.contacts.add(Contact(mid, "Ref", referred_by_id=contact.id))
        act = await u.activities.add(
            Activity(mid, ActivityKind.MEETING, T0, T0.date(), contact_id=contact.id)
        )
        await u.followups.add(
            FollowUp(mid, FollowUpKind.THANKYOU, T0, contact.id, source_activity_id=act.id)
        )
        await u.meetings.add(Meeting(mid, T0, contact_id=referred.id))
        gone = await u.meetings.add(Meeting(mid, T0))
        await u.meetings.delete(mid, gone.id or 0)  # its number retired: a `numbering` row
        await u.opportunities.add(Opportunity(mid, "Acme"))
        await u.steps.add(Step(mid, "conversation with Jane", [{"op": "add", "id": act.id}]))
        await u.members.add_pause(Pause(mid, T0.date(), None))
        await u.pending.put(Pending(mid, "forget"))
        await u.groups.join(Membership(group.id or 0, mid))
        await u.identities.link(mid, Identity("discord", "G", f"D{mid}"))
        ask = Identity("slack", "T", f"S{mid}")
        # Far ahead: a new code prunes expired ones, and this runs on the real clock.
        await u.links.put_code(LinkCode(f"hash{mid}", mid, ask, T0 + timedelta(days=36500)))
        key = f"m{mid}:checkin"
        await u.outbox.enqueue([Nudge(NudgeKind.CHECKIN, T0, key, member_id=mid)])
        await u.cursors.put(Cursor(key, NudgeKind.CHECKIN, T0, member_id=mid))


async def _row_counts(engine: AsyncEngine, member_id: int) -> dict[str, int]:
    async with engine.connect() as conn:
        counts = {
            table.name: (
                await conn.execute(
                    select(func.count()).select_from(table).where(table.c.member_id == member_id)
                )
            ).scalar_one()
            for table in MEMBER_TABLES
        }
        counts["members"] = (
            await conn.execute(select(func.count()).where(members.c.id == member_id))
        ).scalar_one()
        return counts


async def test_forget_deletes_every_row_of_one_member_only(uow: Uow, engine: AsyncEngine) -> None:
    ada, bob = await add_member(uow, "Ada", "UA"), await add_member(uow, "Bob", "UB")
    group = a_group()
    async with uow() as u:
        await u.groups.add(group)
    await _fill(uow, ada, group)
    await _fill(uow, bob, group)
    async with uow() as u:  # the group's own post and cursor: no member_id
        key = f"g{group.id}:leaderboard"
        await u.outbox.enqueue([Nudge(NudgeKind.LEADERBOARD, T0, key, group_id=group.id)])
        await u.cursors.put(Cursor(key, NudgeKind.LEADERBOARD, T0, group_id=group.id))
    before = await _row_counts(engine, bob.id or 0)
    assert all(n >= 1 for n in before.values()), before
    assert await _row_counts(engine, ada.id or 0) == before

    async with uow() as u:
        await u.members.forget(ada.id or 0)

    assert set((await _row_counts(engine, ada.id or 0)).values()) == {0}
    assert await _row_counts(engine, bob.id or 0) == before
    async with engine.connect() as conn:  # the group, its post and cursor are not the member's
        assert (await conn.execute(select(func.count()).select_from(groups))).scalar_one() == 1
        for table in (outbox, nudge_cursors):
            stmt = select(table.c.group_id).where(table.c.member_id.is_(None))
            assert (await conn.execute(stmt)).scalars().all() == [group.id], table.name
    async with uow() as u:
        assert await u.members.by_identity(Identity("slack", "T1", "UA")) is None
        assert await u.members.by_identity(Identity("slack", "T1", "UB")) == bob


async def test_datetimes_in_any_zone_come_back_as_the_same_instant_in_utc(uow: Uow) -> None:
    member_id = (await add_member(uow)).id or 0
    zones = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=13, minutes=45))]
    sent = [datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=tz) for tz in zones]
    async with uow() as u:
        for when in sent:
            await u.pending.put(Pending(member_id, "x", {}, when))
            got = await u.pending.get(member_id)
            assert got is not None and got.expires_at == when
            assert got.expires_at is not None and got.expires_at.utcoffset() == timedelta(0)
