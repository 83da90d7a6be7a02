"""The member's own data and the buddy's manual: `export`, `forget me`, `yes`, `no`, `help`."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import date, datetime, time, timedelta
from typing import Any

from bot import messages as msg
from bot.commands import CATEGORIES, REGISTRY, Arg, ArgType, Invocation, command
from bot.context import Context
from bot.domain import Activity, Contact, FollowUp, Opportunity, Pending
from bot.replies import File, Reply
from bot.spreadsheet import csv_bytes

_FORGET = "forget"
# `yes` confirms only as the very next message (bot/core.py lets the question lapse on any
# other) and only within these minutes, so a stray yes later deletes nothing.
CONFIRM_MINUTES = 5


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value


def _rows(items: list[Any]) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in dataclasses.asdict(i).items()} for i in items]


def _csv(rows: list[dict[str, Any]], of: type[Any]) -> bytes:
    """Rows of dataclass `of` as CSV."""
    return csv_bytes([f.name for f in dataclasses.fields(of)], rows)


@command("export", usage="export", example="export", category="data")
async def export(cmd: Invocation, ctx: Context) -> Reply:
    """All your data, as a JSON file and CSV files."""
    uow, mid = ctx.uow, ctx.member_id
    member = _rows([ctx.member])[0]
    member.pop("pending")  # read along with the member, not part of it
    data: dict[str, Any] = {
        "member": member,
        "identities": _rows(await uow.members.identities(mid)),
        "pauses": _rows(await uow.members.pauses(mid)),
        "contacts": _rows(await uow.contacts.search(mid, None, limit=1_000_000)),
        "activities": _rows(await uow.activities.all(mid)),
        "followups": _rows(await uow.followups.all(mid)),
        "meetings": _rows(await uow.meetings.all(mid)),
        "opportunities": _rows(await uow.opportunities.all(mid)),
        "groups": _rows(await uow.groups.of_member(mid)),
    }
    files = [File("nextinterview.json", json.dumps(data, indent=2).encode(), "application/json")]
    tables = (
        ("contacts", Contact),
        ("activities", Activity),
        ("followups", FollowUp),
        ("opportunities", Opportunity),
    )
    for name, of in tables:
        files.append(File(f"{name}.csv", _csv(data[name], of), "text/csv"))
    return msg.exported(tuple(files), len(data["contacts"]), len(data["activities"]))


@command("forget me", usage="forget me", example="forget me", category="data")
async def forget_me(cmd: Invocation, ctx: Context) -> Reply:
    """Delete everything I hold about you, after you confirm."""
    await ctx.uow.pending.put(
        Pending(
            member_id=ctx.member_id,
            action=_FORGET,
            expires_at=ctx.now() + timedelta(minutes=CONFIRM_MINUTES),
        )
    )
    ctx.member.pending = _FORGET  # asked anew: nothing lapsed
    return msg.confirm_forget()


@command("yes", usage="yes", example="yes", category="data")
async def yes(cmd: Invocation, ctx: Context) -> Reply:
    """Confirm what I just asked."""
    pending = await ctx.uow.pending.get(ctx.member_id)
    if pending is None or (pending.expires_at is not None and pending.expires_at < ctx.now()):
        await ctx.uow.pending.clear(ctx.member_id)
        return msg.nothing_to_confirm()
    await ctx.uow.pending.clear(ctx.member_id)
    await ctx.uow.members.forget(ctx.member_id)
    return msg.forgotten()


@command("no", usage="no", example="no", category="data")
async def no(cmd: Invocation, ctx: Context) -> Reply:
    """Cancel what I just asked."""
    pending = await ctx.uow.pending.get(ctx.member_id)
    await ctx.uow.pending.clear(ctx.member_id)
    if pending is None or (pending.expires_at is not None and pending.expires_at < ctx.now()):
        return msg.nothing_to_confirm()
    return msg.cancelled()


@command(
    "help",
    Arg("topic", ArgType.TEXT, "A command"),
    usage="help [command]",
    example="help log",
    category="data",
    reads_only=True,
)
async def help_(cmd: Invocation, ctx: Context) -> Reply:
    """What I can do, or how one command works."""
    topic = (cmd.text("topic") or "").lower()
    if topic:
        matches = sorted(
            (s for n, s in REGISTRY.items() if n == topic or n.split()[0] == topic),
            key=lambda s: s.name != topic,
        )
        if matches:
            return msg.help_for(matches)
        return msg.error(msg.unknown_command(topic, None), "help")
    by_category = {
        c: [s for s in REGISTRY.values() if s.category == c and not s.hidden] for c in CATEGORIES
    }
    return msg.help_all(by_category)
