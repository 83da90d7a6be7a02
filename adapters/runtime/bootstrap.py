"""The composition root: settings -> storage -> core. Adapters get a ready Runtime."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.runtime.clock import SystemClock
from adapters.runtime.settings import Settings, load_settings
from bot.context import Config
from bot.core import Core
from bot.ports import Clock
from storage import migrate
from storage.engine import make_engine
from storage.uow import uow_factory


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    core: Core

    async def close(self) -> None:
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
    if apply_migrations:
        await migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    config = Config(default_timezone=settings.default_timezone)
    clock = clock or SystemClock()
    core = Core(uow_factory(engine, clock), clock, config)
    return Runtime(settings=settings, engine=engine, core=core)
