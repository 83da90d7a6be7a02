"""Claims: the first delivery of an inbound event wins, on any process, across restarts.

Slack redelivers an event whose ack came late (and may deliver it to another process
behind a load balancer). The adapter claims the event's key here before any side effect:
one INSERT that a primary key makes succeed once. A claim is kept `KEEP` (Slack's
retries come within minutes; an hour is the least the issue asks), then pruned.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from storage.tables import claims

KEEP = timedelta(hours=3)
MAX_KEY = 200  # the column's size


class SqlClaims:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        self._claim = insert(claims).on_conflict_do_nothing(index_elements=["key"])

    async def claim(self, key: str) -> bool:
        """True for the first claim of `key`; False when it was claimed before."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                self._claim, {"key": key[:MAX_KEY], "claimed_at": self._clock.now()}
            )
        return result.rowcount == 1

    async def prune(self, now: datetime | None = None) -> int:
        """Forget claims older than KEEP; how many went."""
        before = (now or self._clock.now()) - KEEP
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(claims).where(claims.c.claimed_at < before))
        return result.rowcount
