"""Taking back the last logged step: `undo`."""

from __future__ import annotations

from bot import messages as msg
from bot.commands import Invocation, command
from bot.context import Context
from bot.replies import Reply
from bot.undo import WINDOW, take_back


@command("undo", usage="undo", example="undo", category="log")
async def undo(cmd: Invocation, ctx: Context) -> Reply:
    """Take back your last logged step (within 24 hours) and what it set in motion.
    Again takes back the one before."""
    uow, now = ctx.uow, ctx.now()
    step = await uow.steps.last(ctx.member_id, now - WINDOW)
    if step is None or step.id is None:
        return msg.nothing_to_undo()
    taken = await take_back(uow, step)
    return msg.undone(taken, ctx.tz, ctx.today())
