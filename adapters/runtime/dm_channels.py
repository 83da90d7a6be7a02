"""Each member's DM channel id on the identities table, for every platform's delivery: a
nudge goes to the stored channel, never through a DM open per nudge (Slack's
conversations.open; Discord distrusts bots that open many DMs in a burst)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import Identity
from bot.ports import Clock
from storage.uow import SqlUnitOfWork


class StoredDmChannels:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def get(self, identity: Identity) -> str | None:
        async with SqlUnitOfWork(self._engine, self._clock) as uow:
            return await uow.identities.dm_channel(identity)

    async def set(self, identity: Identity, channel_id: str) -> None:
        async with SqlUnitOfWork(self._engine, self._clock) as uow:
            await uow.identities.set_dm_channel(identity, channel_id)
