"""`nextinterview run` with a platform configured: connect it, send nudges, run until told
to stop (SIGINT/SIGTERM), then close everything in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Any

from adapters.runtime.bootstrap import Runtime, bootstrap
from adapters.runtime.settings import Settings
from bot.ports import Delivery
from storage.claims import SqlClaims

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 600.0


class StartError(RuntimeError):
    """A platform refused to start (a bad token, a server the bot is not in): one line
    for the operator, not a traceback."""


async def _prune_claims(claims: SqlClaims) -> None:
    while True:
        await asyncio.sleep(PRUNE_EVERY_S)
        try:
            await claims.prune()
        except Exception:
            log.warning("pruning claims failed", exc_info=True)


async def _start(platform: str, conn: Any) -> None:
    try:
        await conn.start()
    except Exception as e:
        raise StartError(f"{platform} did not start: {type(e).__name__}: {e}") from e


async def serve(
    settings: Settings, stop: asyncio.Event | None = None, http_host: str = "0.0.0.0"
) -> int:
    """Run every configured platform until `stop` is set (or a signal arrives)."""
    started = time.monotonic()
    runtime: Runtime = await bootstrap(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    deliveries: dict[str, Delivery] = {}
    connections: list[Any] = []
    jobs: list[Any] = []  # adapters' own periodic jobs (adapters.runtime.scheduler.Job)
    try:
        if settings.slack_enabled:
            # Each platform's SDK is imported only when it is configured (start-up time).
            from adapters.runtime.slack import build_slack, retention_job, slack_config

            _bot, delivery, conn = build_slack(
                runtime.core, slack_config(settings, http_host), runtime.engine, runtime.clock
            )
            if settings.slack_oauth:
                jobs.append(retention_job(runtime.engine, runtime.clock))
            connections.append(conn)  # stopped even if start fails half way
            await _start("Slack", conn)
            deliveries[delivery.platform] = delivery
        if settings.discord_enabled:
            # Imported only when configured: discord.py is a heavy import for a Slack bot.
            from adapters.discord.inbound import TENANT
            from adapters.runtime.discord import build_discord, discord_config, point_discord_at

            point_discord_at(settings.discord_api_url, settings.discord_gateway_url)
            _dbot, ddelivery, dconn = build_discord(
                runtime.core, discord_config(settings), runtime.engine, runtime.clock
            )
            limiter = runtime.limiter
            assert limiter is not None
            ddelivery.pace = lambda: limiter.acquire_request(ddelivery.platform, TENANT)
            connections.append(dconn)  # stopped even if start fails half way
            await _start("Discord", dconn)
            deliveries[ddelivery.platform] = ddelivery
        runtime.start_nudges(deliveries, jobs=jobs)
        pruning = asyncio.create_task(_prune_claims(SqlClaims(runtime.engine, runtime.clock)))
        log.info("ready in %.2f s", time.monotonic() - started)
        await stop.wait()
        pruning.cancel()
    finally:
        for conn in connections:
            with contextlib.suppress(Exception):
                await conn.stop()
        await runtime.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    return 0
