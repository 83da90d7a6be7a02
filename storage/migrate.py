"""Apply the Alembic migrations from code: no alembic.ini needed, works when installed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from storage.engine import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any fixed number: serialises concurrent `upgrade` calls of several processes on PostgreSQL.
_PG_LOCK_KEY = 0x6E657874  # "next"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config built in code, pointing at this package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade_on(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
    config = alembic_config()
    # env.py runs on this connection, inside our transaction (see migrations/env.py).
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`, in one transaction.

    On SQLite that transaction starts with BEGIN IMMEDIATE and on PostgreSQL it takes an
    advisory lock, so several processes starting at once migrate one after the other.
    """
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_on, revision)
    finally:
        await engine.dispose()


def upgrade_sync(url: str, revision: str = "head") -> None:
    """`upgrade` for callers without a running event loop (command line, fixtures)."""
    asyncio.run(upgrade(url, revision))
