"""The ports the core needs: storage (a unit of work with repositories), a clock, and an
observer told what happened (metrics; the default does nothing).

storage/ implements them with SQLAlchemy; tests/fakes.py implements them in memory.
Every method is async so one execution model runs end to end.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from bot.domain import (
    Activity,
    ActivityKind,
    Contact,
    FollowUp,
    Group,
    Identity,
    LinkCode,
    Meeting,
    Member,
    Membership,
    Opportunity,
    OpportunityStage,
    Pause,
    Pending,
    Step,
)
from bot.nudges.model import (
    Cursor,
    DeliveryResult,
    DeliveryStatus,
    LimitScope,
    Nudge,
    NudgeStatus,
    Outbound,
    Turns,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class Timer(Protocol):
    """Monotonic seconds and a way to wait: what rate limiting needs (not the date)."""

    def monotonic(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class CommandOutcome(enum.StrEnum):
    OK = "ok"  # done, or a question asked back (which contact? are you sure?)
    USER_ERROR = "user_error"  # refused with a reason and an example
    INTERNAL_ERROR = "internal_error"  # a bug: "something went wrong on my side"


class Observer(Protocol):
    """What the core and the dispatcher report as they go, for the operator's metrics.
    Called inline: an implementation only counts, it never waits or raises."""

    def command(self, name: str, outcome: CommandOutcome, seconds: float) -> None:
        """A command ended; `name` is a registered command's, or "unknown"."""
        ...

    def delivery(self, platform: str, status: DeliveryStatus) -> None:
        """A message went to `platform` and came back with `status`."""
        ...

    def rate_limited(self, platform: str, scope: LimitScope) -> None:
        """The platform answered 429 (or its own "slow down"): `scope` is closed a while."""
        ...

    def nudge_late(self, seconds: float) -> None:
        """A nudge was delivered `seconds` after it was due (as a retry last set it)."""
        ...


class NullObserver:
    """The default Observer: nobody is watching."""

    def command(self, name: str, outcome: CommandOutcome, seconds: float) -> None:
        pass

    def delivery(self, platform: str, status: DeliveryStatus) -> None:
        pass

    def rate_limited(self, platform: str, scope: LimitScope) -> None:
        pass

    def nudge_late(self, seconds: float) -> None:
        pass


class MemberRepository(Protocol):
    async def by_identity(self, identity: Identity) -> Member | None: ...
    async def get(self, member_id: int) -> Member | None: ...
    async def get_many(self, member_ids: Collection[int]) -> dict[int, Member]:
        """The members with these ids (missing ones left out), in one query."""
        ...

    async def last_id(self) -> int:
        """The highest member id (0 when there is none)."""
        ...

    async def add(self, member: Member, identity: Identity) -> Member:
        """Insert the member and its first identity; sets member.id."""
        ...

    async def update(self, member: Member) -> None: ...
    async def identities(self, member_id: int) -> list[Identity]: ...
    async def identities_by_use(self, member_id: int) -> list[Identity]:
        """The member's identities, the one they last wrote from first (nudge routing)."""
        ...

    async def identities_by_use_many(
        self, member_ids: Collection[int]
    ) -> dict[int, list[Identity]]:
        """identities_by_use for several members in one query (members with none left out)."""
        ...

    async def forget(self, member_id: int) -> None:
        """Delete every row of the member: identities, contacts, activity, groups..."""
        ...

    async def add_pause(self, pause: Pause) -> Pause: ...
    async def end_open_pauses(self, member_id: int, end: date) -> None:
        """Close every pause with end None (or ending after `end`) at `end`."""
        ...

    async def pauses(self, member_id: int) -> list[Pause]: ...


class ContactRepository(Protocol):
    async def add(self, contact: Contact) -> Contact: ...
    async def update(self, contact: Contact) -> None: ...
    async def get(self, member_id: int, contact_id: int) -> Contact | None: ...
    async def by_number(self, member_id: int, number: int) -> Contact | None:
        """The member's contact #`number` (their own numbering, not the id)."""
        ...

    async def starting_with(self, member_id: int, prefix: str) -> list[Contact]:
        """Contacts whose name starts with `prefix` (case-insensitive): match candidates."""
        ...

    async def search(self, member_id: int, text: str | None, limit: int) -> list[Contact]:
        """Contacts whose name or company contains `text`, by name; all when None."""
        ...

    async def most_advanced(self, member_ids: Collection[int]) -> dict[int, Contact]:
        """Each member's contact of the highest stage (the newest of those), in one query;
        members with no contact left out."""
        ...

    async def count(self, member_id: int) -> int: ...
    async def companies(self, member_id: int, prefix: str, limit: int) -> list[str]: ...
    async def in_use(self, member_id: int, contact_id: int) -> bool:
        """Whether anything points at the contact: an activity, follow-up or meeting with
        them, or a contact they referred."""
        ...

    async def reassign(self, member_id: int, source_id: int, target_id: int) -> None:
        """Move every activity, follow-up and meeting with `source_id`, and every contact
        it referred (but `target_id` itself), to `target_id`."""
        ...

    async def delete(self, member_id: int, contact_id: int) -> None:
        """Delete the contact; what still points at it keeps its row, pointing at no one."""
        ...


class ActivityRepository(Protocol):
    async def add(self, activity: Activity) -> Activity: ...
    async def add_unless_recent(self, activity: Activity, since: datetime) -> Activity | None:
        """Add the activity (with a contact) unless the same step (kind, contact, local
        day) was logged after `since`: then add nothing and return None. `repeated` is
        set when the same step was logged earlier that day."""
        ...

    async def for_contact(self, member_id: int, contact_id: int, limit: int) -> list[Activity]: ...
    async def between(self, member_id: int, start: datetime, end: datetime) -> list[Activity]:
        """Activities with start <= occurred_at < end, oldest first."""
        ...

    async def counts_by_member(
        self,
        member_ids: Sequence[int],
        start: datetime,
        end: datetime,
        once_a_day: Collection[ActivityKind] = (),
    ) -> dict[int, dict[ActivityKind, int]]:
        """Per member and kind, how many activities fell in [start, end). A kind in
        `once_a_day` leaves out the `repeated` ones: at most one per contact (or, with no
        contact, company) and local day, what a leaderboard rewards."""
        ...

    async def last_logged(
        self,
        member_id: int,
        kind: ActivityKind,
        local_date: date,
        contact_id: int | None,
        company: str | None,
    ) -> datetime | None:
        """When (created_at) the member last logged `kind` for `local_date` with this
        contact (or, with none, this company, in any case); None if never."""
        ...

    async def streak_history(
        self, member_id: int, kinds: Iterable[ActivityKind]
    ) -> tuple[set[date], list[tuple[date, date | None]]]:
        """What a streak is computed from, in one round trip: the member's distinct local
        dates with an activity of `kinds`, and their pauses as (start, end or None)."""
        ...

    async def streak_history_many(
        self, member_ids: Collection[int], kinds: Iterable[ActivityKind]
    ) -> dict[int, tuple[set[date], list[tuple[date, date | None]]]]:
        """streak_history for several members in two queries (those with neither an
        activity of `kinds` nor a pause left out)."""
        ...

    async def last_at(self, member_id: int, kinds: Iterable[ActivityKind]) -> datetime | None: ...
    async def last_at_many(
        self, member_ids: Collection[int], kinds: Iterable[ActivityKind]
    ) -> dict[int, datetime]:
        """last_at for several members in one query (those with none left out)."""
        ...

    async def all(self, member_id: int) -> list[Activity]: ...
    async def delete(self, member_id: int, activity_id: int) -> None:
        """Take an activity out of the log (undo); follow-ups it caused keep their row."""
        ...


class FollowUpRepository(Protocol):
    async def add(self, followup: FollowUp) -> FollowUp: ...
    async def due_for_nudge(self, until: datetime, limit: int) -> list[FollowUp]:
        """Open follow-ups of every member whose next reminder (next_nudge_at, else
        due_at) is at or before `until`, earliest first."""
        ...

    async def add_many(self, followups: Sequence[FollowUp]) -> None:
        """Insert several in one statement; sets each one's id."""
        ...

    async def update(self, followup: FollowUp) -> None: ...
    async def get(self, member_id: int, followup_id: int) -> FollowUp | None: ...
    async def by_number(self, member_id: int, number: int) -> FollowUp | None:
        """The member's follow-up #`number` (their own numbering, not the id)."""
        ...

    async def open(self, member_id: int) -> list[FollowUp]:
        """Open follow-ups, earliest due first."""
        ...

    async def open_many(self, member_ids: Collection[int]) -> dict[int, list[FollowUp]]:
        """open() for several members in one query (those with none left out)."""
        ...

    async def open_for(self, member_id: int, contact_id: int | None) -> list[FollowUp]:
        """Open follow-ups owed to that contact (None: those owed to no one in
        particular, a company's), earliest due first."""
        ...

    async def all(self, member_id: int) -> list[FollowUp]: ...
    async def delete(self, member_id: int, followup_id: int) -> None: ...


class MeetingRepository(Protocol):
    async def add(self, meeting: Meeting) -> Meeting: ...
    async def get(self, member_id: int, meeting_id: int) -> Meeting | None: ...
    async def by_number(self, member_id: int, number: int) -> Meeting | None:
        """The member's meeting #`number` (their own numbering, not the id)."""
        ...

    async def update(self, meeting: Meeting) -> None: ...
    async def upcoming(self, member_id: int, after: datetime, limit: int) -> list[Meeting]:
        """Scheduled meetings starting at or after `after`, soonest first."""
        ...

    async def with_upcoming(self, member_ids: Collection[int], after: datetime) -> set[int]:
        """Which of these members have a scheduled meeting starting at or after `after`."""
        ...

    async def all(self, member_id: int) -> list[Meeting]: ...
    async def starting_between(self, start: datetime, end: datetime) -> list[Meeting]:
        """Scheduled meetings of every member with start <= starts_at < end."""
        ...

    async def delete(self, member_id: int, meeting_id: int) -> None: ...


class OpportunityRepository(Protocol):
    async def add(self, opportunity: Opportunity) -> Opportunity: ...
    async def update(self, opportunity: Opportunity) -> None: ...
    async def touch(
        self,
        member_id: int,
        organisation: str,
        at: datetime,
        stage: OpportunityStage,
        behind: Collection[OpportunityStage],
    ) -> list[Opportunity]:
        """Mark the member's opportunities at `organisation` (ignoring case) active at `at`,
        moving those at a stage in `behind` to `stage`. Returns them as they were before
        (what undo puts back), by id; empty when there is none."""
        ...

    async def get(self, member_id: int, opportunity_id: int) -> Opportunity | None: ...
    async def delete(self, member_id: int, opportunity_id: int) -> None: ...

    async def by_organisation(self, member_id: int, organisation: str) -> Opportunity | None:
        """Case-insensitive match on the organisation name."""
        ...

    async def all(self, member_id: int) -> list[Opportunity]: ...


class StepRepository(Protocol):
    """The undo journal: what each logged step changed, newest on top."""

    async def add(self, step: Step) -> Step:
        """One INSERT (the log path's only extra statement); sets id and created_at."""
        ...

    async def last(self, member_id: int, since: datetime) -> Step | None:
        """The member's newest step created at or after `since`."""
        ...

    async def delete(self, member_id: int, step_id: int) -> None: ...
    async def prune(self, before: datetime) -> int:
        """Delete every member's steps created before `before`; how many."""
        ...


class GroupRepository(Protocol):
    async def by_channel(self, platform: str, tenant: str, channel_id: str) -> Group | None: ...
    async def get(self, group_id: int) -> Group | None: ...
    async def last_id(self) -> int: ...
    async def add(self, group: Group) -> Group: ...
    async def update(self, group: Group) -> None: ...
    async def membership(self, group_id: int, member_id: int) -> Membership | None: ...
    async def join(self, membership: Membership) -> None: ...
    async def update_membership(self, membership: Membership) -> None: ...
    async def leave(self, group_id: int, member_id: int) -> None: ...
    async def members(self, group_id: int) -> list[tuple[Member, Membership]]: ...
    async def roster(self, group_id: int, opted_in_only: bool) -> list[tuple[int, str]]:
        """(member id, display name) of the group's members by id; with opted_in_only,
        only those shown on the leaderboard."""
        ...

    async def admins(self, group_id: int) -> list[int]:
        """The member ids of the group's admins, by id."""
        ...

    async def of_member(self, member_id: int) -> list[Group]: ...


class PendingRepository(Protocol):
    async def get(self, member_id: int) -> Pending | None: ...
    async def put(self, pending: Pending) -> None:
        """Replace the member's pending question."""
        ...

    async def clear(self, member_id: int) -> None: ...


class OutboxRepository(Protocol):
    """The nudge outbox: planners enqueue, dispatchers claim with a lease and finish."""

    async def enqueue(self, nudges: Sequence[Nudge]) -> int:
        """Insert those whose dedupe_key is new (the rest are ignored); how many went in."""
        ...

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
        """Up to `limit` pending nudges ready by `now` (see Nudge.ready_at: due, unless a
        full lane booked a later turn), earliest ready first, now claimed by
        `worker` until now + lease, attempts + 1. Concurrent claimers never get the same
        row (FOR UPDATE SKIP LOCKED on PostgreSQL; one dispatcher on SQLite).
        `platforms` (None: any): only nudges whose platform is None or one of them, and
        those due before `stale_before` whatever their platform (so a claimer skips them
        as late when no process delivers to theirs; ready, like every claimed nudge).
        With `platforms`, `skip_lanes`: not those whose lane is one of them (lanes of the
        claimer still full)."""
        ...

    async def finish(
        self,
        nudge_id: int,
        worker: str,
        status: NudgeStatus,
        at: datetime,
        note: str | None,
        merged_into: int | None = None,
    ) -> bool:
        """Close a nudge `worker` still holds (sent, skipped or failed). False when its
        lease was lost to the reaper: someone else owns it now. `merged_into`: the id of
        the nudge whose message carried this one."""
        ...

    async def retry(self, nudge_id: int, worker: str, due_at: datetime, note: str) -> bool:
        """Give a held nudge back as pending, due (and ready) again at `due_at`."""
        ...

    async def reap(self, now: datetime) -> int:
        """Claimed nudges whose lease ended go back to pending; how many."""
        ...

    async def leave(self, nudge_id: int, worker: str, note: str) -> bool:
        """Give a held nudge back as pending for another worker, due as it was, its claim
        not counted among its attempts (this worker had no room for it)."""
        ...

    async def hand_over(
        self, nudge_id: int, worker: str, platform: str, note: str, lane: str | None = None
    ) -> bool:
        """Like leave, and the nudge's platform becomes `platform`: only a claimer that
        delivers there takes it next (this worker has no adapter for it, or, with `lane`,
        that lane of its is full: its claims leave the nudge aside while it stays so)."""
        ...

    async def next_due(self, after: datetime) -> datetime | None:
        """The earliest time after `after` that a pending nudge becomes claimable (its
        ready_at: due_at, or the turn a full lane booked for it); None: there is none."""
        ...

    async def hand_over_many(
        self, ready: Turns, worker: str, platform: str, note: str, lane: str
    ) -> int:
        """hand_over for nudges of one full lane, in a statement a turn, each id claimable
        again from its time in `ready` (its turn on the lane; None: as it was), due_at
        unchanged; how many were held."""
        ...

    async def release(self, worker: str) -> int:
        """Every nudge `worker` still holds goes back to pending at once (it is stopping
        and will not deliver them); how many. Their attempts stay counted."""
        ...

    async def sent_between(self, member_id: int, start: datetime, end: datetime) -> int:
        """How many messages the member was sent with start <= finished_at < end:
        SENT nudges not merged into another one."""
        ...

    async def sent_since(
        self, member_ids: Collection[int], since: datetime
    ) -> dict[int, list[datetime]]:
        """For several members in one query: the finished_at of each message sent to them
        at or after `since` (as sent_between counts them), those with none left out."""
        ...

    async def finish_many(
        self,
        nudge_ids: Collection[int],
        worker: str,
        status: NudgeStatus,
        at: datetime,
        note: str | None = None,
    ) -> set[int]:
        """finish() for several held nudges in one statement, one note, none merged; the
        ids that were still held (the others' leases were lost)."""
        ...

    async def prune(self, before: datetime) -> int:
        """Delete finished nudges (sent, skipped, failed) with finished_at < before; how
        many. Pending nudges without a ready_at (queued by a version before it had one)
        become ready when due."""
        ...

    async def get(self, nudge_id: int) -> Nudge | None: ...
    async def counts(self) -> dict[NudgeStatus, int]: ...


class CursorRepository(Protocol):
    """When periodic planners next look at each member and group."""

    async def put(self, cursor: Cursor) -> None:
        """Insert or replace the cursor with this key."""
        ...

    async def put_many(self, cursors: Sequence[Cursor]) -> None:
        """put() for several, in as few statements as the database allows."""
        ...

    async def due(self, until: datetime, limit: int) -> list[Cursor]:
        """Cursors with next_at <= until, earliest first."""
        ...

    async def delete(self, key: str) -> None: ...
    async def of_member(self, member_id: int) -> list[Cursor]: ...
    async def drop_member(self, member_id: int) -> None:
        """Delete the member's cursors: the planner lays them anew (settings changed)."""
        ...

    async def drop_group(self, group_id: int) -> None: ...
    async def unplanned_members(self, after_id: int, limit: int) -> list[Member]:
        """Members with id > after_id and no cursor at all, by id (pages by keyset)."""
        ...

    async def unplanned_groups(self, after_id: int, limit: int) -> list[Group]:
        """Groups with id > after_id and no cursor at all, by id."""
        ...


class LinkRepository(Protocol):
    """One person, several identities: link codes, wrong-code counts, merge and split."""

    async def put_code(self, code: LinkCode) -> None:
        """Store a new code; the identity's earlier codes (and long-expired ones) go."""
        ...

    async def code(self, code_hash: str) -> LinkCode | None: ...
    async def use_code(self, code_hash: str, at: datetime) -> None: ...
    async def failures_since(self, identity: Identity, since: datetime) -> list[datetime]:
        """When this identity typed a wrong code after `since`, oldest first."""
        ...

    async def add_failure(self, identity: Identity, at: datetime, prune_before: datetime) -> None:
        """Count a wrong code; the identity's failures before `prune_before` go."""
        ...

    async def merge(self, survivor_id: int, absorbed_id: int) -> None:
        """Move everything of `absorbed` to `survivor` and delete it: contacts alike in
        name and company become one, numbers that move are renumbered after the
        survivor's, group memberships stay unique, queued nudges and cursors of the
        absorbed member go (the caller re-plans the survivor)."""
        ...

    async def split(self, member_id: int, keep: Identity, fresh: Member) -> Member:
        """Add `fresh` as a new member and move every identity of `member_id` but
        `keep` to it; the data stays with `member_id`."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Commits on a clean exit of `async with`, rolls back otherwise."""

    members: MemberRepository
    contacts: ContactRepository
    activities: ActivityRepository
    followups: FollowUpRepository
    meetings: MeetingRepository
    opportunities: OpportunityRepository
    steps: StepRepository
    groups: GroupRepository
    pending: PendingRepository
    outbox: OutboxRepository
    cursors: CursorRepository
    links: LinkRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, read_only: bool = False) -> UnitOfWork:
        """A fresh unit of work. read_only: it will not write (SQLite then takes no write
        lock and waits for no writer; PostgreSQL refuses a write in it)."""
        ...


class Delivery(Protocol):
    """One platform's way to send a rendered nudge (console, Slack, Discord)."""

    platform: str

    async def deliver(self, message: Outbound) -> DeliveryResult:
        """Send it once; the idempotency key lets the platform drop a repeat."""
        ...
