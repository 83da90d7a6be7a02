"""Engine construction: SQLite (embedded default) and PostgreSQL (several processes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from storage.sqlite_driver import (
    READ_ONLY,
    FewHopsConnection,
    few_hops_dbapi,
    mark_waits_for_nothing,
)
from storage.sqlite_turns import WriteTurns

# WAL: readers never block the writer and vice versa. A filesystem may refuse it, and
# the answer decides whether statements may run on the loop (storage.sqlite_driver).
SQLITE_WAL = "PRAGMA journal_mode=WAL"
# Wait for a competing writer instead of failing at once with "database is locked":
# SQLite's wait for another process, this process's writers' turns (sqlite_turns).
BUSY_TIMEOUT_S = 5.0
SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}",
    "PRAGMA foreign_keys=ON",
    # Safe with WAL (a crash may lose the last commits, never corrupts); far fewer fsyncs.
    "PRAGMA synchronous=NORMAL",
    # The upkeep job checkpoints the WAL every second, off the command path (see
    # checkpoint). A commit checkpoints itself only past 50,000 pages (200 MB), should
    # nothing run that job: past SQLite's default of 1,000, once a busy WAL cannot
    # restart, every commit would pay two fsyncs.
    "PRAGMA wal_autocheckpoint=50000",
)
# Past this many frames (80 MB), the upkeep job makes the WAL start over (RESTART),
# which waits for the writer of the moment; under steady writes a PASSIVE checkpoint
# copies the frames but the WAL never gets the idle moment it needs to restart.
WAL_RESET_FRAMES = 20_000


POSTGRES_POOL: dict[str, Any] = {
    "pool_size": 10,
    "max_overflow": 10,
    "pool_timeout": 30,
    # Recycle before typical idle timeouts of proxies and poolers drop the socket.
    "pool_recycle": 1800,
    # No pre-ping: it costs a round trip per unit of work on the hot command path;
    # a dropped connection invalidates the pool and the next unit of work reconnects.
    "pool_pre_ping": False,
}


def is_memory_sqlite(url: URL) -> bool:
    return (url.database or "") in ("", ":memory:")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url`; extra keyword arguments go to `create_async_engine`."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    options: dict[str, Any] = {}
    if backend == "postgresql" and "poolclass" not in kwargs:
        options = dict(POSTGRES_POOL)
    options.update(kwargs)
    return create_async_engine(parsed, **options)


def _sqlite_engine(url: URL, **kwargs: Any) -> AsyncEngine:
    options: dict[str, Any] = {}
    if is_memory_sqlite(url):
        # One shared connection, or every checkout would see its own empty database.
        # Concurrent units of work on one engine then share a transaction: quick tests only.
        options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    elif url.database and not url.database.startswith("file:"):  # URI filenames: as given
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    if url.get_driver_name() == "aiosqlite" and "module" not in kwargs:
        turns = None if is_memory_sqlite(url) else WriteTurns(BUSY_TIMEOUT_S)
        options["module"] = few_hops_dbapi(turns)  # see storage.sqlite_driver
    options.update(kwargs)
    engine = create_async_engine(url, **options)
    _take_over_sqlite_transactions(engine)
    return engine


async def checkpoint(engine: AsyncEngine, reset_frames: int = WAL_RESET_FRAMES) -> int | None:
    """Copy the SQLite WAL into the database file without blocking anyone (PASSIVE);
    past `reset_frames`, make it start over (RESTART).

    Left to SQLite, the commit that crosses 1,000 pages does this work, and with it the
    fsyncs: the command that happens to commit then is the slowest of all. Runs on the
    connection's own thread, outside any transaction, so the loop never waits.
    Returns how many frames of the WAL are now in the database file; None when there
    is no WAL (PostgreSQL, :memory:, a filesystem that refused it) or another
    checkpoint was running.
    """
    if engine.dialect.name != "sqlite" or is_memory_sqlite(engine.url):
        return None
    async with engine.connect() as conn:  # no statement through SQLAlchemy: no BEGIN
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        async with driver.execute("PRAGMA wal_checkpoint(PASSIVE)") as cursor:
            busy, frames, copied = await cursor.fetchone()
        if not busy and frames > reset_frames:
            async with driver.execute("PRAGMA wal_checkpoint(RESTART)") as cursor:
                busy, frames, copied = await cursor.fetchone()
    return None if busy or copied < 0 else int(copied)


def _take_over_sqlite_transactions(engine: AsyncEngine) -> None:
    """Emit BEGIN IMMEDIATE ourselves instead of letting sqlite3 decide.

    sqlite3's legacy mode starts a transaction only before the first write, so a
    read-then-write unit of work is not isolated and concurrent increments get lost.
    BEGIN IMMEDIATE takes the write lock up front; busy_timeout makes others wait.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver emits no BEGIN of its own
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(SQLITE_WAL)
            record.info["wal"] = cursor.fetchone()[0] == "wal"
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Reads only: a WAL reader takes no write lock and waits for no writer.
        reads = connection.get_execution_options().get(READ_ONLY)
        proxied = connection.connection
        driver = proxied.dbapi_connection
        writer = not reads and isinstance(driver, FewHopsConnection)
        if writer:
            try:
                driver.take_write_turn()  # released when the transaction ends
            except sqlite3.OperationalError as e:  # as SQLAlchemy raises SQLite's own
                raise OperationalError("BEGIN IMMEDIATE", None, e) from None
        try:
            connection.exec_driver_sql("BEGIN" if reads else "BEGIN IMMEDIATE")
        except BaseException:
            if writer:
                driver.end_write_turn()
            raise
        mark_waits_for_nothing(driver, proxied.info.get("wal", False))
