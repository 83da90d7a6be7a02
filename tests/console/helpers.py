"""Talking to the console like a user: a reply that worked, or a short error with an example."""

from __future__ import annotations

from adapters.console.backend import ConsoleBackend
from bot import messages as msg
from bot.replies import plain

WELCOME = [plain(w) for w in msg.WELCOME]


def without_welcome(rendered: str) -> str:
    """The reply proper: a member's first reply starts with the welcome (tested on its
    own in test_welcome.py), which the other tests read past."""
    lines = rendered.splitlines()
    return "\n".join(lines[len(WELCOME) :]) if lines[: len(WELCOME)] == WELCOME else rendered


async def ok(console: ConsoleBackend, user: str, text: str, group: str | None = None) -> str:
    """Send `text`; the reply must not be an error. Returns the rendered reply."""
    reply = await console.reply(user, text, group)
    rendered = without_welcome(console.render(reply))
    assert not reply.is_error, f"{text!r} failed:\n{rendered}"
    return rendered


async def err(console: ConsoleBackend, user: str, text: str, group: str | None = None) -> str:
    """Send malformed `text`; the reply must be a short error with a `Try:` example."""
    reply = await console.reply(user, text, group)
    rendered = without_welcome(console.render(reply))
    assert reply.is_error, f"{text!r} was accepted:\n{rendered}"
    assert "Traceback" not in rendered
    assert msg.SOMETHING_BROKE not in rendered, f"{text!r} crashed the core"
    assert "Try: `" in rendered, rendered
    assert len(rendered.splitlines()) <= 3, f"not short:\n{rendered}"
    return rendered


def example_of(rendered_error: str) -> str:
    """The command a `Try:` line suggests."""
    return rendered_error.split("Try: `", 1)[1].rsplit("`", 1)[0]
