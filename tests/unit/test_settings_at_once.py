"""`settings` with several values at once (Discord's `/settings timezone: checkin:`, a
settings form): every value read before any is saved, one reply naming each."""

from __future__ import annotations

from datetime import time

from bot.commands import Invocation
from bot.nudges.model import NudgeKind
from tests.unit.harness import Chat


def settings(**args: str | int) -> Invocation:
    return Invocation("settings", args)


async def test_several_settings_are_saved_together_and_the_checkin_moves() -> None:
    chat = Chat()
    await chat.ok("streak")
    before = chat.member()
    reply = await chat.invoke(
        settings(timezone="asia/tokyo", checkin="7:45", days="mon-thu", quiet="22:00-07:00", goal=8)
    )
    assert not reply.is_error
    m = chat.member()
    assert (m.timezone, m.timezone_pinned) == ("Asia/Tokyo", True)
    assert m.checkin_time == time(7, 45) and m.working_days == frozenset({0, 1, 2, 3})
    assert (m.quiet_start, m.quiet_end, m.weekly_goal) == (time(22), time(7), 8)
    text = reply.text()
    for said in ("Asia/Tokyo", "07:45", "mon, tue, wed, thu", "22:00 to 07:00", "8 conversations"):
        assert said in text
    # Check-ins were laid again at 07:45 Tokyo time (22:45 UTC), not left at the old hour.
    (checkin,) = [c for c in chat.store.cursors.values() if c.kind is NudgeKind.CHECKIN]
    assert (checkin.next_at.hour, checkin.next_at.minute) == (22, 45)
    assert before.checkin_time != m.checkin_time


async def test_one_bad_value_saves_none_of_them() -> None:
    chat = Chat()
    await chat.ok("streak")
    before = chat.member()
    reply = await chat.invoke(settings(timezone="Europe/Paris", checkin="25:99", goal=6))
    assert reply.is_error and "25:99" in reply.text() and "settings checkin" in reply.text()
    after = chat.member()
    assert (after.timezone, after.checkin_time, after.weekly_goal) == (
        before.timezone, before.checkin_time, before.weekly_goal,
    )  # fmt: skip


async def test_quiet_off_and_a_goal_out_of_range() -> None:
    chat = Chat()
    await chat.ok("settings quiet 21:00-08:00")
    assert "Quiet hours off." in (await chat.invoke(settings(quiet="off"))).text()
    assert chat.member().quiet_start is None
    bad = await chat.invoke(settings(goal=0))
    assert bad.is_error and chat.member().weekly_goal == 5


async def test_no_values_shows_the_settings() -> None:
    chat = Chat()
    await chat.ok("streak")
    shown = await chat.invoke(settings())
    assert not shown.is_error and "Timezone" in shown.text()
    assert shown.text() == (await chat.ok("settings")).text()
