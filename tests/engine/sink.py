"""What the multi-instance and crash tests deliver to, and the outbox they fill."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain import Identity, Member
from bot.nudges.config import NudgeConfig
from bot.nudges.model import DeliveryResult, Nudge, NudgeKind, Outbound
from bot.ports import UnitOfWorkFactory

PLATFORM = "sink"
# No merging and no cap: every nudge is its own message, so each can be counted.
CONFIG = NudgeConfig(
    merge_window=timedelta(0), daily_cap=10**9, batch=100, lease=timedelta(minutes=10)
)


@dataclass
class MemorySink:
    platform: str = PLATFORM
    keys: list[str] = field(default_factory=list)

    async def deliver(self, message: Outbound) -> DeliveryResult:
        self.keys.append(message.idempotency_key)
        return DeliveryResult.sent()


@dataclass
class FileSink:
    """Appends each key to a file with one write(2): it survives a SIGKILL right after."""

    path: str
    platform: str = PLATFORM

    async def deliver(self, message: Outbound) -> DeliveryResult:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{message.idempotency_key}\n".encode())
        finally:
            os.close(fd)
        return DeliveryResult.sent()


async def fill_outbox(uow: UnitOfWorkFactory, members: int, nudges: int, now: datetime) -> None:
    """`nudges` check-ins spread over `members`, all due in the last few minutes."""
    async with uow() as u:
        ids = []
        for i in range(members):
            m = await u.members.add(Member(f"Member {i}"), Identity(PLATFORM, "t", f"u{i}"))
            assert m.id is not None
            ids.append(m.id)
        start = now - timedelta(minutes=5)
        await u.outbox.enqueue(
            [
                Nudge(
                    NudgeKind.CHECKIN,
                    start + timedelta(milliseconds=i),  # distinct: never merged
                    f"test:{i}",
                    member_id=ids[i % members],
                )
                for i in range(nudges)
            ]
        )
