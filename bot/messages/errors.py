"""Errors and the "which one did you mean?" question."""

from __future__ import annotations

from bot.domain import (
    ActivityKind,
    Contact,
)
from bot.replies import Action, Line, Reply, UserText, line

EMPTY_COMMAND = "Tell me what you did or what you need."
LOG_WHAT = "What should I log?"
LOG_IN_FUTURE = "That's still ahead — schedule it and I'll remind you."
LEAD_NEEDS_PERSON = "I couldn't tell who the lead is."
FOLLOWUP_NEEDS_WHO = "I couldn't tell who you followed up with."
SOMETHING_BROKE = "Something went wrong on my side and nothing was saved. Please try again."
# The kind words `log` reads, as members write them (bot/handlers/log.py KIND_WORDS).
KIND_LIST = "outreach, meeting, interview, follow-up, thank-you, lead, application, offer"


def too_long(what: str, limit: int) -> str:
    return f"{what} can be at most {limit} characters."


def not_a_number(what: str) -> str:
    return f"{what} should be a number."


def takes_nothing(command: str) -> str:
    return f"`{command}` takes nothing after it."


def unknown_command(word: str, close: str | None) -> Line:
    if close:
        return line("I don't know `", UserText(word), f"` — did you mean `{close}`?")
    return line("I don't know `", UserText(word), "`. `help` lists what I can do.")


def which_contact(query: str) -> Line:
    return line("Which ", UserText(query), " did you mean?")


def no_such_contact(query: str) -> Line:
    return line("I couldn't find ", UserText(query), " among your contacts.")


def unknown_kind(word: str) -> Line:
    if not word:
        return line(f"What kind of step was it? One of: {KIND_LIST}.")
    return line("I don't know the kind `", UserText(word), f"`. Use one of: {KIND_LIST}.")


def bad_date(text: str) -> Line:
    return line("I couldn't read `", UserText(text), "` as a date.")


def date_out_of_range(text: str) -> Line:
    return line("`", UserText(text), "` is too far off: dates go up to a year back or ahead.")


def log_needs_who(kind: ActivityKind) -> str:
    verbs = {
        ActivityKind.MEETING: "who you met",
        ActivityKind.INTERVIEW: "who interviewed you or where",
        ActivityKind.OUTREACH: "who you reached out to",
        ActivityKind.FOLLOWUP: "who you followed up with",
        ActivityKind.THANKYOU: "who you thanked",
        ActivityKind.APPLICATION: "where you applied",
        ActivityKind.OFFER: "who made the offer",
    }
    return f"I couldn't tell {verbs.get(kind, 'who it was with')}."


def _short(example: str, limit: int = 120) -> str:
    example = " ".join(example.split())
    return example if len(example) <= limit else example[: limit - 1] + "…"


def error(message: str | Line, example: str | None) -> Reply:
    return Reply(
        body=(line(message) if isinstance(message, str) else message,),
        # Examples may echo what the member typed, so they are user text too.
        next_step=line("Try: `", UserText(_short(example)), "`") if example else None,
        is_error=True,
    )


def ambiguous(query: str, candidates: list[Contact], commands: list[str]) -> Reply:
    actions = tuple(
        Action(label=f"{c.name}" + (f" ({c.company})" if c.company else ""), command=cmd)
        for c, cmd in zip(candidates[:5], commands[:5], strict=False)
    )
    lines = tuple(
        line(
            f"#{c.number} ", UserText(c.name), *((" (", UserText(c.company), ")") if c.company else ())
        )
        for c in candidates[:5]
    )
    return Reply(
        body=(which_contact(query), *lines),
        next_step=line("Pick one, or type the full name: `", UserText(commands[0]), "`"),
        actions=actions,
        is_error=True,
    )


def restarting() -> Reply:
    """A command that came in while the bot is stopping: not acted on, nothing to undo."""
    return Reply(
        body=(line("I'm restarting, so I didn't act on that and nothing was saved."),),
        next_step=line("Send it again in a minute."),
        is_error=True,
    )
