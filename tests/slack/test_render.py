"""Reply -> Block Kit: limits for any size, no pings from user text, buttons the core runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from adapters.console.backend import ConsoleBackend
from adapters.slack.render import OPEN_FORM, RUN_ACTION, escape, plain_text, render
from bot.commands import REGISTRY
from bot.parser import parse_text
from bot.replies import Action, Field, Reply, Section, UserText, line
from tests.fakes import FakeClock
from tests.slack.blockkit import PING, open_console, violations

NASTY = "<!channel> <@U123> @here & @everyone <!subteam^S1>"


@pytest_asyncio.fixture
async def console(tmp_path: Path) -> AsyncIterator[ConsoleBackend]:
    async with open_console(tmp_path, FakeClock()) as backend:
        yield backend


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = message["blocks"]
    assert isinstance(blocks, list)
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_escape_neutralises_markup_and_broadcasts() -> None:
    assert escape("A & B <c>") == "A &amp; B &lt;c&gt;"
    assert escape("<!channel>") == "&lt;!channel&gt;"
    assert escape("<@U123>") == "&lt;@U123&gt;"
    broken = escape("hi @here and @Everyone, mail a@channel.com")
    assert not PING.search(broken)
    assert "@\u200dhere" in broken and "@\u200dEveryone" in broken
    assert escape("@Acme") == "@Acme"  # a company reference is left alone


def test_user_text_never_pings_anywhere() -> None:
    reply = Reply(
        title=line("Leaderboard — ", UserText(NASTY)),
        body=(line("Met ", UserText(NASTY), " today."),),
        fields=(Field("Who", line(UserText(NASTY))),),
        sections=(Section("People", (line(UserText(NASTY)),)),),
        next_step=line("Next: thank ", UserText(NASTY), "."),
        actions=(Action(f"Done {NASTY}", "done 1"),),
    )
    message = render(reply)
    assert violations(message) == []
    assert "&lt;!channel&gt;" in message["text"] and "&amp;" in message["text"]
    body = message["blocks"][1]["text"]["text"]
    assert body == "Met &lt;!channel&gt; &lt;@U123&gt; @\u200dhere &amp; @\u200deveryone " \
        "&lt;!subteam^S1&gt; today."
    assert not PING.search(plain_text(reply))


def test_layout_title_body_fields_sections_next_step() -> None:
    reply = Reply(
        title=line("Your next interview"),
        body=(line("One"), line("Two")),
        fields=tuple(Field(f"F{i}", line(str(i))) for i in range(13)),
        sections=(Section("Active (1)", (line("Ann — 2 conversations"),)),),
        next_step=line("Next: send Jane that thank-you today."),
    )
    blocks = render(reply)["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "section",
                                           "section"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Your next interview"}
    assert blocks[1]["text"]["text"] == "One\nTwo"
    assert len(blocks[2]["fields"]) == 10 and len(blocks[3]["fields"]) == 3
    assert blocks[2]["fields"][0]["text"] == "*F0*\n0"
    assert blocks[4]["text"]["text"] == "*Active (1)*\nAnn — 2 conversations"
    assert blocks[5]["text"]["text"] == "Next: send Jane that thank-you today."


def test_buttons_run_commands_the_core_parses() -> None:
    actions = (
        Action("Done", "done 3", primary=True),
        Action("Snooze 1 day", "snooze 3 tomorrow"),
        Action("Log outreach", "log outreach #4"),
    )
    message = render(Reply(body=(line("Jane's thank-you is open."),), actions=actions,
                           form=REGISTRY["log"].form()))
    buttons = _buttons(message)
    assert [b["action_id"] for b in buttons] == ["run-0", "run-1", "run-2", OPEN_FORM]
    assert all(RUN_ACTION.match(b["action_id"]) for b in buttons[:3])
    assert buttons[0]["style"] == "primary" and "style" not in buttons[1]
    assert [parse_text(b["value"]).name for b in buttons[:3]] == ["done", "snooze", "log"]
    assert buttons[3]["value"] == "log"
    assert violations(message) == []


def test_a_huge_reply_stays_within_every_limit() -> None:
    lines = tuple(line(f"{i}. ", UserText(f"Member {i} " + "x" * 60)) for i in range(5000))
    reply = Reply(
        title=line("T" * 400),
        body=lines,
        fields=tuple(Field("L" * 50, line("v" * 3000)) for _ in range(60)),
        sections=tuple(Section("S" * 200, lines) for _ in range(3)),
        next_step=line("Next: " + "n" * 5000),
        actions=tuple(Action("B" * 100, f"done {i}") for i in range(100)),
    )
    message = render(reply)
    assert violations(message) == []
    blocks = message["blocks"]
    assert len(blocks) == 50
    assert blocks[1]["text"]["text"].startswith("0. Member 0 ")
    more = [b for b in blocks if b["type"] == "context"]
    assert len(more) == 1 and more[0]["elements"][0]["text"].startswith("…and ")
    cut = blocks.index(more[0])
    shown = sum(b["text"]["text"].count("\n") + 1 for b in blocks[1:cut])
    dropped = int(more[0]["elements"][0]["text"].split()[1])
    assert shown + dropped == 5000 + 60 + 3 * 5000  # every line is shown or counted
    assert len(_buttons(message)) == 25
    assert blocks[-1]["type"] == "actions"  # the buttons survive the cut
    assert len(message["text"]) <= 4000


def test_the_block_limit_is_a_parameter() -> None:
    reply = Reply(body=tuple(line("y" * 2500) for _ in range(200)), actions=(Action("Go", "next"),))
    for limit in (3, 10, 49, 50):  # a view takes 100: see test_home.py
        message = render(reply, limit_blocks=limit)
        assert violations(message, max_blocks=limit) == []
        assert len(message["blocks"]) == limit


async def _three_hundred(console: ConsoleBackend) -> None:
    group = "crew"
    assert not (await console.reply("admin", "group setup <!channel> & crew", group)).is_error
    for i in range(300):
        # Display names that would ping if they reached Slack unescaped.
        user = ("<!channel> & {i}", "<@U{i:04}> {i}", "@here {i}")[i % 3].format(i=i)
        assert not (await console.reply(user, "group join", group)).is_error
        if i % 5:
            logged = await console.reply(user, f"log meeting Jane {i} @Acme today")
            assert not logged.is_error, logged.text()


async def test_a_300_member_group_renders_within_limits(console: ConsoleBackend) -> None:
    await _three_hundred(console)
    for command in ("leaderboard", "group report"):
        reply = await console.reply("admin", command, "crew")
        assert not reply.is_error, reply.text()
        message = render(reply)
        assert violations(message) == [], command
        assert message["blocks"][0]["type"] == "header"
        shown = "\n".join(b["text"]["text"] for b in message["blocks"] if "text" in b
                          and b["type"] == "section")
        assert "&lt;!channel&gt;" in shown, command  # shown, escaped
    board = render(await console.reply("admin", "leaderboard", "crew"))
    assert "1. " in board["blocks"][1]["text"]["text"]
    report = await console.reply("admin", "group report", "crew")
    report_lines = sum(len(s.lines) for s in report.sections)
    assert report_lines == 300  # one line a member: the largest reply there is
    message = render(report)
    rendered = "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    more = [b["elements"][0]["text"] for b in message["blocks"] if b["type"] == "context"]
    assert "@\u200dhere" in rendered and "&lt;@U0001&gt;" in rendered
    # All 300 members are listed, or the cut says how many are not.
    assert rendered.count(" — ") + sum(int(t.split()[1]) for t in more) >= 300


async def test_dashboard_buttons_parse_and_run(console: ConsoleBackend) -> None:
    await console.reply("ann", "log meeting Jane Doe @Acme today")
    message = render(await console.reply("ann", "next"))
    assert violations(message) == []
    buttons = _buttons(message)
    assert [b["text"]["text"] for b in buttons] == ["Done", "Snooze 1 day"]
    for b in buttons:
        parse_text(b["value"])  # raises UserError if the core could not read it
    done = await console.reply("ann", buttons[0]["value"])
    assert not done.is_error, done.text()
    assert render(done)["text"]


def test_the_limits_checker_catches_what_it_should() -> None:
    """The checker the other tests trust: each break below is reported."""
    too_many = {"text": "x", "blocks": [{"type": "divider"}] * 51}
    raw = {"text": "hi <!channel>", "blocks": []}
    bare = {"text": "hi @here", "blocks": []}
    long_section = {"text": "x", "blocks": [{"type": "section", "text": {
        "type": "mrkdwn", "text": "y" * 3001}}]}  # fmt: skip
    twice = {"text": "x", "blocks": [{"type": "actions", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "A"}, "action_id": "a"}] * 2}]}
    for broken in (too_many, raw, bare, long_section, twice, {"blocks": []}):
        assert violations(broken) != [], broken
