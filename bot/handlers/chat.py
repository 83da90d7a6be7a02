"""What people say that is not a command: hi, thanks, "help me", "what should I do today?".

The text parser turns those into `chat` with an intent; each gets a short, warm answer
and the member's one next step, read from their data (VOICE.md).
"""

from __future__ import annotations

from datetime import timedelta

from bot import messages as msg
from bot.commands import Arg, ArgType, Invocation, command
from bot.context import Context
from bot.domain import Contact, FollowUpKind
from bot.replies import Reply

INTENTS = ("greeting", "thanks", "help", "whatnow")
# A follow-up due this soon is today's job, ahead of leads and preparation.
_DUE_SOON = timedelta(days=1)


async def _contact(ctx: Context, contact_id: int | None) -> Contact | None:
    return await ctx.uow.contacts.get(ctx.member_id, contact_id) if contact_id else None


async def next_step(ctx: Context) -> msg.Step:
    """The most urgent follow-up owed, else a lead waiting, else the next scheduled
    conversation to prepare for, else someone to reach out to. A few indexed reads."""
    uow, mid, now = ctx.uow, ctx.member_id, ctx.now()
    owed = await uow.followups.open(mid)  # earliest due first
    due = [f for f in owed if f.kind is not FollowUpKind.LEAD and f.due_at <= now + _DUE_SOON]
    if due:
        return msg.Step("owed", followup=due[0], contact=await _contact(ctx, due[0].contact_id))
    lead = next((f for f in owed if f.kind is FollowUpKind.LEAD), None)
    if lead is not None:
        contact = await _contact(ctx, lead.contact_id)
        referrer = await _contact(ctx, contact.referred_by_id) if contact else None
        return msg.Step("lead", followup=lead, contact=contact, referrer=referrer)
    upcoming = await uow.meetings.upcoming(mid, now, limit=1)
    if upcoming:
        meeting = upcoming[0]
        return msg.Step("meeting", meeting=meeting, contact=await _contact(ctx, meeting.contact_id))
    # As the dashboard suggests: the warmest of the member's contacts, newest on a tie.
    recent = await uow.contacts.search(mid, None, limit=50)
    best = max(recent, key=lambda c: (c.stage, c.id or 0), default=None)
    return msg.Step("reach_out", contact=best) if best else msg.Step("start")


@command(
    "chat",
    Arg("intent", ArgType.CHOICE, "What they meant", choices=INTENTS),
    Arg("text", ArgType.TEXT, "What they said"),
    usage="hi · thanks · help me · what should I do today?",
    example="what should I do today?",
    category="data",
    hidden=True,
)
async def chat(cmd: Invocation, ctx: Context) -> Reply:
    """A short answer to hi, thanks, help or "what now?", with your next step."""
    intent = (cmd.text("intent") or "whatnow").lower()
    step = await next_step(ctx)
    now, tz, today = ctx.now(), ctx.tz, ctx.today()
    if intent == "greeting":
        return msg.greeting(ctx.member.display_name, step, now, tz, today)
    if intent == "thanks":
        return msg.thanks(step, now, tz, today)
    if intent == "help":
        return msg.orientation(step, now, tz, today)
    return msg.what_now(step, now, tz, today)
