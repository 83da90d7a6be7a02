"""Rotating tokens: a workspace installed with token rotation gets its bot token refreshed
before it expires, by the delivery path and by incoming requests alike, and a refresh
token is spent by one process only, however many want a fresh token at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.runtime.dm_channels import StoredDmChannels
from adapters.slack.delivery import SlackDelivery
from adapters.slack.workspaces import InstalledWorkspaces, RefreshFailed
from bot.domain import Identity
from bot.nudges.model import DeliveryStatus, Outbound
from bot.replies import Reply, line
from storage.engine import make_engine
from storage.slack_installations import SqlSlackInstallations
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SlackUnderTest
from tests.slack.oauth_harness import install, installations, oauth_app

A = "TA0001"
ANN = Identity("slack", A, "UA1")
HELLO = Reply(body=(line("Hello."),), next_step=line("Say `next`."))


@pytest.fixture
async def app(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackUnderTest]:
    fake_slack.add_user("UA1", "ann")
    fake_slack.rotation = True  # the Slack app has token rotation on: 12-hour tokens
    async with oauth_app(fake_slack, tmp_path) as app:
        await install(app, A)
        yield app


def other_process(app: SlackUnderTest, tmp_path: Path) -> tuple[SlackDelivery, object]:
    """A second process on the same database: its own engine, tokens and delivery."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/slack.db")
    store = SqlSlackInstallations(engine, app.clock)
    slack = app.slack
    workspaces = InstalledWorkspaces(
        store, app.clock, slack.client_id, slack.client_secret, api_url=slack.api_url,
        wait_step_s=0.01,
    )  # fmt: skip
    return SlackDelivery(workspaces, StoredDmChannels(engine, app.clock)), engine


async def test_an_expiring_token_is_refreshed_once_for_two_processes(
    app: SlackUnderTest, tmp_path: Path
) -> None:
    slack = app.slack
    first = await installations(app).find(A)
    assert first is not None and first.bot_refresh_token and first.bot_token_expires_at
    assert first.bot_token_expires_at == app.clock.now() + timedelta(seconds=slack.expires_in)
    other, engine = other_process(app, tmp_path)
    try:
        sent = await app.delivery.deliver(Outbound(ANN, HELLO, "nudge-1"))
        assert sent.status is DeliveryStatus.SENT and slack.refreshes == []  # 12 h left

        app.clock.advance(timedelta(hours=11))  # within the refresh window
        results = await asyncio.gather(
            app.delivery.deliver(Outbound(ANN, HELLO, "nudge-2")),
            other.deliver(Outbound(ANN, HELLO, "nudge-3")),
        )
        assert [r.status for r in results] == [DeliveryStatus.SENT] * 2
        assert slack.refreshes == [A]  # one refresh; the refresh token was spent once
        now = await installations(app).find(A)
        assert now is not None and now.bot_token != first.bot_token
        assert now.bot_refresh_token not in (None, first.bot_refresh_token)
        assert now.bot_token_expires_at == app.clock.now() + timedelta(seconds=slack.expires_in)
        # Posts after the refresh carry the new token, in both processes.
        await app.delivery.deliver(Outbound(ANN, HELLO, "nudge-4"))
        await other.deliver(Outbound(ANN, HELLO, "nudge-5"))
        tokens = [c.token for c in slack.calls_to("chat.postMessage")]
        assert tokens[0] == first.bot_token and tokens[-2:] == [now.bot_token] * 2
    finally:
        await engine.dispose()  # type: ignore[attr-defined]


async def test_an_incoming_request_refreshes_an_expiring_token_too(app: SlackUnderTest) -> None:
    first = await installations(app).find(A)
    assert first is not None
    app.clock.advance(timedelta(hours=11))
    payload, _ = await app.command("streak", team=A, user="UA1")
    assert payload is not None and app.slack.refreshes == [A]
    now = await installations(app).find(A)
    assert now is not None and now.bot_token != first.bot_token
    info = app.slack.calls_to("users.info")
    assert info and info[-1].token == now.bot_token


async def test_a_failed_refresh_keeps_a_valid_token_and_fails_an_expired_one(
    app: SlackUnderTest,
) -> None:
    first = await installations(app).find(A)
    assert first is not None
    app.slack.fail("oauth.v2.access", "internal_error", times=-1)
    app.clock.advance(timedelta(hours=11))  # expiring, not expired: the old token serves
    sent = await app.delivery.deliver(Outbound(ANN, HELLO, "nudge-1"))
    assert sent.status is DeliveryStatus.SENT
    assert app.slack.calls_to("chat.postMessage")[-1].token == first.bot_token
    app.clock.advance(timedelta(hours=2))  # expired, and Slack still refuses the refresh
    later = await app.delivery.deliver(Outbound(ANN, HELLO, "nudge-2"))
    assert later.status is DeliveryStatus.TRANSIENT  # the dispatcher tries again later
    assert "refresh failed" in later.detail
    app.slack.clear_failures()
    again = await app.delivery.deliver(Outbound(ANN, HELLO, "nudge-3"))
    assert again.status is DeliveryStatus.SENT and app.slack.refreshes == [A]
    assert issubclass(RefreshFailed, RuntimeError)
