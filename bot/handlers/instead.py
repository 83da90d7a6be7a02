"""`instead`: the fix a reply offers for a reading it was unsure of — take back that
step and do what was meant, in one transaction ("coffee with Jane friday" was last
Friday, not next)."""

from __future__ import annotations

from bot import messages as msg
from bot.commands import REGISTRY, Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.errors import UserError
from bot.formatting import is_number
from bot.replies import Reply
from bot.undo import WINDOW, take_back

EXAMPLE = "instead activity 1 log meeting Jane Doe @Acme 2 days ago"
_NOT_AGAIN = frozenset({"instead", "undo", "yes", "no", "forget me"})


def _parse(rest: str) -> dict[str, ArgValue]:
    table, _, tail = rest.strip().partition(" ")
    row, _, text = tail.strip().partition(" ")
    return {"table": table or None, "row": int(row) if is_number(row) else None,
            "text": text.strip() or None}  # fmt: skip


def marker(changes: list[dict[str, object]]) -> str | None:
    """`<table> <id>` of the step a command just recorded (its main row)."""
    main = next((c for c in changes if c.get("main")), None)
    return None if main is None else f"{main['t']} {main['id']}"


@command(
    "instead",
    Arg("table", ArgType.TEXT, "What the step recorded", required=True),
    Arg("row", ArgType.NUMBER, "Its number", required=True),
    Arg("text", ArgType.TEXT, "What you meant", required=True),
    usage="instead <what> <number> <what you meant>",
    example=EXAMPLE,
    category="log",
    parse=_parse,
    hidden=True,
)
async def instead(cmd: Invocation, ctx: Context) -> Reply:
    """Take back a step and log what you meant instead."""
    from bot.parser import parse_text  # the parser reads the registry this module fills

    table, row, text = cmd.text("table"), cmd.number("row"), cmd.text("text")
    if not table or row is None or not text:
        raise UserError(msg.INSTEAD_HOW, "undo")
    step = await ctx.uow.steps.last(ctx.member_id, ctx.now() - WINDOW)
    if step is None or step.id is None or marker(step.changes) != f"{table} {row}":
        # A button under an older reply: its step is no longer the last one.
        raise UserError(msg.INSTEAD_STALE, "undo")
    meant = parse_text(text, ctx.config.max_text)
    if meant.name in _NOT_AGAIN:
        raise UserError(msg.INSTEAD_HOW, "undo")
    await take_back(ctx.uow, step)
    # The take-back may have put a meeting back on the calendar: read it again if needed.
    ctx.member.latest_scheduled = "unread"
    return await REGISTRY[meant.name].handler(meant, ctx)
