"""What a handler gets besides its command: the transaction, the clock, who and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain import Identity, Member
from bot.nudges.config import NudgeConfig
from bot.ports import Clock, UnitOfWork
from bot.undo import Journal


@dataclass(frozen=True, slots=True)
class Caller:
    identity: Identity
    display_name: str
    timezone: str | None = None  # a hint from the platform (Slack's users.info tz)


@dataclass(frozen=True, slots=True)
class Where:
    """The conversation a command came from; channel None means a DM."""

    platform: str
    tenant: str
    channel_id: str | None = None
    channel_name: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    thankyou_hours: int = 24
    checkback_days: int = 7
    lead_hours: int = 48
    default_timezone: str = "UTC"
    max_name: int = 80
    max_note: int = 500
    max_text: int = 2000
    nudges: NudgeConfig = field(default_factory=NudgeConfig)  # when periodic nudges fall


@dataclass(slots=True)
class Context:
    uow: UnitOfWork
    clock: Clock
    member: Member
    caller: Caller
    where: Where
    config: Config
    journal: Journal = field(default_factory=Journal)  # what this command changed (undo)

    @property
    def member_id(self) -> int:
        assert self.member.id is not None
        return self.member.id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.member.timezone)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().astimezone(self.tz).date()
