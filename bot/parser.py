"""Text to Invocation: the forgiving grammar of the console, DMs and `/next <text>`."""

from __future__ import annotations

import difflib
import re

import bot.handlers  # noqa: F401  (the registry is filled by importing the handlers)
from bot import messages as msg
from bot.commands import REGISTRY, ArgType, ArgValue, CommandSpec, Invocation
from bot.errors import UserError
from bot.reading import read_sentence
from bot.reading.intents import read_intent
from bot.reading.invocations import to_invocation
from bot.replies import Line

# Words the sentence reader leaves alone, mapped to a command and a text prefix for it:
# everything else people type for a log ("met", "reached out to", "applied at") it reads.
_SHORT_FORMS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("thankyou",), "log", "thankyou "),
    (("thank-you",), "log", "thankyou "),
    (("follow-ups",), "followups", ""),
    (("owed",), "followups", ""),
    (("dashboard",), "next", ""),
    (("y",), "yes", ""),
    (("yes", "please"), "yes", ""),
    (("yep",), "yes", ""),
    (("yeah",), "yes", ""),
    (("nope",), "no", ""),
    (("no", "thanks"), "no", ""),
    (("?",), "help", ""),
)

_PREFIX = re.compile(r"^(/next|/ni|next:)(\s+|$)", re.IGNORECASE)


def _positional(spec: CommandSpec, rest: str) -> dict[str, ArgValue]:
    """Arguments in declared order; the last one takes the remaining words."""
    words = rest.split()
    if words and not spec.args:
        raise UserError(msg.takes_nothing(spec.name), spec.example)
    values: dict[str, ArgValue] = {}
    for i, arg in enumerate(spec.args):
        if not words:
            break
        last = i == len(spec.args) - 1
        raw = " ".join(words) if last else words[0]
        words = [] if last else words[1:]
        if arg.type is ArgType.NUMBER:
            try:
                values[arg.name] = int(raw)
            except ValueError:
                raise UserError(msg.not_a_number(arg.help), spec.example) from None
        else:
            values[arg.name] = raw
    return values


_READ_ONLY = frozenset({"chat"})


def _find_spec(words: list[str]) -> tuple[CommandSpec, list[str]] | None:
    lowered = [w.lower() for w in words]
    for size in (2, 1):
        if len(lowered) >= size:
            spec = REGISTRY.get(" ".join(lowered[:size]))
            # `chat` is reached by reading ("hi"), never by its name ("chat with Jane").
            if spec is not None and spec.name not in _READ_ONLY:
                return spec, words[size:]
    return None


def parse_text(text: str, max_length: int = 2000) -> Invocation:
    """Parse one message; raises UserError with a helpful example when it can't.

    A command word first (`log meeting ...`, `streak`) is the command; otherwise the
    message is read as a sentence ("Yesterday I met Jane Doe from Acme"), then as
    conversation ("hi", "thanks", "what should I do today?").
    """
    text = _PREFIX.sub("", text.strip())
    if not text:
        raise UserError(msg.EMPTY_COMMAND, "next")
    if len(text) > max_length:
        raise UserError(msg.too_long("That message", max_length), "log meeting Jane Doe @Acme")
    words = text.split()
    if len(words) <= 2:  # "yes.", "Streak!", "no thanks!": a short answer's punctuation
        words = [w.rstrip(".!,") or w for w in words]
    lowered = [w.lower() for w in words]
    for prefix, name, inject in _SHORT_FORMS:
        if tuple(lowered) == prefix:  # "owed", "y", "dashboard" on their own
            words = [*name.split(), *inject.split()]
            break
    found = _find_spec(words)
    if found is not None:
        spec, rest_words = found
        rest = " ".join(rest_words)
        if spec.name == "help" and _asks_for_help(rest_words):
            return _chat("help", text)  # "help me", "help, I'm lost"
        if rest and ((not spec.args and spec.parse is None) or _is_family(spec, rest_words)):
            # "next week I have an interview", "group interview at Starbucks": a sentence
            # that starts like a command.
            read = _read(text)
            if read is not None and read.name != "chat":
                return read
        args = spec.parse(rest) if spec.parse else _positional(spec, rest)
        return Invocation(spec.name, args)
    read = _read(text)
    if read is not None:
        return read
    for prefix, name, inject in _SHORT_FORMS:
        if tuple(lowered[: len(prefix)]) == prefix:
            after = words[len(prefix) :]
            if inject.endswith("@") and after:
                after = ["@" + after[0].lstrip("@"), *after[1:]]  # "applied Hooli"
            spec = REGISTRY[name]
            rest = " ".join([*inject.rstrip("@").split(), *after])
            args = spec.parse(rest) if spec.parse else _positional(spec, rest)
            return Invocation(spec.name, args)
    raise UserError(*_unknown(words))


_PLEAS = frozenset({"me", "please", "pls", "plz", "!", "?", "me!", "me?", "me please"})


def _asks_for_help(rest_words: list[str]) -> bool:
    """"help me", "help, I'm lost" (not "help log", nor "help frob": no such topic)."""
    rest = " ".join(rest_words).lower().strip()
    if not rest or _find_spec(rest_words) is not None:
        return False
    return rest in _PLEAS or len(rest_words) > 1


def _is_family(spec: CommandSpec, rest_words: list[str]) -> bool:
    """`group` followed by words that are none of its subcommands."""
    family = [n for n in REGISTRY if n.startswith(f"{spec.name} ")]
    return bool(family) and f"{spec.name} {rest_words[0].lower()}" not in REGISTRY


def _chat(intent: str, text: str) -> Invocation:
    return Invocation("chat", {"intent": intent, "text": text})


def _read(text: str) -> Invocation | None:
    """A sentence or a bit of conversation, as the command it means."""
    reading = read_sentence(text)
    if reading is not None:
        return to_invocation(reading)
    intent = read_intent(text)
    return _chat(intent, text) if intent else None


def _unknown(words: list[str]) -> tuple[Line, str]:
    word = words[0]
    names = sorted({n.split()[0] for n in REGISTRY})
    close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.6)
    if close and close[0] == word.lower():
        # The first word of two-word commands ("group", "forget"): suggest a whole one.
        word = " ".join(words[:2])
        subs = sorted(n for n in REGISTRY if n.startswith(f"{close[0]} "))
        close = difflib.get_close_matches(word.lower(), subs, n=1, cutoff=0.0) or subs[:1]
    if close:
        spec = REGISTRY.get(close[0])
        if spec is None:
            spec = next(s for s in REGISTRY.values() if s.name.split()[0] == close[0])
        return msg.unknown_command(word, close[0]), spec.example
    return msg.unknown_command(word, None), "help"
