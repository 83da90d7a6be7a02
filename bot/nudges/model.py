"""What a nudge is: a row in the outbox, and what delivering one can come back with."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import Identity
from bot.replies import Action, Line, Reply


class NudgeKind(enum.StrEnum):
    CHECKIN = "checkin"  # daily, at the member's check-in time on working days
    FOLLOWUP = "followup"  # a follow-up owed is due, then a gentle cadence
    LEAD = "lead"  # a referral not contacted within 48 hours
    PREP = "prep"  # before a scheduled conversation
    DEBRIEF = "debrief"  # after it
    NO_INTERVIEW = "no_interview"  # nothing scheduled, nothing held for days
    PIPELINE = "pipeline"  # fewer than 6 things in the works
    STREAK_RISK = "streak_risk"  # evening, nothing done today, no freeze left
    WEEKLY_REVIEW = "weekly_review"  # the member's week against their goal
    LEADERBOARD = "leaderboard"  # the group's weekly post, in its channel
    ADMIN_SUMMARY = "admin_summary"  # the group's week, to its admins


# Members can turn these off one by one (`nudges off streak_risk`); group posts are the
# group's setting, not a member's.
MEMBER_KINDS = tuple(k for k in NudgeKind if k not in (NudgeKind.LEADERBOARD,))
# When several are due together they merge into one message; the first is the headline.
PRIORITY = (
    NudgeKind.PREP,
    NudgeKind.DEBRIEF,
    NudgeKind.LEAD,
    NudgeKind.FOLLOWUP,
    NudgeKind.CHECKIN,
    NudgeKind.STREAK_RISK,
    NudgeKind.NO_INTERVIEW,
    NudgeKind.PIPELINE,
    NudgeKind.WEEKLY_REVIEW,
    NudgeKind.ADMIN_SUMMARY,
    NudgeKind.LEADERBOARD,
)


class NudgeStatus(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # a dispatcher holds it until its lease ends
    SENT = "sent"
    SKIPPED = "skipped"  # stale, capped, paused, nothing left to say
    FAILED = "failed"  # permanent failure or out of attempts


@dataclass(slots=True)
class Nudge:
    kind: NudgeKind
    due_at: datetime  # UTC
    dedupe_key: str  # e.g. "m12:checkin:2026-03-09": the same nudge is never queued twice
    member_id: int | None = None
    group_id: int | None = None
    payload: dict[str, object] = field(default_factory=dict)  # ids it is about
    status: NudgeStatus = NudgeStatus.PENDING
    attempts: int = 0
    lease_until: datetime | None = None
    claimed_by: str | None = None
    note: str | None = None  # why skipped or failed; the last error
    merged_into: int | None = None  # sent inside another nudge's message
    # The platform a process must deliver to for it, as last known; None: any process.
    platform: str | None = None
    # The dispatcher lane ("discord", "slack/T1") that was full when it was given back.
    lane: str | None = None
    # When it may be claimed (None: at due_at). A full lane books its turned-away nudges
    # for when their turn comes near; due_at stays as it was (lateness, the grace period).
    ready_at: datetime | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None
    id: int | None = None


# Nudge id -> when a full lane lets it be claimed again (None: ready as it was).
Turns = Mapping[int, datetime | None]


@dataclass(slots=True)
class Cursor:
    """When a periodic planner next looks at a member or group (one row each)."""

    key: str  # "m12:checkin", "g3:leaderboard"
    kind: NudgeKind
    next_at: datetime  # UTC
    member_id: int | None = None
    group_id: int | None = None


@dataclass(frozen=True, slots=True)
class ChannelTarget:
    platform: str
    tenant: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class Outbound:
    """One rendered message to deliver, with the key that makes a resend harmless."""

    target: Identity | ChannelTarget
    reply: Reply
    idempotency_key: str

    @property
    def platform(self) -> str:
        return self.target.platform


class DeliveryStatus(enum.StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"  # retry after `retry_after` seconds
    TRANSIENT = "transient"  # retry with backoff
    PERMANENT = "permanent"  # unreachable: DMs closed, user gone
    SKIPPED = "skipped"  # not sent and not to be: the workspace uninstalled the app


class LimitScope(enum.StrEnum):
    """What a 429 closes: Slack limits posts per channel and per workspace, Discord
    per route and for the whole bot."""

    CHANNEL = "channel"
    TENANT = "tenant"
    PLATFORM = "platform"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    status: DeliveryStatus
    retry_after: float | None = None
    scope: LimitScope = LimitScope.TENANT  # of a RATE_LIMITED result
    detail: str = ""

    @classmethod
    def sent(cls) -> DeliveryResult:
        return cls(DeliveryStatus.SENT)


@dataclass(frozen=True, slots=True)
class NudgePart:
    """What one nudge has to say; several due together merge into one message."""

    kind: NudgeKind
    line: Line
    next_step: Line
    actions: tuple[Action, ...] = ()
