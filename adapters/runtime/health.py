"""/healthz, /readyz and /metrics on aiohttp: on Slack's HTTP port in HTTP mode, else on
their own (HEALTH_PORT).

/healthz says the process is alive (200 `ok`) and nothing more: a restart cures nothing
that readiness waits for. /readyz is 200 only while the database answers a trivial
query in time AND every configured platform says it is connected; otherwise 503 with
what is not, so a load balancer or compose sends work elsewhere (and a stopping process
is not ready at once). Platform knowledge stays in the adapters: each connection answers
`ready()`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.runtime.metrics import Metrics
from bot.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)

DB_TIMEOUT_S = 2.0
PLATFORM_TIMEOUT_S = 1.0


class Ready(Protocol):
    """A platform connection that can say whether it serves members now."""

    async def ready(self) -> bool: ...


@dataclass
class Health:
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    metrics: Metrics
    # Every configured platform, None until its connection is built: not ready yet.
    platforms: dict[str, Ready | None] = field(default_factory=dict)
    stopping: bool = False
    db_timeout_s: float = DB_TIMEOUT_S

    def expect(self, *names: str) -> None:
        for name in names:
            self.platforms.setdefault(name, None)

    def connected(self, name: str, conn: Ready) -> None:
        self.platforms[name] = conn

    async def not_ready(self) -> dict[str, str]:
        """What is not ready, and why: empty when everything is."""
        out: dict[str, str] = {}
        if self.stopping:
            out["process"] = "stopping"
        if (db := await self._database()) is not None:
            out["database"] = db
        for name, conn in self.platforms.items():
            if conn is None:
                out[name] = "not started"
                continue
            try:
                async with asyncio.timeout(PLATFORM_TIMEOUT_S):
                    ok = await conn.ready()
            except Exception as e:
                ok = False
                log.warning("readiness of %s raised %r", name, e)
            if not ok:
                out[name] = "not connected"
        return out

    async def _database(self) -> str | None:
        try:
            async with asyncio.timeout(self.db_timeout_s), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except TimeoutError:
            return f"no answer within {self.db_timeout_s:g} s"
        except Exception as e:
            return f"unavailable: {type(e).__name__}"
        return None

    # --- HTTP ----------------------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/healthz", self._healthz),
            web.get("/readyz", self._readyz),
            web.get("/metrics", self._metrics),
        ]

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def _readyz(self, request: web.Request) -> web.Response:
        missing = await self.not_ready()
        if missing:
            return web.json_response({"ready": False, "not_ready": missing}, status=503)
        return web.json_response({"ready": True})

    async def _metrics(self, request: web.Request) -> web.Response:
        await self.metrics.read_outbox(self.uow_factory)
        # prometheus_client's content type carries its charset: a header, not content_type.
        return web.Response(
            body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


class HealthServer:
    """The routes on a port of their own (no Slack HTTP app to share)."""

    def __init__(self, health: Health, host: str, port: int) -> None:
        self.app = web.Application()
        self.app.router.add_routes(health.routes())
        self.host, self.port = host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Listen; the bound port (port 0 asks for any free one)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        sockets = getattr(site._server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.port
        log.info("health: /healthz, /readyz and /metrics on port %s", self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
