"""Every command of the language works on Slack three ways: `/next <text>`, a DM to the bot
and a mention of it in a channel (group commands: the two ways that name a channel).
Each command's own example, after the setup it needs (the console's scenarios), answered
without an error and within Block Kit's rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.commands import REGISTRY
from bot.context import Caller, Where
from bot.replies import Reply
from tests.console.test_data_and_help import OTHERS, SETUP
from tests.slack import payloads
from tests.slack.fake_slack import FakeSlack, eventually
from tests.slack.harness import SlackUnderTest, slack_app

WAYS = ("command", "dm", "mention")
USERS = {"ann": "U1", "bob": "U2", "Bob Stone": "U3"}


def _cases() -> list[tuple[str, str]]:
    cases = []
    for name in sorted(REGISTRY):
        group = REGISTRY[name].category == "group"
        cases += [(name, way) for way in WAYS if not (group and way == "dm")]
    return cases


async def _send(app: SlackUnderTest, way: str, user: str, text: str, group: bool) -> None:
    seen = len(app.slack.messages)
    channel = "C1" if group else "D" + user
    if way == "command":
        payload, _ = await app.command(text, user=user, channel=channel, channel_name="club")
        assert payload is not None and payload["text"]
        return
    if way == "dm":
        body = payloads.message_im(text, user=user, channel=channel, event_id=_event())
    else:
        body = payloads.app_mention(
            f"<@{app.slack.bot_user_id}> {text}", user=user, channel="C1", event_id=_event()
        )
    await app.event(body)
    await eventually(lambda: len(app.slack.messages) > seen, what=f"an answer to {text!r}")


_n = [0]


def _event() -> str:
    _n[0] += 1
    return f"EvALL{_n[0]:05d}"


@pytest.mark.parametrize(("name", "way"), _cases())
async def test_each_command_works_every_way(
    fake_slack: FakeSlack, tmp_path: Path, name: str, way: str
) -> None:
    for user_id, who in zip(USERS.values(), USERS, strict=True):
        fake_slack.add_user(user_id, who)
    async with slack_app(fake_slack, tmp_path, "socket") as app:
        replies: list[tuple[str, Reply]] = []
        real: Callable[[Caller, Where, str], Awaitable[Reply]] = app.core.handle_text

        async def recording(caller: Caller, where: Where, text: str) -> Reply:
            reply = await real(caller, where, text)
            replies.append((text, reply))
            return reply

        app.core.handle_text = recording  # type: ignore[method-assign]
        spec = REGISTRY[name]
        for text, group in SETUP[name]:
            setup_way = "command" if group and way == "dm" else way
            await _send(app, setup_way, "U1", text, bool(group))
        for who, text, group in OTHERS.get(name, []):
            await _send(app, "command", USERS[who], text, bool(group))
        user = USERS["bob" if name == "group join" else "ann"]
        await _send(app, way, user, spec.example, spec.category == "group")
        said, reply = replies[-1]
        assert said == spec.example
        assert not reply.is_error, reply.text()
        assert fake_slack.violations == []
