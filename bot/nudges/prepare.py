"""Deciding what a claimed batch of nudges says, in one unit of work.

Composing a check-in reads the member, their identities, what they were sent today, their
open follow-ups, meetings and last conversation. Read one member at a time that is a dozen
round trips a message, which capped a dispatcher at about a hundred messages a second
whatever the platforms allow; read for the whole batch it is a handful of queries.

The words are still decided when the batch is claimed, moments before it goes out, not
when it was planned: a follow-up done since, or a streak already kept, leaves nothing to
say and the nudge is skipped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain import Identity, Member
from bot.messages import nudges as say
from bot.nudges.compose import Facts, checkin_extras, group_post, load_facts, member_part
from bot.nudges.config import NudgeConfig
from bot.nudges.model import PRIORITY, ChannelTarget, Nudge, NudgeKind, NudgePart
from bot.nudges.planner import member_due, wants
from bot.nudges.route import destination
from bot.nudges.timing import local_day_bounds, zone
from bot.ports import UnitOfWork
from bot.replies import Reply

log = logging.getLogger(__name__)
RANK = {kind: i for i, kind in enumerate(PRIORITY)}


@dataclass(slots=True)
class Plan:
    """One message about to go out."""

    target: Identity | ChannelTarget
    reply: Reply
    nudges: list[Nudge]  # the head first; the rest were merged into it
    member_id: int | None


@dataclass(slots=True)
class Prepared:
    """A batch's plans, and what became of the nudges that will not go out now."""

    plans: list[Plan] = field(default_factory=list)
    skipped: list[tuple[Nudge, str]] = field(default_factory=list)
    later: list[tuple[Nudge, datetime, str]] = field(default_factory=list)  # quiet hours
    # For a platform this process lacks: handed over to one that has it.
    elsewhere: list[tuple[Nudge, str]] = field(default_factory=list)
    broken: list[Nudge] = field(default_factory=list)  # composing raised: a bug


async def prepare(
    uow: UnitOfWork,
    messages: list[list[Nudge]],
    now: datetime,
    config: NudgeConfig,
    platforms: Collection[str],
) -> Prepared:
    """Plans for `messages` (each a bundle of nudges, see dispatcher.bundle) deliverable
    on `platforms`; reads only, the caller writes what it decided."""
    out = Prepared()
    live: list[list[Nudge]] = []
    for message in messages:
        kept = []
        for n in message:
            if now - n.due_at > config.grace:
                out.skipped.append((n, f"late: due {n.due_at:%Y-%m-%d %H:%M}Z"))
            else:
                kept.append(n)
        if kept:
            live.append(kept)
    member_ids = {m[0].member_id for m in live if m[0].member_id is not None}
    members = await uow.members.get_many(member_ids) if member_ids else {}
    dms: list[tuple[Member, list[Nudge]]] = []
    for message in live:
        head = message[0]
        if head.member_id is None:
            await _guarded(out, message, _post(uow, out, head, now, platforms))
            continue
        member = members.get(head.member_id)
        if member is None:
            out.skipped += [(n, "member gone") for n in message]
            continue
        wanted = _wanted(out, member, message, now)
        if wanted:
            dms.append((member, wanted))
    if not dms:
        return out
    ids = [m.id for m, _ in dms if m.id is not None]
    # A member's local day starts at most 14 hours before UTC's: a day and a half back
    # covers every zone's today.
    sent = await uow.outbox.sent_since(ids, now - timedelta(hours=38))
    by_use = await uow.members.identities_by_use_many(ids)
    checkins = [m.id for m, w in dms if m.id is not None and _has(w, NudgeKind.CHECKIN)]
    streaks = [m.id for m, w in dms if m.id is not None and _has(w, NudgeKind.STREAK_RISK)]
    facts = await load_facts(uow, checkins, streaks, now)
    planned: Counter[int] = Counter()  # this batch's messages so far, by member
    for member, wanted in dms:
        assert member.id is not None
        tz = zone(member.timezone)
        start, end = local_day_bounds(now.astimezone(tz).date(), tz)
        today = sum(1 for at in sent.get(member.id, ()) if start <= at < end)
        if today + planned[member.id] >= config.daily_cap:
            out.skipped += [(n, "daily cap reached") for n in wanted]
            continue
        mine = by_use.get(member.id, [])
        identity = destination(member, mine, platforms)
        if identity is None:
            # Where it would go with every adapter at hand: a process that has it sends it.
            anywhere = destination(member, mine, {i.platform for i in mine})
            if anywhere is None:
                out.skipped += [(n, "no identity") for n in wanted]
            else:
                out.elsewhere += [(n, anywhere.platform) for n in wanted]
            continue
        job = _dm(uow, out, member, identity, wanted, now, config, facts)
        before = len(out.plans)
        await _guarded(out, wanted, job)
        planned[member.id] += len(out.plans) - before
    return out


async def _guarded(out: Prepared, nudges: list[Nudge], job: Awaitable[Plan | None]) -> None:
    """Run one message's composing; a bug in it must not stall the rest of the batch."""
    try:
        plan = await job
    except Exception:
        log.exception("nudge %s could not be prepared", nudges[0].id)
        out.broken += nudges
        return
    if plan is not None:
        out.plans.append(plan)


def _has(nudges: list[Nudge], kind: NudgeKind) -> bool:
    return any(n.kind is kind for n in nudges)


def _wanted(out: Prepared, member: Member, nudges: list[Nudge], now: datetime) -> list[Nudge]:
    wanted = []
    for n in nudges:
        if wants(member, n.kind, now):
            wanted.append(n)
        else:
            out.skipped.append((n, "member turned it off"))
    later = member_due(member, now)
    if wanted and later != now:  # inside their quiet hours: at their end
        out.later += [(n, later, "quiet hours") for n in wanted]
        return []
    return wanted


async def _post(
    uow: UnitOfWork, out: Prepared, nudge: Nudge, now: datetime, platforms: Collection[str]
) -> Plan | None:
    group = await uow.groups.get(nudge.group_id or 0)
    if group is None:
        out.skipped.append((nudge, "group gone"))
        return None
    if group.platform not in platforms:
        out.elsewhere.append((nudge, group.platform))
        return None
    reply = await group_post(uow, nudge, now)
    if isinstance(reply, str):
        out.skipped.append((nudge, reply))
        return None
    return Plan(ChannelTarget(group.platform, group.tenant, group.channel_id), reply, [nudge], None)


async def _dm(
    uow: UnitOfWork,
    out: Prepared,
    member: Member,
    identity: Identity,
    wanted: list[Nudge],
    now: datetime,
    config: NudgeConfig,
    facts: Facts,
) -> Plan | None:
    if wanted[0].kind is NudgeKind.ADMIN_SUMMARY:
        summary = await group_post(uow, wanted[0], now)
        if isinstance(summary, str):
            out.skipped.append((wanted[0], summary))
            return None
        return Plan(identity, summary, wanted, member.id)
    parts: list[NudgePart] = []
    carried: list[Nudge] = []
    for n in wanted:
        part = await member_part(uow, member, n, now, facts)
        if isinstance(part, str):
            out.skipped.append((n, part))
            continue
        parts.append(part)
        carried.append(n)
        if n.kind is NudgeKind.CHECKIN:
            parts += await checkin_extras(uow, member, now, config, facts)
    if not parts:
        return None
    parts.sort(key=lambda p: RANK[p.kind])
    return Plan(identity, say.merged(parts), carried, member.id)
