"""One member on Slack and Discord: `link`, `link CODE`, `unlink`, `settings nudges`.

`link` on one identity gives a one-time code; `link CODE` on another joins the two
members into one, in the command's one transaction. The member who joined first
survives, with their settings; the other's data moves into it (storage does the
moving: LinkRepository.merge). `unlink` splits the identity it is typed on from the
others: the data stays with it, the others start over with a copy of its settings.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import timedelta

from bot import messages as msg
from bot.commands import Arg, ArgType, Invocation, command
from bot.context import Context
from bot.domain import LinkCode, Member
from bot.errors import UserError
from bot.nudges.schedule import member_cursors
from bot.replies import Reply

# No 0/O, 1/I/L: read off one screen and typed on another without doubt.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # 31**8, about 8.5e11: with 5 tries per 10 minutes, no guessing it
CODE_TTL = timedelta(minutes=10)
MAX_FAILURES = 5  # wrong codes per identity within FAILURE_WINDOW before a pause
FAILURE_WINDOW = timedelta(minutes=10)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    """K7QM4XPD as K7QM-4XPD: easier to read and type."""
    return f"{code[:4]}-{code[4:]}"


def normalised(typed: str) -> str:
    """What the member typed as a bare code: any case, with or without the dash."""
    return "".join(ch for ch in typed.upper() if ch not in " -")


def code_hash(code: str) -> str:
    # Only the hash is stored: a database read gives no code that still works.
    return hashlib.sha256(code.encode()).hexdigest()


@command(
    "link",
    Arg("code", ArgType.TEXT, "The code from your other platform"),
    usage="link [code]",
    example="link",
    category="settings",
)
async def link(cmd: Invocation, ctx: Context) -> Reply:
    """Be one member on Slack and Discord: a code here, `link CODE` there.
    `link` on one platform gives a code that works once, for 10 minutes; `link CODE` on
    the other joins the two. Your data comes together; the one that joined first keeps
    its settings."""
    typed = cmd.text("code")
    if typed is None:
        return await _give_code(ctx)
    return await _take_code(ctx, typed)


async def _give_code(ctx: Context) -> Reply:
    now = ctx.now()
    code = new_code()
    while await ctx.uow.links.code(code_hash(code)) is not None:  # all but never
        code = new_code()
    expires = now + CODE_TTL
    entry = LinkCode(code_hash(code), ctx.member_id, ctx.caller.identity, expires, None, now)
    await ctx.uow.links.put_code(entry)
    minutes = int(CODE_TTL.total_seconds() // 60)
    return msg.link_code(shown(code), minutes, ctx.where.channel_id is not None)


async def _take_code(ctx: Context, typed: str) -> Reply:
    links, me, now = ctx.uow.links, ctx.caller.identity, ctx.now()
    failures = await links.failures_since(me, now - FAILURE_WINDOW)
    if len(failures) >= MAX_FAILURES:
        free_at = failures[-MAX_FAILURES] + FAILURE_WINDOW
        return msg.link_locked(max(1, math.ceil((free_at - now).total_seconds() / 60)))
    code = normalised(typed)
    found = await links.code(code_hash(code)) if len(code) == CODE_LENGTH else None
    if found is None:
        return await _failed(ctx, msg.link_wrong_code(typed))
    if found.identity == me:
        return msg.link_own_code()
    if found.used_at is not None:
        return await _failed(ctx, msg.link_code_used())
    if found.expires_at <= now:
        return await _failed(ctx, msg.link_code_expired())
    if found.member_id == ctx.member_id:
        await links.use_code(found.code_hash, now)
        platforms = [i.platform for i in await ctx.uow.members.identities(ctx.member_id)]
        return msg.already_linked(platforms)
    other = await ctx.uow.members.get(found.member_id)
    if other is None:  # the asker was forgotten since: their code went with them
        return await _failed(ctx, msg.link_wrong_code(typed))
    await links.use_code(found.code_hash, now)
    return await _merge(ctx, other)


async def _failed(ctx: Context, reply: Reply) -> Reply:
    """A wrong, used or expired code counts towards the pause; returned, not raised, so
    the count is kept."""
    now = ctx.now()
    await ctx.uow.links.add_failure(ctx.caller.identity, now, now - FAILURE_WINDOW)
    return reply


def _joined_first(a: Member, b: Member) -> tuple[Member, Member]:
    """(survivor, absorbed): the older member survives, its id breaking a tie."""
    first, second = sorted((a, b), key=lambda m: (m.created_at is None, m.created_at, m.id))
    return first, second


async def _merge(ctx: Context, other: Member) -> Reply:
    uow = ctx.uow
    survivor, absorbed = _joined_first(ctx.member, other)
    assert survivor.id is not None and absorbed.id is not None
    kept_from = [i.platform for i in await uow.members.identities(survivor.id)]
    await uow.links.merge(survivor.id, absorbed.id)
    kept = await uow.members.get(survivor.id)
    assert kept is not None
    # They wrote from here just now: their nudges come here until they write elsewhere.
    kept.last_identity_id = ctx.member.seen_identity_id
    kept.pending, kept.seen_identity_id = None, ctx.member.seen_identity_id
    await uow.members.update(kept)
    await uow.cursors.drop_member(survivor.id)
    await uow.cursors.put_many(member_cursors(kept, ctx.now(), ctx.config.nudges))
    ctx.member = kept
    platforms = [i.platform for i in await uow.members.identities(survivor.id)]
    return msg.linked(platforms, kept_from)


@command("unlink", usage="unlink", example="unlink", category="settings")
async def unlink(cmd: Invocation, ctx: Context) -> Reply:
    """Split this platform from your others again; what you logged stays here.
    The others start over as a member of their own, with a copy of your settings."""
    m, me = ctx.member, ctx.caller.identity
    others = [i for i in await ctx.uow.members.identities(ctx.member_id) if i != me]
    if not others:
        return msg.nothing_to_unlink()
    fresh = await ctx.uow.links.split(ctx.member_id, me, _settings_copy(m))
    await ctx.uow.cursors.put_many(member_cursors(fresh, ctx.now(), ctx.config.nudges))
    m.last_identity_id = m.seen_identity_id
    if m.nudge_platform not in (None, me.platform):  # that platform has left
        m.nudge_platform = None
    await ctx.uow.members.update(m)
    return msg.unlinked(i.platform for i in others)


def _settings_copy(m: Member) -> Member:
    """A new, empty member with m's settings (not its pause, landing or data)."""
    return Member(
        display_name=m.display_name,
        timezone=m.timezone,
        checkin_time=m.checkin_time,
        working_days=m.working_days,
        quiet_start=m.quiet_start,
        quiet_end=m.quiet_end,
        weekly_goal=m.weekly_goal,
        nudges_enabled=m.nudges_enabled,
        nudges_off=m.nudges_off,
        timezone_pinned=m.timezone_pinned,
    )


@command(
    "settings nudges",
    Arg(
        "where",
        ArgType.CHOICE,
        "slack, discord, or auto (where you last wrote)",
        required=True,
        choices=("slack", "discord", "auto"),
    ),
    usage="settings nudges <slack|discord|auto>",
    example="settings nudges auto",
    category="settings",
)
async def set_nudge_platform(cmd: Invocation, ctx: Context) -> Reply:
    """Where your nudges go when you're linked: one platform, never both.
    `auto` (the default) is wherever you last wrote to me."""
    where = (cmd.text("where") or "").lower()
    m = ctx.member
    if where == "auto":
        m.nudge_platform = None
        await ctx.uow.members.update(m)
        return msg.nudges_go_auto()
    platforms = {i.platform for i in await ctx.uow.members.identities(ctx.member_id)}
    if where not in platforms:
        if where in ("slack", "discord"):
            raise UserError(msg.not_on_platform(where), "link")
        raise UserError(msg.NUDGE_PLACE_HOW, "settings nudges auto")
    m.nudge_platform = where
    await ctx.uow.members.update(m)
    return msg.nudges_go_to(where)
