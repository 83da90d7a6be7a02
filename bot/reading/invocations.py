"""A reading becomes the command it means, with the same arguments a typed command has."""

from __future__ import annotations

from bot.commands import ArgValue, Invocation
from bot.domain import ActivityKind
from bot.reading.sentence import Reading


def _set(args: dict[str, ArgValue], **extra: ArgValue) -> dict[str, ArgValue]:
    """Optional arguments only when they carry something, so readings compare simply."""
    return {**args, **{k: v for k, v in extra.items() if v is not None}}


def to_invocation(reading: Reading) -> Invocation:
    phrase: dict[str, ArgValue] = {
        "person": reading.person,
        "company": reading.company,
        "when": reading.when,
        "note": reading.note,
    }
    if reading.command == "schedule":
        kind = "interview" if reading.kind is ActivityKind.INTERVIEW else "meeting"
        return Invocation(
            "schedule", _set({**phrase, "kind": kind}, guess=reading.guess, role=reading.role)
        )
    if reading.command == "lead":
        return Invocation("lead", _set({**phrase, "via": reading.referrer}, role=reading.role))
    if reading.command == "followup":
        return Invocation("followup", {**phrase, "via": None})
    return Invocation(
        "log",
        _set(
            {**phrase, "via": reading.referrer, "kind": reading.kind.value},
            role=reading.role,
            guess=reading.guess,
            tense="neutral" if reading.neutral else None,
        ),
    )
