"""When each periodic nudge next falls, on the member's (or group's) own calendar.

Pure functions of settings and an instant; the planner keeps one cursor per member
and kind and advances it with these, so a tick reads only what is due.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.domain import Group, Member
from bot.nudges.config import NudgeConfig
from bot.nudges.model import Cursor, NudgeKind
from bot.nudges.timing import next_occurrence, next_weekly, zone

MEMBER_PERIODIC = (NudgeKind.CHECKIN, NudgeKind.STREAK_RISK, NudgeKind.WEEKLY_REVIEW)
GROUP_PERIODIC = (NudgeKind.LEADERBOARD,)


def member_key(member_id: int, kind: NudgeKind) -> str:
    return f"m{member_id}:{kind}"


def group_key(group_id: int, kind: NudgeKind) -> str:
    return f"g{group_id}:{kind}"


def next_member_time(
    member: Member, kind: NudgeKind, after: datetime, config: NudgeConfig
) -> datetime:
    tz = zone(member.timezone)
    if kind is NudgeKind.CHECKIN:
        return next_occurrence(after, tz, member.checkin_time, member.working_days)
    if kind is NudgeKind.STREAK_RISK:
        return next_occurrence(after, tz, evening_of(member, config), member.working_days)
    if kind is NudgeKind.WEEKLY_REVIEW:
        return next_weekly(after, tz, config.weekly_review_day, config.weekly_review_time)
    raise ValueError(f"{kind} is not periodic for a member")


def evening_of(member: Member, config: NudgeConfig) -> time:
    """The member's evening: the configured time shifted by a stable few minutes, so a
    whole timezone's streak reminders are not planned and sent in the same second."""
    spread = config.evening_spread_min
    shift = (member.id or 0) % (2 * spread + 1) - spread if spread else 0
    base = datetime.combine(date(2000, 1, 1), config.evening) + timedelta(minutes=shift)
    return base.time()


def next_group_time(group: Group, after: datetime) -> datetime:
    tz = zone(group.timezone)
    return next_weekly(after, tz, group.leaderboard_weekday, group.leaderboard_time)


def member_cursors(member: Member, after: datetime, config: NudgeConfig) -> list[Cursor]:
    assert member.id is not None
    if not member.working_days:  # no working days: only the weekly review
        kinds: tuple[NudgeKind, ...] = (NudgeKind.WEEKLY_REVIEW,)
    else:
        kinds = MEMBER_PERIODIC
    return [
        Cursor(
            member_key(member.id, kind),
            kind,
            next_member_time(member, kind, after, config),
            member_id=member.id,
        )
        for kind in kinds
    ]


def group_cursors(group: Group, after: datetime) -> list[Cursor]:
    assert group.id is not None
    kind = NudgeKind.LEADERBOARD
    return [
        Cursor(group_key(group.id, kind), kind, next_group_time(group, after), group_id=group.id)
    ]


def followup_offset(n: int, cadence_days: tuple[int, ...]) -> timedelta:
    """When reminder n (0 = at due) comes, after the due time: the cadence, then weekly."""
    if n <= 0:
        return timedelta(0)
    if n <= len(cadence_days):
        return timedelta(days=cadence_days[n - 1])
    last = cadence_days[-1] if cadence_days else 0
    return timedelta(days=last + 7 * (n - len(cadence_days)))
