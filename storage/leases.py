"""Leases: a job that must run once across processes (pruning, deleting what expired)
runs where its lease is held.

A lease is a row of app_state (`lease:<job>`): its value names the holder, updated_at
when it was last taken. Taking it is one conditional upsert: a new row, or a row the
same holder has, or one whose holder let it lapse (`ttl` without renewing: a process
killed mid-job). The database decides, so two processes never both hold a job, on
PostgreSQL or on SQLite (where one process is the usual case and the lease costs one
statement a tick).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from storage.tables import app_state

PREFIX = "lease:"


class SqlLeases:
    def __init__(self, engine: AsyncEngine, clock: Clock, holder: str) -> None:
        self._engine = engine
        self._clock = clock
        self.holder = holder
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    async def take(self, job: str, ttl: timedelta) -> bool:
        """True when this process holds `job`'s lease for the next `ttl` (taken anew or
        renewed); False while another holder's lease runs."""
        now = self._clock.now()
        stmt = self._insert(app_state).values(
            key=PREFIX + job, value=self.holder, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
            where=or_(
                app_state.c.value == self.holder,
                app_state.c.updated_at < now - ttl,
            ),
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(stmt)
        return result.rowcount == 1

    async def give_up(self, job: str) -> None:
        """Let another process take `job` at once (a clean stop)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(app_state).where(
                    and_(app_state.c.key == PREFIX + job, app_state.c.value == self.holder)
                )
            )
