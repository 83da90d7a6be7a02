"""What a nudge says, decided when it is sent (not when planned): a follow-up done in
the meantime, a streak already kept today or a thick pipeline leave nothing to say,
and the nudge is skipped instead of nagging."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.dates import local_midnight_utc, week_start
from bot.domain import (
    CONVERSATIONS,
    STREAK_KINDS,
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    MeetingStatus,
    Member,
)
from bot.handlers.groups import build_leaderboard, build_report
from bot.handlers.pipeline import in_the_works
from bot.messages import nudges as say
from bot.nudges.config import NudgeConfig
from bot.nudges.model import Nudge, NudgeKind, NudgePart
from bot.nudges.timing import local_day_bounds, zone
from bot.ports import UnitOfWork
from bot.replies import Reply
from bot.streaks import compute_streak

NOTHING_TO_SAY = "nothing to say"


@dataclass(frozen=True, slots=True)
class Facts:
    """What composing check-ins reads of each member, read for a dispatcher's whole batch
    in a few queries rather than several per member."""

    open_followups: Mapping[int, list[FollowUp]]  # earliest due first
    with_upcoming: Collection[int]  # members with a scheduled meeting ahead
    last_conversation: Mapping[int, datetime]
    most_advanced: Mapping[int, Contact]  # each member's contact furthest along
    # Of the members with a streak reminder: their active days and pauses (none: absent).
    # An evening's reminders are mostly skipped (no streak at risk), each a read before.
    streak_history: Mapping[int, tuple[set[date], list[tuple[date, date | None]]]]


async def load_facts(
    uow: UnitOfWork, checkins: Collection[int], streaks: Collection[int], now: datetime
) -> Facts:
    """Facts of the members with a check-in, and the streak history of those with a
    streak reminder, in a query or two each."""
    history = await uow.activities.streak_history_many(streaks, STREAK_KINDS) if streaks else {}
    if not checkins:
        return Facts({}, frozenset(), {}, {}, history)
    return Facts(
        await uow.followups.open_many(checkins),
        await uow.meetings.with_upcoming(checkins, now),
        await uow.activities.last_at_many(checkins, CONVERSATIONS),
        await uow.contacts.most_advanced(checkins),
        history,
    )


def _id(nudge: Nudge, key: str) -> int:
    value = nudge.payload.get(key)
    return int(value) if isinstance(value, int | str) else 0


def _moved(nudge: Nudge, starts_at: datetime) -> bool:
    """Planned for another start than the meeting's now: it was moved (a nudge queued
    before starts were recorded in the payload is taken as planned for this one)."""
    planned = nudge.payload.get("starts_at")
    return isinstance(planned, str) and datetime.fromisoformat(planned) != starts_at


def _working_days_back(member: Member, today_local: datetime, days: int) -> datetime:
    """The instant `days` of the member's working days before today's start."""
    day = today_local.date()
    counted = 0
    working = member.working_days or range(7)  # none kept: every day counts, never a hang
    while counted < days:
        day -= timedelta(days=1)
        if day.weekday() in working:
            counted += 1
    return local_midnight_utc(day, zone(member.timezone))


async def member_part(
    uow: UnitOfWork, member: Member, nudge: Nudge, now: datetime, facts: Facts
) -> NudgePart | str:
    """The part this nudge adds to the member's message, or why there is none."""
    assert member.id is not None
    mid, tz = member.id, zone(member.timezone)
    today = now.astimezone(tz).date()
    kind = nudge.kind
    if kind is NudgeKind.CHECKIN:
        # Due today, or within a day: tomorrow morning's thank-you is today's job.
        horizon = max(local_day_bounds(today, tz)[1], now + timedelta(days=1))
        owed = [f for f in facts.open_followups.get(mid, ()) if f.due_at < horizon]
        first = owed[0] if owed else None
        contact = (
            await uow.contacts.get(mid, first.contact_id) if first and first.contact_id else None
        )
        return say.checkin(owed, contact)
    if kind in (NudgeKind.FOLLOWUP, NudgeKind.LEAD):
        f = await uow.followups.get(mid, _id(nudge, "followup_id"))
        if f is None or f.status is not FollowUpStatus.OPEN:
            return "already done"
        contact = await uow.contacts.get(mid, f.contact_id) if f.contact_id else None
        if f.kind is FollowUpKind.LEAD:
            referrer = (
                await uow.contacts.get(mid, contact.referred_by_id)
                if contact and contact.referred_by_id
                else None
            )
            return say.lead_waiting(f, contact, referrer, tz, today)
        return say.followup_due(f, contact, tz, today)
    if kind in (NudgeKind.PREP, NudgeKind.DEBRIEF):
        meeting = await uow.meetings.get(mid, _id(nudge, "meeting_id"))
        if meeting is None or meeting.status is MeetingStatus.CANCELLED:
            return "meeting cancelled"
        if meeting.status is MeetingStatus.HELD:
            return "already logged"
        if _moved(nudge, meeting.starts_at):
            return "meeting moved"
        contact = await uow.contacts.get(mid, meeting.contact_id) if meeting.contact_id else None
        if kind is NudgeKind.PREP:
            return say.prep(meeting, contact, tz, today)
        if meeting.contact_id is not None:
            recent = await uow.activities.for_contact(mid, meeting.contact_id, limit=5)
            cutoff = meeting.starts_at - timedelta(hours=12)
            if any(a.kind in CONVERSATIONS and a.occurred_at >= cutoff for a in recent):
                return "already logged"
        return say.debrief(meeting, contact)
    if kind is NudgeKind.STREAK_RISK:
        active, pauses = facts.streak_history.get(mid, (set(), []))
        streak = compute_streak(active, today, member.working_days, pauses, member.landed_on)
        at_risk = streak.current > 0 and not streak.today_done and not streak.resting_today
        return say.streak_at_risk(streak) if at_risk and streak.freezes == 0 else NOTHING_TO_SAY
    if kind is NudgeKind.WEEKLY_REVIEW:
        monday = week_start(today)
        start, end = local_midnight_utc(monday, tz), local_midnight_utc(monday + timedelta(7), tz)
        counts = (await uow.activities.counts_by_member([mid], start, end)).get(mid, {})
        return say.weekly_review(
            member,
            sum(counts.get(k, 0) for k in CONVERSATIONS),
            counts.get(ActivityKind.FOLLOWUP, 0) + counts.get(ActivityKind.THANKYOU, 0),
            counts.get(ActivityKind.OUTREACH, 0),
        )
    return f"not a member nudge: {kind}"


async def checkin_extras(
    uow: UnitOfWork, member: Member, now: datetime, config: NudgeConfig, facts: Facts
) -> list[NudgePart]:
    """What rides along with the check-in when it applies: no next interview in sight,
    and (once a week) a thin pipeline. Each can be turned off on its own."""
    assert member.id is not None
    mid, tz = member.id, zone(member.timezone)
    today = now.astimezone(tz).date()
    out: list[NudgePart] = []
    if NudgeKind.NO_INTERVIEW.value not in member.nudges_off:
        stuck = await _no_interview(uow, member, now, config, facts)
        if stuck is not None:
            out.append(stuck)
    if NudgeKind.PIPELINE.value not in member.nudges_off and today.weekday() == pipeline_day(
        member, config
    ):
        warm = len(in_the_works(await uow.opportunities.all(mid), now))
        if warm < config.pipeline_target:
            out.append(say.pipeline_thin(warm))
    return out


async def _no_interview(
    uow: UnitOfWork, member: Member, now: datetime, config: NudgeConfig, facts: Facts
) -> NudgePart | None:
    """No conversation held or scheduled for N working days: the single best action."""
    assert member.id is not None
    mid, tz = member.id, zone(member.timezone)
    if mid in facts.with_upcoming:
        return None
    since = _working_days_back(member, now.astimezone(tz), config.no_interview_working_days)
    if member.created_at is not None and member.created_at > since:
        return None  # too new to be stuck
    last = facts.last_conversation.get(mid)
    if last is not None and last >= since:
        return None
    leads = [f for f in facts.open_followups.get(mid, ()) if f.kind is FollowUpKind.LEAD]
    lead = (
        await uow.contacts.get(mid, leads[0].contact_id) if leads and leads[0].contact_id else None
    )
    best = facts.most_advanced.get(mid)
    return say.no_interview(config.no_interview_working_days, lead, best)


def pipeline_day(member: Member, config: NudgeConfig) -> int | None:
    """The weekday of the week's pipeline note: the configured day or the next working one."""
    days = sorted(member.working_days)
    if not days:
        return None
    return next((d for d in days if d >= config.pipeline_weekday), days[0])


async def group_post(uow: UnitOfWork, nudge: Nudge, now: datetime) -> Reply | str:
    """The weekly leaderboard post (in the channel) or the admins' summary (a DM)."""
    group_id = nudge.group_id or _id(nudge, "group_id")
    group = await uow.groups.get(group_id)
    if group is None:
        return "group gone"
    if nudge.kind is NudgeKind.LEADERBOARD:
        return await build_leaderboard(uow, group, now)
    if nudge.member_id is not None:
        membership = await uow.groups.membership(group_id, nudge.member_id)
        if membership is None or not membership.is_admin:
            return "no longer an admin"
    return await build_report(uow, group, now)  # a private reply: it goes to a DM
