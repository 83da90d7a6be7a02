"""The dispatcher: claims due nudges, decides what they say, delivers, marks them done.

Exactly once: a nudge is claimed with a lease in one transaction, delivered outside
any transaction, then finished by the worker that still holds it. A crash between
delivery and finish can repeat only what was in flight, and the idempotency key
(`nudge-<id>`) lets a platform that supports it (Discord's nonce) drop even that.
Nudges of one member due together merge into one message; a member never gets more
than the daily cap; nothing lands in quiet hours; stale nudges are skipped, not sent.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import Identity, Member
from bot.messages import nudges as say
from bot.nudges.compose import checkin_extras, group_post, member_part
from bot.nudges.config import NudgeConfig
from bot.nudges.model import (
    PRIORITY,
    ChannelTarget,
    DeliveryResult,
    DeliveryStatus,
    Nudge,
    NudgeKind,
    NudgePart,
    NudgeStatus,
    Outbound,
)
from bot.nudges.planner import member_due, wants
from bot.nudges.ratelimit import Limiter
from bot.nudges.route import destination
from bot.nudges.timing import local_day_bounds, zone
from bot.ports import (
    Clock,
    Delivery,
    NullObserver,
    Observer,
    Timer,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.replies import Reply

log = logging.getLogger(__name__)
_RANK = {kind: i for i, kind in enumerate(PRIORITY)}
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
    left: int = 0  # given back for other processes sharing the platform
    handed: int = 0  # given back for a process with the platform this one lacks


@dataclass(slots=True)
class _Plan:
    """One message about to go out, decided inside a transaction."""

    target: Identity | ChannelTarget
    reply: Reply
    nudges: list[Nudge]  # the head first; the rest were merged into it
    member_id: int | None


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
                out.append(sorted(cluster, key=lambda x: _RANK[x.kind]))
                cluster = []
            cluster.append(n)
        out.append(sorted(cluster, key=lambda x: _RANK[x.kind]))
    return out


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
        concurrency: int = 8,
        observer: Observer | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._deliveries = dict(deliveries)
        self.config = config or NudgeConfig()
        self.worker = worker
        self._limiter = limiter or Limiter(timer)
        self._rng = rng or random.Random()
        self._concurrency = concurrency
        self._observer: Observer = observer or NullObserver()
        # Messages the current batch admitted to a workspace while sharing its platform.
        self._admitted: Counter[tuple[str, str]] = Counter()

    async def tick(self) -> DispatchReport:
        """Deliver everything due now, batch by batch."""
        report = DispatchReport()
        c = self.config
        gate = asyncio.Semaphore(self._concurrency)

        async def one(message: list[Nudge]) -> None:
            async with gate:
                await self._send(message, report)

        platforms = set(self._deliveries)
        while True:
            now = self._clock.now()
            async with self._uow() as uow:
                report.reaped += await uow.outbox.reap(now)
                # Nudges routed to a platform this process lacks stay for the processes
                # that have it, unless they are past grace: then no one delivered them in
                # time, and this one skips them as late.
                claimed = await uow.outbox.claim(
                    now, self.worker, c.lease, c.batch,
                    platforms=platforms, stale_before=now - c.grace,
                )  # fmt: skip
            report.claimed += len(claimed)
            left = report.left
            self._admitted.clear()  # the last batch's messages are sent: none are ahead
            await asyncio.gather(*(one(m) for m in bundle(claimed, c.merge_window)))
            if report.left > left:
                # Sending what it kept took about keep_ahead at this process's share: the
                # others had their chance at what it left, and it claims again. Having
                # kept nothing, it would take the same rows straight back: the tick ends.
                if not self._admitted:
                    return report
            elif len(claimed) < c.batch:
                return report

    async def _send(self, nudges: list[Nudge], report: DispatchReport) -> None:
        try:
            plan = await self._prepare(nudges, report)
        except Exception:  # a bug in one message must not stall the rest
            log.exception("nudge %s could not be prepared", nudges[0].id)
            await self._fail_or_retry(nudges, "could not prepare", report)
            return
        if plan is None:
            return
        delivery = self._deliveries[plan.target.platform]
        target = plan.target
        channel = _channel_of(target)
        wait = self._limiter.delay(target.platform, target.tenant, channel)
        if wait > self.config.lease.total_seconds() / 4:
            # A long Retry-After: hand the nudges back rather than sleep on a lease that
            # could run out (and let another dispatcher send them a second time).
            async with self._uow() as uow:
                later = self._clock.now() + timedelta(seconds=wait)
                for n in plan.nudges:
                    await self._retry(uow, n, later, "waiting for the rate limit", report)
            return
        if await self._leave_for_others(plan, wait, report):
            return
        await self._limiter.acquire(target.platform, target.tenant, channel)
        head = plan.nudges[0]
        message = Outbound(plan.target, plan.reply, f"nudge-{head.id}")
        try:
            result = await delivery.deliver(message)
        except Exception as e:  # an adapter bug or a network error: try again later
            log.warning("delivery of nudge %s raised %r", head.id, e)
            result = DeliveryResult(DeliveryStatus.TRANSIENT, detail=repr(e)[:200])
        self._observer.delivery(target.platform, result.status)
        await self._settle(plan, result, channel, report)

    async def _leave_for_others(self, plan: _Plan, wait: float, report: DispatchReport) -> bool:
        """Other processes deliver to this platform too (a share below 1): a message that
        would go out past keep_ahead, behind what this batch already took on for the
        workspace, goes back for them, due as it was, its claim not counted. A process
        that claimed a wave for one workspace would otherwise pace all of it at its share
        while the others stay idle."""
        target = plan.target
        if self._limiter.share_of(target.platform) >= 1:
            return False
        key = (target.platform, target.tenant)
        ahead = self._admitted[key]  # this batch's, each sent at the pace after the last
        expected = wait + ahead / self._limiter.pace(target.platform, target.tenant)
        if expected <= self.config.keep_ahead.total_seconds():
            self._admitted[key] += 1
            return False
        async with self._uow() as uow:
            for n in plan.nudges:
                await uow.outbox.leave(n.id or 0, self.worker, "left for another process")
        report.left += len(plan.nudges)
        return True

    async def _prepare(self, nudges: list[Nudge], report: DispatchReport) -> _Plan | None:
        now = self._clock.now()
        async with self._uow() as uow:
            live: list[Nudge] = []
            for n in nudges:
                if now - n.due_at > self.config.grace:
                    await self._finish(
                        uow, n, NudgeStatus.SKIPPED, f"late: due {n.due_at:%Y-%m-%d %H:%M}Z", report
                    )
                else:
                    live.append(n)
            if not live:
                return None
            if live[0].member_id is None:
                return await self._prepare_post(uow, live[0], now, report)
            member = await uow.members.get(live[0].member_id)
            if member is None:
                for n in live:
                    await self._finish(uow, n, NudgeStatus.SKIPPED, "member gone", report)
                return None
            return await self._prepare_dm(uow, member, live, now, report)

    async def _prepare_post(
        self, uow: UnitOfWork, nudge: Nudge, now: datetime, report: DispatchReport
    ) -> _Plan | None:
        group = await uow.groups.get(nudge.group_id or 0)
        if group is None:
            await self._finish(uow, nudge, NudgeStatus.SKIPPED, "group gone", report)
            return None
        if group.platform not in self._deliveries:
            await self._hand_over(uow, [nudge], group.platform, report)
            return None
        reply = await group_post(uow, nudge, now)
        if isinstance(reply, str):
            await self._finish(uow, nudge, NudgeStatus.SKIPPED, reply, report)
            return None
        target = ChannelTarget(group.platform, group.tenant, group.channel_id)
        return _Plan(target, reply, [nudge], None)

    async def _prepare_dm(
        self,
        uow: UnitOfWork,
        member: Member,
        nudges: list[Nudge],
        now: datetime,
        report: DispatchReport,
    ) -> _Plan | None:
        assert member.id is not None
        wanted = []
        for n in nudges:
            if not wants(member, n.kind, now):
                await self._finish(uow, n, NudgeStatus.SKIPPED, "member turned it off", report)
            else:
                wanted.append(n)
        if not wanted:
            return None
        later = member_due(member, now)
        if later != now:  # inside their quiet hours: at their end
            for n in wanted:
                await self._retry(uow, n, later, "quiet hours", report)
            return None
        tz = zone(member.timezone)
        start, end = local_day_bounds(now.astimezone(tz).date(), tz)
        if await uow.outbox.sent_between(member.id, start, end) >= self.config.daily_cap:
            for n in wanted:
                await self._finish(uow, n, NudgeStatus.SKIPPED, "daily cap reached", report)
            return None
        by_use = await uow.members.identities_by_use(member.id)
        identity = destination(member, by_use, self._deliveries)
        if identity is None:
            # Where it would go with every adapter at hand: a process that has it sends it.
            anywhere = destination(member, by_use, {i.platform for i in by_use})
            if anywhere is None:
                for n in wanted:
                    await self._finish(uow, n, NudgeStatus.SKIPPED, "no identity", report)
            else:
                await self._hand_over(uow, wanted, anywhere.platform, report)
            return None
        if wanted[0].kind is NudgeKind.ADMIN_SUMMARY:
            summary = await group_post(uow, wanted[0], now)
            if isinstance(summary, str):
                await self._finish(uow, wanted[0], NudgeStatus.SKIPPED, summary, report)
                return None
            return _Plan(identity, summary, wanted, member.id)
        parts: list[NudgePart] = []
        carried: list[Nudge] = []
        for n in wanted:
            part = await member_part(uow, member, n, now, self.config)
            if isinstance(part, str):
                await self._finish(uow, n, NudgeStatus.SKIPPED, part, report)
                continue
            parts.append(part)
            carried.append(n)
            if n.kind is NudgeKind.CHECKIN:
                parts += await checkin_extras(uow, member, now, self.config)
        if not parts:
            return None
        parts.sort(key=lambda p: _RANK[p.kind])
        return _Plan(identity, say.merged(parts), carried, member.id)

    async def _settle(
        self, plan: _Plan, result: DeliveryResult, channel: str, report: DispatchReport
    ) -> None:
        now = self._clock.now()
        head, rest = plan.nudges[0], plan.nudges[1:]
        async with self._uow() as uow:
            if result.status is DeliveryStatus.SENT:
                if not await self._finish(uow, head, NudgeStatus.SENT, None, report, count=False):
                    log.warning("nudge %s was sent after its lease ran out", head.id)
                for n in rest:
                    await uow.outbox.finish(
                        n.id or 0, self.worker, NudgeStatus.SENT, now, None, merged_into=head.id
                    )
                report.messages += 1
                for n in plan.nudges:
                    self._observer.nudge_late((now - n.due_at).total_seconds())
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

    async def _hand_over(
        self, uow: UnitOfWork, nudges: list[Nudge], platform: str, report: DispatchReport
    ) -> None:
        """No adapter here for the nudges' platform: they go back due as they were, their
        claim uncounted, routed to it, for a process that has it. If none does, no claim
        takes them until grace has passed, and the first one then skips them as late."""
        note = f"no adapter for {platform}"
        for n in nudges:
            await uow.outbox.hand_over(n.id or 0, self.worker, platform, note)
        report.handed += len(nudges)

    async def _finish(
        self,
        uow: UnitOfWork,
        nudge: Nudge,
        status: NudgeStatus,
        note: str | None,
        report: DispatchReport,
        count: bool = True,
    ) -> bool:
        done = await uow.outbox.finish(nudge.id or 0, self.worker, status, self._clock.now(), note)
        if count and status is NudgeStatus.SKIPPED:
            report.skipped += 1
        elif count and status is NudgeStatus.FAILED:
            report.failed += 1
        return done

    async def _retry(
        self, uow: UnitOfWork, nudge: Nudge, at: datetime, note: str, report: DispatchReport
    ) -> None:
        await uow.outbox.retry(nudge.id or 0, self.worker, at, note)
        report.retried += 1


def _channel_of(target: Identity | ChannelTarget) -> str:
    return target.user_id if isinstance(target, Identity) else target.channel_id
