"""In-memory implementations of bot.ports, for tests (cosmicpython-style fakes).

A `FakeStore` is the database: every unit of work made from it shares its state.
Repositories hand out copies, so a change persists only through `update()`, and a unit
of work that exits on an exception restores the snapshot it took on entry.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, cast

from bot import ports
from bot.domain import (
    Activity,
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpStatus,
    Group,
    Identity,
    LinkCode,
    Meeting,
    MeetingStatus,
    Member,
    Membership,
    Opportunity,
    OpportunityStage,
    Pause,
    Pending,
    Step,
)
from bot.nudges.model import Cursor, Nudge

T = TypeVar("T")


def _copy(entity: T) -> T:
    return copy.deepcopy(entity)  # a shallow replace() would share Pending.payload


def _aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")


class FakeClock:
    """A settable clock; starts on Monday 2025-01-06 09:00 UTC unless told otherwise."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        _aware(when, "FakeClock time")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


@dataclass
class FakeStore:
    """The shared state of every repository, keyed by id; `commits` counts clean exits."""

    members: dict[int, Member] = field(default_factory=dict)
    identities: dict[Identity, int] = field(default_factory=dict)  # -> member id
    identity_ids: dict[Identity, int] = field(default_factory=dict)  # its row id, as in SQL
    pauses: dict[int, Pause] = field(default_factory=dict)
    contacts: dict[int, Contact] = field(default_factory=dict)
    activities: dict[int, Activity] = field(default_factory=dict)
    followups: dict[int, FollowUp] = field(default_factory=dict)
    meetings: dict[int, Meeting] = field(default_factory=dict)
    opportunities: dict[int, Opportunity] = field(default_factory=dict)
    steps: dict[int, Step] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    memberships: dict[tuple[int, int], Membership] = field(default_factory=dict)
    pending: dict[int, Pending] = field(default_factory=dict)  # by member id
    outbox: dict[int, Nudge] = field(default_factory=dict)
    cursors: dict[str, Cursor] = field(default_factory=dict)  # by key
    link_codes: dict[str, LinkCode] = field(default_factory=dict)  # by hash
    link_failures: list[tuple[Identity, datetime]] = field(default_factory=list)
    sequences: dict[str, int] = field(default_factory=dict)
    # The last number given per table and member: rolled back with the rest, never
    # lowered by a delete (storage/repositories/numbers.py).
    numbers: dict[tuple[str, int], int] = field(default_factory=dict)
    commits: int = 0
    rollbacks: int = 0

    def next_id(self, table: str) -> int:
        """An id per table, from 1, never reused (even after a rollback), like a sequence."""
        self.sequences[table] = self.sequences.get(table, 0) + 1
        return self.sequences[table]

    def next_number(self, table: str, member_id: int) -> int:
        """The member's own #1, #2... of contacts, follow-ups or meetings."""
        key = (table, member_id)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        return self.numbers[key]

    def snapshot(self) -> dict[str, Any]:
        return {
            f.name: copy.deepcopy(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in ("sequences", "commits", "rollbacks")
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)


class _Row(Protocol):
    id: int | None
    created_at: datetime | None


R = TypeVar("R", bound=_Row)
N = TypeVar("N", Contact, FollowUp, Meeting)


class _Repository:
    def __init__(self, store: FakeStore, clock: FakeClock) -> None:
        self._store = store
        self._clock = clock

    def _insert(self, table: dict[int, R], entity: R) -> R:
        """Give the caller's entity an id (and created_at if None); store a copy of it."""
        entity.id = self._store.next_id(type(entity).__name__)
        if entity.created_at is None:
            entity.created_at = self._clock.now()
        table[entity.id] = _copy(entity)
        return entity

    def _save(self, table: dict[int, R], entity: R) -> None:
        if entity.id is None or entity.id not in table:
            raise LookupError(f"update of a {type(entity).__name__} never added: {entity.id}")
        table[entity.id] = _copy(entity)


def _by_id(rows: Iterable[R]) -> list[R]:
    return sorted(rows, key=lambda row: row.id or 0)


def _numbered(table: dict[int, N], member_id: int, number: int) -> N | None:
    found = [r for r in table.values() if r.member_id == member_id and r.number == number]
    return _copy(found[0]) if found else None


def _delete(table: dict[int, Any], member_id: int, row_id: int) -> None:
    row = table.get(row_id)
    if row is not None and row.member_id == member_id:
        del table[row_id]


class FakeMemberRepository(_Repository):
    async def last_id(self) -> int:
        return max(self._store.members, default=0)

    async def by_identity(self, identity: Identity) -> Member | None:
        member_id = self._store.identities.get(identity)
        member = None if member_id is None else await self.get(member_id)
        if member is not None and member_id is not None:  # read along, as SQL joins it
            asked = self._store.pending.get(member_id)
            member.pending = asked.action if asked else None
            scheduled = [
                m.starts_at
                for m in self._store.meetings.values()
                if m.member_id == member_id and m.status is MeetingStatus.SCHEDULED
            ]
            member.latest_scheduled = max(scheduled, default=None)
            member.seen_identity_id = self._store.identity_ids.get(identity)
        return member

    async def get(self, member_id: int) -> Member | None:
        member = self._store.members.get(member_id)
        if member is None:
            return None
        return dataclasses.replace(_copy(member), pending=None, latest_scheduled="unread")

    async def get_many(self, member_ids: Collection[int]) -> dict[int, Member]:
        found = (self._store.members.get(member_id) for member_id in set(member_ids))
        return {m.id: _copy(m) for m in found if m is not None and m.id is not None}

    async def add(self, member: Member, identity: Identity) -> Member:
        if identity in self._store.identities:
            raise ValueError(f"identity already belongs to a member: {identity}")
        self._insert(self._store.members, member)
        self._store.identities[identity] = cast(int, member.id)
        self._store.identity_ids[identity] = self._store.next_id("identities")
        member.seen_identity_id = self._store.identity_ids[identity]
        return member

    async def update(self, member: Member) -> None:
        self._save(self._store.members, member)

    async def identities(self, member_id: int) -> list[Identity]:
        return [i for i, owner in self._store.identities.items() if owner == member_id]

    async def identities_by_use_many(
        self, member_ids: Collection[int]
    ) -> dict[int, list[Identity]]:
        found = {mid: await self.identities_by_use(mid) for mid in set(member_ids)}
        return {mid: mine for mid, mine in found.items() if mine}

    async def identities_by_use(self, member_id: int) -> list[Identity]:
        member = self._store.members.get(member_id)
        last = None if member is None else member.last_identity_id
        ids = self._store.identity_ids
        mine = await self.identities(member_id)
        return sorted(mine, key=lambda i: (ids.get(i) != last, ids.get(i, 0)))

    async def forget(self, member_id: int) -> None:
        s = self._store
        s.members.pop(member_id, None)
        s.pending.pop(member_id, None)
        s.identities = {i: m for i, m in s.identities.items() if m != member_id}
        s.identity_ids = {i: n for i, n in s.identity_ids.items() if i in s.identities}
        s.link_codes = {k: c for k, c in s.link_codes.items() if c.member_id != member_id}
        s.memberships = {k: v for k, v in s.memberships.items() if v.member_id != member_id}
        tables = ("pauses", "contacts", "activities", "followups", "meetings", "opportunities")
        for name in (*tables, "steps"):
            rows: dict[int, Any] = getattr(s, name)
            setattr(s, name, {k: v for k, v in rows.items() if v.member_id != member_id})
        s.outbox = {k: v for k, v in s.outbox.items() if v.member_id != member_id}
        s.cursors = {k: v for k, v in s.cursors.items() if v.member_id != member_id}

    async def add_pause(self, pause: Pause) -> Pause:
        pause.id = self._store.next_id("pauses")
        self._store.pauses[pause.id] = _copy(pause)
        return pause

    async def end_open_pauses(self, member_id: int, end: date) -> None:
        for pause in self._store.pauses.values():
            if pause.member_id == member_id and (pause.end is None or pause.end > end):
                pause.end = end

    async def pauses(self, member_id: int) -> list[Pause]:
        rows = [p for p in self._store.pauses.values() if p.member_id == member_id]
        return [_copy(p) for p in sorted(rows, key=lambda p: (p.start, p.id or 0))]


class FakeContactRepository(_Repository):
    def _of(self, member_id: int) -> list[Contact]:
        rows = [c for c in self._store.contacts.values() if c.member_id == member_id]
        return [_copy(c) for c in sorted(rows, key=lambda c: (c.name.casefold(), c.id or 0))]

    async def add(self, contact: Contact) -> Contact:
        contact.number = self._store.next_number("contacts", contact.member_id)
        return self._insert(self._store.contacts, contact)

    async def update(self, contact: Contact) -> None:
        self._save(self._store.contacts, contact)

    async def get(self, member_id: int, contact_id: int) -> Contact | None:
        contact = self._store.contacts.get(contact_id)
        return _copy(contact) if contact and contact.member_id == member_id else None

    async def by_number(self, member_id: int, number: int) -> Contact | None:
        return _numbered(self._store.contacts, member_id, number)

    async def starting_with(self, member_id: int, prefix: str) -> list[Contact]:
        key = prefix.casefold()
        return [c for c in self._of(member_id) if c.name.casefold().startswith(key)]

    async def most_advanced(self, member_ids: Collection[int]) -> dict[int, Contact]:
        found = {}
        for mid in set(member_ids):
            mine = self._of(mid)
            if mine:
                found[mid] = max(mine, key=lambda c: (c.stage, c.id or 0))
        return found

    async def search(self, member_id: int, text: str | None, limit: int) -> list[Contact]:
        needle = (text or "").casefold()
        found = [
            c
            for c in self._of(member_id)
            if needle in c.name.casefold() or needle in (c.company or "").casefold()
        ]
        return found[:limit]

    async def count(self, member_id: int) -> int:
        return sum(1 for c in self._store.contacts.values() if c.member_id == member_id)

    async def companies(self, member_id: int, prefix: str, limit: int) -> list[str]:
        wanted = prefix.casefold()
        names = {
            c.company
            for c in self._store.contacts.values()
            if c.member_id == member_id and c.company and c.company.casefold().startswith(wanted)
        }
        return sorted(names, key=lambda n: (n.casefold(), n))[:limit]

    async def in_use(self, member_id: int, contact_id: int) -> bool:
        s = self._store
        rows: list[Any] = [*s.activities.values(), *s.followups.values(), *s.meetings.values()]
        if any(r.member_id == member_id and r.contact_id == contact_id for r in rows):
            return True
        return any(
            c.member_id == member_id and c.referred_by_id == contact_id for c in s.contacts.values()
        )

    async def reassign(self, member_id: int, source_id: int, target_id: int) -> None:
        s = self._store
        rows: list[Any] = [*s.activities.values(), *s.followups.values(), *s.meetings.values()]
        for r in rows:
            if r.member_id == member_id and r.contact_id == source_id:
                r.contact_id = target_id
        for c in s.contacts.values():
            if c.member_id == member_id and c.referred_by_id == source_id and c.id != target_id:
                c.referred_by_id = target_id

    async def delete(self, member_id: int, contact_id: int) -> None:
        s = self._store
        contact = s.contacts.get(contact_id)
        if contact is None or contact.member_id != member_id:
            return
        del s.contacts[contact_id]
        # What the foreign keys do on the databases: ON DELETE SET NULL.
        rows: list[Any] = [*s.activities.values(), *s.followups.values(), *s.meetings.values()]
        for r in rows:
            if r.contact_id == contact_id:
                r.contact_id = None
        for c in s.contacts.values():
            if c.referred_by_id == contact_id:
                c.referred_by_id = None


class FakeActivityRepository(_Repository):
    def _of(self, member_id: int) -> list[Activity]:
        rows = [a for a in self._store.activities.values() if a.member_id == member_id]
        return [_copy(a) for a in sorted(rows, key=lambda a: (a.occurred_at, a.id or 0))]

    async def add(self, activity: Activity) -> Activity:
        _aware(activity.occurred_at, "Activity.occurred_at")
        return self._insert(self._store.activities, activity)

    async def add_unless_recent(self, activity: Activity, since: datetime) -> Activity | None:
        assert activity.contact_id is not None
        same = [
            a.created_at
            for a in self._of(activity.member_id)
            if (a.kind, a.contact_id, a.local_date)
            == (activity.kind, activity.contact_id, activity.local_date)
        ]
        if any(t is not None and t > since for t in same):
            return None
        activity.repeated = bool(same)
        return await self.add(activity)

    async def for_contact(self, member_id: int, contact_id: int, limit: int) -> list[Activity]:
        """Newest first (the ports do not say; a contact's history reads most recent first)."""
        rows = [a for a in self._of(member_id) if a.contact_id == contact_id]
        return rows[::-1][:limit]

    async def between(self, member_id: int, start: datetime, end: datetime) -> list[Activity]:
        return [a for a in self._of(member_id) if start <= a.occurred_at < end]

    async def streak_history(
        self, member_id: int, kinds: Iterable[ActivityKind]
    ) -> tuple[set[date], list[tuple[date, date | None]]]:
        pauses = sorted(
            (p.start, p.end) for p in self._store.pauses.values() if p.member_id == member_id
        )
        wanted = set(kinds)
        dates = {a.local_date for a in self._of(member_id) if a.kind in wanted}
        return dates, pauses

    async def streak_history_many(
        self, member_ids: Collection[int], kinds: Iterable[ActivityKind]
    ) -> dict[int, tuple[set[date], list[tuple[date, date | None]]]]:
        found = {mid: await self.streak_history(mid, kinds) for mid in set(member_ids)}
        return {mid: history for mid, history in found.items() if history[0] or history[1]}

    async def counts_by_member(
        self,
        member_ids: Sequence[int],
        start: datetime,
        end: datetime,
        once_a_day: Collection[ActivityKind] = (),
    ) -> dict[int, dict[ActivityKind, int]]:
        """Like SQL GROUP BY: members and kinds with no activity are absent, not zero."""
        counts: dict[int, dict[ActivityKind, int]] = {}
        wanted = set(member_ids)
        for a in self._store.activities.values():
            if a.member_id in wanted and start <= a.occurred_at < end:
                if a.repeated and a.kind in once_a_day:
                    continue
                per_kind = counts.setdefault(a.member_id, {})
                per_kind[a.kind] = per_kind.get(a.kind, 0) + 1
        return counts

    async def last_logged(
        self,
        member_id: int,
        kind: ActivityKind,
        local_date: date,
        contact_id: int | None,
        company: str | None,
    ) -> datetime | None:
        def same(a: Activity) -> bool:
            if contact_id is not None:
                return a.contact_id == contact_id
            return (
                a.contact_id is None
                and company is not None
                and ((a.company or "").casefold() == company.casefold())
            )

        times = [
            a.created_at
            for a in self._of(member_id)
            if a.kind is kind
            and a.local_date == local_date
            and a.created_at is not None
            and same(a)
        ]
        return max(times, default=None)

    async def last_at(self, member_id: int, kinds: Iterable[ActivityKind]) -> datetime | None:
        wanted = set(kinds)
        times = [a.occurred_at for a in self._of(member_id) if a.kind in wanted]
        return max(times, default=None)

    async def last_at_many(
        self, member_ids: Collection[int], kinds: Iterable[ActivityKind]
    ) -> dict[int, datetime]:
        wanted = list(kinds)
        found = {mid: await self.last_at(mid, wanted) for mid in set(member_ids)}
        return {mid: at for mid, at in found.items() if at is not None}

    async def all(self, member_id: int) -> list[Activity]:
        return self._of(member_id)

    async def delete(self, member_id: int, activity_id: int) -> None:
        _delete(self._store.activities, member_id, activity_id)
        for f in self._store.followups.values():  # ON DELETE SET NULL
            if f.source_activity_id == activity_id:
                f.source_activity_id = None


class FakeFollowUpRepository(_Repository):
    def _of(self, member_id: int) -> list[FollowUp]:
        rows = [f for f in self._store.followups.values() if f.member_id == member_id]
        return [_copy(f) for f in sorted(rows, key=lambda f: (f.due_at, f.id or 0))]

    async def add(self, followup: FollowUp) -> FollowUp:
        _aware(followup.due_at, "FollowUp.due_at")
        followup.number = self._store.next_number("followups", followup.member_id)
        return self._insert(self._store.followups, followup)

    async def add_many(self, followups: Sequence[FollowUp]) -> None:
        for followup in followups:
            await self.add(followup)

    async def due_for_nudge(self, until: datetime, limit: int) -> list[FollowUp]:
        from tests.fakes_nudges import followups_due_for_nudge

        return followups_due_for_nudge(self._store.followups, until, limit)

    async def update(self, followup: FollowUp) -> None:
        _aware(followup.due_at, "FollowUp.due_at")
        self._save(self._store.followups, followup)

    async def get(self, member_id: int, followup_id: int) -> FollowUp | None:
        followup = self._store.followups.get(followup_id)
        return _copy(followup) if followup and followup.member_id == member_id else None

    async def by_number(self, member_id: int, number: int) -> FollowUp | None:
        return _numbered(self._store.followups, member_id, number)

    async def open(self, member_id: int) -> list[FollowUp]:
        return [f for f in self._of(member_id) if f.status is FollowUpStatus.OPEN]

    async def open_many(self, member_ids: Collection[int]) -> dict[int, list[FollowUp]]:
        found = {mid: await self.open(mid) for mid in set(member_ids)}
        return {mid: mine for mid, mine in found.items() if mine}

    async def open_for(self, member_id: int, contact_id: int | None) -> list[FollowUp]:
        return [f for f in await self.open(member_id) if f.contact_id == contact_id]

    async def all(self, member_id: int) -> list[FollowUp]:
        return self._of(member_id)

    async def delete(self, member_id: int, followup_id: int) -> None:
        _delete(self._store.followups, member_id, followup_id)


class FakeMeetingRepository(_Repository):
    def _of(self, member_id: int) -> list[Meeting]:
        rows = [m for m in self._store.meetings.values() if m.member_id == member_id]
        return [_copy(m) for m in sorted(rows, key=lambda m: (m.starts_at, m.id or 0))]

    async def add(self, meeting: Meeting) -> Meeting:
        _aware(meeting.starts_at, "Meeting.starts_at")
        meeting.number = self._store.next_number("meetings", meeting.member_id)
        return self._insert(self._store.meetings, meeting)

    async def starting_between(self, start: datetime, end: datetime) -> list[Meeting]:
        from tests.fakes_nudges import meetings_starting_between

        return meetings_starting_between(self._store.meetings, start, end)

    async def update(self, meeting: Meeting) -> None:
        _aware(meeting.starts_at, "Meeting.starts_at")
        self._save(self._store.meetings, meeting)

    async def upcoming(self, member_id: int, after: datetime, limit: int) -> list[Meeting]:
        return [
            m
            for m in self._of(member_id)
            if m.status is MeetingStatus.SCHEDULED and m.starts_at >= after
        ][:limit]

    async def with_upcoming(self, member_ids: Collection[int], after: datetime) -> set[int]:
        return {mid for mid in set(member_ids) if await self.upcoming(mid, after, 1)}

    async def get(self, member_id: int, meeting_id: int) -> Meeting | None:
        meeting = self._store.meetings.get(meeting_id)
        return _copy(meeting) if meeting and meeting.member_id == member_id else None

    async def by_number(self, member_id: int, number: int) -> Meeting | None:
        return _numbered(self._store.meetings, member_id, number)

    async def all(self, member_id: int) -> list[Meeting]:
        return self._of(member_id)

    async def delete(self, member_id: int, meeting_id: int) -> None:
        _delete(self._store.meetings, member_id, meeting_id)


class FakeOpportunityRepository(_Repository):
    async def add(self, opportunity: Opportunity) -> Opportunity:
        return self._insert(self._store.opportunities, opportunity)

    async def update(self, opportunity: Opportunity) -> None:
        self._save(self._store.opportunities, opportunity)

    async def touch(
        self,
        member_id: int,
        organisation: str,
        at: datetime,
        stage: OpportunityStage,
        behind: Collection[OpportunityStage],
    ) -> list[Opportunity]:
        _aware(at, "touch at")
        mine = [
            o
            for o in _by_id(self._store.opportunities.values())
            if o.member_id == member_id and o.organisation.casefold() == organisation.casefold()
        ]
        before = [_copy(o) for o in mine]
        for o in mine:
            o.updated_at = at
            if o.stage in behind:
                o.stage = stage
        return before

    async def get(self, member_id: int, opportunity_id: int) -> Opportunity | None:
        found = self._store.opportunities.get(opportunity_id)
        return _copy(found) if found and found.member_id == member_id else None

    async def delete(self, member_id: int, opportunity_id: int) -> None:
        _delete(self._store.opportunities, member_id, opportunity_id)

    async def by_organisation(self, member_id: int, organisation: str) -> Opportunity | None:
        name = organisation.casefold()
        for o in await self.all(member_id):
            if o.organisation.casefold() == name:
                return o
        return None

    async def all(self, member_id: int) -> list[Opportunity]:
        rows = [o for o in self._store.opportunities.values() if o.member_id == member_id]
        return [_copy(o) for o in _by_id(rows)]


class FakeStepRepository(_Repository):
    async def add(self, step: Step) -> Step:
        # Through JSON and back, as the databases store it: a value that does not
        # survive that (a datetime, an enum) fails here as it would there.
        step.changes = json.loads(json.dumps(step.changes))
        return self._insert(self._store.steps, step)

    async def last(self, member_id: int, since: datetime) -> Step | None:
        mine = [
            s
            for s in self._store.steps.values()
            if s.member_id == member_id and s.created_at is not None and s.created_at >= since
        ]
        newest = max(mine, key=lambda s: (s.created_at, s.id or 0), default=None)
        return None if newest is None else _copy(newest)

    async def delete(self, member_id: int, step_id: int) -> None:
        _delete(self._store.steps, member_id, step_id)

    async def prune(self, before: datetime) -> int:
        old = [k for k, s in self._store.steps.items() if s.created_at and s.created_at < before]
        for k in old:
            del self._store.steps[k]
        return len(old)


class FakeGroupRepository(_Repository):
    async def last_id(self) -> int:
        return max(self._store.groups, default=0)

    async def by_channel(self, platform: str, tenant: str, channel_id: str) -> Group | None:
        for g in _by_id(self._store.groups.values()):
            if (g.platform, g.tenant, g.channel_id) == (platform, tenant, channel_id):
                return _copy(g)
        return None

    async def get(self, group_id: int) -> Group | None:
        group = self._store.groups.get(group_id)
        return None if group is None else _copy(group)

    async def add(self, group: Group) -> Group:
        if await self.by_channel(group.platform, group.tenant, group.channel_id):
            raise ValueError(f"a group already exists for {group.platform}/{group.channel_id}")
        return self._insert(self._store.groups, group)

    async def update(self, group: Group) -> None:
        self._save(self._store.groups, group)

    async def membership(self, group_id: int, member_id: int) -> Membership | None:
        membership = self._store.memberships.get((group_id, member_id))
        return None if membership is None else _copy(membership)

    async def join(self, membership: Membership) -> None:
        key = (membership.group_id, membership.member_id)
        if key in self._store.memberships:
            raise ValueError(f"member {membership.member_id} already in group {key[0]}")
        if membership.group_id not in self._store.groups:
            raise LookupError(f"no group {membership.group_id}")
        if membership.member_id not in self._store.members:
            raise LookupError(f"no member {membership.member_id}")
        if membership.joined_at is None:
            membership.joined_at = self._clock.now()
        self._store.memberships[key] = _copy(membership)

    async def update_membership(self, membership: Membership) -> None:
        key = (membership.group_id, membership.member_id)
        if key not in self._store.memberships:
            raise LookupError(f"member {membership.member_id} is not in group {key[0]}")
        self._store.memberships[key] = _copy(membership)

    async def leave(self, group_id: int, member_id: int) -> None:
        self._store.memberships.pop((group_id, member_id), None)

    async def roster(self, group_id: int, opted_in_only: bool) -> list[tuple[int, str]]:
        rows = [
            (ms.member_id, self._store.members[ms.member_id].display_name)
            for ms in self._store.memberships.values()
            if ms.group_id == group_id and (ms.leaderboard_opt_in or not opted_in_only)
        ]
        return sorted(rows)

    async def admins(self, group_id: int) -> list[int]:
        return sorted(
            ms.member_id
            for ms in self._store.memberships.values()
            if ms.group_id == group_id and ms.is_admin
        )

    async def members(self, group_id: int) -> list[tuple[Member, Membership]]:
        """In member id order (the ports do not say)."""
        pairs = [
            (_copy(self._store.members[m.member_id]), _copy(m))
            for m in self._store.memberships.values()
            if m.group_id == group_id and m.member_id in self._store.members
        ]
        return sorted(pairs, key=lambda pair: pair[1].member_id)

    async def of_member(self, member_id: int) -> list[Group]:
        ids = {m.group_id for m in self._store.memberships.values() if m.member_id == member_id}
        return [_copy(g) for g in _by_id(self._store.groups.values()) if g.id in ids]


class FakePendingRepository(_Repository):
    async def get(self, member_id: int) -> Pending | None:
        """Returned even when expired: expiry is the caller's judgement."""
        pending = self._store.pending.get(member_id)
        return None if pending is None else _copy(pending)

    async def put(self, pending: Pending) -> None:
        self._store.pending[pending.member_id] = _copy(pending)

    async def clear(self, member_id: int) -> None:
        self._store.pending.pop(member_id, None)


class FakeUnitOfWork:
    """Snapshot on enter; restore it on an exception, else count a commit."""

    def __init__(self, store: FakeStore, clock: FakeClock, read_only: bool = False) -> None:
        self.store = store
        self.read_only = read_only
        self._snapshot: dict[str, Any] | None = None
        self.members: ports.MemberRepository = FakeMemberRepository(store, clock)
        self.contacts: ports.ContactRepository = FakeContactRepository(store, clock)
        self.activities: ports.ActivityRepository = FakeActivityRepository(store, clock)
        self.followups: ports.FollowUpRepository = FakeFollowUpRepository(store, clock)
        self.meetings: ports.MeetingRepository = FakeMeetingRepository(store, clock)
        self.opportunities: ports.OpportunityRepository = FakeOpportunityRepository(store, clock)
        self.steps: ports.StepRepository = FakeStepRepository(store, clock)
        self.groups: ports.GroupRepository = FakeGroupRepository(store, clock)
        self.pending: ports.PendingRepository = FakePendingRepository(store, clock)
        from tests.fakes_nudges import FakeCursorRepository, FakeOutboxRepository

        self.outbox: ports.OutboxRepository = FakeOutboxRepository(store, clock)
        self.cursors: ports.CursorRepository = FakeCursorRepository(store, clock)
        from tests.fakes_links import FakeLinkRepository

        self.links: ports.LinkRepository = FakeLinkRepository(store, clock)

    async def __aenter__(self) -> Self:
        if self._snapshot is not None:
            raise RuntimeError("FakeUnitOfWork is not re-entrant")
        self._snapshot = self.store.snapshot()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        snapshot, self._snapshot = self._snapshot, None
        if exc_type is None and self.read_only and snapshot != self.store.snapshot():
            raise AssertionError("a read-only unit of work changed the store")
        if exc_type is None:
            self.store.commits += 1
        elif snapshot is not None:
            self.store.restore(snapshot)
            self.store.rollbacks += 1


class FakeUowFactory(Protocol):
    def __call__(self, read_only: bool = False) -> FakeUnitOfWork: ...


def fake_uow_factory(store: FakeStore, clock: FakeClock) -> FakeUowFactory:
    def make(read_only: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(store, clock, read_only)

    return make


if TYPE_CHECKING:
    _clock: ports.Clock = FakeClock()
    _uow: ports.UnitOfWork = FakeUnitOfWork(FakeStore(), FakeClock())
    _factory: ports.UnitOfWorkFactory = fake_uow_factory(FakeStore(), FakeClock())
