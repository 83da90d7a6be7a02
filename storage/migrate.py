"""Apply the Alembic migrations from code: no alembic.ini needed, works when installed.

A database already at the newest revision is seen with one SELECT, and a new, empty one
is built from storage.tables and stamped at the newest revision (the way Alembic's
cookbook builds a database from scratch): in both, Alembic is not even imported (with
its templates, a few hundred ms of a start on a small VM), and no migration is replayed.
tests/storage/test_storage_migrations.py checks the two ways build the same schema."""

from __future__ import annotations

import asyncio
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.pool import NullPool

from storage.engine import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r'^(down_revision|revision)\b[^=]*=\s*"([^"]+)"', re.MULTILINE)
# Any fixed number: serialises concurrent `upgrade` calls of several processes on PostgreSQL.
_PG_LOCK_KEY = 0x6E657874  # "next"


@cache
def head_revision() -> str:
    """The newest revision: the one no migration names as the one before it."""
    revisions: set[str] = set()
    befores: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revisions if name == "revision" else befores).add(value)
    (head,) = revisions - befores  # one line of history: a branch would be a bug
    return str(head)


def _current(connection: Connection) -> str | None:
    # Asked first, not tried: a failed SELECT would abort PostgreSQL's transaction.
    if not inspect(connection).has_table("alembic_version"):
        return None  # a new database
    found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if found is None else str(found)


def _build_new(connection: Connection) -> None:
    """Create the newest schema in one go and record it as migrated to the head revision,
    as `alembic stamp head` would (the same table Alembic creates)."""
    from storage.tables import metadata

    metadata.create_all(connection)
    connection.execute(text(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
    ))  # fmt: skip
    connection.execute(
        text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head_revision()}
    )


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config built in code, pointing at this package's migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade_on(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
    if revision == "head":
        if _current(connection) == head_revision():
            return  # the common start: nothing to do, and no Alembic to load
        if not inspect(connection).get_table_names():
            _build_new(connection)  # the first start: nothing to migrate
            return
    from alembic import command

    config = alembic_config()
    # env.py runs on this connection, inside our transaction (see migrations/env.py).
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`, in one transaction. "head" on an empty
    database builds it new; a revision named by its id always replays the migrations.

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
