"""Marking delivered nudges sent, many in one statement.

A message delivered is finished in the database before its lease runs out. One
transaction per message was a third of a dispatcher's round trips; here whoever finds
no flush running finishes everything delivered meanwhile (a group commit), so at a
trickle each is finished at once and in a wave a few statements finish hundreds.
"""

from __future__ import annotations

import asyncio

from bot.nudges.model import NudgeStatus
from bot.ports import Clock, UnitOfWorkFactory


class Finisher:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, worker: str) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._worker = worker
        self._waiting: list[int] = []
        self._held: dict[int, bool] = {}  # flushed, not yet told to their sender
        self._lock = asyncio.Lock()

    async def sent(self, nudge_id: int) -> bool:
        """Mark a delivered nudge sent; False when its lease was lost meanwhile."""
        self._waiting.append(nudge_id)
        async with self._lock:
            if nudge_id in self._held:  # an earlier flush took it
                return self._held.pop(nudge_id)
            ids, self._waiting = self._waiting, []
            try:
                async with self._uow() as uow:
                    held = await uow.outbox.finish_many(
                        ids, self._worker, NudgeStatus.SENT, self._clock.now()
                    )
            except BaseException:
                # The others waiting on this flush try again; this one's sender hears.
                self._waiting[:0] = [i for i in ids if i != nudge_id]
                raise
            for i in ids:
                self._held[i] = i in held
            return self._held.pop(nudge_id)
