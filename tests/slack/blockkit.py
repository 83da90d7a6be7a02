"""Test support for the Slack renderer: a Block Kit limits checker (ours, stricter on
options, inputs and bare broadcast words, plus the fake Slack's), and the real core on a
temporary SQLite file (like tests/console/conftest.py's `console`) to make replies with."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from adapters.console.backend import ConsoleBackend
from bot.core import Core
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import uow_factory
from tests.fakes import FakeClock
from tests.slack import fake_checks

# A ping: a broadcast or user/group mention in Slack's markup, or a bare broadcast word
# (what link_names would turn into one). The renderer breaks bare words with a ZWJ.
PING = re.compile(
    r"<!(channel|here|everyone)|<@[UW]|<!subteam|(?<!\w)@(channel|here|everyone)\b",
    re.IGNORECASE,
)


@asynccontextmanager
async def open_console(tmp_path: Path, clock: FakeClock) -> AsyncIterator[ConsoleBackend]:
    url = f"sqlite+aiosqlite:///{tmp_path}/slack.db"
    await upgrade(url)
    engine = make_engine(url)
    try:
        yield ConsoleBackend(Core(uow_factory(engine, clock), clock))
    finally:
        await engine.dispose()


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _text(obj: Any, where: str, limit: int, kind: str | None, out: list[str]) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        out.append(f"{where}: not a text object")
        return
    if kind and obj.get("type") != kind:
        out.append(f"{where}: must be {kind}")
    if not obj["text"] or len(obj["text"]) > limit:
        out.append(f"{where}: text length {len(obj['text'])} not in 1..{limit}")


def _element(el: dict[str, Any], where: str, ids: set[str], out: list[str]) -> None:
    action_id = el.get("action_id")
    if action_id is not None:
        if len(action_id) > 255 or action_id in ids:
            out.append(f"{where}: action_id {action_id!r} too long or repeated")
        ids.add(action_id)
    kind = el.get("type")
    if kind == "button":
        _text(el.get("text"), f"{where}.text", 75, "plain_text", out)
        if len(el.get("value", "")) > 2000:
            out.append(f"{where}: button value over 2000")
    if kind in ("static_select", "checkboxes", "radio_buttons"):
        options = el.get("options", [])
        if not 1 <= len(options) <= (100 if kind == "static_select" else 10):
            out.append(f"{where}: {len(options)} options")
        for opt in options + el.get("initial_options", []) + [el.get("initial_option") or {}]:
            if opt and (len(opt.get("value", "")) > 150 or len(opt["text"]["text"]) > 75):
                out.append(f"{where}: option too long")
    if kind == "plain_text_input" and len(el.get("initial_value", "")) > 3000:
        out.append(f"{where}: initial_value over 3000")


def _block(b: dict[str, Any], where: str, ids: set[str], out: list[str]) -> None:
    kind = b.get("type")
    if len(b.get("block_id", "")) > 255:
        out.append(f"{where}: block_id over 255")
    if kind == "section":
        if "text" not in b and "fields" not in b:
            out.append(f"{where}: section without text or fields")
        if "text" in b:
            _text(b["text"], f"{where}.text", 3000, None, out)
        fields = b.get("fields", [])
        if len(fields) > 10:
            out.append(f"{where}: {len(fields)} fields")
        for i, f in enumerate(fields):
            _text(f, f"{where}.fields[{i}]", 2000, None, out)
        if "accessory" in b:
            _element(b["accessory"], f"{where}.accessory", ids, out)
    elif kind == "header":
        _text(b.get("text"), f"{where}.text", 150, "plain_text", out)
    elif kind == "context":
        elements = b.get("elements", [])
        if not 1 <= len(elements) <= 10:
            out.append(f"{where}: {len(elements)} context elements")
        for i, el in enumerate(elements):
            _text(el, f"{where}.elements[{i}]", 3000, None, out)
    elif kind == "actions":
        elements = b.get("elements", [])
        if not 1 <= len(elements) <= 25:
            out.append(f"{where}: {len(elements)} action elements")
        for i, el in enumerate(elements):
            _element(el, f"{where}.elements[{i}]", ids, out)
    elif kind == "input":
        _text(b.get("label"), f"{where}.label", 2000, "plain_text", out)
        if "hint" in b:
            _text(b["hint"], f"{where}.hint", 2000, "plain_text", out)
        _element(b.get("element", {}), f"{where}.element", set(), out)
    elif kind != "divider":
        out.append(f"{where}: unknown block type {kind!r}")


def violations(payload: dict[str, Any], max_blocks: int = 50) -> list[str]:
    """Every Block Kit limit (SLACK.md) the message or view breaks; [] when it is fine."""
    out: list[str] = []
    is_view = payload.get("type") in ("modal", "home")
    if not is_view and not str(payload.get("text", "")).strip():
        out.append("no top-level text")
    if not is_view and len(payload.get("text", "")) > 4000:
        out.append("fallback text over 4000")
    if "link_names" in payload:
        out.append("link_names set")
    blocks = payload.get("blocks", [])
    if len(blocks) > max_blocks:
        out.append(f"{len(blocks)} blocks (max {max_blocks})")
    action_ids: set[str] = set()
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        out.append("repeated block_id")
    for i, b in enumerate(blocks):
        _block(b, f"blocks[{i}]", action_ids, out)
    if payload.get("type") == "modal":
        for key in ("title", "submit", "close"):
            if key in payload:
                _text(payload[key], key, 24, "plain_text", out)
        if len(payload.get("private_metadata", "")) > 3000:
            out.append("private_metadata over 3000")
        if len(payload.get("callback_id", "")) > 255:
            out.append("callback_id over 255")
    out += [f"ping in {s[:60]!r}" for s in _strings(payload) if PING.search(s)]
    # The fake Slack's own checks too, so what passes here passes there.
    check = fake_checks.check_view if is_view else fake_checks.check_message
    return out + check(payload, set(), "fake")[0]
