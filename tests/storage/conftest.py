"""Storage fixtures: every test runs on SQLite (a fresh file) and on real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
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


def backend_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A fresh SQLite file, or the session's migrated PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/nested/test.db"  # parent made by make_engine
    url: str = request.getfixturevalue("pg_migrated_url")
    return url


@asynccontextmanager
async def empty_engine(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database with the schema and no rows."""
    engine = make_engine(url)
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


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, request.param, tmp_path)


@pytest_asyncio.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    async with empty_engine(db_url) as engine:
        yield engine


@pytest.fixture
def uow(engine: AsyncEngine) -> Callable[[], SqlUnitOfWork]:
    """A unit-of-work factory (the concrete type, so tests reach `identities` too)."""
    return lambda: SqlUnitOfWork(engine)
