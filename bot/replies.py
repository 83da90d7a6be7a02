"""The neutral reply model every adapter renders (plain text, Block Kit, embeds).

Text is a tuple of segments: plain strings the buddy wrote, and `UserText` for
anything a person typed. Adapters must neutralise mentions inside `UserText`
(`@everyone`, `<!channel>`, `<@U123>`...) so user text never pings anyone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class UserText:
    """Text that came from a person; shown verbatim, never as a mention."""

    text: str


Segment = str | UserText
Line = tuple[Segment, ...]


def line(*parts: Segment | None) -> Line:
    """Build a line, dropping None parts."""
    return tuple(p for p in parts if p is not None and p != "")


def plain(text_line: Line) -> str:
    """The line as plain text, user text included as typed."""
    return "".join(p.text if isinstance(p, UserText) else p for p in text_line)


class Visibility(enum.StrEnum):
    PRIVATE = "private"  # only the caller sees it (ephemeral / DM)
    PUBLIC = "public"  # posted in the channel


@dataclass(frozen=True, slots=True)
class Action:
    """A button. `command` is the text command it runs, so it survives restarts
    and every platform can replay it the same way (`done 42`, `snooze 42 tomorrow`)."""

    label: str
    command: str
    primary: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: Line


@dataclass(frozen=True, slots=True)
class Section:
    heading: str | None
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: str  # an ArgType value: text, person, company, when, choice, number
    required: bool = False
    choices: tuple[str, ...] = ()
    placeholder: str | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """A form a platform shows as a modal; submitting it invokes `command`."""

    command: str
    title: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True, slots=True)
class File:
    name: str
    content: bytes
    mime: str


@dataclass(frozen=True, slots=True)
class Reply:
    title: Line | None = None
    body: tuple[Line, ...] = ()
    sections: tuple[Section, ...] = ()
    fields: tuple[Field, ...] = ()
    next_step: Line | None = None  # the one thing to do next; rendered last
    actions: tuple[Action, ...] = ()
    form: Form | None = None
    files: tuple[File, ...] = ()
    visibility: Visibility = Visibility.PRIVATE
    is_error: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        """Plain-text rendering (console, DMs, logs, tests)."""
        out: list[str] = []
        if self.title:
            out.append(plain(self.title))
        out.extend(plain(b) for b in self.body)
        for f in self.fields:
            out.append(f"{f.label}: {plain(f.value)}")
        for s in self.sections:
            if s.heading:
                out.append(s.heading)
            out.extend(f"  {plain(x)}" for x in s.lines)
        if self.next_step:
            out.append(plain(self.next_step))
        if self.actions:
            out.append("  ".join(f"[{a.label}: {a.command}]" for a in self.actions))
        for file in self.files:
            out.append(f"(file {file.name}, {len(file.content)} bytes)")
        return "\n".join(out)
