"""In-memory outbox and cursors (the nudge ports), sharing tests.fakes' FakeStore."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from bot.domain import FollowUp, FollowUpStatus, Group, Meeting, MeetingStatus, Member
from bot.nudges.model import Cursor, Nudge, NudgeStatus, Turns
from tests.fakes import _aware, _by_id, _copy, _Repository

FINISHED = (NudgeStatus.SENT, NudgeStatus.SKIPPED, NudgeStatus.FAILED)


def _ready(n: Nudge) -> datetime:
    return n.ready_at or n.due_at


class FakeOutboxRepository(_Repository):
    async def enqueue(self, nudges: Sequence[Nudge]) -> int:
        taken = {n.dedupe_key for n in self._store.outbox.values()}
        added = 0
        for nudge in nudges:
            _aware(nudge.due_at, "Nudge.due_at")
            if nudge.dedupe_key in taken:
                continue
            taken.add(nudge.dedupe_key)
            nudge.ready_at = nudge.ready_at or nudge.due_at
            self._insert(self._store.outbox, nudge)
            added += 1
        return added

    async def claim(
        self,
        now: datetime,
        worker: str,
        lease: timedelta,
        limit: int,
        *,
        platforms: Collection[str] | None = None,
        stale_before: datetime | None = None,
        skip_lanes: Collection[str] = (),
    ) -> list[Nudge]:
        if skip_lanes and platforms is None:
            raise ValueError("skip_lanes needs platforms (a routed claim)")

        def routed_here(n: Nudge) -> bool:
            stale = stale_before is not None and n.due_at < stale_before
            if n.lane is not None and n.lane in skip_lanes and not stale:
                return False
            if platforms is None or n.platform is None or n.platform in platforms:
                return True
            return stale_before is not None and n.due_at < stale_before

        due = sorted(
            (
                n
                for n in self._store.outbox.values()
                if n.status is NudgeStatus.PENDING and _ready(n) <= now and routed_here(n)
            ),
            key=lambda n: (_ready(n), n.id or 0),
        )[:limit]
        for n in due:
            n.status, n.claimed_by, n.lease_until = NudgeStatus.CLAIMED, worker, now + lease
            n.attempts += 1
        return [_copy(n) for n in due]

    def _held(self, nudge_id: int, worker: str) -> Nudge | None:
        n = self._store.outbox.get(nudge_id)
        if n is None or n.status is not NudgeStatus.CLAIMED or n.claimed_by != worker:
            return None
        return n

    async def finish(
        self,
        nudge_id: int,
        worker: str,
        status: NudgeStatus,
        at: datetime,
        note: str | None,
        merged_into: int | None = None,
    ) -> bool:
        if status not in FINISHED:
            raise ValueError(f"a nudge finishes as sent, skipped or failed, not {status}")
        _aware(at, "finish at")
        n = self._held(nudge_id, worker)
        if n is None:
            return False
        n.status, n.finished_at, n.note, n.lease_until = status, at, note, None
        n.merged_into = merged_into
        return True

    async def retry(self, nudge_id: int, worker: str, due_at: datetime, note: str) -> bool:
        _aware(due_at, "retry due_at")
        n = self._held(nudge_id, worker)
        if n is None:
            return False
        n.status, n.due_at, n.ready_at, n.note = NudgeStatus.PENDING, due_at, due_at, note
        n.claimed_by = n.lease_until = None
        return True

    async def leave(self, nudge_id: int, worker: str, note: str) -> bool:
        n = self._held(nudge_id, worker)
        if n is None:
            return False
        n.status, n.note, n.attempts = NudgeStatus.PENDING, note, n.attempts - 1
        n.claimed_by = n.lease_until = None
        return True

    async def hand_over(
        self, nudge_id: int, worker: str, platform: str, note: str, lane: str | None = None
    ) -> bool:
        n = self._held(nudge_id, worker)
        if n is None:
            return False
        n.status, n.note, n.attempts = NudgeStatus.PENDING, note, n.attempts - 1
        n.claimed_by = n.lease_until = None
        n.platform, n.lane = platform, lane
        return True

    async def reap(self, now: datetime) -> int:
        lost = [
            n
            for n in self._store.outbox.values()
            if n.status is NudgeStatus.CLAIMED and n.lease_until is not None and n.lease_until < now
        ]
        for n in lost:
            n.status, n.claimed_by, n.lease_until = NudgeStatus.PENDING, None, None
        return len(lost)

    async def hand_over_many(
        self, ready: Turns, worker: str, platform: str, note: str, lane: str
    ) -> int:
        done = 0
        for nudge_id, at in ready.items():
            if at is not None:
                _aware(at, "hand_over_many ready_at")
            if await self.hand_over(nudge_id, worker, platform, note, lane):
                if at is not None:
                    self._store.outbox[nudge_id].ready_at = at
                done += 1
        return done

    async def next_due(self, after: datetime) -> datetime | None:
        later = [
            _ready(n)
            for n in self._store.outbox.values()
            if n.status is NudgeStatus.PENDING and _ready(n) > after
        ]
        return min(later, default=None)

    async def release(self, worker: str) -> int:
        held = [
            n
            for n in self._store.outbox.values()
            if n.status is NudgeStatus.CLAIMED and n.claimed_by == worker
        ]
        for n in held:
            n.status, n.claimed_by, n.lease_until = NudgeStatus.PENDING, None, None
        return len(held)

    async def sent_between(self, member_id: int, start: datetime, end: datetime) -> int:
        return sum(
            1
            for n in self._store.outbox.values()
            if n.member_id == member_id
            and n.status is NudgeStatus.SENT
            and n.merged_into is None
            and n.finished_at is not None
            and start <= n.finished_at < end
        )

    async def sent_since(
        self, member_ids: Collection[int], since: datetime
    ) -> dict[int, list[datetime]]:
        found: dict[int, list[datetime]] = {}
        wanted = set(member_ids)
        for n in self._store.outbox.values():
            if (
                n.member_id in wanted
                and n.status is NudgeStatus.SENT
                and n.merged_into is None
                and n.finished_at is not None
                and n.finished_at >= since
            ):
                found.setdefault(n.member_id, []).append(n.finished_at)
        return found

    async def finish_many(
        self,
        nudge_ids: Collection[int],
        worker: str,
        status: NudgeStatus,
        at: datetime,
        note: str | None = None,
    ) -> set[int]:
        held = set()
        for nudge_id in set(nudge_ids):
            if await self.finish(nudge_id, worker, status, at, note):
                held.add(nudge_id)
        return held

    async def prune(self, before: datetime) -> int:
        gone = [
            nudge_id
            for nudge_id, n in self._store.outbox.items()
            if n.status in FINISHED and n.finished_at is not None and n.finished_at < before
        ]
        for nudge_id in gone:
            del self._store.outbox[nudge_id]
        return len(gone)

    async def get(self, nudge_id: int) -> Nudge | None:
        n = self._store.outbox.get(nudge_id)
        return _copy(n) if n else None

    async def counts(self) -> dict[NudgeStatus, int]:
        """Statuses with no nudge are absent, not zero (like SQL GROUP BY)."""
        out: dict[NudgeStatus, int] = {}
        for n in self._store.outbox.values():
            out[n.status] = out.get(n.status, 0) + 1
        return out


class FakeCursorRepository(_Repository):
    async def put(self, cursor: Cursor) -> None:
        _aware(cursor.next_at, "Cursor.next_at")
        self._store.cursors[cursor.key] = _copy(cursor)

    async def put_many(self, cursors: Sequence[Cursor]) -> None:
        for cursor in cursors:
            await self.put(cursor)

    async def due(self, until: datetime, limit: int) -> list[Cursor]:
        rows = sorted(
            (c for c in self._store.cursors.values() if c.next_at <= until),
            key=lambda c: (c.next_at, c.key),
        )
        return [_copy(c) for c in rows[:limit]]

    async def delete(self, key: str) -> None:
        self._store.cursors.pop(key, None)

    async def of_member(self, member_id: int) -> list[Cursor]:
        rows = [c for c in self._store.cursors.values() if c.member_id == member_id]
        return [_copy(c) for c in sorted(rows, key=lambda c: c.key)]

    async def drop_member(self, member_id: int) -> None:
        s = self._store
        s.cursors = {k: c for k, c in s.cursors.items() if c.member_id != member_id}

    async def drop_group(self, group_id: int) -> None:
        s = self._store
        s.cursors = {k: c for k, c in s.cursors.items() if c.group_id != group_id}

    async def unplanned_members(self, after_id: int, limit: int) -> list[Member]:
        planned = {c.member_id for c in self._store.cursors.values()}
        rows = [
            m
            for m in _by_id(self._store.members.values())
            if m.id not in planned and (m.id or 0) > after_id
        ]
        return [_copy(m) for m in rows[:limit]]

    async def unplanned_groups(self, after_id: int, limit: int) -> list[Group]:
        planned = {c.group_id for c in self._store.cursors.values()}
        rows = [
            g
            for g in _by_id(self._store.groups.values())
            if g.id not in planned and (g.id or 0) > after_id
        ]
        return [_copy(g) for g in rows[:limit]]


def followups_due_for_nudge(
    store_followups: dict[int, FollowUp], until: datetime, limit: int
) -> list[FollowUp]:
    rows = [
        f
        for f in store_followups.values()
        if f.status is FollowUpStatus.OPEN and (f.next_nudge_at or f.due_at) <= until
    ]
    rows.sort(key=lambda f: (f.next_nudge_at or f.due_at, f.id or 0))
    return [_copy(f) for f in rows[:limit]]


def meetings_starting_between(
    store_meetings: dict[int, Meeting], start: datetime, end: datetime
) -> list[Meeting]:
    rows = [
        m
        for m in store_meetings.values()
        if m.status is MeetingStatus.SCHEDULED and start <= m.starts_at < end
    ]
    return [_copy(m) for m in sorted(rows, key=lambda m: (m.starts_at, m.id or 0))]
