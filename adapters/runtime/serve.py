"""`nextinterview run` with a platform configured: connect it, send nudges, run until told
to stop (SIGINT/SIGTERM), then stop gracefully within STOP_BUDGET_S: not ready at once,
no new command or tick, those under way finish (DRAIN_S at most), the nudges this process
still holds go back to pending, connections close, exit 0."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from adapters.runtime.bootstrap import Runtime, bootstrap
from adapters.runtime.health import Health, HealthServer
from adapters.runtime.settings import Settings
from bot.nudges.ratelimit import Limiter
from bot.ports import Delivery
from storage.claims import SqlClaims
from storage.leases import SqlLeases
from storage.presence import SqlPresence

if TYPE_CHECKING:  # the scheduler (APScheduler) is imported when nudges start
    from adapters.runtime.scheduler import Intervals, Job

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 600.0
# systemd's and compose's stop timeouts are 10 s: everything below fits in them.
STOP_BUDGET_S = 9.0
DRAIN_S = 5.0  # commands in flight and a dispatcher tick under way


class StartError(RuntimeError):
    """A platform refused to start (a bad token, a server the bot is not in): one line
    for the operator, not a traceback."""


# Held by the process that prunes, renewed every round; another takes over once it lapses.
PRUNE_LEASE = timedelta(seconds=PRUNE_EVERY_S * 2)


async def prune_claims_once(claims: SqlClaims, leases: SqlLeases) -> bool:
    """Prune old claims, in one process of those sharing the database (the lease's
    holder); False in the others."""
    if not await leases.take("prune-claims", PRUNE_LEASE):
        return False
    await claims.prune()
    return True


def share_ceilings(
    presence: SqlPresence, limiter: Limiter, platforms: list[str], intervals: Intervals
) -> Job:
    """A job, at the dispatcher's pace: count the processes delivering to each platform
    and pace this one at its share of the platform's ceilings (bot.nudges.ratelimit)."""
    ttl = timedelta(seconds=intervals.dispatcher_s * 3)  # two missed beats: gone

    async def beat() -> None:
        for platform, processes in (await presence.beat(platforms, ttl)).items():
            limiter.share(platform, 1 / processes)

    return "share-ceilings", intervals.dispatcher_s, beat


def once_across_processes(leases: SqlLeases, job: Job) -> Job:
    """An adapter's periodic job (deleting what an uninstall left) that must run in one
    process only: in the one holding its lease, which renews it every run."""
    name, every_s, run = job
    ttl = timedelta(seconds=every_s * 2)

    async def leased() -> None:
        if await leases.take(name, ttl):
            await run()

    return name, every_s, leased


async def _prune_claims(claims: SqlClaims, leases: SqlLeases) -> None:
    while True:
        await asyncio.sleep(PRUNE_EVERY_S)
        try:
            await prune_claims_once(claims, leases)
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
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before start-up: a stop during it waits
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    runtime: Runtime = await bootstrap(settings)
    assert runtime.metrics is not None
    health = Health(runtime.engine, runtime.uow_factory, runtime.metrics)
    health.expect(*(p for p, on in (("slack", settings.slack_enabled),
                                    ("discord", settings.discord_enabled)) if on))  # fmt: skip
    server: HealthServer | None = None
    deliveries: dict[str, Delivery] = {}
    connections: list[Any] = []
    pruning: asyncio.Task[None] | None = None
    jobs: list[Job] = []  # adapters' own periodic jobs, run once across processes
    presence: SqlPresence | None = None
    try:
        slack_http = settings.slack_enabled and settings.slack_mode == "http"
        if settings.health_port is not None and not slack_http:
            server = await _health_server(health, http_host, settings.health_port)
        if settings.slack_enabled:
            # Each platform's SDK is imported only when it is configured (start-up time).
            from adapters.runtime.slack import build_slack, retention_job, slack_config
            from adapters.slack.serve import HttpMode

            _bot, delivery, conn = build_slack(
                runtime.core, slack_config(settings, http_host), runtime.engine, runtime.clock
            )
            if isinstance(conn, HttpMode):  # one port: Slack's requests and the health checks
                conn.add_routes(health.routes())
            if settings.slack_oauth:
                jobs.append(retention_job(runtime.engine, runtime.clock))
            connections.append(conn)  # stopped even if start fails half way
            await _start("Slack", conn)
            health.connected("slack", conn)
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
            health.connected("discord", dconn)
            deliveries[ddelivery.platform] = ddelivery
        claims = SqlClaims(runtime.engine, runtime.clock)
        leases = SqlLeases(runtime.engine, runtime.clock, runtime.worker)
        from adapters.runtime.scheduler import Intervals  # with the scheduler: APScheduler

        presence = SqlPresence(runtime.engine, runtime.clock, runtime.worker)
        assert runtime.limiter is not None
        sharing = share_ceilings(presence, runtime.limiter, sorted(deliveries), Intervals())
        await sharing[2]()  # this process counts from the start
        runtime.start_nudges(
            deliveries, jobs=[once_across_processes(leases, j) for j in jobs] + [sharing]
        )
        pruning = asyncio.create_task(_prune_claims(claims, leases))
        log.info("ready in %.2f s", time.monotonic() - started)
        await stop.wait()
    finally:
        if presence is not None:  # the others take this process's share at once
            with contextlib.suppress(Exception):
                await presence.leave()
        await _shutdown(runtime, health, server, connections, pruning)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    return 0


async def _health_server(health: Health, host: str, port: int) -> HealthServer:
    server = HealthServer(health, host, port)
    try:
        await server.start()
    except OSError as e:
        raise StartError(
            f"the health server could not listen on port {port} ({e.strerror or e}); "
            "set HEALTH_PORT to a free port, or 0 to turn it off"
        ) from e
    return server


async def _shutdown(
    runtime: Runtime,
    health: Health,
    server: HealthServer | None,
    connections: list[Any],
    pruning: asyncio.Task[None] | None,
) -> None:
    """Each step bounded, in an order where nothing is lost: replies still have their
    platform while commands finish, and leases go back before the database closes."""
    deadline = time.monotonic() + STOP_BUDGET_S

    def left(at_most: float, keep: float = 0.0) -> float:
        """At most `at_most` seconds, keeping `keep` of the budget for what follows."""
        return max(0.1, min(at_most, deadline - keep - time.monotonic()))

    health.stopping = True  # /readyz answers 503 from now on
    log.info("stopping: %d command(s) in flight", runtime.core.in_flight)
    if pruning is not None:
        pruning.cancel()
    drains = [runtime.core.drain(left(DRAIN_S))]
    if runtime.schedule is not None:
        drains.append(runtime.schedule.drain(left(DRAIN_S)))
    if not all(await asyncio.gather(*drains)):
        log.warning("stopping: not everything under way finished in %.0f s", DRAIN_S)
    for conn in connections:
        try:
            await asyncio.wait_for(conn.stop(), left(STOP_BUDGET_S, keep=1.5))
        except Exception as e:  # TimeoutError too: the process exits all the same
            log.warning("stopping %s: %r", type(conn).__name__, e)
    if server is not None:
        await server.stop()
    try:
        async with asyncio.timeout(left(2.0)), runtime.uow_factory() as uow:
            released = await uow.outbox.release(runtime.worker)
        if released:
            log.info("stopping: %d leased nudge(s) back to pending", released)
    except Exception as e:  # the reaper frees them when their lease ends
        log.warning("stopping: could not give leased nudges back: %r", e)
    await runtime.close()
