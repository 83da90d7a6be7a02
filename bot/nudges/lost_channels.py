"""A group channel that takes no post (archived, the bot removed): told once, not per post.

Every platform's delivery reports a lost channel here; the callback (the admins' DMs) runs
once per channel until a post there works again, so the next loss is news again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.nudges.model import ChannelTarget

log = logging.getLogger(__name__)

ChannelLost = Callable[[ChannelTarget, str], Awaitable[None]]


class LostChannels:
    def __init__(self, on_lost: ChannelLost | None) -> None:
        self._on_lost = on_lost
        self._told: set[tuple[str, str, str]] = set()

    @staticmethod
    def _key(where: ChannelTarget) -> tuple[str, str, str]:
        return (where.platform, where.tenant, where.channel_id)

    async def lost(self, where: ChannelTarget, detail: str) -> None:
        key = self._key(where)
        if key in self._told:
            return
        self._told.add(key)
        platform, tenant, channel = key
        log.warning("%s channel %s of %s is lost: %s", platform, channel, tenant, detail)
        if self._on_lost is None:
            return
        try:
            await self._on_lost(where, detail)
        except Exception as e:  # telling the admins must not fail the delivery
            log.warning("on_channel_lost for %s raised %r", where.channel_id, e)

    def found(self, where: ChannelTarget) -> None:
        """It took a post: a later loss is news again."""
        self._told.discard(self._key(where))
