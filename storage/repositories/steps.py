"""The undo journal: one row per logged step, newest taken back first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select

from bot.domain import Step
from storage.repositories._base import SqlRepository, insert_row
from storage.sqlite_prepared import prepared
from storage.tables import steps

_LAST = prepared(
    select(steps)
    .where(steps.c.member_id == bindparam("member_id"), steps.c.created_at >= bindparam("since"))
    .order_by(steps.c.created_at.desc(), steps.c.id.desc())
    .limit(1)
)


class SqlStepRepository(SqlRepository):
    async def add(self, step: Step) -> Step:
        # On the log path: one INSERT, built once (see _base.insert_row).
        created_at = step.created_at or self._now()
        values = {
            "member_id": step.member_id,
            "created_at": created_at,
            "summary": step.summary,
            "changes": step.changes,
        }
        step.id = await insert_row(self._conn, steps, values)
        step.created_at = created_at
        return step

    async def last(self, member_id: int, since: datetime) -> Step | None:
        params = {"member_id": member_id, "since": since}
        row = (await self._conn.execute(_LAST, params)).first()
        if row is None:
            return None
        return Step(
            id=row.id,
            member_id=row.member_id,
            summary=row.summary,
            changes=list(row.changes),
            created_at=row.created_at,
        )

    async def delete(self, member_id: int, step_id: int) -> None:
        await self._conn.execute(
            delete(steps).where(steps.c.id == step_id, steps.c.member_id == member_id)
        )

    async def prune(self, before: datetime) -> int:
        result = await self._conn.execute(delete(steps).where(steps.c.created_at < before))
        return int(result.rowcount)
