"""The core's neutral Reply as a Block Kit message, with a plain-text fallback.

Every message stays inside Block Kit's limits whatever the reply's size: a long reply
keeps its first lines and says how many more there are.
"""

from __future__ import annotations

import re
from typing import Any

from bot.replies import Action, File, Line, Reply, UserText, plain

Block = dict[str, Any]

RUN_ACTION = re.compile(r"^run-\d+$")
OPEN_FORM = "open-form"
OPEN_SETTINGS = "open-settings"

# Block Kit limits (docs.slack.dev, Block Kit reference).
MAX_MESSAGE_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK = 4000  # Slack truncates `text` at 40k; a notification needs far less
BUTTONS_PER_ROW = 5  # an actions block takes 25; five reads as one row on a phone
MAX_ACTION_ROWS = 5

_ZWJ = "\u200d"
_BROADCAST = re.compile(r"@(?=(channel|here|everyone)\b)", re.IGNORECASE)
_PLAIN_MENTION = re.compile(r"<(?=[!@#])")


def escape(text: str) -> str:
    """Text for a mrkdwn field or the `text` fallback: `&`, `<`, `>` escaped, so a typed
    `<!channel>` or `<@U123>` arrives as text. We never set link_names, so a bare `@here`
    should not broadcast either; a zero-width joiner after the `@` keeps it inert even if
    someone copies it or a client parses the message with link_names on."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + _ZWJ, text)


def plain_label(text: str, limit: int) -> str:
    """Text for a plain_text object (header, button, option, title): Slack shows it as is,
    so nothing is escaped, but mention-shaped text is broken all the same."""
    text = _PLAIN_MENTION.sub("<" + _ZWJ, text)
    return clip(_BROADCAST.sub("@" + _ZWJ, text), limit) or " "


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text_line: Line) -> str:
    """A line as escaped mrkdwn; user text can never ping anyone."""
    return "".join(escape(p.text if isinstance(p, UserText) else p) for p in text_line)


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": plain_label(text, MAX_HEADER_TEXT)},
    }


def button(label: str, action_id: str, value: str, primary: bool = False) -> Block:
    out: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": plain_label(label, MAX_BUTTON_TEXT)},
        "action_id": action_id,
        "value": value[:MAX_BUTTON_VALUE],
    }
    if primary:
        out["style"] = "primary"
    return out


def _pieces(text: str, limit: int) -> list[str]:
    """A line longer than a section takes, cut into section-sized pieces."""
    return [text[i : i + limit] for i in range(0, len(text), limit)] or [""]


def text_sections(lines: list[str], heading: str | None = None) -> list[tuple[Block, int]]:
    """Lines packed into as few sections as fit, each with how many lines it carries."""
    out: list[tuple[Block, int]] = []
    chunk: list[str] = [f"*{escape(heading)}*"] if heading else []
    count = 0

    def flush() -> None:
        text = "\n".join(chunk)
        if text.strip():  # a section's text may not be empty
            out.append((section(text), count))

    for text in lines:
        for piece in _pieces(text, MAX_SECTION_TEXT):
            if chunk and len("\n".join(chunk)) + 1 + len(piece) > MAX_SECTION_TEXT:
                flush()
                chunk, count = [], 0
            chunk.append(piece)
        count += 1
    flush()
    return out


def field_sections(reply: Reply) -> list[tuple[Block, int]]:
    texts = [
        clip(f"*{escape(f.label)}*\n{mrkdwn(f.value) or ' '}", MAX_FIELD_TEXT)
        for f in reply.fields
    ]
    return [
        (
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": t} for t in texts[i : i + MAX_FIELDS]],
            },
            len(texts[i : i + MAX_FIELDS]),
        )
        for i in range(0, len(texts), MAX_FIELDS)
    ]


def action_rows(actions: tuple[Action, ...], reply: Reply, rows: int) -> list[Block]:
    """Buttons in rows of five; each runs the command it names (action_id `run-<i>`)."""
    buttons = [
        button(a.label, f"run-{i}", a.command, a.primary)
        for i, a in enumerate(actions)
        if len(a.command) <= MAX_BUTTON_VALUE
    ]
    if reply.form is not None:
        buttons.append(button(reply.form.title, OPEN_FORM, reply.form.command, primary=True))
    buttons = buttons[: rows * BUTTONS_PER_ROW]
    return [
        {"type": "actions", "elements": buttons[i : i + BUTTONS_PER_ROW]}
        for i in range(0, len(buttons), BUTTONS_PER_ROW)
    ]


def content_blocks(reply: Reply) -> list[tuple[Block, int]]:
    """Body, fields and sections in order, each block with the lines it shows."""
    out = text_sections([mrkdwn(b) for b in reply.body])
    out += field_sections(reply)
    for s in reply.sections:
        out += text_sections([mrkdwn(x) for x in s.lines], s.heading)
    return out


def fit(
    head: list[Block], content: list[tuple[Block, int]], tail: list[Block], limit: int
) -> list[Block]:
    """Head, as much content as fits, "…and N more", tail: never more than `limit`."""
    if len(head) + len(content) + len(tail) <= limit:
        return [*head, *(b for b, _ in content), *tail]
    room = max(0, limit - len(head) - len(tail) - 1)
    kept, dropped = content[:room], content[room:]
    more = sum(n for _, n in dropped)
    note = [context(f"…and {more} more")] if more else []
    return [*head, *(b for b, _ in kept), *note, *tail][:limit]


def render(reply: Reply, *, limit_blocks: int = MAX_MESSAGE_BLOCKS) -> dict[str, Any]:
    """{"text": fallback, "blocks": [...]}; files are not rendered (the app uploads them)."""
    head = [header(plain(reply.title))] if reply.title else []
    tail: list[Block] = []
    if reply.next_step:
        tail += [b for b, _ in text_sections([mrkdwn(reply.next_step)])][:1]
    rows = min(MAX_ACTION_ROWS, max(0, limit_blocks - len(head) - len(tail) - 2))
    tail += action_rows(reply.actions, reply, rows)
    blocks = fit(head, content_blocks(reply), tail, limit_blocks)
    return {"text": plain_text(reply), "blocks": blocks}


def uploads(files: tuple[File, ...]) -> list[dict[str, Any]]:
    """A reply's files as files_upload_v2 takes them."""
    return [{"content": f.content, "filename": f.name, "title": f.name} for f in files]


def plain_text(reply: Reply) -> str:
    """The fallback `text` (notifications, screen readers): escaped, never a mention."""
    out: list[str] = []
    if reply.title:
        out.append(mrkdwn(reply.title))
    out.extend(mrkdwn(b) for b in reply.body)
    out.extend(f"{escape(f.label)}: {mrkdwn(f.value)}" for f in reply.fields)
    for s in reply.sections:
        if s.heading:
            out.append(escape(s.heading))
        out.extend(mrkdwn(x) for x in s.lines)
    if reply.next_step:
        out.append(mrkdwn(reply.next_step))
    text = "\n".join(out).strip() or " "
    if len(text) > MAX_FALLBACK:
        # Never cut through an escape like "&amp;": drop back to the last whole line.
        cut = text.rfind("\n", 0, MAX_FALLBACK - 1)
        kept = text[:cut] if cut > 0 else re.sub(r"&[a-z]*$", "", text[: MAX_FALLBACK - 1])
        text = kept + "…"
    return text
