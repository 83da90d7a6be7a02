"""Rows as an old schema holds them, for migration tests: written with the columns that
revision had, never through today's repositories (they write every newer column)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import members


async def old_member(
    conn: AsyncConnection, name: str, created_at: datetime, **later: Any
) -> int:
    """A member with the columns of 0001, plus `later` ones the revision has; its id."""
    values = {
        "display_name": name,
        "timezone": "UTC",
        "checkin_time": time(9, 30),
        "working_days": "01234",
        "status": "searching",
        "weekly_goal": 5,
        "nudges_enabled": True,
        "created_at": created_at,
        **later,
    }
    result = await conn.execute(members.insert().values(values).returning(members.c.id))
    member_id: int = result.scalar_one()
    return member_id
