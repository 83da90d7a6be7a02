"""The core's hints in Discord's own syntax. The core writes a next step as the text
command it would read (`settings timezone America/Chicago`, `log meeting Jane @Acme`), and
on Discord nobody types text to the bot: each such code span shows as the slash command
that does the same (`/settings timezone:America/Chicago`, `/log kind:meeting person:Jane
company:Acme`). The span is read by the core's own parser, so the two can never disagree;
a span that is no command (a value, a placeholder) stays as written."""

from __future__ import annotations

import re
from functools import cache

from adapters.discord.commands import SETTINGS, SETTINGS_OPTIONS, entries
from bot.commands import REGISTRY
from bot.errors import UserError
from bot.parser import parse_text

_CODE = re.compile(r"`([^`\n]{1,200})`")
_ZWSP = "\u200b"
Target = tuple[tuple[str, ...], dict[str, str]]  # the slash path, registry arg -> option


@cache
def _targets() -> dict[str, Target]:
    out: dict[str, Target] = {}
    for entry in entries():
        for o in entry.options:
            out.setdefault(o.command, (entry.path, {}))[1][o.arg] = o.name
        out.setdefault(entry.spec.name, (entry.path, {}))
    for option, (command, arg) in SETTINGS_OPTIONS.items():  # `settings timezone X`
        if command in REGISTRY:
            out[command] = ((SETTINGS,), {arg: option})
    return out


_PLACEHOLDER = re.compile(r"[<>\[\]|…]")  # a usage line's `<person> [when]`, not a command


def _usage_form(text: str) -> str | None:
    """A usage line (`lead <person> [@company] via <referrer>`) as the slash command and
    its options: help on Discord shows what to type there."""
    words = text.split()
    for n in (2, 1):
        name = " ".join(words[:n]).lower()
        if name in REGISTRY and name in _targets() and not REGISTRY[name].hidden:
            path, options = _targets()[name]
            return " ".join(["/" + " ".join(path), *(f"{o}:" for o in options.values())])
    return None


@cache
def slash_form(text: str) -> str | None:
    """`text` as the slash command that runs it, or None when it runs none. A usage
    pattern shows as the command with its options to fill."""
    if _PLACEHOLDER.search(text):
        return _usage_form(text)
    try:
        invocation = parse_text(text.replace(_ZWSP, ""))
    except UserError:
        return None
    target = _targets().get(invocation.name)
    if target is None or REGISTRY[invocation.name].hidden:
        return None
    path, options = target
    parts = ["/" + " ".join(path)]
    for arg, option in options.items():  # in the slash command's own order
        value = invocation.args.get(arg)
        if value is not None:
            parts.append(f"{option}:{value}")
    return " ".join(parts)


def slash_hints(text: str) -> str:
    """Every code span of `text` that is a command, in slash syntax."""
    return _CODE.sub(lambda m: f"`{slash_form(m.group(1)) or m.group(1)}`", text)
