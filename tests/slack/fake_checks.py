"""Block Kit and mention checks the fake Slack runs on every message and view it receives.

`check_message` / `check_view` return (violations, error): every rule broken is a
violation (a sentence naming the rule), and `error` is the name Slack answers with when it
would reject the request (None when Slack would accept it, e.g. a mention or a missing
fallback `text` next to blocks: Slack posts those, our own rules forbid them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
MODAL_TITLE = 24

# <!channel>, <!here|here>, <!everyone> and <@U123> / <@W123|name> are what Slack turns into
# pings; anything a member typed must reach Slack escaped so none of these appear.
MENTION = re.compile(r"<(!(?:channel|here|everyone)|@[UW][A-Z0-9]+)(?:\|[^>]*)?>")


def mentions(text: str) -> list[str]:
    """Canonical mentions in text: "<!here>", "<@U1>" (labels dropped)."""
    return [f"<{m.group(1)}>" for m in MENTION.finditer(text)]


def _texts(node: Any) -> Iterator[str]:
    """Every string under a "text" key: the strings Slack renders (values and ids aren't)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return str(obj["text"])
    return ""


def _buttons(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    accessory = block.get("accessory")
    if isinstance(accessory, dict):
        yield accessory
    for element in block.get("elements") or []:
        if isinstance(element, dict):
            yield element
    element = block.get("element")
    if isinstance(element, dict):
        yield element


def check_blocks(blocks: list[Any], limit: int, where: str) -> list[str]:
    out: list[str] = []
    if len(blocks) > limit:
        out.append(f"{where}: {len(blocks)} blocks (limit {limit})")
    action_ids: set[str] = set()
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            out.append(f"{where}: block {i} is not an object")
            continue
        kind = block.get("type")
        at = f"{where} block {i} ({kind})"
        if kind == "section":
            if len(_text_of(block.get("text"))) > SECTION_TEXT:
                out.append(f"{at}: text over {SECTION_TEXT} chars")
            fields = block.get("fields") or []
            if len(fields) > SECTION_FIELDS:
                out.append(f"{at}: {len(fields)} fields (limit {SECTION_FIELDS})")
            if any(len(_text_of(f)) > FIELD_TEXT for f in fields):
                out.append(f"{at}: a field over {FIELD_TEXT} chars")
            if not block.get("text") and not fields:
                out.append(f"{at}: neither text nor fields")
        elif kind == "header":
            text = block.get("text")
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                out.append(f"{at}: header text must be plain_text")
            if len(_text_of(text)) > HEADER_TEXT:
                out.append(f"{at}: header over {HEADER_TEXT} chars")
        elif kind == "actions":
            if len(block.get("elements") or []) > ACTIONS_ELEMENTS:
                out.append(f"{at}: over {ACTIONS_ELEMENTS} elements")
        elif kind == "context" and len(block.get("elements") or []) > CONTEXT_ELEMENTS:
            out.append(f"{at}: over {CONTEXT_ELEMENTS} elements")
        for element in _buttons(block):
            action_id = element.get("action_id")
            if isinstance(action_id, str):
                if len(action_id) > ACTION_ID:
                    out.append(f"{at}: action_id over {ACTION_ID} chars")
                if action_id in action_ids:
                    out.append(f"{at}: action_id {action_id!r} repeated")
                action_ids.add(action_id)
            if element.get("type") != "button":
                continue
            if len(_text_of(element.get("text"))) > BUTTON_TEXT:
                out.append(f"{at}: button text over {BUTTON_TEXT} chars")
            if len(str(element.get("value", ""))) > BUTTON_VALUE:
                out.append(f"{at}: button value over {BUTTON_VALUE} chars")
    return out


def check_mentions(payload: Any, allowed: set[str], where: str) -> list[str]:
    found = {m for text in _texts(payload) for m in mentions(text)} - allowed
    return [f"{where}: mention {m} in text" for m in sorted(found)]


def check_message(
    args: dict[str, Any], allowed: set[str], where: str
) -> tuple[list[str], str | None]:
    """A chat.* message or a response_url body."""
    out: list[str] = []
    error: str | None = None
    blocks = args.get("blocks")
    text = args.get("text")
    if not isinstance(text, str) or not text.strip():
        out.append(f"{where}: no top-level text (the notification/fallback text)")
        if not blocks and not args.get("attachments") and not args.get("delete_original"):
            error = "no_text"
    if "link_names" in args:
        out.append(f"{where}: link_names set")
    if blocks is not None:
        if not isinstance(blocks, list):
            out.append(f"{where}: blocks is not a list")
            error = "invalid_blocks_format"
        else:
            broken = check_blocks(blocks, MESSAGE_BLOCKS, where)
            if broken:
                error = "invalid_blocks"
            out.extend(broken)
    out.extend(check_mentions({"text": text, "blocks": blocks}, allowed, where))
    return out, error


def check_view(view: Any, allowed: set[str], where: str) -> tuple[list[str], str | None]:
    """A modal or Home view (views.open/push/update/publish)."""
    if not isinstance(view, dict):
        return [f"{where}: view is not an object"], "invalid_arguments"
    out: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        out.append(f"{where}: view type {kind!r}")
    if kind == "modal":
        title = view.get("title")
        if not _text_of(title):
            out.append(f"{where}: modal without a title")
        elif len(_text_of(title)) > MODAL_TITLE:
            out.append(f"{where}: modal title over {MODAL_TITLE} chars")
        for key in ("submit", "close"):
            if len(_text_of(view.get(key))) > MODAL_TITLE:
                out.append(f"{where}: modal {key} over {MODAL_TITLE} chars")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        out.append(f"{where}: view without a blocks list")
    else:
        out.extend(check_blocks(blocks, VIEW_BLOCKS, where))
    structural = list(out)
    out.extend(check_mentions(view, allowed, where))
    return out, ("invalid_arguments" if structural else None)
