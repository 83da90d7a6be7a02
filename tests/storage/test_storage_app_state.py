"""Named adapter state on both databases: absent, set, replaced, shared by processes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.app_state import SqlAppState
from tests.fakes import FakeClock

T0 = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


async def test_a_value_is_absent_then_set_then_replaced(engine: AsyncEngine) -> None:
    one, other = SqlAppState(engine, FakeClock(T0)), SqlAppState(engine, FakeClock(T0))
    assert await one.get("discord:tree:global") is None
    await one.set("discord:tree:global", "abc")
    assert await other.get("discord:tree:global") == "abc"  # another process reads it
    await other.set("discord:tree:global", "def")
    assert await one.get("discord:tree:global") == "def"
    assert await one.get("discord:tree:guild:1") is None
