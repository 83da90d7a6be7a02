"""Shared helpers for the repositories: connection holder, codecs, upsert."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Insert, Table, Update, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sqlite_prepared import prepared

Now = Callable[[], datetime]
T = TypeVar("T")

# Rows per IN list or multi-row VALUES: far below SQLite's 32766 bound variables (and
# asyncpg's 32767) whatever the row width.
CHUNK = 500


def utcnow() -> datetime:
    """The fallback clock, for storage used without the bot's (scripts, tests)."""
    return datetime.now(UTC)


class SqlRepository:
    """Holds the unit of work's connection; every statement runs in its transaction.

    `now` stamps created_at when the caller left it empty: the bot's injected clock,
    so a fast or fake clock (demo, tests) and the stored timestamps agree.
    """

    __slots__ = ("_conn", "_now")

    def __init__(self, conn: AsyncConnection, now: Now = utcnow) -> None:
        self._conn = conn
        self._now = now


def fold(text: str) -> str:
    """The case-insensitive key stored beside names (Unicode-aware, unlike SQLite lower())."""
    return text.casefold()


def fold_opt(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def encode_days(days: Iterable[int]) -> str:
    """Working days as a compact sorted string: {0, 1, 2, 3, 4} -> "01234"."""
    ordered = sorted(set(days))
    if any(not 0 <= day <= 6 for day in ordered):
        raise ValueError(f"working days must be 0 (Monday) to 6 (Sunday): {ordered}")
    return "".join(str(day) for day in ordered)


def decode_days(text: str) -> frozenset[int]:
    return frozenset(int(char) for char in text)


def kind_values(kinds: Iterable[object]) -> list[str]:
    return [str(kind) for kind in kinds]


def require_id(entity_id: int | None, what: str) -> int:
    if entity_id is None:
        raise LookupError(f"update of a {what} never added (id is None)")
    return entity_id


@cache
def _insert(table: Table) -> Insert:
    return prepared(table.insert())


@cache
def _update_by_id(table: Table) -> Update:
    return prepared(
        table.update().where(
            table.c.id == bindparam("b_id"), table.c.member_id == bindparam("b_member_id")
        )
    )


# The command path is measured against a bare insert: statements built once at import
# (or cached per table) skip SQLAlchemy's per-call cache-key work, about a third of a
# statement's cost through aiosqlite.
async def insert_row(conn: AsyncConnection, table: Table, values: Mapping[str, Any]) -> int:
    """INSERT one row from a parameter dict; the new id, in the same round trip."""
    result = await conn.execute(_insert(table), dict(values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def update_row(
    conn: AsyncConnection,
    table: Table,
    row_id: int,
    member_id: int,
    values: Mapping[str, Any],
    what: str,
) -> None:
    """UPDATE one of the member's rows by id; a missing row is a bug, not a no-op."""
    result = await conn.execute(
        _update_by_id(table), {**values, "b_id": row_id, "b_member_id": member_id}
    )
    if result.rowcount == 0:
        raise LookupError(f"update of a {what} that does not exist: {row_id}")


async def insert_id(conn: AsyncConnection, stmt: Insert) -> int:
    """Run a one-row INSERT and return the new id in the same round trip.

    SQLAlchemy adds RETURNING id on PostgreSQL and reads the cursor's lastrowid on
    SQLite, which saves the extra fetch a RETURNING costs through aiosqlite.
    """
    result = await conn.execute(stmt)
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def update_one(conn: AsyncConnection, stmt: Update, what: str, key: object) -> None:
    """Run an UPDATE that must hit a row: a missing one is a bug, not a no-op."""
    result = await conn.execute(stmt)
    if result.rowcount == 0:
        raise LookupError(f"update of a {what} that does not exist: {key}")


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dialect_insert(conn: AsyncConnection, table: Table) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (PostgreSQL and SQLite spell it alike)."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return insert(table)


async def upsert(
    conn: AsyncConnection,
    table: Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """INSERT, or UPDATE the `update` columns when a row with the same `keys` exists."""
    await upsert_many(conn, table, [values], keys, update)


async def upsert_many(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """upsert() for several rows in one executemany; with a key twice, the last one wins."""
    if not rows:
        return
    # Keep the last row per key: one multi-row statement may not touch a row twice.
    last = {tuple(row[key] for key in keys): dict(row) for row in rows}
    stmt = dialect_insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={col: stmt.excluded[col] for col in update}
    )
    await conn.execute(stmt, list(last.values()))
