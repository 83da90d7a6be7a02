"""Console end-to-end fixtures: the real core on real (SQLite file) storage.

Every test gets a fresh, migrated database, a settable clock (Monday 2025-01-06 09:00 UTC)
and a ConsoleBackend whose `export` writes into a temporary folder. `console` is SQLite;
`console_db` runs the test twice, on SQLite and on the session's PostgreSQL server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import make_url

from adapters.console.backend import ConsoleBackend
from bot.core import Core
from storage.engine import make_engine
from storage.migrate import upgrade, upgrade_sync
from storage.tables import metadata
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


async def _create_database(admin_url: str, name: str) -> None:
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            await conn.exec_driver_sql(f"CREATE DATABASE {name}")
    finally:
        await admin.dispose()


@pytest.fixture(scope="session")
def console_pg_url(pg_url: str) -> str:
    """A database of its own on the session's server, migrated once."""
    base = make_url(pg_url)
    asyncio.run(_create_database(base.render_as_string(False), "console_e2e"))
    url = base.set(database="console_e2e").render_as_string(False)
    upgrade_sync(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def console_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh SQLite file, or the console's PostgreSQL database (resolved here, outside
    the event loop: creating and migrating it runs a loop of its own)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/t.db"
    url: str = request.getfixturevalue("console_pg_url")
    return url


@pytest_asyncio.fixture
async def console_db(
    console_url: str, clock: FakeClock, export_dir: Path
) -> AsyncIterator[ConsoleBackend]:
    """Like `console`, once on SQLite and once on PostgreSQL (emptied, ids from 1)."""
    engine = make_engine(console_url)
    try:
        if engine.dialect.name == "sqlite":
            await upgrade(console_url)
        else:
            names = ", ".join(table.name for table in metadata.sorted_tables)
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        yield ConsoleBackend(Core(uow_factory(engine, clock), clock), export_dir=export_dir)
    finally:
        await engine.dispose()
