"""Wiring Slack into a Runtime: storage's ports for the adapter, the app, its delivery.

One workspace: SLACK_BOT_TOKEN's client for everything. Many workspaces (OAuth): the
installations table gives each team's token to the app's requests and to the nudges,
and an uninstalled workspace's data goes after storage.slack_installations.RETENTION
(`retention_job`, on the nudges' scheduler).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.runtime.dm_channels import StoredDmChannels
from adapters.runtime.settings import Settings
from adapters.slack.app import SlackBot, SlackConfig
from adapters.slack.delivery import SlackDelivery, delivery_client
from adapters.slack.oauth import OAuthConfig, many_workspaces
from adapters.slack.serve import HttpMode, SocketMode, connection
from bot.core import Core
from bot.ports import Clock
from storage.claims import SqlClaims
from storage.slack_installations import SqlOAuthStates, SqlSlackInstallations

RETENTION_EVERY_S = 3600.0  # how often uninstalled workspaces past their 30 days are purged


def slack_config(settings: Settings, http_host: str = "0.0.0.0") -> SlackConfig:
    assert settings.slack_enabled, "Slack is not configured"
    oauth = None
    if settings.slack_oauth:
        assert settings.slack_client_id and settings.slack_client_secret
        oauth = OAuthConfig(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=settings.slack_scopes,
            redirect_uri=settings.slack_redirect_uri,
        )
    return SlackConfig(
        bot_token=settings.slack_bot_token,
        app_token=settings.slack_app_token,
        signing_secret=settings.slack_signing_secret,
        mode=settings.slack_mode,
        http_host=http_host,
        http_port=settings.slack_http_port,
        api_url=settings.slack_api_url,
        oauth=oauth,
    )


def build_slack(
    core: Core, config: SlackConfig, engine: AsyncEngine, clock: Clock
) -> tuple[SlackBot, SlackDelivery, SocketMode | HttpMode]:
    """The app, the nudges' Delivery (a client that never retries on its own: the
    dispatcher paces and retries; a lost group channel is told to its admins by the
    app), and the connection to start."""
    dms = StoredDmChannels(engine, clock)
    many = None
    if config.oauth is not None:
        store, states = SqlSlackInstallations(engine, clock), SqlOAuthStates(engine, clock)
        many = many_workspaces(config.oauth, store, states, clock, config.api_url)
    bot = SlackBot(core, config, SqlClaims(engine, clock), dms, many=many)
    if many is not None:
        bot.delivery = SlackDelivery(many.workspaces, dms, on_channel_lost=bot.channel_lost)
    else:
        assert config.bot_token, "SLACK_BOT_TOKEN or the OAuth settings"
        client = delivery_client(config.bot_token, base_url=config.api_url)
        bot.delivery = SlackDelivery(client, dms, on_channel_lost=bot.channel_lost)
    return bot, bot.delivery, connection(bot)


def retention_job(
    engine: AsyncEngine, clock: Clock
) -> tuple[str, float, Callable[[], Awaitable[object]]]:
    """Many workspaces: purge those uninstalled for longer than RETENTION (a job for
    adapters.runtime.scheduler: its name, how often, what it runs)."""
    store = SqlSlackInstallations(engine, clock)
    return "slack-retention", RETENTION_EVERY_S, store.purge_expired
