"""The dispatcher: claims due nudges, decides what they say, delivers, marks them done.

Exactly once: a nudge is claimed with a lease in one transaction, delivered outside
any transaction, then finished by the worker that still holds it. A crash between
delivery and finish can repeat only what was in flight, and the idempotency key
(`nudge-<id>`) lets a platform that supports it (Discord's nonce) drop even that.
Nudges of one member due together merge into one message; a member never gets more
than the daily cap; nothing lands in quiet hours; stale nudges are skipped, not sent.

Throughput: each platform (Discord) or workspace (Slack) is a lane with its own pace.
A claimed batch is prepared in one unit of work (bot.nudges.prepare), its messages queue
on their lanes, and the next batch is claimed while they go out, so a busy lane never
holds up an idle one. A lane holds what it can send within keep_ahead; the rest goes back
pending, due as it was: alone on the platform, booked for its turn on the lane (ready_at),
else ready at once for the other processes sharing it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain import Identity
from bot.nudges.config import NudgeConfig
from bot.nudges.finisher import Finisher
from bot.nudges.model import (
    ChannelTarget,
    DeliveryResult,
    DeliveryStatus,
    Nudge,
    NudgeKind,
    NudgeStatus,
    Outbound,
)
from bot.nudges.prepare import RANK, Plan, prepare
from bot.nudges.ratelimit import Limiter
from bot.ports import (
    Clock,
    Delivery,
    NullObserver,
    Observer,
    Timer,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)
# Posts and summaries stand alone; the rest of a member's nudges due together merge.
_ALONE = (NudgeKind.LEADERBOARD, NudgeKind.ADMIN_SUMMARY)


@dataclass(slots=True)
class DispatchReport:
    claimed: int = 0
    messages: int = 0  # delivered messages (a merged one counts once)
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    reaped: int = 0
    left: int = 0  # given back: its lane was full (for a later claim, or another process)
    handed: int = 0  # given back for a process with the platform this one lacks


def bundle(nudges: list[Nudge], window: timedelta) -> list[list[Nudge]]:
    """Split claimed nudges into messages: per member, those due within `window` of the
    earliest go together, highest priority first."""
    out: list[list[Nudge]] = []
    by_member: dict[int, list[Nudge]] = {}
    for n in sorted(nudges, key=lambda n: (n.due_at, n.id or 0)):
        if n.member_id is None or n.kind in _ALONE:
            out.append([n])
        else:
            by_member.setdefault(n.member_id, []).append(n)
    for mine in by_member.values():
        cluster: list[Nudge] = []
        for n in mine:
            if cluster and n.due_at - cluster[0].due_at > window:
                out.append(sorted(cluster, key=lambda x: RANK[x.kind]))
                cluster = []
            cluster.append(n)
        out.append(sorted(cluster, key=lambda x: RANK[x.kind]))
    return out


_ROOM_POLL = 0.1  # seconds: how often to look for room between claims
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # the booking grid's origin
# A delivery starts only while this much of its lease is left (the request's own time).
_LEASE_MARGIN = timedelta(seconds=15)


class Dispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        deliveries: Mapping[str, Delivery],
        timer: Timer,
        config: NudgeConfig | None = None,
        worker: str = "dispatcher",
        limiter: Limiter | None = None,
        rng: random.Random | None = None,
        # Deliveries in flight, each until marked sent: what a SIGKILL can repeat on Slack.
        concurrency: int = 8,
        observer: Observer | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._deliveries = dict(deliveries)
        self.config = config or NudgeConfig()
        self.worker = worker
        self._limiter = limiter or Limiter(timer)
        self._timer = timer
        self._rng = rng or random.Random()
        self._gate = asyncio.Semaphore(concurrency)
        self._observer: Observer = observer or NullObserver()
        # Per lane, this tick's messages taken on and not yet through the limiter; a lock
        # per lane lets them through one at a time, in order, instead of every waiter
        # waking for each token.
        self._queued: Counter[tuple[str, ...]] = Counter()
        self._through = 0  # messages through the limiter since the last claim
        self._lanes: dict[tuple[str, ...], asyncio.Lock] = {}
        self._full: set[tuple[str, ...]] = set()  # lanes that turned messages away
        # Per lane, until when (monotonic) the limiter itself held it when last seen.
        self._held_until: dict[tuple[str, ...], float] = {}
        # Per lane, the last turn booked for a message it turned away (see _book).
        self._booked: dict[tuple[str, ...], datetime] = {}

    async def tick(self) -> DispatchReport:
        """Deliver everything due now: claim, prepare and queue batch after batch while
        earlier ones go out; return when nothing due is left and all went out."""
        report = DispatchReport()
        c = self.config
        finisher = Finisher(self._uow, self._clock, self.worker)
        tasks: set[asyncio.Task[None]] = set()
        self._queued.clear()  # ticks never overlap (the scheduler runs one at a time)
        self._lanes.clear()
        self._full.clear()
        self._held_until.clear()
        self._booked.clear()
        self._through = 0
        try:
            while True:
                now = self._clock.now()
                half = c.keep_ahead.total_seconds() / 2
                self._full = {lane for lane in self._full if self._expected(lane) > half}
                async with self._uow() as uow:
                    report.reaped += await uow.outbox.reap(now)
                    # Only what this process can deliver (and, past grace, anything, to skip
                    # it as late), leaving aside what waits for a lane of its still full:
                    # it would take those same rows straight back.
                    claimed = await uow.outbox.claim(
                        now, self.worker, c.lease, c.batch,
                        platforms=set(self._deliveries), stale_before=now - c.grace,
                        skip_lanes=sorted(_lane_name(lane) for lane in self._full),
                    )  # fmt: skip
                report.claimed += len(claimed)
                left = report.left
                for plan in await self._take_on(claimed, report):
                    task = asyncio.create_task(self._send(plan, finisher, report))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                if len(claimed) == c.batch and report.left > left:
                    # What the full lanes turned away is left aside now: the next claim
                    # reaches the rows behind it, for the other lanes, at once.
                    await asyncio.sleep(0)
                    continue
                if len(claimed) < c.batch and not self._full:
                    if not await self._follow():
                        break  # all that is due was taken on
                    continue
                # More is due, or lanes are full: claim again once there is room. What
                # was left is not claimed straight back, and other processes get a turn.
                await self._room(c.batch // 2)
        except BaseException:
            # Stopped (cancelled) or broken: sends under way stop too, so nothing goes out
            # after the runtime gives the leased nudges back.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*list(tasks), return_exceptions=True)
            raise
        await asyncio.gather(*list(tasks), return_exceptions=True)
        return report

    async def _follow(self) -> bool:
        """Wait for the next nudge if it falls due within `follow`, or by the last turn
        this tick booked on a full lane (it stays to send what it turned away); whether
        one did."""
        now = self._clock.now()
        async with self._uow() as uow:
            upcoming = await uow.outbox.next_due(now)
        if upcoming is None:
            return False
        booked = max(self._booked.values(), default=now)
        if upcoming - now > self.config.follow and upcoming > booked:
            return False
        # At most `follow` at a time: what is released, reaped or queued meanwhile (ready
        # at once) is not left waiting for a turn booked further off.
        wait = min(upcoming - now, self.config.follow) if self.config.follow else upcoming - now
        await self._timer.sleep(wait.total_seconds())
        # A clock that does not move with the timer (a test's): it is not due yet. One that
        # moved but woke a hair early comes back here for the rest.
        return self._clock.now() > now

    def _expected(self, lane: tuple[str, ...]) -> float:
        """Seconds a message queued on `lane` now would wait: its queue at its pace, after
        what the limiter itself holds it for (a 429's Retry-After)."""
        held = max(0.0, self._held_until.get(lane, 0.0) - self._timer.monotonic())
        return held + self._queued[lane] / self._pace(lane)

    def _pace(self, lane: tuple[str, ...]) -> float:
        """Messages a second this process sends on `lane` ((platform,) or (platform, tenant))."""
        return self._limiter.pace(lane[0], lane[1] if len(lane) > 1 else "")

    def _book(self, lane: tuple[str, ...]) -> datetime | None:
        """When a message the full `lane` turns away may be claimed again: once what is
        queued ahead of it is down to half of keep_ahead, one turn at the lane's pace
        after the one booked before it. Given back claimable at once, it was claimed,
        prepared and given back again and again until then."""
        if self._limiter.share_of(lane[0]) < 1:
            # Shared with other processes: theirs at once, at their next claim. Booked at
            # this one's share, three processes took three times as long; at the lane's
            # whole pace, any pause of one left a turn unsent for good (0.67 of a
            # workspace's rate, against 0.93 given back at once). Ready as it was: in due
            # order among the rest (ready now, behind a later-due wave, 0.81).
            return None
        gap = timedelta(seconds=1 / self._pace(lane))
        half = self.config.keep_ahead / 2
        turn = self._clock.now() + timedelta(seconds=self._expected(lane)) - half
        if (last := self._booked.get(lane)) is not None:
            turn = max(turn, last + gap)
        self._booked[lane] = turn
        # Down to a grid a quarter of keep_ahead wide, the same for every lane: turns come
        # ready together, a claim's worth at a time rather than one message a claim, and
        # at most a quarter early the lane still has room for them.
        grid = self.config.keep_ahead // 4
        if grid <= timedelta(0):
            return turn
        return turn - (turn - _EPOCH) % grid  # exact: a timedelta's microseconds

    def _hold(self, lane: tuple[str, ...], wait: float) -> None:
        until = self._timer.monotonic() + wait
        self._held_until[lane] = max(self._held_until.get(lane, 0.0), until)

    async def _room(self, below: int) -> None:
        """Wait for room before the next claim: until a lane that turned messages away is
        half empty, or `below` messages went out since the last claim (other lanes are
        moving), or, no lane being full, fewer than `below` wait. A claim sooner would
        take back what was just left; later, an idle lane would wait for work."""
        await asyncio.sleep(0)  # let the queued messages' tasks start
        half = self.config.keep_ahead.total_seconds() / 2
        waited = 0.0
        while waited < 2 * half and self._through < below:
            if self._full:
                if any(self._expected(lane) <= half for lane in self._full):
                    break
            elif sum(self._queued.values()) < below:
                break
            await self._timer.sleep(_ROOM_POLL)
            waited += _ROOM_POLL
        self._through = 0

    async def _take_on(self, claimed: list[Nudge], report: DispatchReport) -> list[Plan]:
        """Prepare a claimed batch, write what became of the nudges not going out now, and
        return the plans their lanes have room for."""
        if not claimed:
            return []
        now = self._clock.now()
        messages = bundle(claimed, self.config.merge_window)
        admitted: Counter[tuple[str, ...]] = Counter()
        try:
            async with self._uow() as uow:
                prepared = await prepare(uow, messages, now, self.config, self._deliveries)
                await self._close_skipped(uow, prepared.skipped, report)
                for n, at, note in prepared.later:
                    await self._retry(uow, n, at, note, report)
                for n, platform in prepared.elsewhere:
                    # Due as it was, uncounted, routed there: no claim of a process without
                    # that platform takes it again (until past grace: then it is skipped).
                    await uow.outbox.hand_over(
                        n.id or 0, self.worker, platform, f"no adapter for {platform}"
                    )
                    report.handed += 1
                if prepared.broken:
                    await self._fail_or_retry_in(
                        uow, prepared.broken, "could not prepare", now, report
                    )
                turned: dict[tuple[str, ...], dict[int, datetime | None]] = {}
                kept = [
                    p for p in prepared.plans if await self._admit(uow, p, turned, admitted, report)
                ]
                for lane, ready in turned.items():  # by lane: a statement a turn
                    await uow.outbox.hand_over_many(
                        ready, self.worker, lane[0], "lane full", _lane_name(lane)
                    )
                return kept
        except Exception:  # a failed read or write: the batch goes back, none of it lost
            log.exception("a batch of %d nudges could not be prepared", len(claimed))
            self._queued -= admitted  # none of its plans will be sent
            await self._fail_or_retry(claimed, "could not prepare", report)
            return []

    async def _close_skipped(
        self, uow: UnitOfWork, skipped: list[tuple[Nudge, str]], report: DispatchReport
    ) -> None:
        by_note: dict[str, list[int]] = {}
        for n, note in skipped:
            by_note.setdefault(note, []).append(n.id or 0)
        for note, ids in by_note.items():
            done = await uow.outbox.finish_many(
                ids, self.worker, NudgeStatus.SKIPPED, self._clock.now(), note
            )
            report.skipped += len(done)

    async def _admit(
        self,
        uow: UnitOfWork,
        plan: Plan,
        turned: dict[tuple[str, ...], dict[int, datetime | None]],
        admitted: Counter[tuple[str, ...]],
        report: DispatchReport,
    ) -> bool:
        """Whether the plan's lane can send it within keep_ahead (a lane always takes one
        when empty). Otherwise it goes back (into `turned`, by lane: the caller writes
        them in one statement a lane), due as it was and its claim not counted, booked
        for its turn (_book) for a later claim of this process or another's; behind a
        long Retry-After it goes back due when that ends, rather than waiting on a lease
        that could run out."""
        target = plan.target
        lane = self._limiter.lane(target.platform, target.tenant)
        wait = self._limiter.delay(target.platform, target.tenant, _channel_of(target))
        if wait > self.config.lease.total_seconds() / 4:
            self._hold(lane, wait)
            later = self._clock.now() + timedelta(seconds=wait)
            for n in plan.nudges:
                await self._retry(uow, n, later, "waiting for the rate limit", report)
            return False
        self._hold(lane, wait)
        ahead = self._queued[lane]
        if ahead and self._expected(lane) > self.config.keep_ahead.total_seconds():
            ready = self._book(lane)
            turned.setdefault(lane, {}).update((n.id or 0, ready) for n in plan.nudges)
            report.left += len(plan.nudges)
            self._full.add(lane)
            return False
        self._queued[lane] += 1
        admitted[lane] += 1
        return True

    async def _send(self, plan: Plan, finisher: Finisher, report: DispatchReport) -> None:
        try:
            await self._send_one(plan, finisher, report)
        except Exception:  # logged here: the tick gathers its tasks without looking
            log.exception("nudge %s could not be sent", plan.nudges[0].id)

    async def _send_one(self, plan: Plan, finisher: Finisher, report: DispatchReport) -> None:
        target = plan.target
        channel = _channel_of(target)
        lane = self._limiter.lane(target.platform, target.tenant)
        head = plan.nudges[0]
        queued = True  # counted on its lane until a delivery slot is its
        try:
            async with self._lanes.setdefault(lane, asyncio.Lock()):
                wait = self._limiter.delay(target.platform, target.tenant, channel)
                if wait > self.config.lease.total_seconds() / 4:  # a 429 came meanwhile
                    self._hold(lane, wait)
                    async with self._uow() as uow:
                        later = self._clock.now() + timedelta(seconds=wait)
                        for n in plan.nudges:
                            await self._retry(uow, n, later, "waiting for the rate limit", report)
                    return
                await self._limiter.acquire(target.platform, target.tenant, channel)
            message = Outbound(plan.target, plan.reply, f"nudge-{head.id}")
            async with self._gate:
                self._queued[lane] -= 1
                self._through += 1
                queued = False
                # Waiting for a slot must not run past the lease: another process could
                # reap the nudge and send it too. Given back, it goes again soon.
                margin = min(_LEASE_MARGIN, self.config.lease / 4)
                if head.lease_until and self._clock.now() + margin > head.lease_until:
                    async with self._uow() as uow:
                        for n in plan.nudges:
                            await uow.outbox.leave(n.id or 0, self.worker, "lease running out")
                    report.left += len(plan.nudges)
                    return
                try:
                    result = await self._deliveries[target.platform].deliver(message)
                except Exception as e:  # an adapter bug or a network error: try again later
                    log.warning("delivery of nudge %s raised %r", head.id, e)
                    result = DeliveryResult(DeliveryStatus.TRANSIENT, detail=repr(e)[:200])
                self._observer.delivery(target.platform, result.status)
                # Settled holding the slot: delivered and not yet marked sent stays within
                # the concurrency (what a crash can repeat).
                try:
                    await self._settle(plan, result, channel, finisher, report)
                except Exception:  # the lease runs out and the reaper gives it back
                    log.exception("nudge %s could not be settled", head.id)
        finally:
            if queued:
                self._queued[lane] -= 1
                self._through += 1

    async def _settle(
        self,
        plan: Plan,
        result: DeliveryResult,
        channel: str,
        finisher: Finisher,
        report: DispatchReport,
    ) -> None:
        now = self._clock.now()
        head, rest = plan.nudges[0], plan.nudges[1:]
        if result.status is DeliveryStatus.SENT:
            report.messages += 1
            for n in plan.nudges:
                self._observer.nudge_late((now - n.due_at).total_seconds())
            if not rest:  # the common case: finished with others in one statement
                if not await finisher.sent(head.id or 0):
                    log.warning("nudge %s was sent after its lease ran out", head.id)
                return
        async with self._uow() as uow:
            if result.status is DeliveryStatus.SENT:
                if not await uow.outbox.finish(
                    head.id or 0, self.worker, NudgeStatus.SENT, now, None
                ):
                    log.warning("nudge %s was sent after its lease ran out", head.id)
                for n in rest:
                    await uow.outbox.finish(
                        n.id or 0, self.worker, NudgeStatus.SENT, now, None, merged_into=head.id
                    )
            elif result.status is DeliveryStatus.RATE_LIMITED:
                wait = max(result.retry_after or 1.0, 0.0)
                target = plan.target
                self._limiter.block(target.platform, target.tenant, channel, wait, result.scope)
                self._observer.rate_limited(target.platform, result.scope)
                for n in plan.nudges:
                    await self._retry(uow, n, now + timedelta(seconds=wait), "rate limited", report)
            elif result.status is DeliveryStatus.SKIPPED:
                # Nobody failed: the workspace is gone (its data waits for a reinstall).
                for n in plan.nudges:
                    await self._finish(uow, n, NudgeStatus.SKIPPED, result.detail[:200], report)
            elif result.status is DeliveryStatus.PERMANENT:
                for n in plan.nudges:
                    note = f"unreachable: {result.detail}"[:200]
                    await self._finish(uow, n, NudgeStatus.FAILED, note, report)
                if plan.member_id is not None:
                    member = await uow.members.get(plan.member_id)
                    if member is not None:
                        member.unreachable = True  # cleared when they next talk to the bot
                        await uow.members.update(member)
            else:
                await self._fail_or_retry_in(uow, plan.nudges, result.detail, now, report)

    async def _fail_or_retry(
        self, nudges: list[Nudge], detail: str, report: DispatchReport
    ) -> None:
        async with self._uow() as uow:
            await self._fail_or_retry_in(uow, nudges, detail, self._clock.now(), report)

    async def _fail_or_retry_in(
        self,
        uow: UnitOfWork,
        nudges: list[Nudge],
        detail: str,
        now: datetime,
        report: DispatchReport,
    ) -> None:
        for n in nudges:
            if n.attempts >= self.config.max_attempts:
                await self._finish(uow, n, NudgeStatus.FAILED, f"gave up: {detail}"[:200], report)
            else:
                await self._retry(uow, n, now + self._backoff(n.attempts), detail[:200], report)

    def _backoff(self, attempts: int) -> timedelta:
        """Exponential, capped, with full jitter: retries of many nudges spread out."""
        c = self.config
        ceiling = min(c.backoff_cap, c.backoff_base * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=self._rng.uniform(0, ceiling))

    async def _finish(
        self,
        uow: UnitOfWork,
        nudge: Nudge,
        status: NudgeStatus,
        note: str | None,
        report: DispatchReport,
    ) -> bool:
        done = await uow.outbox.finish(nudge.id or 0, self.worker, status, self._clock.now(), note)
        if status is NudgeStatus.SKIPPED:
            report.skipped += 1
        elif status is NudgeStatus.FAILED:
            report.failed += 1
        return done

    async def _retry(
        self, uow: UnitOfWork, nudge: Nudge, at: datetime, note: str, report: DispatchReport
    ) -> None:
        await uow.outbox.retry(nudge.id or 0, self.worker, at, note)
        report.retried += 1


def _lane_name(lane: tuple[str, ...]) -> str:
    return "/".join(lane)


def _channel_of(target: Identity | ChannelTarget) -> str:
    return target.user_id if isinstance(target, Identity) else target.channel_id
