"""Wiring Slack into a Runtime: storage's ports for the adapter, the app, its delivery."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.runtime.dm_channels import StoredDmChannels
from adapters.runtime.settings import Settings
from adapters.slack.app import SlackBot, SlackConfig
from adapters.slack.delivery import SlackDelivery, delivery_client
from adapters.slack.serve import HttpMode, SocketMode, connection
from bot.core import Core
from bot.ports import Clock
from storage.claims import SqlClaims


def slack_config(settings: Settings, http_host: str = "0.0.0.0") -> SlackConfig:
    assert settings.slack_bot_token, "Slack is not configured"
    return SlackConfig(
        bot_token=settings.slack_bot_token,
        app_token=settings.slack_app_token,
        signing_secret=settings.slack_signing_secret,
        mode=settings.slack_mode,
        http_host=http_host,
        http_port=settings.slack_http_port,
        api_url=settings.slack_api_url,
    )


def build_slack(
    core: Core, config: SlackConfig, engine: AsyncEngine, clock: Clock
) -> tuple[SlackBot, SlackDelivery, SocketMode | HttpMode]:
    """The app, the nudges' Delivery (a client that never retries on its own: the
    dispatcher paces and retries; a lost group channel is told to its admins by the
    app), and the connection to start."""
    dms = StoredDmChannels(engine, clock)
    bot = SlackBot(core, config, SqlClaims(engine, clock), dms)
    client = delivery_client(config.bot_token, base_url=config.api_url)
    bot.delivery = SlackDelivery(client, dms, on_channel_lost=bot.channel_lost)
    return bot, bot.delivery, connection(bot)
