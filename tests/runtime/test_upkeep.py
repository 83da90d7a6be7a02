"""The running bot checkpoints SQLite's WAL itself, on the upkeep job's interval."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa

from adapters.console.delivery import ConsoleDelivery
from adapters.runtime.bootstrap import bootstrap
from adapters.runtime.scheduler import Intervals
from adapters.runtime.settings import Settings
from tests.fakes import FakeClock
from tests.unit.harness import WED

notes = sa.Table("upkeep_notes", sa.MetaData(), sa.Column("body", sa.Text))


async def test_the_upkeep_job_moves_the_wal_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    runtime = await bootstrap(Settings(database_url=f"sqlite+aiosqlite:///{path}"), FakeClock(WED))
    try:
        async with runtime.engine.begin() as conn:
            await conn.run_sync(notes.metadata.create_all)
            await conn.execute(notes.insert(), [{"body": "x" * 4000} for _ in range(300)])
        before = path.stat().st_size  # the rows are in the WAL, not yet in the file
        delivery = ConsoleDelivery(write=lambda _: None, clock=runtime.clock)
        slow = Intervals(planner_s=3600, dispatcher_s=3600, upkeep_s=0.05)
        runtime.start_nudges({delivery.platform: delivery}, slow)
        for _ in range(200):
            if path.stat().st_size > before + 300 * 4000:
                break
            await asyncio.sleep(0.025)
        assert path.stat().st_size > before + 300 * 4000
    finally:
        await runtime.close()
