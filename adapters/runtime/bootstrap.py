"""The composition root: settings -> storage -> core -> nudges. Adapters get a Runtime."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.runtime.clock import SystemClock, SystemTimer
from adapters.runtime.drain import ServingCore
from adapters.runtime.metrics import Metrics
from adapters.runtime.settings import Settings, load_settings
from bot.context import Config
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.planner import Planner
from bot.nudges.ratelimit import Limiter
from bot.ports import Clock, Delivery, Timer, UnitOfWorkFactory
from storage import migrate
from storage.engine import checkpoint, make_engine
from storage.uow import uow_factory

if TYPE_CHECKING:  # APScheduler is imported when nudges start, after the platforms connect
    from adapters.runtime.scheduler import Intervals, Job, NudgeSchedule


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    core: ServingCore
    uow_factory: UnitOfWorkFactory
    clock: Clock
    nudge_config: NudgeConfig
    planner: Planner
    timer: Timer
    schedule: NudgeSchedule | None = field(default=None)
    # One limiter for the process: the dispatcher's messages and an adapter's own requests
    # (Discord's DM opens) share each platform's buckets.
    limiter: Limiter | None = field(default=None)
    metrics: Metrics | None = field(default=None)
    # Unique per process: a lease names who holds a nudge (and who gives it back).
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")

    def __post_init__(self) -> None:
        if self.limiter is None:
            self.limiter = Limiter(self.timer)
        if self.metrics is None:
            self.metrics = Metrics(self.timer)

    def dispatcher(self, deliveries: Mapping[str, Delivery]) -> Dispatcher:
        return Dispatcher(
            self.uow_factory, self.clock, deliveries, self.timer, self.nudge_config,
            self.worker, limiter=self.limiter, observer=self.metrics,
        )  # fmt: skip

    def start_nudges(
        self,
        deliveries: Mapping[str, Delivery],
        intervals: Intervals | None = None,
        jobs: Sequence[Job] = (),
    ) -> NudgeSchedule:
        """Plan and send nudges, keep the storage, and run an adapter's own periodic
        `jobs`, on APScheduler's clock. Needs a running event loop."""
        from adapters.runtime.scheduler import NudgeSchedule

        dispatcher = self.dispatcher(deliveries)
        m = self.metrics
        assert m is not None
        m.platforms(sorted(deliveries))
        self.schedule = NudgeSchedule(
            m.timed(m.planner_seconds, self.planner.tick),
            m.timed(m.dispatcher_seconds, dispatcher.tick),
            intervals,
            upkeep=lambda: checkpoint(self.engine),
            jobs=jobs,
        )
        self.schedule.start()
        return self.schedule

    async def close(self) -> None:
        if self.schedule is not None:
            self.schedule.stop()
        await self.engine.dispose()


async def bootstrap(
    settings: Settings | None = None,
    clock: Clock | None = None,
    apply_migrations: bool = True,
) -> Runtime:
    """Wire the real parts. Defaults are built here, not in constructors."""
    settings = settings or load_settings()
    logging.basicConfig(
        level=settings.log_level_number, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(max(logging.WARNING, settings.log_level_number))
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, settings.log_level_number))
    if apply_migrations:
        await migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    nudge_config = NudgeConfig()
    config = Config(default_timezone=settings.default_timezone, nudges=nudge_config)
    clock = clock or SystemClock()
    timer = SystemTimer()
    factory = uow_factory(engine, clock)
    metrics = Metrics(timer)
    core = ServingCore(factory, clock, config, observer=metrics, timer=timer)
    return Runtime(
        settings=settings,
        engine=engine,
        core=core,
        uow_factory=factory,
        clock=clock,
        nudge_config=nudge_config,
        planner=Planner(factory, clock, timer, nudge_config),
        timer=timer,
        metrics=metrics,
    )
