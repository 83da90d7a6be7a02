"""The core's neutral Reply as a Discord message: content, embeds and buttons, within every
limit whatever the reply's size.

A short reply (no title, fields or sections) is plain content, as people write in Discord:
its lines, then the next step. Anything larger is embeds: the title, body and fields, then the
sections, then the next step last, so it stays visible just above the buttons. A reply too
long for one message keeps its head and says "…and N more", like the Slack renderer.
User text is shown as text: its markdown is escaped and its mentions broken, so no contact
name or note can ping @everyone, a role or a user even where allowed_mentions is left unset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import discord

from adapters.discord.hints import slash_hints
from adapters.discord.views import buttons, unping
from bot.replies import Line, Reply, UserText, Visibility

# Discord's limits (discord.com/developers/docs/resources/message, .../channel#embed-limits).
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_TOTAL = 6000  # every embed's text in one message
MAX_NEXT_STEP = 1000  # a next step is a sentence; longer is clipped so the rest has room
INLINE_UP_TO = 40  # a field this short sits beside others (a dashboard's numbers)
NOTE_ROOM = 40  # "…and N more" and its line breaks
COLOUR = discord.Colour(0x2E8B57)

_ZWSP = "\u200b"
_INLINE_MARKUP = re.compile(r"([\\*_~|`\[\]])")
_LINE_START_MARKUP = re.compile(r"^(\s*)([#>+\-]|\d+\.)")
_URL = re.compile(r"https?://[^\s<>]+")
_GRAVE = "\u02cb"  # a backtick look-alike: user text cannot close the code it sits in


@dataclass(slots=True)
class Rendered:
    content: str | None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    ephemeral: bool = True
    files: tuple[str, ...] = ()  # names of the reply's files; the sender attaches their bytes


def size(text: str) -> int:
    """Length as Discord may count it (UTF-16 code units): never under the real count."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    if size(text) <= limit:
        return text
    cut = text.encode("utf-16-le")[: (limit - 1) * 2].decode("utf-16-le", errors="ignore")
    return cut + "…"


def escape_user(text: str, *, in_code: bool = False, line_start: bool = False) -> str:
    """What a person typed, as Discord text that shows exactly that and pings nobody.
    Inside inline code nothing is parsed, so only a backtick (which would end it) changes."""
    text = " ".join(text.split())  # one line stays one line
    if in_code:
        return unping(text.replace("`", _GRAVE))
    out, at = [], 0
    for url in _URL.finditer(text):  # links stay clickable: nothing inside them is escaped
        out.append(_INLINE_MARKUP.sub(r"\\\1", text[at : url.start()]))
        out.append(url.group(0))
        at = url.end()
    out.append(_INLINE_MARKUP.sub(r"\\\1", text[at:]))
    escaped = "".join(out)
    if line_start:
        escaped = _LINE_START_MARKUP.sub(r"\1\\\2", escaped)
    return unping(escaped)


def markdown(text_line: Line) -> str:
    """A line as Discord markdown: the buddy's own text as written (its `code`, commands in
    slash syntax when a span is all its own), user text escaped, and nothing anywhere
    shaped like a mention."""
    out: list[str] = []
    in_code = False
    for part in text_line:
        if isinstance(part, UserText):
            start = not "".join(out).strip()
            out.append(escape_user(part.text, in_code=in_code, line_start=start))
        else:
            out.append(unping(_hints_outside(part, in_code)))
            in_code ^= part.count("`") % 2 == 1
    return "".join(out)


def _hints_outside(part: str, in_code: bool) -> str:
    """Slash hints for the spans wholly inside `part`: one it opens or closes shares its
    line with user text, which is never reread."""
    cut = part.find("`") + 1 if in_code else 0
    if in_code and cut == 0:
        return part
    return part[:cut] + slash_hints(part[cut:])


def plain_text(text_line: Line) -> str:
    """A line for plain text (a title): user text as typed, on one line, mentions broken."""
    typed = "".join(p.text if isinstance(p, UserText) else p for p in text_line)
    return unping(" ".join(typed.split()))


def render(reply: Reply) -> Rendered:
    ephemeral = reply.visibility is Visibility.PRIVATE
    view = buttons(reply.actions, reply.form)
    files = tuple(f.name for f in reply.files)
    if reply.title is None and not reply.fields and not reply.sections:
        lines = [markdown(b) for b in reply.body]
        if reply.next_step:
            lines.append(markdown(reply.next_step))
        content = "\n".join(lines).strip()
        if size(content) <= MAX_CONTENT:
            return Rendered(content or ("…" if not files else None), [], view, ephemeral, files)
    return Rendered(None, embeds(reply), view, ephemeral, files)


# -- embeds ------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Unit:
    kind: str  # "line", "heading" or "field"
    text: str
    value: str = ""  # a field's value
    counted: int = 1  # what "…and N more" counts (a heading counts nothing)

    def cost(self) -> int:
        if self.kind == "field":
            return size(self.text) + size(self.value)
        return size(self.text) + (2 if self.kind == "heading" else 1)


def _units(reply: Reply) -> list[_Unit]:
    """Body lines, fields, then each section's heading and lines: what may be cut."""
    out = [_Unit("line", clip(markdown(b), MAX_DESCRIPTION)) for b in reply.body]
    for f in reply.fields:
        name = clip(unping(f.label), MAX_FIELD_NAME) or _ZWSP
        value = clip(markdown(f.value), MAX_FIELD_VALUE) or _ZWSP
        out.append(_Unit("field", name, value))
    for s in reply.sections:
        if s.heading:
            heading = clip(f"**{unping(s.heading)}**", MAX_DESCRIPTION)
            out.append(_Unit("heading", heading, counted=0))
        out += [_Unit("line", clip(markdown(x), MAX_DESCRIPTION)) for x in s.lines]
    return out


class _Embeds:
    """Embeds filled in order: lines into the current description, fields after it; a line
    after fields, or a description full, starts the next embed."""

    def __init__(self, title: str | None) -> None:
        self.done: list[discord.Embed] = []
        self.title = title
        self.lines: list[str] = []
        self.fields: list[tuple[str, str]] = []

    def _flush(self) -> None:
        if not (self.lines or self.fields or self.title):
            return
        embed = discord.Embed(
            title=self.title, description="\n".join(self.lines) or None, colour=COLOUR
        )
        for name, value in self.fields:
            embed.add_field(name=name, value=value, inline=size(value) <= INLINE_UP_TO)
        self.done.append(embed)
        self.title, self.lines, self.fields = None, [], []

    def line(self, line: str, gap: bool = False, then: int = 0) -> None:
        """`then`: what must follow in the same description if it can (a section's lines
        after its heading), so a long reply splits between sections."""
        gap = gap and bool(self.lines)
        grown = size("\n".join(self.lines)) + (2 if gap else 1) + size(line)
        full = grown > MAX_DESCRIPTION
        split = grown + then > MAX_DESCRIPTION and size(line) + then <= MAX_DESCRIPTION
        if self.fields or (self.lines and (full or split)):
            self._flush()
            gap = False
        if gap:
            self.lines.append("")
        self.lines.append(line)

    def field(self, name: str, value: str) -> None:
        if len(self.fields) == MAX_FIELDS:
            self._flush()
        self.fields.append((name, value))

    def finish(self) -> list[discord.Embed]:
        self._flush()
        return self.done


def _kept(units: list[_Unit], room: int) -> tuple[list[_Unit], int]:
    """The head of the content that fits in `room` (and 25 fields), and how many lines and
    fields it drops."""
    kept: list[_Unit] = []
    fields = 0
    for i, unit in enumerate(units):
        fields += unit.kind == "field"
        if unit.cost() > room or fields > MAX_FIELDS:
            return kept, sum(u.counted for u in units[i:])
        room -= unit.cost()
        kept.append(unit)
    return kept, 0


def _section_size(units: list[_Unit]) -> int:
    """The size of the lines up to the next heading or field."""
    total = 0
    for unit in units:
        if unit.kind != "line":
            break
        total += unit.cost()
    return total


def embeds(reply: Reply) -> list[discord.Embed]:
    title = clip(plain_text(reply.title), MAX_TITLE) if reply.title else None
    next_step = clip(markdown(reply.next_step), MAX_NEXT_STEP) if reply.next_step else None
    fixed = size(title or "") + size(next_step or "") + 2 + NOTE_ROOM
    kept, dropped = _kept(_units(reply), MAX_TOTAL - fixed)
    out = _Embeds(title)
    for i, unit in enumerate(kept):
        if unit.kind == "field":
            out.field(unit.text, unit.value)
        elif unit.kind == "heading":
            out.line(unit.text, gap=True, then=_section_size(kept[i + 1 :]))
        else:
            out.line(unit.text)
    if dropped:
        out.line(f"…and {dropped} more")
    if next_step:
        out.line(next_step, gap=True)
    return out.finish()[:MAX_EMBEDS]


def total(embeds_: Iterable[discord.Embed]) -> int:
    """The text Discord counts toward 6,000 per message."""
    count = 0
    for e in embeds_:
        count += size(e.title or "") + size(e.description or "")
        count += sum(size(f.name or "") + size(f.value or "") for f in e.fields)
        count += size(e.footer.text or "") + size(e.author.name or "")
    return count
