"""The Slack app in many-workspace mode (OAuth, HTTP) as `nextinterview run` wires it,
on a real SQLite file against the fake Slack; and a browser's walk through the install
flow: GET /slack/install -> Slack's authorize page -> /slack/oauth_redirect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp

from adapters.runtime.settings import DEFAULT_SLACK_SCOPES
from adapters.runtime.slack import build_slack
from adapters.slack.app import SlackConfig
from adapters.slack.oauth import OAuthConfig
from adapters.slack.serve import HttpMode
from bot.core import Core
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.slack_installations import SqlSlackInstallations
from storage.uow import uow_factory
from tests.fakes import FakeClock
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SECRET, SlackUnderTest

STATE_COOKIE = "slack-app-oauth-state"


@dataclass
class Installed:
    status: int
    page: str
    authorize_url: str  # where /slack/install sent the browser


def oauth_config(slack: FakeSlack, redirect_uri: str | None = None) -> OAuthConfig:
    return OAuthConfig(slack.client_id, slack.client_secret, DEFAULT_SLACK_SCOPES, redirect_uri)


@asynccontextmanager
async def oauth_app(
    slack: FakeSlack, tmp_path: Path, clock: FakeClock | None = None
) -> AsyncIterator[SlackUnderTest]:
    url = f"sqlite+aiosqlite:///{tmp_path}/slack.db"
    await upgrade(url)
    engine = make_engine(url)
    clock = clock or FakeClock()
    core = Core(uow_factory(engine, clock), clock)
    config = SlackConfig(
        bot_token=None,
        signing_secret=SECRET,
        mode="http",
        http_host="127.0.0.1",
        http_port=0,
        api_url=slack.api_url,
        oauth=oauth_config(slack),
    )
    bot, delivery, conn = build_slack(core, config, engine, clock)
    await conn.start()
    assert isinstance(conn, HttpMode)
    # The Redirect URL set in the Slack app's settings (Slack sends the browser there).
    slack.redirect_url = f"http://127.0.0.1:{conn.port}/slack/oauth_redirect"
    try:
        yield SlackUnderTest(slack, bot, delivery, conn, core, engine, clock, "http")
    finally:
        await conn.stop()
        await engine.dispose()


def base_of(app: SlackUnderTest) -> str:
    assert isinstance(app.conn, HttpMode) and app.conn.port
    return f"http://127.0.0.1:{app.conn.port}"


async def install(app: SlackUnderTest, team: str, *, cookie: bool = True) -> Installed:
    """Someone in `team` installs the app, as their browser would (cookies by hand: the
    state cookie is Secure, and this is plain HTTP on loopback)."""
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(
        timeout=timeout, trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
    ) as browser:
        async with browser.get(f"{base_of(app)}/slack/install", allow_redirects=False) as r:
            assert r.status == 302, await r.text()
            authorize_url = r.headers["Location"]
            state_cookie = r.cookies[STATE_COOKIE].value
        # Slack's page: the installer approves in their workspace; Slack redirects back.
        async with browser.get(f"{authorize_url}&team={team}", allow_redirects=False) as r:
            assert r.status == 302, await r.text()
            back = r.headers["Location"]
        headers = {"Cookie": f"{STATE_COOKIE}={state_cookie}"} if cookie else {}
        async with browser.get(back, headers=headers, allow_redirects=False) as r:
            return Installed(r.status, await r.text(), authorize_url)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def installations(app: SlackUnderTest) -> SqlSlackInstallations:
    return SqlSlackInstallations(app.engine, app.clock)
