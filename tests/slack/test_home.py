"""App Home: the real `next` dashboard, the two home buttons, the welcome, 100 blocks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from adapters.console.backend import ConsoleBackend
from adapters.slack.home import home_view
from adapters.slack.render import OPEN_FORM, OPEN_SETTINGS, RUN_ACTION
from bot.commands import REGISTRY
from bot.parser import parse_text
from bot.replies import Action, Field, Reply, UserText, line
from tests.fakes import FakeClock
from tests.slack.blockkit import open_console, violations


@pytest_asyncio.fixture
async def console(tmp_path: Path) -> AsyncIterator[ConsoleBackend]:
    async with open_console(tmp_path, FakeClock()) as backend:
        yield backend


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def texts(view: dict[str, Any]) -> str:
    out = []
    for b in view["blocks"]:
        if "text" in b:
            out.append(b["text"]["text"])
        out.extend(f["text"] for f in b.get("fields", []))
    return "\n".join(out)


async def test_home_shows_the_dashboard_with_its_buttons(console: ConsoleBackend) -> None:
    await console.reply("ann", "log meeting <!here> Doe @Acme today")
    view = home_view(await console.reply("ann", "next"))
    assert view["type"] == "home"
    assert violations(view, max_blocks=100) == []
    shown = texts(view)
    assert "Your next interview" in shown and "*Follow-ups owed*\n2" in shown
    assert "Things in the works" in shown and "Streak" in shown and "of 5" in shown
    assert "thank-you" in shown and "&lt;!here&gt;" in shown
    by_id = {b["action_id"]: b for b in buttons(view)}
    assert by_id[OPEN_FORM]["text"]["text"] == "Log a conversation"
    assert by_id[OPEN_FORM]["value"] == "log" and REGISTRY["log"].in_form
    assert by_id[OPEN_SETTINGS]["text"]["text"] == "Settings"
    assert parse_text(by_id[OPEN_SETTINGS]["value"]).name == "settings"
    run = [b for b in buttons(view) if RUN_ACTION.match(b["action_id"])]
    assert [b["text"]["text"] for b in run] == ["Done", "Snooze 1 day"]
    assert [parse_text(b["value"]).name for b in run] == ["done", "snooze"]
    done = await console.reply("ann", run[0]["value"])  # the Done button, pressed
    assert not done.is_error, done.text()
    after = texts(home_view(await console.reply("ann", "next")))
    assert "*Follow-ups owed*\n1" in after  # the thank-you is done; the check-back waits


async def test_the_welcome_comes_first_with_one_example(console: ConsoleBackend) -> None:
    view = home_view(await console.reply("new", "next"), welcome=True)
    assert violations(view, max_blocks=100) == []
    first = view["blocks"][0]["text"]["text"]
    assert first.startswith("Welcome!") and "`met Jane from Acme yesterday`" in first
    assert view["blocks"][1]["elements"][0]["action_id"] == OPEN_FORM
    plain = home_view(await console.reply("new", "next"))
    assert "Welcome!" not in texts(plain)


def test_any_dashboard_fits_in_100_blocks() -> None:
    huge = Reply(
        title=line("Your next interview"),
        body=tuple(line(UserText(f"<@U{i}> line {i} " + "z" * 200)) for i in range(3000)),
        fields=tuple(Field(f"F{i}", line("v")) for i in range(400)),
        next_step=line("Next: send Jane that thank-you today."),
        actions=tuple(Action(f"Done {i}", f"done {i}") for i in range(200)),
        form=REGISTRY["log"].form(),
    )
    view = home_view(huge, welcome=True)
    assert len(view["blocks"]) == 100
    assert violations(view, max_blocks=100) == []  # action ids stay unique: one open-form
    assert [b["action_id"] for b in buttons(view)].count(OPEN_FORM) == 1
    assert "Next: send Jane that thank-you today." in texts(view)
