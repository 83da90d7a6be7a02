"""Saying what was understood: a guess admitted, the other reading of a date offered."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.dates import When
from bot.formatting import day_label
from bot.replies import Line, Reply, UserText, line

if TYPE_CHECKING:
    from bot.commands import Invocation
    from bot.context import Context

__all__ = ["scheduled_from_log", "with_reading"]


def _ref(cmd: Invocation) -> str:
    person, company = cmd.text("person"), cmd.text("company")
    return f"{person or ''} @{company}".strip() if company else (person or "")


def _day(when: When, today: date) -> str:
    label = day_label(when.local_date, today)
    return f"{label} ({when.local_date.strftime('%-d %b')})"


def with_reading(
    reply: Reply, cmd: Invocation, guess: str | None, other: When | None, ctx: Context
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
    if other is not None and other.at > ctx.now() and kind_word:
        fix = f"schedule {ref} {other.local_date.isoformat()} {kind_word}"
        extra.append(
            line(
                f"Still to come on {_day(other, ctx.today())}? Tap Undo, then `",
                UserText(" ".join(fix.split())),
                "`.",
            )
        )
    if not extra:
        return reply
    return replace(reply, body=(*reply.body, *extra))


def scheduled_from_log(
    reply: Reply, when: When, other: When | None, tz: ZoneInfo, today: date, cmd: Invocation
) -> Reply:
    """"coffee with Jane friday": scheduled, and the past reading offered as the fix."""
    if reply.is_error:
        return reply
    extra: list[Line] = [line("It's still to come, so I put it on your calendar.")]
    if other is not None:
        kind = cmd.text("kind") or "meeting"
        fix = f"log {kind} {_ref(cmd)} {other.local_date.isoformat()}"
        extra.append(
            line(
                f"Already happened on {_day(other, today)}? Tap Undo, then `",
                UserText(" ".join(fix.split())),
                "`.",
            )
        )
    return replace(reply, body=(*reply.body, *extra))
