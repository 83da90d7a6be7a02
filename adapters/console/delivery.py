"""Nudges on the console: printed as they are delivered, with who they are for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from adapters.console.backend import PLATFORM
from bot.domain import Identity
from bot.nudges.model import DeliveryResult, Outbound
from bot.ports import Clock


@dataclass
class ConsoleDelivery:
    """bot.ports.Delivery for the console; `delivered` keeps every message (tests, demo)."""

    write: Callable[[str], None]
    clock: Clock
    timezone: str = "UTC"  # how the time stamp of a delivery reads
    platform: str = PLATFORM
    delivered: list[Outbound] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    async def deliver(self, message: Outbound) -> DeliveryResult:
        if message.idempotency_key in self._seen:  # a resend after a crash: already shown
            return DeliveryResult.sent()
        self._seen.add(message.idempotency_key)
        self.delivered.append(message)
        target = message.target
        to = f"@{target.user_id}" if isinstance(target, Identity) else f"#{target.channel_id}"
        at = self.clock.now().astimezone(ZoneInfo(self.timezone))
        self.write(f"[{_stamp(at)} nudge to {to}]\n{message.reply.text()}\n")
        return DeliveryResult.sent()


def _stamp(at: datetime) -> str:
    return at.strftime("%a %d %b %H:%M %Z")
