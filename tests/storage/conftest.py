"""Storage fixtures: every test runs on SQLite (a fresh file) and on real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine
from storage.migrate import upgrade_sync
from storage.tables import metadata
from storage.uow import SqlUnitOfWork


@pytest.fixture(scope="session")
def pg_migrated_url(pg_url: str) -> str:
    """The session's PostgreSQL database, migrated once with the real migrations."""
    upgrade_sync(pg_url)
    return pg_url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/nested/test.db"  # parent made by make_engine
    url: str = request.getfixturevalue("pg_migrated_url")
    return url


@pytest_asyncio.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                await conn.run_sync(metadata.create_all)
            else:  # shared database: start every test empty
                names = ", ".join(table.name for table in metadata.sorted_tables)
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def uow(engine: AsyncEngine) -> Callable[[], SqlUnitOfWork]:
    """A unit-of-work factory (the concrete type, so tests reach `identities` too)."""
    return lambda: SqlUnitOfWork(engine)
