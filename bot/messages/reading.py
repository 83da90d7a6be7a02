"""Saying what was understood: a guess admitted, the other reading of a date offered."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from bot.dates import When
from bot.formatting import day_label
from bot.replies import Action, Line, Reply, UserText, line

if TYPE_CHECKING:
    from bot.commands import Invocation
    from bot.context import Context

__all__ = ["INSTEAD_HOW", "INSTEAD_STALE", "scheduled_from_log", "with_reading"]

INSTEAD_HOW = "That button swaps your last step for what you meant; here it had nothing to swap."
INSTEAD_STALE = "That button belongs to an earlier step — you've logged something since."


def _ref(cmd: Invocation) -> str:
    person, company = cmd.text("person"), cmd.text("company")
    return f"{person or ''} @{company}".strip() if company else (person or "")


def _day(when: When, today: date) -> str:
    label = day_label(when.local_date, today)
    return f"{label} ({when.local_date.strftime('%-d %b')})"


def with_reading(
    reply: Reply,
    cmd: Invocation,
    guess: str | None,
    other: When | None,
    ctx: Context,
    step: str | None,
) -> Reply:
    """The log reply, with a line on what was guessed and how to put it right."""
    extra: list[Line] = []
    ref = _ref(cmd)
    kind_word = {"meeting": "meeting", "interview": "interview"}.get(cmd.text("kind") or "")
    if guess and guess.startswith("company:"):
        company = guess.removeprefix("company:")
        extra.append(
            line(
                "I read ", UserText(company), " as the organisation. If that's who you"
                " talked to, tap Undo and add their company: `log interview ",
                UserText(company), " @Company`.",
            )
        )  # fmt: skip
    elif guess == "weak":
        extra.append(line("I logged that as outreach. If you talked, tap Undo and say `met …`."))
    actions: list[Action] = []
    if other is not None and other.at > ctx.now() and kind_word:
        fix = " ".join(f"schedule {ref} {other.local_date.isoformat()} {kind_word}".split())
        extra.append(line(f"Or is it still to come, on {_day(other, ctx.today())}?"))
        if step:
            actions.append(Action(f"It's on {_short(other, ctx.today())}", f"instead {step} {fix}"))
    if not extra:
        return reply
    return replace(reply, body=(*reply.body, *extra), actions=(*reply.actions, *actions))


def scheduled_from_log(
    reply: Reply,
    other: When | None,
    today: date,
    cmd: Invocation,
    step: str | None,
) -> Reply:
    """"coffee with Jane friday": scheduled, and the past reading offered as the fix."""
    if reply.is_error:
        return reply
    extra: list[Line] = [line("It's still to come, so I put it on your calendar.")]
    actions: list[Action] = []
    if other is not None:
        kind = cmd.text("kind") or "meeting"
        fix = " ".join(f"log {kind} {_ref(cmd)} {other.local_date.isoformat()}".split())
        extra.append(line(f"Or did it already happen, on {_day(other, today)}?"))
        if step:
            actions.append(Action(f"It was {_short(other, today)}", f"instead {step} {fix}"))
    return replace(reply, body=(*reply.body, *extra), actions=(*actions, *reply.actions))


def _short(when: When, today: date) -> str:
    return day_label(when.local_date, today)
