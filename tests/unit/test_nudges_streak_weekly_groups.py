"""The evening streak-at-risk nudge, the Friday weekly review, and a group's weekly
leaderboard post (in its channel) and admin summary (to admins only)."""

from __future__ import annotations

from datetime import date

from bot.nudges.model import ChannelTarget, NudgeKind, NudgeStatus
from tests.unit.harness import CLUB, caller, local
from tests.unit.nudge_world import NY, Delivered, NudgeWorld, ny, run_until

BERLIN = "Europe/Berlin"


def headed_by(world: NudgeWorld, kind: NudgeKind, to: str = "ada") -> list[Delivered]:
    """Deliveries whose headline nudge is of `kind` (the idempotency key names the head)."""
    keys = {f"nudge-{n.id}" for n in world.nudges(kind)}
    return [d for d in world.sent(to) if d.message.idempotency_key in keys]


async def streak_world(days: list[int]) -> NudgeWorld:
    """A New York member who logs an outreach at noon on each of these January days,
    with the engine running all along."""
    world = NudgeWorld(ny(days[0], 8))
    await world.ok(f"settings timezone {NY}")
    for day in days:
        await run_until(world, ny(day, 12))
        await world.ok("log outreach Sam @Globex")
    return world


def streak_rows(world: NudgeWorld) -> list[tuple[int, NudgeStatus, str | None]]:
    """(January day, status, note) of each streak-at-risk row."""
    return [(int(n.dedupe_key[-2:]), n.status, n.note) for n in world.nudges(NudgeKind.STREAK_RISK)]


QUIET = "nothing to say"  # a row with nothing to say is skipped, not sent


async def test_streak_at_risk_once_at_the_local_evening() -> None:
    world = await streak_world([6, 7])  # Mon and Tue; nothing from Wednesday on
    await run_until(world, ny(10, 23))
    (risk,) = headed_by(world, NudgeKind.STREAK_RISK)
    assert world.config.evening.strftime("%H:%M") == "18:30"
    assert risk.at == ny(8, 18, 30)  # 23:30 UTC
    assert risk.text.startswith("Your 2-day streak is still open today.")
    # Mon and Tue were kept; from Thursday the streak is broken, nothing is at risk.
    assert streak_rows(world) == [
        (6, NudgeStatus.SKIPPED, QUIET),
        (7, NudgeStatus.SKIPPED, QUIET),
        (8, NudgeStatus.SENT, None),
        (9, NudgeStatus.SKIPPED, QUIET),
        (10, NudgeStatus.SKIPPED, QUIET),
    ]


async def test_no_streak_risk_when_the_member_acted_today() -> None:
    world = await streak_world([6, 7, 8])  # Wednesday's outreach at noon
    await run_until(world, ny(8, 23))
    assert headed_by(world, NudgeKind.STREAK_RISK) == []
    assert streak_rows(world) == [(d, NudgeStatus.SKIPPED, QUIET) for d in (6, 7, 8)]


async def test_no_streak_risk_with_a_freeze_banked() -> None:
    # A full working week (Mon 6-Fri 10) earns a freeze; Mon 13 too; Tuesday 14 is empty.
    world = await streak_world([6, 7, 8, 9, 10, 13])
    await run_until(world, ny(14, 23))
    assert "freezes banked: 1 of 2" in (await world.ok("streak")).text()
    assert headed_by(world, NudgeKind.STREAK_RISK) == []
    assert streak_rows(world)[-1] == (14, NudgeStatus.SKIPPED, QUIET)
    assert {status for _, status, _ in streak_rows(world)} == {NudgeStatus.SKIPPED}


async def test_weekly_review_friday_16_local_with_conversations_against_goal() -> None:
    world = NudgeWorld(ny(6, 8))
    await world.ok(f"settings timezone {NY}")
    await world.ok("settings goal 3")
    await world.ok("met Jane Doe from Acme")
    world.clock.set(ny(8, 11))
    await world.ok("met Noor from Hooli")
    await run_until(world, ny(12, 0))
    (review,) = headed_by(world, NudgeKind.WEEKLY_REVIEW)
    assert review.at == ny(10, 16)  # Friday 16:00 New York = 21:00 UTC
    assert review.text.startswith("Your week: 2 conversations of your goal of 3,")
    assert "Book 1 more conversation for next week." in review.text


async def club(opt_out_bob: bool = False) -> NudgeWorld:
    """Ada (Berlin) sets the group up, so it runs on Berlin time; Bob (UTC) joins.
    Ada had a conversation this week (5 points), Bob an outreach (2 points)."""
    world = NudgeWorld(local(date(2025, 1, 6), 10, 0, BERLIN))
    bob = caller("bob", "Bob Stone")
    await world.ok(f"settings timezone {BERLIN}")
    await world.ok("group setup", where=CLUB)
    await world.ok("group join", bob, CLUB)
    if opt_out_bob:
        await world.ok("group optout", bob, CLUB)
    await world.ok("met Jane Doe from Acme")
    await world.ok("reached out to Sam Reed @Globex", bob)
    await run_until(world, local(date(2025, 1, 11), 0, 0, BERLIN))
    return world


async def test_leaderboard_posts_to_the_channel_at_the_groups_time() -> None:
    world = await club()
    (group,) = world.store.groups.values()
    assert (group.timezone, group.leaderboard_weekday, group.leaderboard_time.hour) == (
        BERLIN,
        4,
        16,
    )
    (post,) = world.sent("#club")
    assert post.at == local(date(2025, 1, 10), 16, 0, BERLIN)  # Friday 16:00 Berlin
    assert post.message.target == ChannelTarget("slack", "T1", "club")
    assert "1. Ada — 5 pts" in post.text and "2. Bob — 2 pts" in post.text
    for private in ("Lovelace", "Stone", "Jane", "Doe", "Acme", "Sam", "Reed", "Globex"):
        assert private not in post.text, private
    (row,) = world.nudges(NudgeKind.LEADERBOARD)
    assert row.status is NudgeStatus.SENT and row.member_id is None


async def test_admin_summary_goes_to_the_admin_only() -> None:
    world = await club()
    (summary,) = world.nudges(NudgeKind.ADMIN_SUMMARY)
    assert summary.member_id == world.member().id and summary.status is NudgeStatus.SENT
    (dm,) = headed_by(world, NudgeKind.ADMIN_SUMMARY)
    assert dm.at == local(date(2025, 1, 10), 16, 0, BERLIN)
    assert dm.text.startswith("Group report — job-club")
    assert headed_by(world, NudgeKind.ADMIN_SUMMARY, to="bob") == []
    assert not [d for d in world.sent("bob") if "Group report" in d.text]
    assert world.sent("bob")  # Bob does get his own nudges


async def test_opted_out_member_is_not_on_the_post() -> None:
    world = await club(opt_out_bob=True)
    (post,) = world.sent("#club")
    assert "1. Ada — 5 pts" in post.text
    assert "Bob" not in post.text
