"""The Alembic migrations build exactly the schema in storage.tables, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.engine import make_engine
from storage.migrate import alembic_config, upgrade
from storage.tables import metadata


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database (the shared test database is already migrated)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/migrated.db"
        return
    base = make_url(request.getfixturevalue("pg_url"))
    admin = make_engine(base.render_as_string(False), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql("DROP DATABASE IF EXISTS migrations_check")
            await conn.exec_driver_sql("CREATE DATABASE migrations_check")
        yield base.set(database="migrations_check").render_as_string(False)
    finally:
        await admin.dispose()


def _diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _downgrade(conn: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.downgrade(config, "base")


def _state(conn: Connection) -> tuple[set[str], str | None]:
    tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
    return tables, MigrationContext.configure(conn).get_current_revision()


async def test_migrated_schema_equals_metadata(fresh_url: str) -> None:
    await upgrade(fresh_url)
    await upgrade(fresh_url)  # idempotent: already at head
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert await conn.run_sync(_state) == (set(metadata.tables), "0001")
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade)
        async with engine.connect() as conn:
            assert await conn.run_sync(_state) == (set(), None)
    finally:
        await engine.dispose()
    await upgrade(fresh_url)  # and back up again
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()
