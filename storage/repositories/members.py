"""Members (with identities and pauses), groups and pending questions."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Row, bindparam, case, delete, func, or_, select

from bot.domain import (
    Group,
    Identity,
    MeetingStatus,
    Member,
    Membership,
    MemberStatus,
    Pause,
    Pending,
)
from storage.repositories._base import (
    SqlRepository,
    chunked,
    decode_days,
    encode_days,
    insert_id,
    require_id,
    update_one,
    upsert,
)
from storage.sqlite_prepared import prepared
from storage.tables import (
    MEMBER_TABLES,
    groups,
    identities,
    meetings,
    members,
    memberships,
    pauses,
)
from storage.tables import pending as pending_table


def member_values(member: Member) -> dict[str, Any]:
    return {
        "display_name": member.display_name,
        "timezone": member.timezone,
        "checkin_time": member.checkin_time,
        "working_days": encode_days(member.working_days),
        "quiet_start": member.quiet_start,
        "quiet_end": member.quiet_end,
        "paused_until": member.paused_until,
        "status": str(member.status),
        "landed_on": member.landed_on,
        "weekly_goal": member.weekly_goal,
        "nudges_enabled": member.nudges_enabled,
        "nudges_off": encode_kinds(member.nudges_off),
        "unreachable": member.unreachable,
        "timezone_pinned": member.timezone_pinned,
        "nudge_platform": member.nudge_platform,
        "last_identity_id": member.last_identity_id,
    }


def encode_kinds(kinds: Collection[str]) -> str:
    """Nudge kinds turned off, sorted and comma-separated: {"lead", "checkin"} -> "checkin,lead"."""
    ordered = sorted({str(kind) for kind in kinds})
    if any("," in kind or not kind for kind in ordered):
        raise ValueError(f"nudge kinds cannot be empty or hold a comma: {ordered}")
    return ",".join(ordered)


def decode_kinds(text: str) -> frozenset[str]:
    return frozenset(kind for kind in text.split(",") if kind)


def member_from_row(row: Row[Any]) -> Member:
    return Member(
        id=row.id,
        display_name=row.display_name,
        timezone=row.timezone,
        checkin_time=row.checkin_time,
        working_days=decode_days(row.working_days),
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        paused_until=row.paused_until,
        status=MemberStatus(row.status),
        landed_on=row.landed_on,
        weekly_goal=row.weekly_goal,
        nudges_enabled=row.nudges_enabled,
        nudges_off=decode_kinds(row.nudges_off),
        unreachable=row.unreachable,
        timezone_pinned=row.timezone_pinned,
        nudge_platform=row.nudge_platform,
        last_identity_id=row.last_identity_id,
        created_at=row.created_at,
    )


def _pause_from_row(row: Row[Any]) -> Pause:
    return Pause(id=row.id, member_id=row.member_id, start=row.start_date, end=row.end_date)


def _identity_clause(identity: Identity) -> list[Any]:
    return [
        identities.c.platform == identity.platform,
        identities.c.tenant == identity.tenant,
        identities.c.user_id == identity.user_id,
    ]


# Every command starts here: built once (see _base.insert_row for why). The pending
# question comes along (a primary-key join), so no command pays a read to learn of it.
_LATEST_SCHEDULED = (
    select(func.max(meetings.c.starts_at))
    .where(
        meetings.c.member_id == members.c.id,
        meetings.c.status == str(MeetingStatus.SCHEDULED),
    )
    .scalar_subquery()
)
_BY_IDENTITY = prepared(
    select(
        members,
        pending_table.c.action.label("pending_action"),
        _LATEST_SCHEDULED.label("latest_scheduled"),
        # Already joined: which identity wrote, so a switch costs a write only then.
        identities.c.id.label("seen_identity_id"),
    )
    .join(identities, identities.c.member_id == members.c.id)
    .outerjoin(pending_table, pending_table.c.member_id == members.c.id)
    .where(
        identities.c.platform == bindparam("platform"),
        identities.c.tenant == bindparam("tenant"),
        identities.c.user_id == bindparam("user_id"),
    )
)


class SqlMemberRepository(SqlRepository):
    async def by_identity(self, identity: Identity) -> Member | None:
        params = {
            "platform": identity.platform,
            "tenant": identity.tenant,
            "user_id": identity.user_id,
        }
        row = (await self._conn.execute(_BY_IDENTITY, params)).first()
        if row is None:
            return None
        member = member_from_row(row)
        member.pending = row.pending_action
        member.latest_scheduled = row.latest_scheduled
        member.seen_identity_id = row.seen_identity_id
        return member

    async def get(self, member_id: int) -> Member | None:
        row = (await self._conn.execute(select(members).where(members.c.id == member_id))).first()
        return None if row is None else member_from_row(row)

    async def get_many(self, member_ids: Collection[int]) -> dict[int, Member]:
        found: dict[int, Member] = {}
        for chunk in chunked(sorted(set(member_ids))):
            stmt = select(members).where(members.c.id.in_(chunk))
            for row in await self._conn.execute(stmt):
                found[row.id] = member_from_row(row)
        return found

    async def last_id(self) -> int:
        return int((await self._conn.execute(select(func.max(members.c.id)))).scalar() or 0)

    async def add(self, member: Member, identity: Identity) -> Member:
        created_at = member.created_at or self._now()
        values = member_values(member) | {"created_at": created_at}
        stmt = members.insert().values(values)
        member.id = await insert_id(self._conn, stmt)
        member.created_at = created_at
        member.seen_identity_id = await insert_id(
            self._conn,
            identities.insert().values(
                platform=identity.platform,
                tenant=identity.tenant,
                user_id=identity.user_id,
                member_id=member.id,
                created_at=created_at,
            ),
        )
        return member

    async def update(self, member: Member) -> None:
        member_id = require_id(member.id, "member")
        stmt = members.update().where(members.c.id == member_id).values(member_values(member))
        await update_one(self._conn, stmt, "member", member_id)

    async def identities(self, member_id: int) -> list[Identity]:
        stmt = (
            select(identities.c.platform, identities.c.tenant, identities.c.user_id)
            .where(identities.c.member_id == member_id)
            .order_by(identities.c.id)
        )
        rows = await self._conn.execute(stmt)
        return [Identity(row.platform, row.tenant, row.user_id) for row in rows]

    async def identities_by_use(self, member_id: int) -> list[Identity]:
        last = select(members.c.last_identity_id).where(members.c.id == member_id).scalar_subquery()
        stmt = (
            select(identities.c.platform, identities.c.tenant, identities.c.user_id)
            .where(identities.c.member_id == member_id)
            .order_by(case((identities.c.id == last, 0), else_=1), identities.c.id)
        )
        rows = await self._conn.execute(stmt)
        return [Identity(row.platform, row.tenant, row.user_id) for row in rows]

    async def identities_by_use_many(
        self, member_ids: Collection[int]
    ) -> dict[int, list[Identity]]:
        found: dict[int, list[Identity]] = {}
        for chunk in chunked(sorted(set(member_ids))):
            stmt = (
                select(
                    identities.c.member_id, identities.c.platform, identities.c.tenant,
                    identities.c.user_id,
                )
                .select_from(identities.join(members, members.c.id == identities.c.member_id))
                .where(identities.c.member_id.in_(chunk))
                .order_by(
                    identities.c.member_id,
                    case((identities.c.id == members.c.last_identity_id, 0), else_=1),
                    identities.c.id,
                )
            )  # fmt: skip
            for row in await self._conn.execute(stmt):
                found.setdefault(row.member_id, []).append(
                    Identity(row.platform, row.tenant, row.user_id)
                )
        return found

    async def forget(self, member_id: int) -> None:
        # Explicit deletes, children first, in the unit of work's one transaction. The
        # foreign keys have no ON DELETE CASCADE on purpose: a table added later that
        # holds member rows makes this fail loudly until it is added to MEMBER_TABLES.
        for table in MEMBER_TABLES:
            await self._conn.execute(delete(table).where(table.c.member_id == member_id))
        await self._conn.execute(delete(members).where(members.c.id == member_id))

    async def add_pause(self, pause: Pause) -> Pause:
        stmt = pauses.insert().values(
            member_id=pause.member_id, start_date=pause.start, end_date=pause.end
        )
        pause.id = await insert_id(self._conn, stmt)
        return pause

    async def end_open_pauses(self, member_id: int, end: date) -> None:
        stmt = (
            pauses.update()
            .where(
                pauses.c.member_id == member_id,
                or_(pauses.c.end_date.is_(None), pauses.c.end_date > end),
            )
            .values(end_date=end)
        )
        await self._conn.execute(stmt)

    async def pauses(self, member_id: int) -> list[Pause]:
        stmt = (
            select(pauses)
            .where(pauses.c.member_id == member_id)
            .order_by(pauses.c.start_date, pauses.c.id)
        )
        return [_pause_from_row(row) for row in await self._conn.execute(stmt)]


class SqlIdentityRepository(SqlRepository):
    """Beyond the core's ports: linking platforms and the per-identity DM channel cache."""

    async def link(self, member_id: int, identity: Identity) -> None:
        """Give an existing member another identity (e.g. Discord beside Slack)."""
        await self._conn.execute(
            identities.insert().values(
                platform=identity.platform,
                tenant=identity.tenant,
                user_id=identity.user_id,
                member_id=member_id,
                created_at=self._now(),
            )
        )

    async def dm_channel(self, identity: Identity) -> str | None:
        stmt = select(identities.c.dm_channel_id).where(*_identity_clause(identity))
        return (await self._conn.execute(stmt)).scalar_one_or_none()

    async def set_dm_channel(self, identity: Identity, channel_id: str | None) -> None:
        stmt = identities.update().where(*_identity_clause(identity))
        await self._conn.execute(stmt.values(dm_channel_id=channel_id))


def _group_values(group: Group) -> dict[str, Any]:
    return {
        "platform": group.platform,
        "tenant": group.tenant,
        "channel_id": group.channel_id,
        "name": group.name,
        "timezone": group.timezone,
        "leaderboard_weekday": group.leaderboard_weekday,
        "leaderboard_time": group.leaderboard_time,
    }


def group_from_row(row: Row[Any]) -> Group:
    return Group(
        id=row.id,
        platform=row.platform,
        tenant=row.tenant,
        channel_id=row.channel_id,
        name=row.name,
        timezone=row.timezone,
        leaderboard_weekday=row.leaderboard_weekday,
        leaderboard_time=row.leaderboard_time,
        created_at=row.created_at,
    )


def _membership_from_row(row: Row[Any]) -> Membership:
    return Membership(
        group_id=row.group_id,
        member_id=row.member_id,
        is_admin=row.is_admin,
        leaderboard_opt_in=row.leaderboard_opt_in,
        joined_at=row.joined_at,
    )


_ROSTER = (
    select(members.c.id, members.c.display_name)
    .join(memberships, memberships.c.member_id == members.c.id)
    .where(memberships.c.group_id == bindparam("group_id"))
    .order_by(members.c.id)
)
_ROSTER_OPTED_IN = _ROSTER.where(memberships.c.leaderboard_opt_in.is_(True))


class SqlGroupRepository(SqlRepository):
    async def last_id(self) -> int:
        return int((await self._conn.execute(select(func.max(groups.c.id)))).scalar() or 0)

    async def by_channel(self, platform: str, tenant: str, channel_id: str) -> Group | None:
        stmt = select(groups).where(
            groups.c.platform == platform,
            groups.c.tenant == tenant,
            groups.c.channel_id == channel_id,
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else group_from_row(row)

    async def get(self, group_id: int) -> Group | None:
        row = (await self._conn.execute(select(groups).where(groups.c.id == group_id))).first()
        return None if row is None else group_from_row(row)

    async def add(self, group: Group) -> Group:
        created_at = group.created_at or self._now()
        values = _group_values(group) | {"created_at": created_at}
        stmt = groups.insert().values(values)
        group.id = await insert_id(self._conn, stmt)
        group.created_at = created_at
        return group

    async def update(self, group: Group) -> None:
        group_id = require_id(group.id, "group")
        stmt = groups.update().where(groups.c.id == group_id).values(_group_values(group))
        await update_one(self._conn, stmt, "group", group_id)

    async def membership(self, group_id: int, member_id: int) -> Membership | None:
        stmt = select(memberships).where(
            memberships.c.group_id == group_id, memberships.c.member_id == member_id
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _membership_from_row(row)

    async def join(self, membership: Membership) -> None:
        """Raises IntegrityError when already a member: check `membership()` first."""
        membership.joined_at = membership.joined_at or self._now()
        await self._conn.execute(
            memberships.insert().values(
                group_id=membership.group_id,
                member_id=membership.member_id,
                is_admin=membership.is_admin,
                leaderboard_opt_in=membership.leaderboard_opt_in,
                joined_at=membership.joined_at,
            )
        )

    async def update_membership(self, membership: Membership) -> None:
        stmt = (
            memberships.update()
            .where(
                memberships.c.group_id == membership.group_id,
                memberships.c.member_id == membership.member_id,
            )
            .values(is_admin=membership.is_admin, leaderboard_opt_in=membership.leaderboard_opt_in)
        )
        await update_one(
            self._conn, stmt, "membership", (membership.group_id, membership.member_id)
        )

    async def leave(self, group_id: int, member_id: int) -> None:
        stmt = delete(memberships).where(
            memberships.c.group_id == group_id, memberships.c.member_id == member_id
        )
        await self._conn.execute(stmt)

    async def members(self, group_id: int) -> list[tuple[Member, Membership]]:
        """Members with their membership, by member id."""
        stmt = (
            select(members, memberships)
            .join(memberships, memberships.c.member_id == members.c.id)
            .where(memberships.c.group_id == group_id)
            .order_by(members.c.id)
        )
        rows = await self._conn.execute(stmt)
        return [(member_from_row(row), _membership_from_row(row)) for row in rows]

    async def roster(self, group_id: int, opted_in_only: bool) -> list[tuple[int, str]]:
        stmt = _ROSTER_OPTED_IN if opted_in_only else _ROSTER
        rows = await self._conn.execute(stmt, {"group_id": group_id})
        return [(int(member_id), name) for member_id, name in rows]

    async def admins(self, group_id: int) -> list[int]:
        stmt = (
            select(memberships.c.member_id)
            .where(memberships.c.group_id == group_id, memberships.c.is_admin.is_(True))
            .order_by(memberships.c.member_id)
        )
        return [int(member_id) for member_id in (await self._conn.execute(stmt)).scalars()]

    async def of_member(self, member_id: int) -> list[Group]:
        stmt = (
            select(groups)
            .join(memberships, memberships.c.group_id == groups.c.id)
            .where(memberships.c.member_id == member_id)
            .order_by(groups.c.id)
        )
        return [group_from_row(row) for row in await self._conn.execute(stmt)]


class SqlPendingRepository(SqlRepository):
    async def get(self, member_id: int) -> Pending | None:
        row = (
            await self._conn.execute(
                select(pending_table).where(pending_table.c.member_id == member_id)
            )
        ).first()
        if row is None:
            return None
        return Pending(
            member_id=row.member_id,
            action=row.action,
            payload=dict(row.payload),
            expires_at=row.expires_at,
        )

    async def put(self, pending: Pending) -> None:
        await upsert(
            self._conn,
            pending_table,
            {
                "member_id": pending.member_id,
                "action": pending.action,
                "payload": pending.payload,
                "expires_at": pending.expires_at,
            },
            keys=("member_id",),
            update=("action", "payload", "expires_at"),
        )

    async def clear(self, member_id: int) -> None:
        await self._conn.execute(
            delete(pending_table).where(pending_table.c.member_id == member_id)
        )
