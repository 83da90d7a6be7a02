"""The scale bench's yardstick: what the ceilings allow a queue, and the engine's share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.bench.scale import DISCORD_GUILDS, WORKSPACES, People, engine_share, ideal_lateness

T0 = datetime(2026, 11, 25, 13, 45, tzinfo=UTC)
DISCORD = WORKSPACES - DISCORD_GUILDS  # the first Discord guild's index


def people(tenants: list[int]) -> People:
    n = len(tenants)
    return People(["UTC"] * n, [T0.time()] * n, ["01234"] * n, tenants)


def test_ties_in_due_time_may_go_in_any_order() -> None:
    """Four Discord check-ins due at one instant, sent 1/50 s apart in the reverse of the
    ideal's member order: by member the engine looks up to 60 ms late and early; per
    delivery it is exactly on the ideal."""
    crowd = people([DISCORD] * 4)
    due = {mid: T0 for mid in (1, 2, 3, 4)}
    sent = {mid: T0.timestamp() + (4 - mid) / 50 for mid in due}
    ideal = ideal_lateness(crowd, due)
    assert [round(ideal[m], 3) for m in (1, 2, 3, 4)] == [0.0, 0.02, 0.04, 0.06]
    assert [round(s, 6) for s in engine_share(crowd, due, sent)] == [0.0] * 4


def test_the_share_is_what_each_queue_lost_and_the_lost_are_left_out() -> None:
    """Two Slack workspaces at 5/s: one sends its two on time, the other its second 1 s
    late and never its third; queues do not share a pace."""
    crowd = people([0, 0, 1, 1, 1])
    due = {mid: T0 for mid in (1, 2, 3, 4, 5)}
    t = T0.timestamp()
    sent = {1: t, 2: t + 0.2, 3: t, 4: t + 1.2}
    share = sorted(round(s, 6) for s in engine_share(crowd, due, sent))
    assert share == [0.0, 0.0, 0.0, 1.0]
    later = {**due, 5: T0 + timedelta(seconds=10)}  # due later: its own slot, not k / rate
    assert round(ideal_lateness(crowd, later)[5], 6) == 0.0
