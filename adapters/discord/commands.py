"""The core's command registry as a discord.py app-command tree, declared nowhere else.

Every visible command of bot.commands.REGISTRY becomes a slash command: one word a top-level
command, two words a subcommand of a group named by the first (`contact add` -> /contact add).
Typed arguments become typed options. The few places Discord's shape differs from the command
language are the tables just below; everything else follows from the registry, so a new
command appears on Discord without touching this module.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import discord
from discord import app_commands

import bot.handlers  # noqa: F401  (fills the registry)
from adapters.discord.autocomplete import KINDS, Suggester
from adapters.discord.views import FormModal
from bot import messages as msg
from bot.commands import REGISTRY, ArgType, ArgValue, CommandSpec, Invocation

# -- where Discord differs from the command language ------------------------------------------
# A bare command sharing its first word with a family becomes one of its subcommands (Discord
# cannot run a group itself); `forget me` is one word on Discord.
RENAMED: dict[str, tuple[str, ...]] = {
    "contact": ("contact", "show"),
    "opportunity": ("opportunity", "move"),
    "forget me": ("forget",),
}
# Not slash commands: buttons answer yes/no; bare `group` only lists its subcommands, which
# Discord's own menu shows. (Hidden commands are left out too: they answer what people say.)
LEFT_OUT = frozenset({"yes", "no", "group"})
# /settings is one command taking any of these at once, read by the core's bare `settings`.
# An option the bare spec does not declare borrows the argument of its `settings X` command:
# option -> (that command, its argument). Those commands are reached through /settings.
SETTINGS = "settings"
SETTINGS_OPTIONS: dict[str, tuple[str, str]] = {
    "timezone": ("settings timezone", "zone"),
    "checkin": ("settings checkin", "time"),
    "days": ("settings days", "days"),
    "quiet": ("settings quiet", "hours"),
    "goal": ("settings goal", "n"),
    "nudges": ("settings nudges", "where"),
}
# Options suggested although the registry names no list for them: /help's command names.
EXTRA_AUTOCOMPLETE: dict[tuple[str, str], str] = {("help", "topic"): "commands"}

# -- Discord's rules ---------------------------------------------------------------------------
MAX_DESCRIPTION = 100
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
NAME = re.compile(r"^[a-z0-9_-]{1,32}$")
# Servers, DMs with the bot and group DMs; installed to a server or to a member's account.
CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
INSTALLS = app_commands.AppInstallationType(guild=True, user=True)


class Runner(Protocol):
    """Answers an interaction with what the core says (the client defers within 3 s, calls
    the core, renders and responds)."""

    async def run(self, interaction: discord.Interaction, invocation: Invocation) -> None: ...

    async def run_text(self, interaction: discord.Interaction, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Option:
    name: str  # as Discord shows it
    command: str  # the registry command whose argument it fills
    arg: str
    type: ArgType
    description: str
    required: bool
    choices: tuple[tuple[str, str | int], ...] = ()  # (shown, value)
    autocomplete: str | None = None

    @property
    def integer(self) -> bool:
        return self.type is ArgType.NUMBER and all(isinstance(v, int) for _, v in self.choices)


@dataclass(frozen=True, slots=True)
class Entry:
    """One slash command: where it sits, the registry command it runs, its options."""

    path: tuple[str, ...]  # ("contact", "add")
    spec: CommandSpec
    description: str
    options: tuple[Option, ...]

    @property
    def opens_form(self) -> bool:
        """Given no options it opens the command's form as a modal (/log)."""
        return self.spec.in_form

    def invocation(self, given: Mapping[str, ArgValue]) -> Invocation:
        """What the core runs for these options (Discord names; None = not given)."""
        chosen = [(o, given[o.name]) for o in self.options if given.get(o.name) is not None]
        borrowed = [o for o, _ in chosen if o.command != self.spec.name]
        if len(chosen) == 1 and borrowed:  # one setting the bare spec cannot take yet
            option, value = chosen[0]
            return Invocation(option.command, {option.arg: value})
        # Several at once go to the bare command under the option names it is to take.
        return Invocation(
            self.spec.name,
            {o.arg if o.command == self.spec.name else o.name: value for o, value in chosen},
        )


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def choice_label(values: Sequence[str]) -> Callable[[str], str]:
    """Kinds of step are shown in the buddy's words ("Thank-you", never `thankyou`)."""
    kinds = {k.value: label for k, label in msg.FORM_KIND_LABELS.items()}
    if values and all(v in kinds for v in values):
        return lambda v: kinds[v]
    return lambda v: v


def _option(spec: CommandSpec, arg_name: str, name: str | None = None) -> Option:
    arg = next(a for a in spec.args if a.name == arg_name)
    name = name or arg.name
    if not NAME.match(name):
        raise ValueError(f"{spec.name}: option {name!r} is not a Discord option name")
    shown = choice_label(arg.choices)
    numbers = arg.type is ArgType.NUMBER and all(c.isascii() and c.isdigit() for c in arg.choices)
    choices: tuple[tuple[str, str | int], ...] = ()
    if arg.choices and len(arg.choices) <= MAX_CHOICES:  # more: a plain option, the core checks
        choices = tuple(
            (clip(shown(c), MAX_CHOICE_NAME), int(c) if numbers else c) for c in arg.choices
        )
    complete = arg.autocomplete or EXTRA_AUTOCOMPLETE.get((spec.name, arg.name))
    if choices or arg.type is ArgType.NUMBER:
        complete = None  # a list of choices, or a number: nothing to suggest
    if complete is not None and complete not in KINDS:
        raise ValueError(f"{spec.name}: no suggestions of {complete!r} (known: {KINDS})")
    return Option(
        name=name,
        command=spec.name,
        arg=arg.name,
        type=arg.type,
        description=clip(arg.help, MAX_DESCRIPTION),
        required=arg.required and not spec.in_form,  # no options at all: the form
        choices=choices,
        autocomplete=complete,
    )


def _settings_options(registry: Mapping[str, CommandSpec]) -> tuple[Option, ...]:
    bare = registry[SETTINGS]
    declared = {a.name for a in bare.args}
    out = [_option(bare, a.name) for a in bare.args if a.name not in SETTINGS_OPTIONS]
    for name, (command, arg) in SETTINGS_OPTIONS.items():
        if name in declared:
            out.append(_option(bare, name))
        elif command in registry:
            out.append(_option(registry[command], arg, name))
    # Every setting is optional on /settings: any of them at once; none shows them all.
    return tuple(replace(o, required=False) for o in out)


def entries(registry: Mapping[str, CommandSpec] = REGISTRY) -> list[Entry]:
    """Every slash command the registry makes, in registry order."""
    folded = {name for name, _ in SETTINGS_OPTIONS.values()} if SETTINGS in registry else set()
    out: list[Entry] = []
    for spec in registry.values():
        if spec.hidden or spec.name in LEFT_OUT or spec.name in folded:
            continue
        path = RENAMED.get(spec.name) or tuple(spec.name.split())
        if spec.name == SETTINGS:
            options = _settings_options(registry)
        else:
            options = tuple(_option(spec, a.name) for a in spec.args)
        out.append(Entry(path, spec, clip(spec.summary, MAX_DESCRIPTION), options))
    _check(out)
    return out


def _check(found: list[Entry]) -> None:
    """A command and a family of the same name cannot both exist on Discord: say which."""
    paths = [e.path for e in found]
    families = {p[0] for p in paths if len(p) > 1}
    for entry in found:
        if not all(NAME.match(part) for part in entry.path):
            raise ValueError(f"{entry.spec.name}: {entry.path} is not a Discord command name")
        if len(entry.path) == 1 and entry.path[0] in families:
            raise ValueError(
                f"{entry.spec.name!r} clashes with the /{entry.path[0]} family: "
                "add it to RENAMED in adapters/discord/commands.py"
            )
    if len(set(paths)) != len(paths):
        raise ValueError(f"two commands share a Discord name: {sorted(paths)}")


# -- discord.py objects ------------------------------------------------------------------------
def _py(name: str) -> str:
    """The callback parameter for an option (Discord allows `-`, Python does not)."""
    return "o_" + name.replace("-", "_")


Completer = Callable[
    [discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]
]
CommandCallback = Callable[..., Coroutine[Any, Any, None]]


def _completer(kind: str, suggest: Suggester) -> Completer:
    async def complete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await suggest.suggest(kind, interaction.user, current)

    return complete


def _callback(entry: Entry, runner: Runner, suggest: Suggester) -> CommandCallback:
    names = {_py(o.name): o.name for o in entry.options}

    async def callback(interaction: discord.Interaction, **given: ArgValue) -> None:
        options = {names[k]: v for k, v in given.items() if k in names}
        if entry.opens_form and all(v is None for v in options.values()):
            await interaction.response.send_modal(
                FormModal(entry.spec.form(), runner, nonce=str(interaction.id))
            )
            return
        await runner.run(interaction, entry.invocation(options))

    # discord.py reads the options from the callback's signature and these decorations.
    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for o in entry.options:
        params.append(
            inspect.Parameter(
                _py(o.name),
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if o.required else None,
                annotation=int if o.integer else str,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    if entry.options:
        app_commands.describe(**{_py(o.name): o.description for o in entry.options})(callback)
        app_commands.rename(**{_py(o.name): o.name for o in entry.options})(callback)
    chosen = {
        _py(o.name): [app_commands.Choice(name=n, value=v) for n, v in o.choices]
        for o in entry.options
        if o.choices
    }
    if chosen:
        app_commands.choices(**chosen)(callback)
    completed = {
        _py(o.name): _completer(o.autocomplete, suggest) for o in entry.options if o.autocomplete
    }
    if completed:
        app_commands.autocomplete(**completed)(callback)
    return callback


def command(
    entry: Entry, runner: Runner, suggest: Suggester
) -> app_commands.Command[Any, ..., None]:
    return app_commands.Command(
        name=entry.path[-1],
        description=entry.description,
        callback=_callback(entry, runner, suggest),
        allowed_contexts=CONTEXTS,
        allowed_installs=INSTALLS,
        extras={"registry": entry.spec.name},
    )


def add_commands(
    tree: app_commands.CommandTree[Any],
    runner: Runner,
    suggest: Suggester,
    registry: Mapping[str, CommandSpec] = REGISTRY,
) -> list[Entry]:
    """Add every registry command to the tree as global commands (a guild sync copies them
    with tree.copy_global_to). Returns what it added."""
    found = entries(registry)
    families: dict[str, list[Entry]] = {}
    for entry in found:
        if len(entry.path) == 1:
            tree.add_command(command(entry, runner, suggest))
        else:
            families.setdefault(entry.path[0], []).append(entry)
    for name, members in families.items():
        group = app_commands.Group(
            name=name,
            description=clip(
                msg.discord_group_description(name, [e.path[1] for e in members]),
                MAX_DESCRIPTION,
            ),
            allowed_contexts=CONTEXTS,
            allowed_installs=INSTALLS,
        )
        for entry in members:
            group.add_command(command(entry, runner, suggest))
        tree.add_command(group)
    return found


def tree_signature(
    tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None = None
) -> str:
    """A stable hash of the commands as they would be synced: sync only when it changes."""
    payload = sorted(
        (c.to_dict(tree) for c in tree.get_commands(guild=guild)),
        key=lambda d: (d.get("type", 1), d["name"]),
    )
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
