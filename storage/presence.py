"""Presence: which processes deliver to each platform now, so they can share its ceilings.

Each process beats for the platforms it delivers to (an app_state row per platform and
process, `presence:<platform>:<worker>`, stamped now) and reads how many beat within
`ttl`: a process that stopped beating (killed) drops out of the count after `ttl`, and
its row is removed after a few more. A clean stop removes its rows at once (`leave`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import and_, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from storage.tables import app_state

PREFIX = "presence:"
FORGET_AFTER = 10  # ttls without a beat: the row goes


class SqlPresence:
    def __init__(self, engine: AsyncEngine, clock: Clock, worker: str) -> None:
        self._engine = engine
        self._clock = clock
        self.worker = worker
        self._beaten: set[str] = set()  # the platforms this process beat for
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    async def beat(self, platforms: Iterable[str], ttl: timedelta) -> dict[str, int]:
        """Say this process delivers to `platforms`; how many processes (this one
        included) deliver to each of them."""
        now = self._clock.now()
        mine = sorted(set(platforms))
        live = app_state.c.updated_at >= now - ttl
        ours = app_state.c.key.like(PREFIX + "%")
        async with self._engine.begin() as conn:
            if mine:
                rows = [
                    {"key": f"{PREFIX}{p}:{self.worker}", "value": p, "updated_at": now}
                    for p in mine
                ]
                stmt = self._insert(app_state)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["key"], set_={"updated_at": stmt.excluded.updated_at}
                )
                await conn.execute(stmt, rows)
                self._beaten.update(mine)
            await conn.execute(
                delete(app_state).where(
                    and_(ours, app_state.c.updated_at < now - ttl * FORGET_AFTER)
                )
            )
            found = await conn.execute(select(app_state.c.value).where(and_(ours, live)))
            counts = Counter(str(platform) for platform in found.scalars())
        return {p: max(1, counts[p]) for p in mine}

    async def leave(self) -> None:
        """A clean stop: the others take this process's share at their next beat."""
        keys = [f"{PREFIX}{p}:{self.worker}" for p in sorted(self._beaten)]
        if not keys:
            return
        async with self._engine.begin() as conn:
            await conn.execute(delete(app_state).where(app_state.c.key.in_(keys)))
        self._beaten.clear()
