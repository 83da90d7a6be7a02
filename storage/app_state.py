"""A few named values an adapter keeps between runs (the Discord tree's last signature)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from storage.tables import app_state


class SqlAppState:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    async def get(self, key: str) -> str | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(app_state.c.value).where(app_state.c.key == key))
            ).first()
        return None if row is None else str(row.value)

    async def set(self, key: str, value: str) -> None:
        stmt = self._insert(app_state).values(key=key, value=value, updated_at=self._clock.now())
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        )
        async with self._engine.begin() as conn:
            await conn.execute(stmt)
