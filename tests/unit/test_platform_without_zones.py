"""A platform that says nothing of a member's zone (Discord): the group's zone is the guess,
the welcome asks once; and a member whose DMs failed is told when next seen in a channel."""

from __future__ import annotations

from bot.context import Caller
from tests.unit.harness import CLUB, DM, Chat, caller

NO_ZONE = Caller(caller("eve").identity, "Eve Polastri", None)


async def test_a_newcomer_without_a_zone_gets_the_groups_and_is_asked_once() -> None:
    chat = Chat()
    await chat.ok("group setup", who=caller("ada", tz="Asia/Tokyo"), where=CLUB)
    await chat.ok("group timezone Europe/Berlin", who=caller("ada", tz="Asia/Tokyo"), where=CLUB)
    first = (await chat.ok("group join", who=NO_ZONE, where=CLUB)).text()
    assert chat.member(NO_ZONE).timezone == "Europe/Berlin"
    assert "follow Europe/Berlin for now" in first and "settings timezone" in first
    again = (await chat.ok("streak", who=NO_ZONE, where=DM)).text()
    assert "for now" not in again


async def test_a_newcomer_in_a_dm_without_a_zone_is_asked_with_the_default() -> None:
    chat = Chat()
    text = (await chat.ok("streak", who=NO_ZONE)).text()
    assert chat.member(NO_ZONE).timezone == "UTC" and "follow UTC for now" in text
    told = (await chat.ok("streak", who=caller("zed", tz="America/Denver"))).text()
    assert "for now" not in told  # the platform told us theirs


async def test_a_member_whose_dms_failed_is_told_once_in_a_channel() -> None:
    chat = Chat()
    await chat.ok("group setup", where=CLUB)
    member = chat.member()
    member.unreachable = True
    chat.store.members[member.id or 0] = member
    told = (await chat.ok("streak", where=CLUB)).text()
    assert "didn't go through" in told and chat.member().unreachable is False
    assert "didn't go through" not in (await chat.ok("streak", where=CLUB)).text()
