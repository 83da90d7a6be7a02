"""The planner: turns cursors, follow-ups owed and scheduled meetings into outbox rows.

Each tick reads only what falls due within the horizon, in batches, each batch its own
short transaction. Dedupe keys (member + kind + local date, follow-up + reminder
instant, meeting + kind + start) make a repeated or concurrent tick harmless: a nudge is
queued once. Whether a nudge still has something to say is decided when it is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.domain import FollowUp, FollowUpKind, Group, Meeting, Member, MemberStatus
from bot.nudges.config import NudgeConfig
from bot.nudges.model import Cursor, Nudge, NudgeKind
from bot.nudges.schedule import (
    followup_offset,
    group_cursors,
    member_cursors,
    next_group_time,
    next_member_time,
)
from bot.nudges.timing import out_of_quiet, zone
from bot.ports import Clock, Timer, UnitOfWork, UnitOfWorkFactory
from bot.undo import WINDOW as UNDO_WINDOW


@dataclass(slots=True)
class PlanReport:
    seeded: int = 0  # cursors laid for new members and groups
    cursors: int = 0  # cursors that came due and moved on
    followups: int = 0
    meetings: int = 0
    enqueued: int = 0  # new outbox rows
    pruned: int = 0


def receives(member: Member, day: date) -> bool:
    """Whether the member gets any nudge on their local `day`."""
    if not member.nudges_enabled or member.unreachable:
        return False
    if member.status is not MemberStatus.SEARCHING:
        return False
    return member.paused_until is None or day > member.paused_until


def wants(member: Member, kind: NudgeKind, at: datetime) -> bool:
    """Whether the member gets a nudge of `kind` falling at `at` (on their local day)."""
    day = at.astimezone(zone(member.timezone)).date()
    return kind.value not in member.nudges_off and receives(member, day)


def member_due(member: Member, at: datetime) -> datetime:
    """`at`, or the end of the member's quiet hours when it falls inside them."""
    return out_of_quiet(at, zone(member.timezone), member.quiet_start, member.quiet_end)


class Planner:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        timer: Timer,
        config: NudgeConfig | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._timer = timer  # measures the tick's own time budget, not the date
        self.config = config or NudgeConfig()
        self._tick_started = 0.0
        # Meetings are planned by time windows; the first tick looks back a grace period.
        self._planned_until: datetime | None = None
        self._pruned_at: datetime | None = None
        self._seeded_at: datetime | None = None
        self._members_seen = self._groups_seen = 0  # ids the sweep has covered

    async def tick(self) -> PlanReport:
        self._tick_started = self._timer.monotonic()
        now = self._clock.now()
        until = now + self.config.horizon
        report = PlanReport()
        await self._seed(now, report)
        await self._periodic(now, until, report)
        await self._followups(now, until, report)
        await self._meetings(now, until, report)
        await self._prune(now, report)
        return report

    def _within_budget(self, done: int) -> bool:
        """Room for another batch in this tick? A busy minute (everyone's 09:00) is spread
        over the next ticks, still ahead of its due time thanks to the horizon; cursors
        falling due within `urgent` are planned past the budget (see _periodic)."""
        spent = self._timer.monotonic() - self._tick_started
        return done < self.config.tick_budget and spent < self.config.tick_time.total_seconds()

    # -- cursors ------------------------------------------------------------------

    async def _seed(self, now: datetime, report: PlanReport) -> None:
        """Cursors for members and groups that have none. The core lays them when it
        creates a member or group; this sweep catches the rest (rows from before this
        version, a failed write): the whole table once, then only rows added since."""
        if self._seeded_at is not None and now - self._seeded_at < self.config.seed_every:
            return
        self._seeded_at = now
        batch = self.config.cursor_batch
        while True:
            async with self._uow() as uow:
                members = await uow.cursors.unplanned_members(self._members_seen, batch)
                groups = await uow.cursors.unplanned_groups(self._groups_seen, batch)
                laid = [c for m in members for c in member_cursors(m, now, self.config)]
                laid += [c for g in groups for c in group_cursors(g, now)]
                await uow.cursors.put_many(laid)
            report.seeded += len(laid)
            self._members_seen = max([self._members_seen, *(m.id or 0 for m in members)])
            self._groups_seen = max([self._groups_seen, *(g.id or 0 for g in groups)])
            if len(members) < batch and len(groups) < batch:
                break
            await asyncio.sleep(0)
        async with self._uow() as uow:  # later sweeps start past the newest row seen
            self._members_seen = max(self._members_seen, await uow.members.last_id())
            self._groups_seen = max(self._groups_seen, await uow.groups.last_id())

    async def _periodic(self, now: datetime, until: datetime, report: PlanReport) -> None:
        batch = self.config.cursor_batch
        pressing = now + self.config.urgent
        urgent = False  # the next batch may fall due before another tick comes
        while urgent or self._within_budget(report.cursors):
            async with self._uow() as uow:
                due = await uow.cursors.due(until, batch)
                if not due:
                    return
                members = await uow.members.get_many(
                    {c.member_id for c in due if c.member_id is not None}
                )
                nudges: list[Nudge] = []
                moved: list[Cursor] = []
                for cursor in due:
                    if cursor.member_id is not None:
                        member = members.get(cursor.member_id)
                        if member is None:
                            await uow.cursors.delete(cursor.key)
                            continue
                        nudges += self._member_nudges(member, cursor)
                        moved.append(self._advance(cursor, now, member))
                    else:
                        group = await uow.groups.get(cursor.group_id or 0)
                        if group is None:
                            await uow.cursors.delete(cursor.key)
                            continue
                        nudges += await self._group_nudges(uow, group, cursor)
                        moved.append(self._advance(cursor, now, group))
                report.enqueued += await uow.outbox.enqueue(nudges)
                await uow.cursors.put_many(moved)
            report.cursors += len(due)
            if len(due) < batch:
                return
            # By next_at: when this batch's last one was that close, the next may be too.
            # Left to the next ticks it would be planned late (a wave bigger than the
            # budget allows within the horizon: a million members' 09:00), so it goes now.
            urgent = due[-1].next_at <= pressing
            await asyncio.sleep(0)

    def _advance(self, cursor: Cursor, now: datetime, owner: Member | Group) -> Cursor:
        """The next occurrence; after downtime, the next one after now (the missed one
        was queued and the dispatcher records it as skipped)."""

        def after(at: datetime) -> datetime:
            if isinstance(owner, Group):
                return next_group_time(owner, at)
            return next_member_time(owner, cursor.kind, at, self.config)

        nxt = after(cursor.next_at)
        if nxt <= now:
            nxt = after(now)
        return Cursor(cursor.key, cursor.kind, nxt, cursor.member_id, cursor.group_id)

    def _member_nudges(self, member: Member, cursor: Cursor) -> list[Nudge]:
        assert member.id is not None
        if not wants(member, cursor.kind, cursor.next_at):
            return []
        # The no-interview and thin-pipeline notes ride along with the check-in (compose).
        day = cursor.next_at.astimezone(zone(member.timezone)).date()
        key = f"m{member.id}:{cursor.kind}:{day.isoformat()}"
        return [Nudge(cursor.kind, member_due(member, cursor.next_at), key, member_id=member.id)]

    async def _group_nudges(self, uow: UnitOfWork, group: Group, cursor: Cursor) -> list[Nudge]:
        assert group.id is not None
        day = cursor.next_at.astimezone(zone(group.timezone)).date().isoformat()
        out = [
            Nudge(
                NudgeKind.LEADERBOARD,
                cursor.next_at,
                f"g{group.id}:leaderboard:{day}",
                group_id=group.id,
                platform=group.platform,  # posted in the group's channel: only there
            )
        ]
        for member, membership in await uow.groups.members(group.id):
            if not membership.is_admin or member.id is None:
                continue
            if not wants(member, NudgeKind.ADMIN_SUMMARY, cursor.next_at):
                continue
            out.append(
                Nudge(
                    NudgeKind.ADMIN_SUMMARY,
                    member_due(member, cursor.next_at),
                    f"g{group.id}:admin_summary:m{member.id}:{day}",
                    member_id=member.id,
                    group_id=group.id,
                )
            )
        return out

    # -- follow-ups owed and leads ------------------------------------------------------

    async def _followups(self, now: datetime, until: datetime, report: PlanReport) -> None:
        batch = self.config.cursor_batch
        while self._within_budget(report.followups):
            async with self._uow() as uow:
                due = await uow.followups.due_for_nudge(until, batch)
                if not due:
                    return
                members = await uow.members.get_many({f.member_id for f in due})
                nudges = []
                for f in due:
                    member = members.get(f.member_id)
                    nudge = self._followup_nudge(member, f) if member else None
                    if nudge is not None:
                        nudges.append(nudge)
                    self._next_reminder(f, until)
                    await uow.followups.update(f)
                report.enqueued += await uow.outbox.enqueue(nudges)
            report.followups += len(due)
            if len(due) < batch:
                return
            await asyncio.sleep(0)

    def _followup_nudge(self, member: Member, f: FollowUp) -> Nudge | None:
        kind = NudgeKind.LEAD if f.kind is FollowUpKind.LEAD else NudgeKind.FOLLOWUP
        at = f.next_nudge_at or f.due_at
        if not wants(member, kind, at):
            return None
        return Nudge(
            kind,
            member_due(member, at),
            # Keyed by the reminder's instant: after a snooze the cadence starts over
            # with new keys, never colliding with a reminder already sent.
            f"f{f.id}:{at.isoformat()}",
            member_id=member.id,
            payload={"followup_id": f.id},
        )

    def _next_reminder(self, f: FollowUp, until: datetime) -> None:
        """Move the follow-up to its next reminder on the cadence, past `until`."""
        n = f.nudges_sent + 1
        cadence = self.config.followup_cadence_days
        while f.due_at + followup_offset(n, cadence) <= until:
            n += 1
        f.nudges_sent, f.next_nudge_at = n, f.due_at + followup_offset(n, cadence)

    # -- meetings: prepare before, debrief after ------------------------------------------

    async def _meetings(self, now: datetime, until: datetime, report: PlanReport) -> None:
        c = self.config
        start = self._planned_until or now - c.grace
        if until <= start:
            return
        async with self._uow() as uow:
            prep = await uow.meetings.starting_between(start + c.prep_before, until + c.prep_before)
            debrief = await uow.meetings.starting_between(
                start - c.debrief_after, until - c.debrief_after
            )
            members = await uow.members.get_many({m.member_id for m in (*prep, *debrief)})
            nudges = list(self._meeting_nudges(members, prep, NudgeKind.PREP, -c.prep_before))
            nudges += self._meeting_nudges(members, debrief, NudgeKind.DEBRIEF, c.debrief_after)
            report.enqueued += await uow.outbox.enqueue(nudges)
        report.meetings += len(prep) + len(debrief)
        self._planned_until = until

    def _meeting_nudges(
        self,
        members: dict[int, Member],
        meetings: Iterable[Meeting],
        kind: NudgeKind,
        offset: timedelta,
    ) -> Iterable[Nudge]:
        for meeting in meetings:
            member = members.get(meeting.member_id)
            at = meeting.starts_at + offset
            if member is None or not wants(member, kind, at):
                continue
            starts = meeting.starts_at.astimezone(UTC).isoformat()
            yield Nudge(
                kind,
                member_due(member, at),
                # Keyed by the start too: a moved meeting is planned afresh at its new time,
                # and the nudge planned for the old one finds it moved when due (compose).
                f"mt{meeting.id}:{kind}:{starts}",
                member_id=member.id,
                payload={"meeting_id": meeting.id, "starts_at": starts},
            )

    async def _prune(self, now: datetime, report: PlanReport) -> None:
        if self._pruned_at is not None and now - self._pruned_at < timedelta(hours=1):
            return
        async with self._uow() as uow:
            report.pruned = await uow.outbox.prune(now - self.config.keep_finished)
            await uow.steps.prune(now - UNDO_WINDOW)  # past undo, a step is dead weight
        self._pruned_at = now
