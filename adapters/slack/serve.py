"""Connecting the app to Slack: Socket Mode (the default) or HTTP mode.

Socket Mode needs no public URL: the self-hoster's choice. Slack spreads an app token's
events over every open connection, so run ONE Socket Mode process per app token; several
processes use HTTP mode behind a load balancer (any of them answers any request; the
claims table keeps a redelivered event from being acted on twice).

The aiohttp Socket Mode client can report connected while its session is dead (no
ping-pong for minutes, python-slack-sdk #1922). A watchdog here looks at the last
ping-pong and, past STALE_AFTER pings' worth of silence, opens a new connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

from adapters.slack.app import SlackBot

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
STALE_AFTER = 3  # missed ping-pongs before the connection counts as dead


class SocketMode:
    def __init__(self, bot: SlackBot) -> None:
        if not bot.config.app_token:
            raise ValueError("Socket Mode needs SLACK_APP_TOKEN (xapp-...)")
        self.bot = bot
        self.handler = AsyncSocketModeHandler(
            bot.app, bot.config.app_token, ping_interval=bot.config.ping_interval_s
        )
        self.rebuilt = 0  # how often the watchdog had to reconnect
        self._watchdog: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bot.identify()
        await self.handler.connect_async()  # type: ignore[no-untyped-call]
        self._watchdog = asyncio.create_task(self._watch())
        log.info(
            "Slack: Socket Mode as %s (team %s)", self.bot.bot_user_id, self.bot.team_id
        )

    async def _watch(self) -> None:
        client = self.handler.client
        interval = self.bot.config.ping_interval_s
        while True:
            await asyncio.sleep(interval)
            last = client.last_ping_pong_time
            if last is not None and time.time() - last > STALE_AFTER * interval:
                log.warning("Slack: no ping-pong for %.0f s; reconnecting", time.time() - last)
                self.rebuilt += 1
                try:
                    client.last_ping_pong_time = None
                    await client.connect_to_new_endpoint(force=True)
                except Exception:  # the next round tries again
                    log.warning("Slack: reconnect failed", exc_info=True)

    async def ready(self) -> bool:
        """Connected, and the last ping-pong recent (the SDK's own staleness test)."""
        return self._watchdog is not None and bool(
            await self.handler.client.is_connected()
        )

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await self.handler.close_async()  # type: ignore[no-untyped-call]
        await self.bot.close()


class HttpMode:
    """Commands, events and interactivity on one endpoint, /slack/events; bolt checks
    each request's signature (401 when it is forged or older than five minutes). With
    OAuth configured, also the install flow: /slack/install and /slack/oauth_redirect.
    The runtime adds its health routes to the same app (add_routes, before start)."""

    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot
        self.web = web.Application()
        self.web.router.add_post(EVENTS_PATH, self._events)
        flow = bot.app.oauth_flow
        if flow is not None:
            self.web.router.add_get(flow.install_path, self._install)
            self.web.router.add_get(flow.redirect_uri_path, self._oauth_redirect)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        self.web.router.add_routes(routes)

    async def _events(self, request: web.Request) -> web.Response:
        response = await self.bot.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def ready(self) -> bool:
        """Listening: Slack's requests can come in."""
        return self.port is not None

    async def _install(self, request: web.Request) -> web.Response:
        flow = self.bot.app.oauth_flow
        assert flow is not None
        response = await flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        flow = self.bot.app.oauth_flow
        assert flow is not None
        response = await flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def start(self) -> None:
        await self.bot.identify()
        self._runner = web.AppRunner(self.web, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.bot.config.http_host, self.bot.config.http_port)
        await site.start()
        server = site._server  # the bound port, when 0 asked for any free one
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.bot.config.http_port
        log.info("Slack: HTTP mode on port %s, endpoint %s", self.port, EVENTS_PATH)
        if self.bot.app.oauth_flow is not None:
            log.info("Slack: many workspaces, install at %s", self.bot.app.oauth_flow.install_path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner, self.port = None, None
        await self.bot.close()


def connection(bot: SlackBot) -> SocketMode | HttpMode:
    return HttpMode(bot) if bot.config.mode == "http" else SocketMode(bot)
