"""The dispatcher's delivery rules (merge, daily cap, retries, unreachable members,
idempotency keys) and the token buckets that keep it inside platform rate limits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

import pytest

from bot.context import Caller, Where
from bot.domain import Identity
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher, DispatchReport
from bot.nudges.model import (
    DeliveryResult,
    DeliveryStatus,
    LimitScope,
    Nudge,
    NudgeKind,
    NudgeStatus,
    Outbound,
)
from bot.nudges.ratelimit import Limiter, PlatformLimits, Rate
from tests.fakes_nudges import FakeOutboxRepository
from tests.unit.harness import ADA, CLUB, caller, local
from tests.unit.nudge_world import (
    Delivered,
    FakeTimer,
    NudgeWorld,
    RecordingDelivery,
    VirtualTimer,
    fake_uow_factory,
    run_until,
)

SECOND = timedelta(seconds=1)
HALF_HOUR = timedelta(minutes=30)
MINUTE = timedelta(minutes=1)


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return local(date(2025, 1, day), hour, minute, "UTC") + second * SECOND


def only(world: NudgeWorld, kind: NudgeKind) -> Nudge:
    (nudge,) = world.nudges(kind)
    return nudge


async def tuesday_checkin() -> NudgeWorld:
    """Tuesday 7 January, a minute before a 09:00 check-in; nothing else due that hour."""
    world = NudgeWorld(utc(7, 8, 59))
    await world.ok("settings checkin 09:00")
    await world.ok("nudges off interview")  # the check-in alone: one nudge, one message
    return world


def record_keys(world: NudgeWorld, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The idempotency key of every delivery attempt, whatever its answer."""
    keys: list[str] = []
    real = world.delivery.deliver

    async def deliver(message: Outbound) -> DeliveryResult:
        keys.append(message.idempotency_key)
        return await real(message)

    monkeypatch.setattr(world.delivery, "deliver", deliver)
    return keys


async def test_nudges_due_together_merge_under_the_highest_priority() -> None:
    # Tuesday 10:00: the check-in, Jane's thank-you and the prep for Wednesday's 10:00.
    world = NudgeWorld(utc(6, 10))
    await world.ok("settings checkin 10:00")
    await world.ok("met Jane Doe from Acme")
    await world.ok("schedule Noor @Hooli wed 10:00")
    await world.run(utc(7, 10), step=HALF_HOUR)
    (message,) = world.sent("ada")
    prep, followup = only(world, NudgeKind.PREP), only(world, NudgeKind.FOLLOWUP)
    checkin = next(n for n in world.nudges(NudgeKind.CHECKIN) if n.due_at == utc(7, 10))
    assert message.at == utc(7, 10)
    assert message.message.idempotency_key == f"nudge-{prep.id}"  # PREP ranks first
    assert (prep.status, prep.merged_into) == (NudgeStatus.SENT, None)
    assert (followup.status, followup.merged_into) == (NudgeStatus.SENT, prep.id)
    assert (checkin.status, checkin.merged_into) == (NudgeStatus.SENT, prep.id)
    lines = message.text.splitlines()
    assert lines[0].startswith("Your conversation with Noor (Hooli): tomorrow 10:00.")
    assert lines[1].startswith("You met Jane Doe (Acme) yesterday")
    assert lines[2].startswith("Who did you follow up with today?")
    assert lines[3].startswith("Prepare: read up on Hooli")  # the head's next step only


async def test_daily_cap_skips_the_nudge_past_it() -> None:
    world = NudgeWorld(utc(6, 12), NudgeConfig(daily_cap=2))
    await world.ok("settings checkin 09:00")
    await world.ok("met Jane Doe from Acme")  # thank-you due Tue 12:00; streak of 1
    await world.run(utc(8, 10), step=HALF_HOUR)
    # Tuesday: check-in 09:00, thank-you 12:00, then the evening streak nudge is one too many.
    assert [d.at for d in world.sent("ada")] == [utc(7, 9), utc(7, 12), utc(8, 9)]
    tuesday = world.nudges(NudgeKind.STREAK_RISK)
    capped = [n for n in tuesday if n.dedupe_key.endswith(":2025-01-07")]
    assert [(n.status, n.note) for n in capped] == [(NudgeStatus.SKIPPED, "daily cap reached")]


async def test_the_daily_cap_counts_the_messages_of_the_same_batch() -> None:
    """Back from downtime, a member's three messages (due 20 minutes apart: no merging)
    are claimed in one batch: the cap lets two go out, not all three."""
    world = NudgeWorld(utc(6, 9), NudgeConfig(daily_cap=2, follow=timedelta(0)))
    await world.ok("settings checkin 18:00")
    (member_id,) = world.store.members
    async with fake_uow_factory(world.store, world.clock)() as uow:
        await uow.outbox.enqueue([
            Nudge(NudgeKind.CHECKIN, utc(6, 11) + i * 20 * MINUTE, f"back:{i}", member_id)
            for i in range(3)
        ])  # fmt: skip
    world.clock.set(utc(6, 11, 45))
    report = await world.dispatcher.tick()
    assert report.messages == 2 and len(world.sent("ada")) == 2
    notes = sorted(
        str(n.note) for n in world.nudges(NudgeKind.CHECKIN) if n.dedupe_key[:5] == "back:"
    )
    assert notes == ["None", "None", "daily cap reached"]


async def test_rate_limited_is_retried_after_retry_after_and_sent_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = await tuesday_checkin()
    keys = record_keys(world, monkeypatch)
    world.delivery.script.append(DeliveryResult(DeliveryStatus.RATE_LIMITED, retry_after=30))
    await world.run(utc(7, 9, 0, 29), step=SECOND)
    assert world.sent("ada") == [] and only(world, NudgeKind.CHECKIN).note == "rate limited"
    await world.run(utc(7, 9, 2), step=SECOND)
    assert [d.at for d in world.sent("ada")] == [utc(7, 9, 0, 30)]
    checkin = only(world, NudgeKind.CHECKIN)
    assert (checkin.status, checkin.attempts) == (NudgeStatus.SENT, 2)
    assert keys == [f"nudge-{checkin.id}"] * 2  # the same key on every attempt


async def test_a_long_retry_after_hands_nudges_back_instead_of_sleeping_on_leases() -> None:
    # A platform-wide bucket: a 429 on Ada's check-in closes it for two minutes, far
    # longer than a quarter of the lease; Bob's check-in goes back to the queue.
    world = NudgeWorld(utc(7, 8, 59), limits=PlatformLimits(global_rate=Rate(50, 50)))
    bob = caller("bob", "Bob Stone")
    for who in (ADA, bob):
        await world.ok("settings checkin 09:00", who)
        await world.ok("nudges off interview", who)
    world.delivery.script.append(DeliveryResult(DeliveryStatus.RATE_LIMITED, retry_after=120))
    await world.run(utc(7, 9, 0), step=SECOND)
    assert world.timer.slept == []  # nobody waited out the two minutes holding a lease
    notes = sorted(n.note or "" for n in world.nudges(NudgeKind.CHECKIN, NudgeStatus.PENDING))
    assert notes == ["rate limited", "waiting for the rate limit"]
    await world.run(utc(7, 9, 3), step=SECOND)
    assert sorted(d.to for d in world.sent()) == ["ada", "bob"]
    assert all(d.at >= utc(7, 9, 2) for d in world.sent())


async def test_a_429_in_one_workspace_does_not_hold_back_another() -> None:
    # Slack's limits are per workspace: a two-minute Retry-After for Ada's team leaves
    # Bob's team sending, where once it closed the whole platform.
    world = NudgeWorld(utc(7, 8, 59), limits=PlatformLimits(tenant_rate=Rate(50, 50)))
    bob = Caller(Identity(ADA.identity.platform, "T-other", "bob"), "Bob Stone", "UTC")
    for who in (ADA, bob):
        await world.ok("settings checkin 09:00", who)
        await world.ok("nudges off interview", who)
    world.delivery.script.append(DeliveryResult(DeliveryStatus.RATE_LIMITED, retry_after=120))
    await world.run(utc(7, 9, 0), step=SECOND)
    assert [d.to for d in world.sent()] == ["bob"]
    (held,) = world.nudges(NudgeKind.CHECKIN, NudgeStatus.PENDING)
    assert held.note == "rate limited"


async def test_transient_failures_back_off_then_deliver_once() -> None:
    world = await tuesday_checkin()
    world.delivery.script.extend([DeliveryResult(DeliveryStatus.TRANSIENT, detail="503")] * 2)
    await world.run(utc(7, 9), step=SECOND)
    first = only(world, NudgeKind.CHECKIN)
    # Full jitter below base * 2**0 = 2 s for the first retry.
    assert first.status is NudgeStatus.PENDING and first.note == "503"
    assert utc(7, 9) <= first.due_at <= utc(7, 9, 0, 2)
    await world.run(utc(7, 9, 0, 20), step=SECOND)
    assert world.delivery.attempts == 3 and len(world.sent("ada")) == 1
    # Waits of at most 2 s, then 4 s, each rounded up to the next one-second tick.
    assert world.sent("ada")[0].at <= utc(7, 9, 0, 6)
    checkin = only(world, NudgeKind.CHECKIN)
    assert (checkin.status, checkin.attempts) == (NudgeStatus.SENT, 3)


async def test_out_of_attempts_the_nudge_fails() -> None:
    world = await tuesday_checkin()
    tries = world.config.max_attempts
    world.delivery.script.extend([DeliveryResult(DeliveryStatus.TRANSIENT, detail="503")] * tries)
    await world.run(utc(7, 9, 5), step=SECOND)  # backoff totals under 2+4+8+16 s
    checkin = only(world, NudgeKind.CHECKIN)
    assert (checkin.status, checkin.attempts, checkin.note) == (
        NudgeStatus.FAILED,
        tries,
        "gave up: 503",
    )
    assert world.delivery.attempts == tries and world.sent("ada") == []


async def test_exception_in_deliver_is_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    world = await tuesday_checkin()
    real, calls = world.delivery.deliver, []

    async def flaky(message: Outbound) -> DeliveryResult:
        calls.append(message.idempotency_key)
        if len(calls) == 1:
            raise ConnectionError("socket closed")
        return await real(message)

    monkeypatch.setattr(world.delivery, "deliver", flaky)
    await world.run(utc(7, 9), step=SECOND)
    first = only(world, NudgeKind.CHECKIN)
    assert first.status is NudgeStatus.PENDING and "ConnectionError" in (first.note or "")
    await world.run(utc(7, 9, 0, 10), step=SECOND)
    assert len(calls) == 2 and len(world.sent("ada")) == 1
    assert only(world, NudgeKind.CHECKIN).status is NudgeStatus.SENT


async def test_permanent_failure_makes_the_member_unreachable_until_they_write() -> None:
    world = await tuesday_checkin()
    world.delivery.script.append(DeliveryResult(DeliveryStatus.PERMANENT, detail="dm closed"))
    await world.run(utc(7, 9, 1))
    failed = only(world, NudgeKind.CHECKIN)
    assert (failed.status, failed.note) == (NudgeStatus.FAILED, "unreachable: dm closed")
    assert world.member().unreachable
    world.clock.set(utc(7, 9, 30))  # from here tick on the half hour
    await world.run(utc(8, 12), step=HALF_HOUR)  # Tuesday evening, Wednesday: nothing
    assert world.sent("ada") == [] and world.delivery.attempts == 1
    await world.ok("next")  # they talk to the bot: DMs work again
    assert not world.member().unreachable
    await world.run(utc(9, 9, 30), step=HALF_HOUR)
    assert [d.at for d in world.sent("ada")] == [utc(9, 9)]


async def test_a_command_that_fails_also_makes_the_member_reachable() -> None:
    world = await tuesday_checkin()
    world.delivery.script.append(DeliveryResult(DeliveryStatus.PERMANENT, detail="dm closed"))
    await world.run(utc(7, 9, 1))
    assert world.member().unreachable
    # A mistyped command is still the member writing to the bot: their DMs work.
    reply = await world.say("done 99")
    assert reply.is_error
    assert not world.member().unreachable


# -- the rate limiter, on a timer that only moves when someone sleeps -------------------


class StrictTimer(FakeTimer):
    """Fails fast, instead of hanging, when asked for a sleep too short to move its clock:
    the limiter would ask again and again for ever."""

    async def sleep(self, seconds: float) -> None:
        if self.now + seconds == self.now:
            raise AssertionError(f"sleep({seconds!r}) cannot move the clock at {self.now!r}")
        await super().sleep(seconds)


async def test_channel_bucket_spaces_one_channel_but_not_many() -> None:
    timer = StrictTimer()
    slack = {"slack": PlatformLimits(channel_rate=Rate(1.0, 1.0))}
    limiter = Limiter(timer, slack, headroom=1.0)
    for _ in range(5):
        await limiter.acquire("slack", "T1", "C1")
    assert timer.slept == pytest.approx([1.0] * 4) and timer.now == pytest.approx(4.0)
    timer2 = StrictTimer()
    limiter2 = Limiter(timer2, slack, headroom=1.0)
    for channel in ("C1", "C2", "C3", "C4", "C5"):
        assert await limiter2.acquire("slack", "T1", channel) == 0.0
    assert timer2.slept == []


async def test_pacing_stays_below_the_limit_by_the_headroom() -> None:
    # Paced at exactly 1/s, jitter on the way makes half the gaps Slack sees shorter
    # than a second: the default paces at 0.95/s.
    timer = StrictTimer()
    limiter = Limiter(timer, {"slack": PlatformLimits(channel_rate=Rate(1.0, 1.0))})
    for _ in range(3):
        await limiter.acquire("slack", "T1", "C1")
    assert timer.slept == pytest.approx([1 / 0.95] * 2)


async def test_workspace_bucket_spaces_every_channel_of_one_workspace_only() -> None:
    timer = StrictTimer()
    limits = {"slack": PlatformLimits(tenant_rate=Rate(10.0, 2.0), channel_rate=Rate(1.0, 1.0))}
    limiter = Limiter(timer, limits, headroom=1.0)
    for i in range(4):  # a burst of two, then one every 1/10 s
        await limiter.acquire("slack", "T1", f"D{i}")
    assert timer.slept == pytest.approx([0.1, 0.1])
    assert await limiter.acquire("slack", "T2", "D0") == 0.0  # another workspace: its own


async def test_global_bucket_lets_a_burst_through_then_spaces() -> None:
    timer = StrictTimer()
    discord = {"discord": PlatformLimits(global_rate=Rate(50.0, 50.0))}
    limiter = Limiter(timer, discord, headroom=1.0)
    for i in range(50):
        await limiter.acquire("discord", "G1", f"C{i}")
    assert timer.slept == []
    # Ten more: one every 1/50 s. Once failed on the third: after two 0.02 s sleeps the
    # refilled level is 0.9999999999999999, the bucket asked for a 2.2e-18 s sleep, which
    # cannot move a clock at 0.06, and acquire() looped for ever.
    for i in range(10):
        await limiter.acquire("discord", "G1", f"D{i}")
    assert timer.slept == pytest.approx([1 / 50] * 10)
    assert timer.now == pytest.approx(0.2)


async def test_a_429_closes_the_scope_it_names_for_retry_after() -> None:
    timer = StrictTimer()
    limits = {"slack": PlatformLimits(tenant_rate=Rate(50, 50), channel_rate=Rate(5, 5))}
    limiter = Limiter(timer, limits, headroom=1.0)
    await limiter.acquire("slack", "T1", "C1")
    limiter.block("slack", "T1", "C1", 30.0, LimitScope.CHANNEL)  # this channel only
    assert await limiter.acquire("slack", "T1", "C2") == 0.0
    assert await limiter.acquire("slack", "T1", "C1") == pytest.approx(30.0)
    limiter.block("slack", "T1", "C1", 12.5, LimitScope.TENANT)  # the workspace waits
    assert await limiter.acquire("slack", "T2", "C9") == 0.0  # another workspace does not
    assert await limiter.acquire("slack", "T1", "C3") == pytest.approx(12.5)
    limiter.block("slack", "T1", "C1", 2.0, LimitScope.PLATFORM)  # everything waits
    assert await limiter.acquire("slack", "T2", "C9") == pytest.approx(2.0)
    assert timer.now == pytest.approx(44.5)


async def test_a_request_to_no_channel_counts_against_the_platform_only() -> None:
    # Opening a Discord DM: a request the global bucket counts, no channel's bucket.
    timer = StrictTimer()
    limits = {"discord": PlatformLimits(global_rate=Rate(10.0, 2.0), channel_rate=Rate(1, 1))}
    limiter = Limiter(timer, limits, headroom=1.0)
    assert await limiter.acquire_request("discord", "discord") == 0.0
    assert await limiter.acquire("discord", "discord", "D1") == 0.0  # the burst's second
    assert await limiter.acquire_request("discord", "discord") == pytest.approx(0.1)
    assert await limiter.acquire("discord", "discord", "D2") == pytest.approx(0.1)
    limiter.block("discord", "discord", "D9", 3.0, LimitScope.PLATFORM)
    assert await limiter.acquire_request("discord", "discord") == pytest.approx(3.0)


async def test_processes_sharing_a_platform_each_pace_at_their_share() -> None:
    timer = StrictTimer()
    limits = {"slack": PlatformLimits(tenant_rate=Rate(10.0, 2.0), channel_rate=Rate(1.0, 1.0))}
    limiter = Limiter(timer, limits, headroom=1.0)
    await limiter.acquire("slack", "T1", "D0")  # the workspace's bucket exists at 10/s
    limiter.share("slack", 0.5)  # a second process delivers to Slack now
    for i in range(1, 4):  # its burst is one, then one every 1/5 s
        await limiter.acquire("slack", "T1", f"D{i}")
    assert timer.slept == pytest.approx([0.2, 0.2])
    timer.slept.clear()
    assert await limiter.acquire("slack", "T2", "D0") == 0.0  # a new workspace's burst: 1
    assert await limiter.acquire("slack", "T2", "D1") == pytest.approx(0.2)
    limiter.share("slack", 1.0)  # alone again: the whole ceiling
    await limiter.acquire("slack", "T1", "D9")
    assert await limiter.acquire("slack", "T1", "D8") == pytest.approx(0.1)  # at 10/s
    with pytest.raises(ValueError, match="share"):
        limiter.share("slack", 0)


DISCORD_ADA = Caller(Identity("discord", "G1", "4242"), "Ada L", "UTC")
DISCORD_DM = Where("discord", "G1")


def discord_dispatcher(world: NudgeWorld) -> tuple[Dispatcher, RecordingDelivery]:
    """Another process, with Discord's adapter only, on the same store."""
    delivery = RecordingDelivery(world.clock, platform="discord")
    dispatcher = Dispatcher(
        fake_uow_factory(world.store, world.clock), world.clock, {"discord": delivery},
        FakeTimer(world.clock), world.config, worker="w-discord",
    )  # fmt: skip
    return dispatcher, delivery


async def test_a_nudge_for_a_platform_this_process_lacks_is_handed_to_one_that_has_it() -> None:
    """A Slack-only process claims a Discord member's check-in (its platform not yet known
    on the row): it gives it back due as it was, the claim uncounted, routed to Discord;
    it does not claim it again, and the Discord process sends it at once."""
    world = NudgeWorld(utc(6, 9))  # its dispatcher delivers to Slack only
    await world.ok("settings checkin 10:00", who=DISCORD_ADA, where=DISCORD_DM)
    world.clock.set(utc(6, 10))
    await world.planner.tick()
    handed = await world.dispatcher.tick()
    assert (handed.claimed, handed.handed, handed.retried, handed.skipped) == (1, 1, 0, 0)
    checkin = only(world, NudgeKind.CHECKIN)
    assert (checkin.status, checkin.due_at, checkin.attempts) == (
        NudgeStatus.PENDING, utc(6, 10), 0,
    )  # fmt: skip
    assert (checkin.platform, checkin.note) == ("discord", "no adapter for discord")
    world.clock.advance(timedelta(minutes=1))
    assert (await world.dispatcher.tick()).claimed == 0  # routed away: not this one's
    other, discord = discord_dispatcher(world)
    sent = await other.tick()
    assert (sent.claimed, sent.messages) == (1, 1)
    assert [d.message.target for d in discord.sent] == [DISCORD_ADA.identity]
    assert (checkin.status, checkin.attempts) == (NudgeStatus.SENT, 1) and world.sent() == []


async def test_a_group_post_is_routed_to_its_group_platform_when_planned() -> None:
    world = NudgeWorld(utc(6, 9))
    await world.ok("group setup", where=CLUB)
    await world.ok("settings checkin 10:00", who=DISCORD_ADA, where=DISCORD_DM)
    await world.planner.tick()
    world.clock.set(utc(13, 9))  # a week on: the leaderboard is due
    await run_until(world, utc(13, 23))
    posts = world.nudges(NudgeKind.LEADERBOARD)
    assert posts and all(n.platform == "slack" for n in posts)


async def test_a_nudge_for_a_platform_no_process_runs_is_skipped_once_past_grace() -> None:
    """No process delivers to Discord: the routed check-in is not claimed (nor its attempts
    counted) while it could still go out; once past grace, the Slack process claims it
    and skips it as late, so it does not wait for ever."""
    world = NudgeWorld(utc(6, 9))
    await world.ok("settings checkin 10:00", who=DISCORD_ADA, where=DISCORD_DM)
    await world.run(utc(6, 10), step=HALF_HOUR)
    checkin = only(world, NudgeKind.CHECKIN)
    assert (checkin.status, checkin.platform, checkin.attempts) == (
        NudgeStatus.PENDING, "discord", 0,
    )  # fmt: skip
    await world.run(utc(6, 10) + world.config.grace, step=timedelta(minutes=10))
    assert (checkin.status, checkin.attempts) == (NudgeStatus.PENDING, 0)  # at grace: due
    world.clock.advance(SECOND)
    report = await world.dispatcher.tick()
    assert (report.claimed, report.skipped) == (1, 1)
    assert checkin.status is NudgeStatus.SKIPPED and checkin.note is not None
    assert checkin.note.startswith("late") and world.sent() == []


async def test_a_member_with_no_identity_anywhere_is_skipped_at_once() -> None:
    world = NudgeWorld(utc(6, 9))
    await world.ok("settings checkin 10:00")
    del world.store.identities[ADA.identity]  # no platform reaches them
    world.clock.set(utc(6, 10))
    await world.planner.tick()
    report = await world.dispatcher.tick()
    assert (report.claimed, report.skipped, report.handed) == (1, 1, 0)
    checkin = only(world, NudgeKind.CHECKIN)
    assert (checkin.status, checkin.note) == (NudgeStatus.SKIPPED, "no identity")


# Time runs as in production: the dispatcher's sleeps move the world's clock, and a tick
# waits for what becomes ready within `follow` (a full lane's booked turns).
LIVE = NudgeConfig(evening_spread_min=0)


async def wave(users: list[str], rate: float = 1.0) -> tuple[NudgeWorld, VirtualTimer]:
    """At 10:00 on Monday 6 January, a check-in for each of `users`, in one workspace
    allowing `rate` messages a second; a virtual timer driving the world's clock."""
    world = NudgeWorld(utc(6, 9), config=LIVE)
    for user in users:
        await world.ok("settings checkin 10:00", who=caller(user, user))
    world.clock.set(utc(6, 10))
    await world.planner.tick()
    return world, VirtualTimer(world.clock)


@dataclass
class Claimed:
    at: float  # the claimer's timer
    pending: int  # due rows waiting just before
    taken: int
    ids: list[int]
    now: datetime  # what the claim was asked for


def record_claims(
    monkeypatch: pytest.MonkeyPatch, world: NudgeWorld, timer: VirtualTimer | None = None
) -> list[Claimed]:
    """Every claim on the world's store, whoever makes it, timed by `timer` (else the
    world's)."""
    claims: list[Claimed] = []
    real = FakeOutboxRepository.claim

    async def claim(self: FakeOutboxRepository, *args: Any, **kwargs: Any) -> list[Nudge]:
        pending = len(world.nudges(status=NudgeStatus.PENDING))
        taken = await real(self, *args, **kwargs)
        ids = [n.id or 0 for n in taken]
        claims.append(Claimed((timer or world.timer).now, pending, len(taken), ids, args[0]))
        return taken

    monkeypatch.setattr(FakeOutboxRepository, "claim", claim)
    return claims


def record_turned_away(monkeypatch: pytest.MonkeyPatch) -> list[dict[int, datetime | None]]:
    """Every full lane's hand-over: the ids it turned away and the turn booked for each."""
    turned: list[dict[int, datetime | None]] = []
    real = FakeOutboxRepository.hand_over_many

    async def hand_over_many(
        self: FakeOutboxRepository, ready: dict[int, datetime | None], *args: Any
    ) -> int:
        turned.append(dict(ready))
        return await real(self, ready, *args)

    monkeypatch.setattr(FakeOutboxRepository, "hand_over_many", hand_over_many)
    return turned


def process(
    world: NudgeWorld, timer: VirtualTimer, worker: str, share: float, rate: float = 1.0
) -> Dispatcher:
    """A process on the world's store, delivering to Slack at `share` of the workspace's
    `rate` messages a second."""
    limiter = Limiter(timer, {"slack": PlatformLimits(tenant_rate=Rate(rate, 1.0))})
    limiter.share("slack", share)
    return Dispatcher(
        fake_uow_factory(world.store, world.clock), world.clock,
        {"slack": RecordingDelivery(world.clock)}, timer, world.config,
        worker=worker, limiter=limiter,
    )  # fmt: skip


def sent_by(dispatcher: Dispatcher) -> list[str]:
    return [d.to for d in cast(RecordingDelivery, dispatcher._deliveries["slack"]).sent]


async def test_a_dispatcher_sharing_a_platform_leaves_what_it_cannot_send_soon() -> None:
    """Two processes share a workspace's 1 message/s, one ticking every second while the
    other is in its tick: the one that claims the wave keeps what it can send within
    keep_ahead at its half and leaves the rest, uncounted, for the other; between them
    every nudge goes out once, each sending a good part of the wave."""
    users = [f"u{i:02d}" for i in range(30)]
    world, timer = await wave(users)
    first, second = process(world, timer, "w1", 0.5), process(world, timer, "w2", 0.5)

    async def both() -> DispatchReport:
        busy = asyncio.create_task(first.tick())
        await asyncio.sleep(0)  # it claims the wave before the other's first tick
        while not busy.done() or world.nudges(status=NudgeStatus.PENDING):
            await second.tick()
            await timer.sleep(1.0)
        return await busy

    report = await timer.run(both())
    assert report.left > 0
    # At the workspace's whole pace between them (each booked turn is either one's).
    assert timer.now < 30 / 0.95 + world.config.keep_ahead.total_seconds()
    keep = world.config.keep_ahead.total_seconds() * 0.5 * 0.95  # its share, with headroom
    assert all(len(sent_by(d)) > keep / 2 for d in (first, second))  # both took part
    assert sorted(sent_by(first) + sent_by(second)) == users  # every one, once
    assert all(n.attempts == 1 for n in world.nudges(NudgeKind.CHECKIN))  # left: uncounted


async def test_a_full_lane_books_what_it_turns_away_for_its_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At a workspace's 1 message in 3 s, a lone dispatcher keeps a few seconds' worth of
    a wave; the rest goes back booked, one turn each at the lane's pace, so the tick's
    next claims take each when its turn comes near: every nudge is turned away at most
    once, none is claimed before its turn, and the whole wave goes out in one tick."""
    users = [f"u{i:02d}" for i in range(30)]
    world, timer = await wave(users)
    dispatcher = process(world, timer, "w1", 1.0, rate=1 / 3)
    claims = record_claims(monkeypatch, world, timer)
    turned = record_turned_away(monkeypatch)
    report = await timer.run(dispatcher.tick())
    assert sorted(sent_by(dispatcher)) == users and report.messages == 30
    ids = [i for batch in turned for i in batch]
    assert report.left == len(ids) > 0 and len(ids) == len(set(ids))  # once at most
    assert report.claimed == 30 + report.left
    # One turn a message at the lane's pace (3 s), each down to a grid
    # a quarter of keep_ahead wide.
    gap, grid = timedelta(seconds=3.0), world.config.keep_ahead / 4
    for batch in turned:
        turns = sorted(t for t in batch.values() if t is not None)
        assert len(turns) == len(batch)  # alone on the platform: every one booked
        assert all(t >= turns[0] + k * gap - grid for k, t in enumerate(turns))
    # Each turned-away nudge is claimed again only once its booked turn has come.
    booked = {i: t for batch in turned for i, t in batch.items()}
    for i, turn in booked.items():
        again = [c.now for c in claims[1:] if i in c.ids]
        assert len(again) == 1 and turn is not None and again[0] >= turn
    assert len(claims) > 3
    assert timer.now >= 29 * gap.total_seconds() * 0.95  # paced at the lane's rate
    assert all(n.attempts == 1 for n in world.nudges(NudgeKind.CHECKIN))


async def test_two_dispatchers_ticking_together_share_a_wave_once() -> None:
    """Two processes share a workspace's 1 message/s: the one that claims a wave keeps what
    it can send within keep_ahead at its half and leaves the rest, its claims uncounted,
    for the other; between them every nudge goes out once."""
    users = [f"u{i:02d}" for i in range(30)]
    world, timer = await wave(users)
    one, other = process(world, timer, "w1", 0.5), process(world, timer, "w2", 0.5)
    first, second = await timer.run(asyncio.gather(one.tick(), other.tick()))
    assert first.left + second.left > 0 and first.messages > 0 and second.messages > 0
    assert first.messages + second.messages == 30
    sent = world.nudges(NudgeKind.CHECKIN, NudgeStatus.SENT)
    assert len(sent) == 30 and all(n.attempts == 1 for n in sent)  # leaving was not counted
    assert sorted(sent_by(one) + sent_by(other)) == users  # every one, once


async def test_a_lone_dispatcher_keeps_claiming_a_wave_bigger_than_its_lane() -> None:
    """A lane holds what it can send within keep_ahead; the tick claims the rest as the
    lane empties, so one tick delivers the whole wave, each once."""
    users = [f"u{i:02d}" for i in range(40)]
    world, timer = await wave(users)
    dispatcher = process(world, timer, "w1", 1.0)
    report = await timer.run(dispatcher.tick())
    assert report.left > 0  # the lane was full at first
    assert report.messages == 40
    assert sorted(sent_by(dispatcher)) == users
    sent = world.nudges(NudgeKind.CHECKIN, NudgeStatus.SENT)
    assert all(n.attempts == 1 for n in sent)
    assert timer.now >= 39 / 0.95 - 2  # paced at the lane's rate


async def test_a_full_platform_lane_does_not_hold_up_another_platform() -> None:
    """Discord's one lane for the whole bot is full with a wave due first; Slack's check-ins,
    due at the same minute behind it, still go out at once: what Discord turned away is
    routed there and left aside by the next claims until its lane has room again."""
    world = NudgeWorld(utc(6, 9))
    discord = [Caller(Identity("discord", "G1", f"d{i:02d}"), f"D {i}", "UTC") for i in range(60)]
    for who in discord:
        await world.ok("settings checkin 10:00", who=who, where=DISCORD_DM)
    slack = [f"s{i:02d}" for i in range(20)]
    for user in slack:
        await world.ok("settings checkin 10:00", who=caller(user, user))
    world.clock.set(utc(6, 10))
    await world.planner.tick()
    timer = VirtualTimer(world.clock)
    when: dict[str, float] = {}

    class Timed(RecordingDelivery):
        async def deliver(self, message: Outbound) -> DeliveryResult:
            when[Delivered(self.clock.now(), message).to] = timer.now
            return await super().deliver(message)

    limits = {
        "discord": PlatformLimits(global_rate=Rate(2.0, 1.0)),  # 2/s: its lane holds ~19
        "slack": PlatformLimits(tenant_rate=Rate(100.0, 100.0)),
    }
    dispatcher = Dispatcher(
        fake_uow_factory(world.store, world.clock), world.clock,
        {"discord": Timed(world.clock, "discord"), "slack": Timed(world.clock)},
        timer, NudgeConfig(evening_spread_min=0, batch=20), worker="w1",
        limiter=Limiter(timer, limits),
    )  # fmt: skip
    report = await timer.run(dispatcher.tick())
    assert report.messages == 80 and report.left > 0
    assert sorted(when) == sorted([f"d{i:02d}" for i in range(60)] + slack)
    # Every Slack one went out while Discord's wave (30 s at 2/s) had barely begun.
    assert max(when[u] for u in slack) < 5.0
    assert max(when.values()) >= 59 / (2 * 0.95) - 1  # Discord paced at its rate
    sent = [n for n in world.nudges(NudgeKind.CHECKIN) if n.status is NudgeStatus.SENT]
    assert len(sent) == 80 and all(n.attempts == 1 for n in sent)


async def test_a_tick_waits_for_what_falls_due_within_follow_and_sends_it_on_time() -> None:
    """Check-ins due 3 s and 4 s into a tick go out then, in the same tick, not at the next
    one; one due more than `follow` after the last is left to a later tick."""
    timer = VirtualTimer()
    start = utc(6, 10)

    class Clock:
        def now(self) -> datetime:
            return start + timedelta(seconds=timer.now)

    world = NudgeWorld(utc(6, 9))
    for user in ("a", "b", "c"):
        await world.ok("settings checkin 11:00", who=caller(user, user))
    async with fake_uow_factory(world.store, world.clock)() as uow:
        ids = {i.user_id: mid for i, mid in world.store.identities.items()}
        await uow.outbox.enqueue([
            Nudge(NudgeKind.CHECKIN, start + timedelta(seconds=s), f"soon:{who}", ids[who])
            for who, s in (("a", 3), ("b", 4), ("c", 10))
        ])  # fmt: skip
    world.clock.set(start)
    delivery = RecordingDelivery(world.clock)
    config = NudgeConfig(evening_spread_min=0, follow=timedelta(seconds=5))
    dispatcher = Dispatcher(
        fake_uow_factory(world.store, Clock()), Clock(), {"slack": delivery}, timer, config,
    )  # fmt: skip
    sent_at: list[float] = []
    real = delivery.deliver

    async def deliver(message: Outbound) -> DeliveryResult:
        sent_at.append(timer.now)
        return await real(message)

    delivery.deliver = deliver  # type: ignore[method-assign]
    report = await timer.run(dispatcher.tick())
    assert report.messages == 2 and sent_at == [3.0, 4.0]  # on time, in this tick
    assert [n.status for n in world.nudges(NudgeKind.CHECKIN)] == [
        NudgeStatus.SENT, NudgeStatus.SENT, NudgeStatus.PENDING,
    ]  # fmt: skip


async def on_virtual_time(
    users: list[str],
) -> tuple[NudgeWorld, VirtualTimer, Limiter, Dispatcher]:
    """A check-in at 10:00 for each of `users` in one workspace at 5 messages/s, and a
    dispatcher whose limiter runs on a virtual timer (concurrent waits overlap)."""
    world = NudgeWorld(utc(6, 9), config=LIVE)
    timer = VirtualTimer(world.clock)
    for user in users:
        await world.ok("settings checkin 10:00", who=caller(user, user))
    world.clock.set(utc(6, 10))
    await world.planner.tick()
    limiter = Limiter(timer, {"slack": PlatformLimits(tenant_rate=Rate(5.0, 5.0))})
    dispatcher = Dispatcher(
        fake_uow_factory(world.store, world.clock), world.clock, {"slack": world.delivery},
        timer, world.config, worker="w1", limiter=limiter,
    )  # fmt: skip
    return world, timer, limiter, dispatcher


async def test_a_lane_held_by_a_retry_after_is_not_claimed_back_in_a_spin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 429's 8 s Retry-After holds the workspace: one message waits on it, the rest go
    back, and the next claims leave them aside until the hold is mostly over, rather than
    claiming and handing back the same rows again and again."""
    users = [f"u{i:02d}" for i in range(20)]
    world, timer, limiter, dispatcher = await on_virtual_time(users)
    limiter.block("slack", "T1", "Du00", 8.0, LimitScope.TENANT)
    claims = record_claims(monkeypatch, world)
    report = await timer.run(dispatcher.tick())
    assert sorted(d.to for d in world.sent()) == users and report.left > 0
    assert len(claims) <= 6  # a claim or two a hold, not hundreds
    assert timer.now >= 8.0


async def test_a_stopped_tick_sends_nothing_after_its_nudges_are_given_back() -> None:
    """The runtime's stop cancels a tick, then releases its leased nudges for the other
    processes: sends under way stop with the tick, so none goes out after the release."""
    world, timer, _, dispatcher = await on_virtual_time([f"u{i:02d}" for i in range(40)])

    async def stop_after(seconds: float) -> int:
        tick = asyncio.create_task(dispatcher.tick())
        await timer.sleep(seconds)
        tick.cancel()
        await asyncio.gather(tick, return_exceptions=True)
        async with fake_uow_factory(world.store, world.clock)() as uow:
            return await uow.outbox.release("w1")

    released = await timer.run(stop_after(2.0))
    sent_before = len(world.sent())
    for _ in range(100):  # anything still running would send now
        await asyncio.sleep(0)
    assert 0 < sent_before < 40 and released > 0
    assert len(world.sent()) == sent_before
    pending = world.nudges(NudgeKind.CHECKIN, NudgeStatus.PENDING)
    assert len(pending) + sent_before == 40
