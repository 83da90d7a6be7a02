"""Discord's limits and our mention rule, checked on everything the bot sends the fake.

Each check returns (violations, rejected): every rule broken is a violation (a sentence
naming where and which rule); `rejected` is True when Discord itself would refuse the
request (400, code 50035 "Invalid Form Body"). The mention rule is ours, not Discord's:
Discord posts a message without `allowed_mentions` and pings whatever its content
mentions, so a missing or permissive `allowed_mentions` is a violation but not rejected.
"""

from __future__ import annotations

import re
from typing import Any

CONTENT = 2000
EMBEDS = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBED_TOTAL = 6000
ROWS = 5
ROW_BUTTONS = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
SELECT_PLACEHOLDER = 150
OPTION_TEXT = 100
MODAL_TITLE = 45
MODAL_ROWS = 5
INPUT_LABEL = 45
INPUT_PLACEHOLDER = 100
INPUT_VALUE = 4000
CHOICES = 25
CHOICE_TEXT = 100
COMMANDS = 100
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
COMMAND_DESCRIPTION = 100
COMMAND_OPTIONS = 25

EPHEMERAL = 1 << 6
LOADING = 1 << 7
COMPONENTS_V2 = 1 << 15
BUTTON, SELECTS, TEXT_INPUT, LABEL = 2, (3, 5, 6, 7, 8), 4, 18

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE = re.compile(r"@(everyone|here)")

Found = tuple[list[str], bool]


def _too_long(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) > limit


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def check_embeds(embeds: Any, where: str) -> list[str]:
    if not isinstance(embeds, list):
        return [f"{where}: embeds is not a list"]
    out: list[str] = []
    if len(embeds) > EMBEDS:
        out.append(f"{where}: {len(embeds)} embeds (limit {EMBEDS})")
    total = 0
    for i, embed in enumerate(embeds):
        at = f"{where} embed {i}"
        if not isinstance(embed, dict):
            out.append(f"{at}: not an object")
            continue
        title, description = _text(embed.get("title")), _text(embed.get("description"))
        footer = _text((embed.get("footer") or {}).get("text"))
        author = _text((embed.get("author") or {}).get("name"))
        for name, value, limit in (
            ("title", title, EMBED_TITLE),
            ("description", description, EMBED_DESCRIPTION),
            ("footer text", footer, FOOTER),
            ("author name", author, AUTHOR),
        ):
            if len(value) > limit:
                out.append(f"{at}: {name} is {len(value)} chars (limit {limit})")
        total += len(title) + len(description) + len(footer) + len(author)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS:
            out.append(f"{at}: {len(fields)} fields (limit {EMBED_FIELDS})")
        for j, field in enumerate(fields):
            name, value = _text(field.get("name")), _text(field.get("value"))
            if not name.strip() or not value.strip():
                out.append(f"{at} field {j}: an empty name or value")
            if len(name) > FIELD_NAME:
                out.append(f"{at} field {j}: name is {len(name)} chars (limit {FIELD_NAME})")
            if len(value) > FIELD_VALUE:
                out.append(f"{at} field {j}: value is {len(value)} chars (limit {FIELD_VALUE})")
            total += len(name) + len(value)
    if total > EMBED_TOTAL:
        out.append(f"{where}: embeds hold {total} chars in all (limit {EMBED_TOTAL})")
    return out


def _check_select(item: dict[str, Any], at: str) -> list[str]:
    out: list[str] = []
    options = item.get("options") or []
    if len(options) > SELECT_OPTIONS:
        out.append(f"{at}: {len(options)} select options (limit {SELECT_OPTIONS})")
    if _too_long(item.get("placeholder"), SELECT_PLACEHOLDER):
        out.append(f"{at}: placeholder over {SELECT_PLACEHOLDER} chars")
    for option in options:
        for key in ("label", "value", "description"):
            if _too_long(option.get(key), OPTION_TEXT):
                out.append(f"{at}: an option's {key} over {OPTION_TEXT} chars")
    return out


def _check_item(item: Any, at: str, seen: set[str]) -> list[str]:
    if not isinstance(item, dict):
        return [f"{at}: not an object"]
    out: list[str] = []
    custom_id = item.get("custom_id")
    if isinstance(custom_id, str):
        if len(custom_id) > CUSTOM_ID:
            out.append(f"{at}: custom_id is {len(custom_id)} chars (limit {CUSTOM_ID})")
        if custom_id in seen:
            out.append(f"{at}: custom_id {custom_id!r} used twice")
        seen.add(custom_id)
    kind = item.get("type")
    if kind == BUTTON:
        if _too_long(item.get("label"), BUTTON_LABEL):
            out.append(f"{at}: button label over {BUTTON_LABEL} chars")
        link = item.get("style") == 5
        if link != ("url" in item) or link == isinstance(custom_id, str):
            out.append(f"{at}: a link button needs a url and no custom_id, others a custom_id")
    elif kind in SELECTS:
        out.extend(_check_select(item, at))
    return out


def check_components(components: Any, where: str, v2: bool = False) -> list[str]:
    """Classic message components: <= 5 action rows of <= 5 buttons or one select."""
    if not isinstance(components, list):
        return [f"{where}: components is not a list"]
    out: list[str] = []
    seen: set[str] = set()
    if v2:  # Components V2 messages nest freely; check only the items
        stack = list(components)
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                out.extend(_check_item(node, f"{where} component", seen))
                stack.extend(node.get("components") or [])
                if isinstance(node.get("accessory"), dict):
                    stack.append(node["accessory"])
        return out
    if len(components) > ROWS:
        out.append(f"{where}: {len(components)} action rows (limit {ROWS})")
    for i, row in enumerate(components):
        at = f"{where} row {i}"
        if not isinstance(row, dict) or row.get("type") != 1:
            out.append(f"{at}: top-level components must be action rows")
            continue
        items = row.get("components") or []
        if not items:
            out.append(f"{at}: an empty action row")
        buttons = [c for c in items if isinstance(c, dict) and c.get("type") == BUTTON]
        if len(buttons) > ROW_BUTTONS:
            out.append(f"{at}: {len(buttons)} buttons (limit {ROW_BUTTONS})")
        if len(buttons) != len(items) and len(items) > 1:
            out.append(f"{at}: a select must be alone in its row")
        for j, item in enumerate(items):
            out.extend(_check_item(item, f"{at} item {j}", seen))
    return out


def pings(body: dict[str, Any]) -> list[str]:
    """What Discord would notify for this message: "@everyone", "user 1", "role 2"."""
    content = _text(body.get("content"))
    allowed = body.get("allowed_mentions")
    mentioned = [f"user {m}" for m in USER_MENTION.findall(content)]
    mentioned += [f"role {m}" for m in ROLE_MENTION.findall(content)]
    everyone = [f"@{m}" for m in EVERYONE.findall(content)]
    if not isinstance(allowed, dict):
        return everyone + mentioned
    parse = allowed.get("parse") or []
    explicit = {f"user {u}" for u in allowed.get("users") or []}
    explicit |= {f"role {r}" for r in allowed.get("roles") or []}
    out = everyone if "everyone" in parse else []
    for m in mentioned:
        kind = m.split()[0] + "s"
        if kind in parse or m in explicit:
            out.append(m)
    return out


def check_mentions(body: dict[str, Any], where: str, allowed_ids: set[int]) -> list[str]:
    """Our rule: allowed_mentions set, with nothing parsed and nobody listed."""
    out: list[str] = []
    allowed = body.get("allowed_mentions")
    if not isinstance(allowed, dict):
        out.append(f"{where}: allowed_mentions not set (Discord then parses every mention)")
    else:
        if allowed.get("parse"):
            out.append(f"{where}: allowed_mentions parses {allowed['parse']}")
        listed = {int(x) for x in [*(allowed.get("users") or []), *(allowed.get("roles") or [])]}
        if listed - allowed_ids:
            out.append(f"{where}: allowed_mentions lists {sorted(listed - allowed_ids)}")
    for ping in pings(body):
        if not ping.startswith("@") and int(ping.split()[1]) in allowed_ids:
            continue
        out.append(f"{where}: would ping {ping}")
    return out


def check_message(
    body: Any, where: str, allowed_ids: set[int], create: bool = True
) -> Found:
    """A message create or edit: channel message, callback 4/7 data, webhook post or edit."""
    if not isinstance(body, dict):
        return [f"{where}: the body is not an object"], True
    out: list[str] = []
    content = _text(body.get("content"))
    if len(content) > CONTENT:
        out.append(f"{where}: content is {len(content)} chars (limit {CONTENT})")
    v2 = bool(int(body.get("flags") or 0) & COMPONENTS_V2)
    if body.get("embeds") is not None:
        out.extend(check_embeds(body["embeds"], where))
    if body.get("components") is not None:
        out.extend(check_components(body["components"], where, v2))
    rejected = bool(out)
    if create or "content" in body:
        out.extend(check_mentions(body, where, allowed_ids))
    return out, rejected


def is_empty(body: dict[str, Any], files: int) -> bool:
    """Discord refuses (50006) a new message with nothing in it."""
    keys = ("content", "embeds", "components", "sticker_ids", "poll")
    return files == 0 and not any(body.get(k) for k in keys)


def check_modal(data: Any, where: str) -> Found:
    if not isinstance(data, dict):
        return [f"{where}: modal data is not an object"], True
    out: list[str] = []
    title = _text(data.get("title"))
    if not title or len(title) > MODAL_TITLE:
        out.append(f"{where}: modal title is {len(title)} chars (1 to {MODAL_TITLE})")
    if not isinstance(data.get("custom_id"), str) or len(data["custom_id"]) > CUSTOM_ID:
        out.append(f"{where}: modal custom_id missing or over {CUSTOM_ID} chars")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= MODAL_ROWS:
        out.append(f"{where}: {len(rows)} modal components (1 to {MODAL_ROWS})")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        at = f"{where} modal row {i}"
        inner = [row.get("component")] if row.get("type") == LABEL else row.get("components")
        if row.get("type") not in (1, LABEL, 10) or (row.get("type") != 10 and not inner):
            out.append(f"{at}: must be an action row or a label holding one input")
            continue
        for item in inner or []:
            out.extend(_check_item(item, at, seen))
            if isinstance(item, dict) and item.get("type") == TEXT_INPUT:
                limits = (("label", INPUT_LABEL), ("placeholder", INPUT_PLACEHOLDER),
                          ("value", INPUT_VALUE))
                for key, limit in limits:
                    if _too_long(item.get(key), limit):
                        out.append(f"{at}: text input {key} over {limit} chars")
        if row.get("type") == LABEL and _too_long(row.get("label"), INPUT_LABEL):
            out.append(f"{at}: label over {INPUT_LABEL} chars")
    return out, bool(out)


def check_choices(data: Any, where: str) -> Found:
    """An autocomplete result (callback type 8)."""
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list):
        return [f"{where}: autocomplete result without a choices list"], True
    out: list[str] = []
    if len(choices) > CHOICES:
        out.append(f"{where}: {len(choices)} choices (limit {CHOICES})")
    for i, choice in enumerate(choices):
        name = _text(choice.get("name"))
        if not 1 <= len(name) <= CHOICE_TEXT:
            out.append(f"{where} choice {i}: name is {len(name)} chars (1 to {CHOICE_TEXT})")
        if _too_long(choice.get("value"), CHOICE_TEXT):
            out.append(f"{where} choice {i}: value over {CHOICE_TEXT} chars")
    return out, bool(out)


def _check_options(options: list[Any], at: str) -> list[str]:
    out: list[str] = []
    if len(options) > COMMAND_OPTIONS:
        out.append(f"{at}: {len(options)} options (limit {COMMAND_OPTIONS})")
    optional_seen = False
    for option in options:
        name = _text(option.get("name"))
        here = f"{at} option {name!r}"
        if not COMMAND_NAME.match(name) or name != name.lower():
            out.append(f"{here}: not a valid lowercase name of 1-32 chars")
        if not 1 <= len(_text(option.get("description"))) <= COMMAND_DESCRIPTION:
            out.append(f"{here}: description must be 1-{COMMAND_DESCRIPTION} chars")
        if option.get("type") in (1, 2):
            out.extend(_check_options(option.get("options") or [], here))
            continue
        if option.get("required"):
            if optional_seen:
                out.append(f"{here}: a required option after an optional one")
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if len(choices) > CHOICES:
            out.append(f"{here}: {len(choices)} choices (limit {CHOICES})")
        if choices and option.get("autocomplete"):
            out.append(f"{here}: choices and autocomplete together")
        if any(len(_text(c.get("name"))) > CHOICE_TEXT for c in choices):
            out.append(f"{here}: a choice name over {CHOICE_TEXT} chars")
    return out


def check_commands(commands: Any, where: str) -> Found:
    """A bulk overwrite of application commands."""
    if not isinstance(commands, list):
        return [f"{where}: the body is not a list"], True
    out: list[str] = []
    if len(commands) > COMMANDS:
        out.append(f"{where}: {len(commands)} commands (limit {COMMANDS})")
    names: set[tuple[str, int]] = set()
    for command in commands:
        name = _text(command.get("name"))
        kind = int(command.get("type", 1))
        at = f"{where} /{name}"
        if (name, kind) in names:
            out.append(f"{at}: declared twice")
        names.add((name, kind))
        if kind != 1:
            continue
        if not COMMAND_NAME.match(name) or name != name.lower():
            out.append(f"{at}: not a valid lowercase name of 1-32 chars")
        if not 1 <= len(_text(command.get("description"))) <= COMMAND_DESCRIPTION:
            out.append(f"{at}: description must be 1-{COMMAND_DESCRIPTION} chars")
        out.extend(_check_options(command.get("options") or [], at))
    return out, bool(out)
