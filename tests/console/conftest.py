"""Console end-to-end fixtures: the real core on real (SQLite file) storage.

Every test gets a fresh, migrated database, a settable clock (Monday 2025-01-06 09:00 UTC)
and a ConsoleBackend whose `export` writes into a temporary folder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from adapters.console.backend import ConsoleBackend
from bot.core import Core
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import uow_factory
from tests.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return tmp_path / "exports"


@pytest_asyncio.fixture
async def console(
    tmp_path: Path, clock: FakeClock, export_dir: Path
) -> AsyncIterator[ConsoleBackend]:
    url = f"sqlite+aiosqlite:///{tmp_path}/t.db"
    await upgrade(url)
    engine = make_engine(url)
    try:
        yield ConsoleBackend(Core(uow_factory(engine, clock), clock), export_dir=export_dir)
    finally:
        await engine.dispose()
