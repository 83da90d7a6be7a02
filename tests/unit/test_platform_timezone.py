"""A platform's word on a member's timezone (Slack's user_change) moves it, and their
nudges, unless the member set one themselves."""

from __future__ import annotations

from tests.unit.harness import ADA, Chat


def _checkin_hours(chat: Chat) -> set[int]:
    return {
        c.next_at.hour for c in chat.store.cursors.values() if str(c.kind) == "checkin"
    }


async def test_the_platform_zone_is_followed_and_nudges_replanned() -> None:
    chat = Chat()
    await chat.ok("streak")  # a member, in UTC, checking in at 09:30 UTC
    assert chat.member().timezone == "UTC" and _checkin_hours(chat) == {9}
    assert await chat.core.follow_platform_timezone(ADA.identity, "America/New_York")
    assert chat.member().timezone == "America/New_York"
    assert _checkin_hours(chat) == {14}  # 09:30 in New York (winter) is 14:30 UTC
    # The same zone again, an invalid one, or no member: nothing changes.
    assert not await chat.core.follow_platform_timezone(ADA.identity, "America/New_York")
    assert not await chat.core.follow_platform_timezone(ADA.identity, "Mars/Base")
    assert chat.member().timezone == "America/New_York"


async def test_a_zone_the_member_set_is_kept() -> None:
    chat = Chat()
    await chat.ok("settings timezone Europe/Paris")
    assert chat.member().timezone_pinned
    assert not await chat.core.follow_platform_timezone(ADA.identity, "Asia/Tokyo")
    assert chat.member().timezone == "Europe/Paris"
