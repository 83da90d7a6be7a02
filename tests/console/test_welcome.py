"""A new member's very first message, whatever it is, gets the two-line welcome once, before
the reply; hi, thanks, help me and "what now?" get a warm answer and one next step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import WELCOME, ok


async def test_hi_as_the_first_message(console: ConsoleBackend) -> None:
    first = await console.say("Ann Lee", "hi")
    assert first.splitlines() == [
        *WELCOME,
        "Hi Ann — good to see you.",
        "Next: send one person you could learn from a short note, then tell me: "
        "`reached out to Jane Doe @Acme`.",
    ]
    assert (await console.say("Ann Lee", "hello")).splitlines()[0] == "Hi Ann — good to see you."


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("blargh", "I don't know `blargh`."),
        ("", "Tell me what you did or what you need."),
        ("group report", "group"),  # refused in a DM
        ("log meeting Bob Smith 2025-13-45", "I couldn't read `2025-13-45` as a date."),
        ("streak please", "takes nothing after it"),
    ],
)
async def test_a_first_message_that_fails_still_welcomes_once(
    console: ConsoleBackend, export_dir: Path, first: str, then: str
) -> None:
    reply = await console.reply("ann", first)
    text = console.render(reply)
    assert reply.is_error
    assert text.splitlines()[:2] == WELCOME
    assert then in text
    # The member was kept (on its own, the failed command wrote nothing): no second welcome.
    again = await console.say("ann", first)
    assert WELCOME[0] not in again
    exported = await console.say("ann", "export")
    assert WELCOME[0] not in exported
    assert "Here's everything: 0 contacts, 0 logged steps." in exported
    data = json.loads((export_dir / "nextinterview.json").read_text())
    assert data["member"]["display_name"] == "ann"


async def test_each_member_is_welcomed_once(console: ConsoleBackend) -> None:
    assert (await console.say("ann", "met Jane Doe from Acme")).splitlines()[:2] == WELCOME
    assert (await console.say("bob", "help")).splitlines()[:3] == [*WELCOME, "What I can do"]
    for user in ("ann", "bob"):
        assert WELCOME[0] not in await console.say(user, "next")


async def test_what_now_thanks_and_help_me(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme")
    step = "Next: send Jane a two-line thank-you — mention what you talked about."
    assert (await ok(console, "ann", "what should I do today?")).splitlines()[:2] == [
        "Jane Doe (Acme) is waiting for your thank-you (due tomorrow 09:00).",
        step,
    ]
    assert (await ok(console, "ann", "thanks!")).splitlines()[:2] == [
        "Any time — you're the one doing the work.",
        step,
    ]
    helped = await ok(console, "ann", "help me")
    assert "`help log`" in helped and helped.splitlines()[3] == step
    await ok(console, "ann", "thanked Jane")
    assert "Nothing is owed today" in await ok(console, "ann", "what now?")
