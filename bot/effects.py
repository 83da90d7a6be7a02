"""What logging an activity sets in motion: follow-ups owed or closed, leads acted on,
meetings held, opportunities kept warm."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.context import Context
from bot.dates import local_midnight_utc
from bot.domain import (
    Activity,
    ActivityKind,
    Contact,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Meeting,
    MeetingStatus,
    Opportunity,
    OpportunityStage,
)
from bot.matching import same_text

LATE_THANKYOU_HOURS = 4
_STAGE_FOR = {
    ActivityKind.OUTREACH: OpportunityStage.CONTACTED,
    ActivityKind.FOLLOWUP: OpportunityStage.CONTACTED,
    ActivityKind.THANKYOU: OpportunityStage.CONTACTED,
    ActivityKind.REFERRAL: OpportunityStage.CONTACTED,
    ActivityKind.APPLICATION: OpportunityStage.CONTACTED,
    ActivityKind.MEETING: OpportunityStage.CONVERSATION,
    ActivityKind.INTERVIEW: OpportunityStage.INTERVIEWING,
    ActivityKind.OFFER: OpportunityStage.OFFER,
}
_STAGE_ORDER = list(OpportunityStage)
# A conversation there, or a step clearly about an opening there, puts the organisation
# in the works (at its stage: a meeting at "conversation", an interview at "interviewing").
_CREATES_OPPORTUNITY = {
    ActivityKind.MEETING,
    ActivityKind.INTERVIEW,
    ActivityKind.APPLICATION,
    ActivityKind.OFFER,
}
# What each kind closes among the open follow-ups with that person, in order of preference.
CLOSES: dict[ActivityKind, tuple[FollowUpKind, ...]] = {
    ActivityKind.THANKYOU: (FollowUpKind.THANKYOU,),
    ActivityKind.FOLLOWUP: (
        FollowUpKind.THANKYOU,
        FollowUpKind.PLANNED,
        FollowUpKind.CHECKBACK,
        FollowUpKind.LEAD,
    ),
    ActivityKind.OUTREACH: (FollowUpKind.LEAD, FollowUpKind.PLANNED),
    ActivityKind.MEETING: (FollowUpKind.LEAD,),
    ActivityKind.INTERVIEW: (FollowUpKind.LEAD,),
}


def _same_target(f: FollowUp, contact: Contact | None, company: str | None) -> bool:
    if contact is not None:
        return f.contact_id == contact.id
    return (
        f.contact_id is None
        and company is not None
        and same_text(f.company, company)
    )


async def close_followups(
    ctx: Context,
    kind: ActivityKind,
    contact: Contact | None,
    company: str | None,
    owed: list[FollowUp],
) -> list[FollowUp]:
    """Close the follow-ups this activity answers; a follow-up or thank-you closes one,
    a conversation or outreach closes the lead it acted on."""
    wanted = CLOSES.get(kind, ())
    if not wanted:
        return []
    mine = [f for f in owed if _same_target(f, contact, company)]
    closed: list[FollowUp] = []
    if kind is ActivityKind.FOLLOWUP:
        # A follow-up answers the most urgent thing owed to that person.
        wanted = tuple(dict.fromkeys(f.kind for f in mine if f.kind in wanted))
    for fk in wanted:
        match = [f for f in mine if f.kind is fk]
        if match:
            target = match[0]
            before = replace(target)
            target.status = FollowUpStatus.DONE
            target.closed_at = ctx.now()
            await ctx.uow.followups.update(target)
            ctx.journal.updated(before, target)
            closed.append(target)
            if kind in (ActivityKind.THANKYOU, ActivityKind.FOLLOWUP):
                break  # one message answers one follow-up
    return closed


async def owe_after_conversation(
    ctx: Context, activity: Activity, contact: Contact | None, owed: list[FollowUp]
) -> tuple[FollowUp | None, FollowUp | None]:
    """A thank-you within 24 h and a check-back in 7 days; never twice for one person."""
    open_ = [
        f
        for f in owed
        if f.status is FollowUpStatus.OPEN and _same_target(f, contact, activity.company)
    ]
    new: list[FollowUp] = []
    thankyou = next((f for f in open_ if f.kind is FollowUpKind.THANKYOU), None)
    if thankyou is None:
        thankyou = FollowUp(
            member_id=ctx.member_id,
            kind=FollowUpKind.THANKYOU,
            # Logged late, a thank-you is still worth sending: due soon, not overdue.
            due_at=max(
                activity.occurred_at + timedelta(hours=ctx.config.thankyou_hours),
                ctx.now() + timedelta(hours=LATE_THANKYOU_HOURS),
            ),
            contact_id=activity.contact_id,
            company=activity.company,
            source_activity_id=activity.id,
        )
        new.append(thankyou)
    checkback_after = timedelta(days=ctx.config.checkback_days)
    # Logged late, the check-back keeps its usual gap after the thank-you, never before it.
    usual_gap = checkback_after - timedelta(hours=ctx.config.thankyou_hours)
    checkback_due = max(activity.occurred_at + checkback_after, thankyou.due_at + usual_gap)
    checkback = next((f for f in open_ if f.kind is FollowUpKind.CHECKBACK), None)
    if checkback is None:
        checkback = FollowUp(
            member_id=ctx.member_id,
            kind=FollowUpKind.CHECKBACK,
            due_at=checkback_due,
            contact_id=activity.contact_id,
            company=activity.company,
            source_activity_id=activity.id,
        )
        new.append(checkback)
    elif checkback.due_at < checkback_due:
        before = replace(checkback)
        checkback.due_at = checkback_due  # a newer conversation restarts the clock
        await ctx.uow.followups.update(checkback)
        ctx.journal.updated(before, checkback)
    await ctx.uow.followups.add_many(new)  # one statement for both
    for f in new:
        ctx.journal.added(f)
    return thankyou, checkback


async def mark_meeting_held(
    ctx: Context, contact: Contact | None, at: datetime, company: str | None = None
) -> Meeting | None:
    """A logged conversation ends the scheduled one with that person on that (local) day,
    or, when the log or the meeting names no one, the one at that organisation: it gets
    no prep or debrief any more (journaled for undo). Returns the meeting marked held."""
    org = (company or (contact.company if contact else None) or "").casefold()
    if contact is None and not org:
        return None
    tz = ctx.tz
    day = at.astimezone(tz).date()
    start, end = local_midnight_utc(day, tz), local_midnight_utc(day + timedelta(days=1), tz)
    latest = ctx.member.latest_scheduled  # read with the member: most logs skip the read
    if latest is None or (isinstance(latest, datetime) and latest < start):
        return None

    def with_them(m: Meeting) -> bool:
        if contact is not None and m.contact_id == contact.id:
            return True
        same_org = bool(org) and (m.company or "").casefold() == org
        return same_org and (contact is None or m.contact_id is None)

    # The same day's meetings come first: one read, as before.
    coming = await ctx.uow.meetings.upcoming(ctx.member_id, start, limit=20)
    that_day = [m for m in coming if m.starts_at < end and with_them(m)]
    if not that_day:
        return None
    # The person's own meeting before one at their organisation; then the nearest in time.
    m = min(
        that_day,
        key=lambda m: (contact is None or m.contact_id != contact.id, abs(m.starts_at - at)),
    )
    before = replace(m)
    m.status = MeetingStatus.HELD
    await ctx.uow.meetings.update(m)
    ctx.journal.updated(before, m)
    return m


async def warm_opportunity(
    ctx: Context, kind: ActivityKind, company: str | None
) -> Opportunity | None:
    if not company:
        return None
    uow = ctx.uow
    stage = _STAGE_FOR.get(kind, OpportunityStage.CONTACTED)
    # Forward only, and a closed one stays closed.
    behind = _STAGE_ORDER[: _STAGE_ORDER.index(stage)]
    touched = await uow.opportunities.touch(ctx.member_id, company, ctx.now(), stage, behind)
    for old in touched:
        moved = stage if old.stage in behind else old.stage
        ctx.journal.updated(old, replace(old, stage=moved, updated_at=ctx.now()))
    if touched:
        return None
    if kind not in _CREATES_OPPORTUNITY:
        return None
    added = await uow.opportunities.add(
        Opportunity(
            member_id=ctx.member_id, organisation=company, stage=stage, updated_at=ctx.now()
        )
    )
    ctx.journal.added(added)
    return added
