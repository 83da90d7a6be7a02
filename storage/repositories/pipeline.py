"""What keeps a search moving: follow-ups owed, upcoming meetings, opportunities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select

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
    fold,
    insert_id,
    require_id,
    update_one,
)
from storage.tables import followups, meetings, opportunities


def _followup_values(followup: FollowUp) -> dict[str, Any]:
    return {
        "kind": str(followup.kind),
        "due_at": followup.due_at,
        "contact_id": followup.contact_id,
        "company": followup.company,
        "status": str(followup.status),
        "source_activity_id": followup.source_activity_id,
        "closed_at": followup.closed_at,
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
    )


class SqlFollowUpRepository(SqlRepository):
    async def add(self, followup: FollowUp) -> FollowUp:
        created_at = followup.created_at or self._now()
        values = _followup_values(followup) | {
            "member_id": followup.member_id,
            "created_at": created_at,
        }
        stmt = followups.insert().values(values)
        followup.id = await insert_id(self._conn, stmt)
        followup.created_at = created_at
        return followup

    async def update(self, followup: FollowUp) -> None:
        followup_id = require_id(followup.id, "follow-up")
        stmt = (
            followups.update()
            .where(followups.c.id == followup_id, followups.c.member_id == followup.member_id)
            .values(_followup_values(followup))
        )
        await update_one(self._conn, stmt, "follow-up", followup_id)

    async def get(self, member_id: int, followup_id: int) -> FollowUp | None:
        stmt = select(followups).where(
            followups.c.id == followup_id, followups.c.member_id == member_id
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _followup_from_row(row)

    async def open(self, member_id: int) -> list[FollowUp]:
        stmt = (
            select(followups)
            .where(followups.c.member_id == member_id, followups.c.status == FollowUpStatus.OPEN)
            .order_by(followups.c.due_at, followups.c.id)
        )
        return [_followup_from_row(row) for row in await self._conn.execute(stmt)]

    async def all(self, member_id: int) -> list[FollowUp]:
        """Every follow-up, whatever its status, earliest due first."""
        stmt = (
            select(followups)
            .where(followups.c.member_id == member_id)
            .order_by(followups.c.due_at, followups.c.id)
        )
        return [_followup_from_row(row) for row in await self._conn.execute(stmt)]


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
    )


class SqlMeetingRepository(SqlRepository):
    async def add(self, meeting: Meeting) -> Meeting:
        created_at = meeting.created_at or self._now()
        values = _meeting_values(meeting) | {
            "member_id": meeting.member_id,
            "created_at": created_at,
        }
        stmt = meetings.insert().values(values)
        meeting.id = await insert_id(self._conn, stmt)
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

    async def upcoming(self, member_id: int, after: datetime, limit: int) -> list[Meeting]:
        stmt = (
            select(meetings)
            .where(
                meetings.c.member_id == member_id,
                meetings.c.status == MeetingStatus.SCHEDULED,
                meetings.c.starts_at >= after,
            )
            .order_by(meetings.c.starts_at, meetings.c.id)
            .limit(limit)
        )
        return [_meeting_from_row(row) for row in await self._conn.execute(stmt)]

    async def all(self, member_id: int) -> list[Meeting]:
        stmt = (
            select(meetings)
            .where(meetings.c.member_id == member_id)
            .order_by(meetings.c.starts_at, meetings.c.id)
        )
        return [_meeting_from_row(row) for row in await self._conn.execute(stmt)]


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
        stmt = opportunities.insert().values(values)
        opportunity.id = await insert_id(self._conn, stmt)
        opportunity.created_at, opportunity.updated_at = created_at, updated_at
        return opportunity

    async def update(self, opportunity: Opportunity) -> None:
        """Writes updated_at as given (the core's clock); now when None."""
        opportunity_id = require_id(opportunity.id, "opportunity")
        opportunity.updated_at = opportunity.updated_at or self._now()
        stmt = (
            opportunities.update()
            .where(
                opportunities.c.id == opportunity_id,
                opportunities.c.member_id == opportunity.member_id,
            )
            .values(_opportunity_values(opportunity) | {"updated_at": opportunity.updated_at})
        )
        await update_one(self._conn, stmt, "opportunity", opportunity_id)

    async def by_organisation(self, member_id: int, organisation: str) -> Opportunity | None:
        """Case-insensitive; with several at one organisation, the first added."""
        stmt = (
            select(opportunities)
            .where(
                opportunities.c.member_id == member_id,
                opportunities.c.organisation_key == fold(organisation),
            )
            .order_by(opportunities.c.id)
            .limit(1)
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _opportunity_from_row(row)

    async def all(self, member_id: int) -> list[Opportunity]:
        stmt = (
            select(opportunities)
            .where(opportunities.c.member_id == member_id)
            .order_by(opportunities.c.id)
        )
        return [_opportunity_from_row(row) for row in await self._conn.execute(stmt)]
