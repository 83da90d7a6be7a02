"""A small chat harness for core tests: the Core on the in-memory fakes, plus helpers
to speak as a member and read the store (cosmicpython's test_handlers style)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.commands import Invocation
from bot.context import Caller, Where
from bot.core import Core
from bot.domain import (
    Activity,
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Identity,
    Member,
)
from bot.replies import Reply
from tests.fakes import FakeClock, FakeStore, fake_uow_factory

PLATFORM, TENANT = "slack", "T1"
DM = Where(PLATFORM, TENANT)
CLUB = Where(PLATFORM, TENANT, channel_id="club", channel_name="job-club")
# Wednesday 8 January 2025, 15:00 UTC: mid-week, far from any DST change.
WED = datetime(2025, 1, 8, 15, 0, tzinfo=UTC)


def caller(user_id: str = "ada", name: str = "Ada Lovelace", tz: str | None = "UTC") -> Caller:
    return Caller(Identity(PLATFORM, TENANT, user_id), name, tz)


ADA = caller()


def local(day: date, hour: int, minute: int, zone: str) -> datetime:
    """An aware instant: that wall-clock time in that zone."""
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone))


class Chat:
    """One database (a FakeStore), one clock, one Core."""

    def __init__(self, now: datetime = WED) -> None:
        self.store = FakeStore()
        self.clock = FakeClock(now)
        self.core = Core(fake_uow_factory(self.store, self.clock), self.clock)

    async def say(self, text: str, who: Caller = ADA, where: Where = DM) -> Reply:
        return await self.core.handle_text(who, where, text)

    async def ok(self, text: str, who: Caller = ADA, where: Where = DM) -> Reply:
        """Say it and insist it worked."""
        reply = await self.say(text, who, where)
        assert not reply.is_error, f"{text!r} failed:\n{reply.text()}"
        return reply

    async def invoke(self, invocation: Invocation, who: Caller = ADA, where: Where = DM) -> Reply:
        return await self.core.handle(who, where, invocation)

    # --- reading the store ------------------------------------------------------------

    def member(self, who: Caller = ADA) -> Member:
        return self.store.members[self.store.identities[who.identity]]

    def contacts(self) -> list[Contact]:
        return sorted(self.store.contacts.values(), key=lambda c: c.id or 0)

    def contact(self, name: str) -> Contact:
        found = [c for c in self.store.contacts.values() if c.name == name]
        assert len(found) == 1, f"expected one contact {name!r}, got {found}"
        return found[0]

    def activities(self, kind: ActivityKind | None = None) -> list[Activity]:
        rows = sorted(self.store.activities.values(), key=lambda a: a.id or 0)
        return [a for a in rows if kind is None or a.kind is kind]

    def followups(
        self, kind: FollowUpKind | None = None, status: FollowUpStatus | None = None
    ) -> list[FollowUp]:
        rows = sorted(self.store.followups.values(), key=lambda f: f.id or 0)
        return [
            f
            for f in rows
            if (kind is None or f.kind is kind) and (status is None or f.status is status)
        ]

    def open_followups(self, kind: FollowUpKind | None = None) -> list[FollowUp]:
        return self.followups(kind, FollowUpStatus.OPEN)
