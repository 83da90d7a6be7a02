"""What keeps a search moving: follow-ups owed, upcoming meetings, opportunities."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, bindparam, case, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import (
    ActivityKind,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Meeting,
    MeetingStatus,
    Opportunity,
    OpportunityStage,
)
from storage.repositories._base import (
    SqlRepository,
    chunked,
    fold,
    insert_row,
    require_id,
    update_one,
    update_row,
)
from storage.repositories.numbers import (
    delete_numbered,
    insert_many_numbered,
    insert_numbered,
    many_statement,
)
from storage.sqlite_prepared import prepared
from storage.tables import followups, meetings, opportunities

_OPEN_FOLLOWUPS = (
    select(followups)
    .where(
        followups.c.member_id == bindparam("member_id"),
        followups.c.status == str(FollowUpStatus.OPEN),
    )
    .order_by(followups.c.due_at, followups.c.id)
)
# The log path reads only what it could close or renew: one person's, or no one's.
_OPEN_FOR = prepared(_OPEN_FOLLOWUPS.where(followups.c.contact_id == bindparam("contact_id")))
_OPEN_FOR_NO_ONE = prepared(_OPEN_FOLLOWUPS.where(followups.c.contact_id.is_(None)))
# Every member's open follow-ups whose reminder is due: the (status, nudge_at) index, in order.
_DUE_FOR_NUDGE = (
    select(followups)
    .where(
        followups.c.status == str(FollowUpStatus.OPEN),
        followups.c.nudge_at <= bindparam("until"),
    )
    .order_by(followups.c.nudge_at, followups.c.id)
    .limit(bindparam("limit"))
)
_STARTING_BETWEEN = (
    select(meetings)
    .where(
        meetings.c.status == str(MeetingStatus.SCHEDULED),
        meetings.c.starts_at >= bindparam("start"),
        meetings.c.starts_at < bindparam("end"),
    )
    .order_by(meetings.c.starts_at, meetings.c.id)
)
_UPCOMING = (
    select(meetings)
    .where(
        meetings.c.member_id == bindparam("member_id"),
        meetings.c.status == str(MeetingStatus.SCHEDULED),
        meetings.c.starts_at >= bindparam("after"),
    )
    .order_by(meetings.c.starts_at, meetings.c.id)
    .limit(bindparam("limit"))
)
# On PostgreSQL, one INSERT ... VALUES (...), (...) RETURNING for the batch: one round
# trip. RETURNING's order is unspecified, so each returned id is matched back to its
# follow-up by every value inserted: rows alike in all of them are interchangeable.
_INSERTED = tuple(c.name for c in followups.columns if c.name not in ("id", "number"))
_ADD_FOLLOWUPS = {"postgresql": many_statement("postgresql", followups, _INSERTED)}
_FOLLOWUP_BY_NUMBER = prepared(
    select(followups).where(
        followups.c.member_id == bindparam("member_id"), followups.c.number == bindparam("number")
    )
)
_MEETING_BY_NUMBER = prepared(
    select(meetings).where(
        meetings.c.member_id == bindparam("member_id"), meetings.c.number == bindparam("number")
    )
)
# The log path keeps an opportunity warm, moving it forward only, and hands back the rows
# as they were (what undo restores).
# One placeholder per stage, the unused ones "": an expanding IN would be rendered anew
# on every call, and the statement could not be planned once (storage.sqlite_prepared).
_BEHIND = tuple(f"b_behind_{i}" for i in range(len(OpportunityStage)))
_TOUCH_STAGE = case(
    (opportunities.c.stage.in_([bindparam(name) for name in _BEHIND]), bindparam("b_stage")),
    else_=opportunities.c.stage,
)
_MATCHING = (
    opportunities.c.member_id == bindparam("b_member_id"),
    opportunities.c.organisation_key == bindparam("b_key"),
)
# SET reads the row as it was, so the old stage and time land in the prior columns and
# RETURNING hands them back: one statement, no read first (SQLite's RETURNING sees only
# the new row).
_TOUCH = prepared(
    opportunities.update()
    .where(*_MATCHING)
    .values(
        prior_stage=opportunities.c.stage,
        prior_updated_at=opportunities.c.updated_at,
        updated_at=bindparam("at"),
        stage=_TOUCH_STAGE,
    )
    .returning(*opportunities.c)
)
_BY_ORGANISATION = prepared(
    select(opportunities)
    .where(
        opportunities.c.member_id == bindparam("member_id"),
        opportunities.c.organisation_key == bindparam("key"),
    )
    .order_by(opportunities.c.id)
    .limit(1)
)


def _followup_values(followup: FollowUp) -> dict[str, Any]:
    return {
        "kind": str(followup.kind),
        "due_at": followup.due_at,
        "contact_id": followup.contact_id,
        "company": followup.company,
        "status": str(followup.status),
        "source_activity_id": followup.source_activity_id,
        "closed_at": followup.closed_at,
        "next_nudge_at": followup.next_nudge_at,
        "nudges_sent": followup.nudges_sent,
        "nudge_at": followup.next_nudge_at or followup.due_at,
    }


def _followup_from_row(row: Row[Any]) -> FollowUp:
    return FollowUp(
        id=row.id,
        member_id=row.member_id,
        kind=FollowUpKind(row.kind),
        due_at=row.due_at,
        contact_id=row.contact_id,
        company=row.company,
        status=FollowUpStatus(row.status),
        source_activity_id=row.source_activity_id,
        created_at=row.created_at,
        closed_at=row.closed_at,
        next_nudge_at=row.next_nudge_at,
        nudges_sent=row.nudges_sent,
        number=row.number,
    )


async def _delete_row(conn: AsyncConnection, table: Table, member_id: int, row_id: int) -> None:
    await conn.execute(delete(table).where(table.c.id == row_id, table.c.member_id == member_id))


class SqlFollowUpRepository(SqlRepository):
    async def add(self, followup: FollowUp) -> FollowUp:
        created_at = followup.created_at or self._now()
        values = _followup_values(followup) | {
            "member_id": followup.member_id,
            "created_at": created_at,
        }
        followup.id, followup.number = await insert_numbered(self._conn, followups, values)
        followup.created_at = created_at
        return followup

    async def due_for_nudge(self, until: datetime, limit: int) -> list[FollowUp]:
        rows = await self._conn.execute(_DUE_FOR_NUDGE, {"until": until, "limit": limit})
        return [_followup_from_row(row) for row in rows]

    async def add_many(self, followups_: Sequence[FollowUp]) -> None:
        if not followups_:
            return
        rows = []
        for followup in followups_:
            followup.created_at = followup.created_at or self._now()
            rows.append(
                _followup_values(followup)
                | {"member_id": followup.member_id, "created_at": followup.created_at}
            )
        if self._conn.dialect.name == "sqlite":
            # In process, a prepared single-row INSERT a row (storage.sqlite_prepared) costs
            # a fraction of SQLAlchemy's multi-row one; PostgreSQL saves round trips.
            added = [await insert_numbered(self._conn, followups, row) for row in rows]
        else:
            stmt = _ADD_FOLLOWUPS["postgresql"]
            added = await insert_many_numbered(self._conn, stmt, rows, _INSERTED)
        for followup, (followup_id, number) in zip(followups_, added, strict=True):
            followup.id, followup.number = followup_id, number

    async def update(self, followup: FollowUp) -> None:
        followup_id = require_id(followup.id, "follow-up")
        await update_row(
            self._conn,
            followups,
            followup_id,
            followup.member_id,
            _followup_values(followup),
            "follow-up",
        )

    async def get(self, member_id: int, followup_id: int) -> FollowUp | None:
        stmt = select(followups).where(
            followups.c.id == followup_id, followups.c.member_id == member_id
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _followup_from_row(row)

    async def by_number(self, member_id: int, number: int) -> FollowUp | None:
        params = {"member_id": member_id, "number": number}
        row = (await self._conn.execute(_FOLLOWUP_BY_NUMBER, params)).first()
        return None if row is None else _followup_from_row(row)

    async def open(self, member_id: int) -> list[FollowUp]:
        rows = await self._conn.execute(_OPEN_FOLLOWUPS, {"member_id": member_id})
        return [_followup_from_row(row) for row in rows]

    async def open_many(self, member_ids: Collection[int]) -> dict[int, list[FollowUp]]:
        found: dict[int, list[FollowUp]] = {}
        for chunk in chunked(sorted(set(member_ids))):
            stmt = (
                select(followups)
                .where(
                    followups.c.member_id.in_(chunk),
                    followups.c.status == str(FollowUpStatus.OPEN),
                )
                .order_by(followups.c.member_id, followups.c.due_at, followups.c.id)
            )
            for row in await self._conn.execute(stmt):
                found.setdefault(row.member_id, []).append(_followup_from_row(row))
        return found

    async def open_for(self, member_id: int, contact_id: int | None) -> list[FollowUp]:
        if contact_id is None:
            rows = await self._conn.execute(_OPEN_FOR_NO_ONE, {"member_id": member_id})
        else:
            params = {"member_id": member_id, "contact_id": contact_id}
            rows = await self._conn.execute(_OPEN_FOR, params)
        return [_followup_from_row(row) for row in rows]

    async def all(self, member_id: int) -> list[FollowUp]:
        """Every follow-up, whatever its status, earliest due first."""
        stmt = (
            select(followups)
            .where(followups.c.member_id == member_id)
            .order_by(followups.c.due_at, followups.c.id)
        )
        return [_followup_from_row(row) for row in await self._conn.execute(stmt)]

    async def delete(self, member_id: int, followup_id: int) -> None:
        await delete_numbered(self._conn, followups, member_id, followup_id)


def _meeting_values(meeting: Meeting) -> dict[str, Any]:
    return {
        "starts_at": meeting.starts_at,
        "kind": str(meeting.kind),
        "contact_id": meeting.contact_id,
        "company": meeting.company,
        "status": str(meeting.status),
    }


def _meeting_from_row(row: Row[Any]) -> Meeting:
    return Meeting(
        id=row.id,
        member_id=row.member_id,
        starts_at=row.starts_at,
        kind=ActivityKind(row.kind),
        contact_id=row.contact_id,
        company=row.company,
        status=MeetingStatus(row.status),
        created_at=row.created_at,
        number=row.number,
    )


class SqlMeetingRepository(SqlRepository):
    async def add(self, meeting: Meeting) -> Meeting:
        created_at = meeting.created_at or self._now()
        values = _meeting_values(meeting) | {
            "member_id": meeting.member_id,
            "created_at": created_at,
        }
        meeting.id, meeting.number = await insert_numbered(self._conn, meetings, values)
        meeting.created_at = created_at
        return meeting

    async def update(self, meeting: Meeting) -> None:
        meeting_id = require_id(meeting.id, "meeting")
        stmt = (
            meetings.update()
            .where(meetings.c.id == meeting_id, meetings.c.member_id == meeting.member_id)
            .values(_meeting_values(meeting))
        )
        await update_one(self._conn, stmt, "meeting", meeting_id)

    async def get(self, member_id: int, meeting_id: int) -> Meeting | None:
        stmt = select(meetings).where(
            meetings.c.id == meeting_id, meetings.c.member_id == member_id
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _meeting_from_row(row)

    async def by_number(self, member_id: int, number: int) -> Meeting | None:
        params = {"member_id": member_id, "number": number}
        row = (await self._conn.execute(_MEETING_BY_NUMBER, params)).first()
        return None if row is None else _meeting_from_row(row)

    async def upcoming(self, member_id: int, after: datetime, limit: int) -> list[Meeting]:
        params = {"member_id": member_id, "after": after, "limit": limit}
        return [_meeting_from_row(row) for row in await self._conn.execute(_UPCOMING, params)]

    async def with_upcoming(self, member_ids: Collection[int], after: datetime) -> set[int]:
        found: set[int] = set()
        for chunk in chunked(sorted(set(member_ids))):
            stmt = (
                select(meetings.c.member_id)
                .where(
                    meetings.c.member_id.in_(chunk),
                    meetings.c.status == str(MeetingStatus.SCHEDULED),
                    meetings.c.starts_at >= after,
                )
                .distinct()
            )
            found.update(int(mid) for mid in (await self._conn.execute(stmt)).scalars())
        return found

    async def starting_between(self, start: datetime, end: datetime) -> list[Meeting]:
        """Soonest first."""
        rows = await self._conn.execute(_STARTING_BETWEEN, {"start": start, "end": end})
        return [_meeting_from_row(row) for row in rows]

    async def all(self, member_id: int) -> list[Meeting]:
        stmt = (
            select(meetings)
            .where(meetings.c.member_id == member_id)
            .order_by(meetings.c.starts_at, meetings.c.id)
        )
        return [_meeting_from_row(row) for row in await self._conn.execute(stmt)]

    async def delete(self, member_id: int, meeting_id: int) -> None:
        await delete_numbered(self._conn, meetings, member_id, meeting_id)


def _opportunity_values(opportunity: Opportunity) -> dict[str, Any]:
    return {
        "organisation": opportunity.organisation,
        "organisation_key": fold(opportunity.organisation),
        "role": opportunity.role,
        "stage": str(opportunity.stage),
    }


def _opportunity_from_row(row: Row[Any]) -> Opportunity:
    return Opportunity(
        id=row.id,
        member_id=row.member_id,
        organisation=row.organisation,
        role=row.role,
        stage=OpportunityStage(row.stage),
        updated_at=row.updated_at,
        created_at=row.created_at,
    )


class SqlOpportunityRepository(SqlRepository):
    async def add(self, opportunity: Opportunity) -> Opportunity:
        created_at = opportunity.created_at or self._now()
        updated_at = opportunity.updated_at or created_at
        values = _opportunity_values(opportunity) | {
            "member_id": opportunity.member_id,
            "created_at": created_at,
            "updated_at": updated_at,
        }
        opportunity.id = await insert_row(self._conn, opportunities, values)
        opportunity.created_at, opportunity.updated_at = created_at, updated_at
        return opportunity

    async def update(self, opportunity: Opportunity) -> None:
        """Writes updated_at as given (the core's clock); now when None."""
        opportunity_id = require_id(opportunity.id, "opportunity")
        opportunity.updated_at = opportunity.updated_at or self._now()
        await update_row(
            self._conn,
            opportunities,
            opportunity_id,
            opportunity.member_id,
            _opportunity_values(opportunity) | {"updated_at": opportunity.updated_at},
            "opportunity",
        )

    async def touch(
        self,
        member_id: int,
        organisation: str,
        at: datetime,
        stage: OpportunityStage,
        behind: Collection[OpportunityStage],
    ) -> list[Opportunity]:
        params = {
            "b_member_id": member_id,
            "b_key": fold(organisation),
            "at": at,
            "b_stage": str(stage),
        }
        stages = [str(b) for b in behind]
        params.update(zip(_BEHIND, stages + [""] * (len(_BEHIND) - len(stages)), strict=True))
        before = [
            replace(
                _opportunity_from_row(row),
                stage=OpportunityStage(row.prior_stage),
                updated_at=row.prior_updated_at,
            )
            for row in await self._conn.execute(_TOUCH, params)
        ]
        return sorted(before, key=lambda o: o.id or 0)

    async def get(self, member_id: int, opportunity_id: int) -> Opportunity | None:
        stmt = select(opportunities).where(
            opportunities.c.id == opportunity_id, opportunities.c.member_id == member_id
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _opportunity_from_row(row)

    async def delete(self, member_id: int, opportunity_id: int) -> None:
        await _delete_row(self._conn, opportunities, member_id, opportunity_id)

    async def by_organisation(self, member_id: int, organisation: str) -> Opportunity | None:
        """Case-insensitive; with several at one organisation, the first added."""
        params = {"member_id": member_id, "key": fold(organisation)}
        row = (await self._conn.execute(_BY_ORGANISATION, params)).first()
        return None if row is None else _opportunity_from_row(row)

    async def all(self, member_id: int) -> list[Opportunity]:
        stmt = (
            select(opportunities)
            .where(opportunities.c.member_id == member_id)
            .order_by(opportunities.c.id)
        )
        return [_opportunity_from_row(row) for row in await self._conn.execute(stmt)]
