"""The command set, declared once: name, typed arguments, help from the docstring.

Discord turns a spec into slash-command options, Slack into modal fields, and
the text parser (bot/parser.py) into the forgiving console/DM grammar.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.replies import Form, FormField

if TYPE_CHECKING:
    from bot.context import Context
    from bot.replies import Reply


class ArgType(enum.StrEnum):
    TEXT = "text"
    PERSON = "person"
    COMPANY = "company"
    WHEN = "when"
    CHOICE = "choice"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class Arg:
    name: str
    type: ArgType
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    autocomplete: str | None = None  # "contacts", "companies", "timezones"


ArgValue = str | int | None


@dataclass(frozen=True, slots=True)
class Invocation:
    """A parsed command: which one, and its arguments as typed values."""

    name: str
    args: Mapping[str, ArgValue] = field(default_factory=dict)

    def text(self, name: str) -> str | None:
        value = self.args.get(name)
        return None if value is None else str(value).strip() or None

    def number(self, name: str) -> int | None:
        value = self.args.get(name)
        return value if isinstance(value, int) else None


Handler = Callable[["Invocation", "Context"], Awaitable["Reply"]]
TextParser = Callable[[str], dict[str, ArgValue]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str  # one or two words: "streak", "contact add"
    handler: Handler
    args: tuple[Arg, ...]
    summary: str
    details: str
    usage: str
    example: str
    category: str
    parse: TextParser | None = None  # free-text grammar; positional otherwise
    in_form: bool = False  # offer it as a form (modal) on platforms that have them
    hidden: bool = False  # reached by what people say ("hi"), not listed in help or menus
    # It only reads: run in a read-only transaction, which on SQLite takes no write lock.
    reads_only: bool = False

    def form(self) -> Form:
        return Form(
            command=self.name,
            title=self.summary.rstrip("."),
            fields=tuple(
                FormField(
                    name=a.name,
                    label=a.help,
                    kind=a.type.value,
                    required=a.required,
                    choices=a.choices,
                )
                for a in self.args
            ),
        )


REGISTRY: dict[str, CommandSpec] = {}
CATEGORIES = ("log", "people", "follow-ups", "progress", "group", "settings", "data")


def command(
    name: str,
    *args: Arg,
    usage: str,
    example: str,
    category: str,
    parse: TextParser | None = None,
    in_form: bool = False,
    hidden: bool = False,
    reads_only: bool = False,
) -> Callable[[Handler], Handler]:
    """Register a handler as a command; its docstring is the help text."""

    def register(handler: Handler) -> Handler:
        doc = inspect.getdoc(handler) or name
        summary, _, details = doc.partition("\n")
        if name in REGISTRY:
            raise ValueError(f"command {name!r} declared twice")
        REGISTRY[name] = CommandSpec(
            name=name,
            handler=handler,
            args=args,
            summary=summary.strip(),
            details=details.strip(),
            usage=usage,
            example=example,
            category=category,
            parse=parse,
            in_form=in_form,
            hidden=hidden,
            reads_only=reads_only,
        )
        return handler

    return register
