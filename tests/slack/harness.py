"""The Slack app as `nextinterview run` wires it (adapters.runtime.slack), on a real SQLite
file, connected to the fake Slack in Socket Mode or HTTP mode; helpers that say things
to it the way Slack would and wait for what it posts back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.runtime.slack import build_slack
from adapters.slack.app import SlackBot, SlackConfig
from adapters.slack.delivery import SlackDelivery
from adapters.slack.serve import HttpMode, SocketMode
from bot.core import Core
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import uow_factory
from tests.fakes import FakeClock
from tests.slack import payloads
from tests.slack.fake_signing import send_http
from tests.slack.fake_slack import FakeSlack, eventually

SECRET = "signing-secret-for-tests"


@dataclass
class SlackUnderTest:
    slack: FakeSlack
    bot: SlackBot
    delivery: SlackDelivery
    conn: SocketMode | HttpMode
    core: Core
    engine: AsyncEngine
    clock: FakeClock
    mode: Literal["socket", "http"]

    @property
    def url(self) -> str:
        assert isinstance(self.conn, HttpMode) and self.conn.port
        return f"http://127.0.0.1:{self.conn.port}/slack/events"

    async def event(self, body: dict[str, Any], retry: int = 0) -> tuple[int, float]:
        """Deliver an Events API payload; (HTTP status or 200 for an ack, seconds)."""
        if self.mode == "socket":
            ack = await self.slack.push("events_api", body, retry_attempt=retry)
            return 200, ack.seconds
        status, _, seconds = await send_http(
            self.url, json.dumps(body), SECRET, "application/json", retry_num=retry or None
        )
        return status, seconds

    async def command(self, text: str, **kw: Any) -> tuple[dict[str, Any] | None, float]:
        """/next <text>; the answer (in the ack, or posted to the response_url when the
        core took longer than the ack budget) and the seconds the ack took."""
        kw.setdefault("response_url", self.slack.response_url())
        url = kw["response_url"]
        payload, seconds = await self._command(text, **kw)
        if payload or text.strip().lower() == "log":  # `log` alone opens the form
            return payload, seconds
        await eventually(lambda: any(r["url"] == url for r in self.slack.responses))
        return next(r["body"] for r in self.slack.responses if r["url"] == url), seconds

    async def _command(self, text: str, **kw: Any) -> tuple[dict[str, Any] | None, float]:
        kw.setdefault("trigger_id", self.slack.mint_trigger(kw.get("user", "U1")))
        body = payloads.slash_command(text, **kw)
        if self.mode == "socket":
            ack = await self.slack.push("slash_commands", body)
            return ack.payload, ack.seconds
        status, raw, seconds = await send_http(
            self.url, payloads.form_body(body), SECRET, "application/x-www-form-urlencoded"
        )
        assert status == 200, raw
        return (json.loads(raw) if raw.strip() else None), seconds

    async def interact(self, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, float]:
        if self.mode == "socket":
            ack = await self.slack.push("interactive", payload)
            return ack.payload, ack.seconds
        status, raw, seconds = await send_http(
            self.url,
            payloads.interactive_body(payload),
            SECRET,
            "application/x-www-form-urlencoded",
        )
        assert status == 200, raw
        return (json.loads(raw) if raw.strip() else None), seconds

    async def dm(self, text: str, user: str = "U1", event_id: str | None = None) -> dict[str, Any]:
        """A DM to the bot; the message it posts back."""
        before = len(self.posted())
        channel = "D" + user
        body = payloads.message_im(text, user=user, channel=channel, event_id=event_id or _id())
        await self.event(body)
        await eventually(lambda: len(self.posted()) > before)
        return self.posted()[before]

    def posted(self) -> list[dict[str, Any]]:
        return [m for m in self.slack.messages if not m.get("ephemeral")]


_counter = [0]


def _id() -> str:
    _counter[0] += 1
    return f"Ev{_counter[0]:06d}"


@asynccontextmanager
async def slack_app(
    slack: FakeSlack, tmp_path: Path, mode: Literal["socket", "http"] = "socket"
) -> AsyncIterator[SlackUnderTest]:
    url = f"sqlite+aiosqlite:///{tmp_path}/slack.db"
    await upgrade(url)
    engine = make_engine(url)
    clock = FakeClock()
    core = Core(uow_factory(engine, clock), clock)
    config = SlackConfig(
        bot_token=slack.bot_token,
        app_token=slack.app_token,
        signing_secret=SECRET,
        mode=mode,
        http_host="127.0.0.1",
        http_port=0,
        api_url=slack.api_url,
        ping_interval_s=0.5,
    )
    bot, delivery, conn = build_slack(core, config, engine, clock)
    await conn.start()
    if mode == "socket":
        await slack.wait_connected()
    try:
        yield SlackUnderTest(slack, bot, delivery, conn, core, engine, clock, mode)
    finally:
        await conn.stop()
        await engine.dispose()
