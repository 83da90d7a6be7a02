"""The job-search domain: plain dataclasses, no storage or platform knowledge."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

Unread = Literal["unread"]  # a value read along with an entity, when it was not


class ActivityKind(enum.StrEnum):
    OUTREACH = "outreach"
    MEETING = "meeting"  # networking / informational: an interview too, in this method
    INTERVIEW = "interview"
    FOLLOWUP = "followup"
    THANKYOU = "thankyou"
    REFERRAL = "referral"  # a lead received
    APPLICATION = "application"
    OFFER = "offer"


CONVERSATIONS = frozenset({ActivityKind.MEETING, ActivityKind.INTERVIEW})
# What keeps a streak alive: things the member did to get or follow a conversation.
STREAK_KINDS = frozenset(
    {
        ActivityKind.OUTREACH,
        ActivityKind.FOLLOWUP,
        ActivityKind.THANKYOU,
        ActivityKind.MEETING,
        ActivityKind.INTERVIEW,
    }
)


class MemberStatus(enum.StrEnum):
    SEARCHING = "searching"
    LANDED = "landed"


class FollowUpKind(enum.StrEnum):
    THANKYOU = "thankyou"  # within 24 h of a conversation
    CHECKBACK = "checkback"  # where does the other side stand?
    LEAD = "lead"  # a referral to reach out to within 48 h
    PLANNED = "planned"  # one the member set for a day


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class OpportunityStage(enum.StrEnum):
    TARGET = "target"
    CONTACTED = "contacted"
    CONVERSATION = "conversation"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    CLOSED = "closed"


IN_THE_WORKS = frozenset(
    {
        OpportunityStage.CONTACTED,
        OpportunityStage.CONVERSATION,
        OpportunityStage.INTERVIEWING,
        OpportunityStage.OFFER,
    }
)


@dataclass(frozen=True, slots=True)
class Identity:
    """A person as a platform knows them; tenant is the Slack team or Discord guild."""

    platform: str
    tenant: str
    user_id: str


MON_FRI = frozenset({0, 1, 2, 3, 4})


@dataclass(slots=True)
class Member:
    display_name: str
    timezone: str = "UTC"
    checkin_time: time = time(9, 30)
    working_days: frozenset[int] = MON_FRI  # 0 = Monday
    quiet_start: time | None = None
    quiet_end: time | None = None
    paused_until: date | None = None
    status: MemberStatus = MemberStatus.SEARCHING
    landed_on: date | None = None
    weekly_goal: int = 5
    nudges_enabled: bool = True
    nudges_off: frozenset[str] = frozenset()  # nudge kinds turned off one by one
    unreachable: bool = False  # a platform said DMs are closed or the user is gone
    # Set by `settings timezone`: the platform's zone (Slack's users.info) no longer moves it.
    timezone_pinned: bool = False
    # Where nudges go: the platform chosen with `settings nudges` (None: where they last
    # wrote from), and which of their identities that was (a storage id; None until they
    # have linked a second one).
    nudge_platform: str | None = None
    last_identity_id: int | None = None
    created_at: datetime | None = None
    id: int | None = None
    # Read with the member (by_identity), not stored on its row: the pending question's
    # action ("forget"), so every command knows for free whether one awaits an answer.
    pending: str | None = field(default=None, compare=False)
    # Read along the same way: when the latest meeting still scheduled starts (None: none
    # is), so a logged conversation need not look for one to mark held. UNREAD otherwise.
    latest_scheduled: datetime | Unread | None = field(default="unread", compare=False)
    # Read along too: the id of the identity this message came from (None otherwise).
    seen_identity_id: int | None = field(default=None, compare=False)

    def switched_identity(self) -> bool:
        """A linked member wrote from another identity than last time: record it (one
        write, only then), so their nudges follow them there."""
        last, seen = self.last_identity_id, self.seen_identity_id
        return last is not None and seen is not None and last != seen


@dataclass(slots=True)
class Pause:
    """A stretch of days off the clock (vacation, pause); end is inclusive, None = open."""

    member_id: int
    start: date
    end: date | None
    id: int | None = None


@dataclass(slots=True)
class Contact:
    member_id: int
    name: str
    company: str | None = None
    role: str | None = None
    how_met: str | None = None
    referred_by_id: int | None = None
    stage: int = 1  # 1 in touch, 2 interested, 3 discussing real jobs
    notes: str | None = None
    created_at: datetime | None = None
    id: int | None = None
    number: int | None = None  # the member's own #1, #2... of contacts, set when added


@dataclass(slots=True)
class Activity:
    member_id: int
    kind: ActivityKind
    occurred_at: datetime  # UTC
    local_date: date  # the member's calendar day when it happened
    contact_id: int | None = None
    company: str | None = None
    note: str | None = None
    created_at: datetime | None = None
    id: int | None = None
    # The same step (kind, person or company) was logged earlier that local day.
    repeated: bool = False


@dataclass(slots=True)
class FollowUp:
    member_id: int
    kind: FollowUpKind
    due_at: datetime  # UTC
    contact_id: int | None = None
    company: str | None = None
    status: FollowUpStatus = FollowUpStatus.OPEN
    source_activity_id: int | None = None
    created_at: datetime | None = None
    closed_at: datetime | None = None
    # When the nudge planner next reminds about it (None: at due_at), and how often it has.
    next_nudge_at: datetime | None = None
    nudges_sent: int = 0
    id: int | None = None
    number: int | None = None  # the member's own #1, #2... of follow-ups, set when added


@dataclass(slots=True)
class Meeting:
    """An upcoming conversation: the member's next interview."""

    member_id: int
    starts_at: datetime  # UTC
    kind: ActivityKind = ActivityKind.MEETING
    contact_id: int | None = None
    company: str | None = None
    status: MeetingStatus = MeetingStatus.SCHEDULED
    created_at: datetime | None = None
    id: int | None = None
    number: int | None = None  # the member's own #1, #2... of meetings, set when added


@dataclass(slots=True)
class Opportunity:
    member_id: int
    organisation: str
    role: str | None = None
    stage: OpportunityStage = OpportunityStage.TARGET
    updated_at: datetime | None = None
    created_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class Group:
    platform: str
    tenant: str
    channel_id: str
    name: str
    timezone: str = "UTC"
    leaderboard_weekday: int = 4  # Friday
    leaderboard_time: time = time(16, 0)
    created_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class Membership:
    group_id: int
    member_id: int
    is_admin: bool = False
    leaderboard_opt_in: bool = True
    joined_at: datetime | None = None


@dataclass(slots=True)
class Pending:
    """A question the buddy asked and awaits an answer to (e.g. confirm `forget me`)."""

    member_id: int
    action: str
    payload: dict[str, object] = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass(slots=True)
class Step:
    """A logged step, kept for 24 hours so `undo` can take it back: what it changed,
    as JSON-ready records (see bot/undo.py), and how to name it in the reply."""

    member_id: int
    summary: str  # "conversation with Jane Doe (Acme)": names as typed
    changes: list[dict[str, object]] = field(default_factory=list)
    created_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class LinkCode:
    """A one-time code joining the identity that asked for it to another (`link`).
    Only its hash is kept; used_at marks one already typed."""

    code_hash: str
    member_id: int
    identity: Identity
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime | None = None
