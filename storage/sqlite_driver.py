"""SQLite through aiosqlite with as few thread hops as a statement allows.

aiosqlite runs the sqlite3 connection on a thread of its own; every call is a hop to
that thread and back, about 170 us on a small VM, where an indexed statement takes
tens. SQLAlchemy's stock adapter makes four hops a statement (cursor, execute,
fetchall, close), so on a command of seven short statements the hops were most of
the time. This adapter:

- runs a statement inside a transaction on the calling (event loop) thread. Every
  transaction of our engines starts with BEGIN IMMEDIATE (storage.engine), so by then
  the connection holds SQLite's write lock, or is one that only reads (a plain BEGIN),
  which with WAL waits for no writer: either way nothing it runs can wait for another
  connection. What can wait (BEGIN IMMEDIATE for the lock, COMMIT for the
  disk) still runs on the connection's thread, so a busy database never blocks the
  loop. The price is the statements' own time on the loop, so a transaction gets
  INLINE_BUDGET_S of it: past that, its statements hop like any other, and a long
  transaction (a planner batch) lets the loop run between them.
- runs any other statement in one hop: execute, fetch and close together;
- queues this process's writers before BEGIN IMMEDIATE (storage.sqlite_turns);
- skips the hop of a rollback when no transaction is open (the pool's reset on
  return after every commit);
- and, through InlineConnection (the units of work's connection), runs such an inline
  statement without SQLAlchemy's greenlet: an AsyncConnection spawns one per statement
  and switches through it twice, about 60 us of an indexed SELECT's 150 here; a
  statement declared prepared runs from its plan, without SQLAlchemy's execution
  (storage.sqlite_prepared).

The private names used are aiosqlite's `Connection._execute` (queue a call on the
connection's thread) and `_conn`, which SQLAlchemy's own adapter relies on too.
Connections are opened with check_same_thread=False; the adapter's mutex and the
awaits around it keep one call at a time on a connection.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Sequence
from typing import Any, cast

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.util.concurrency import await_, in_greenlet

from storage.sqlite_prepared import plan_for, run_plan
from storage.sqlite_turns import WriteTurns

# A command's transaction (about 2 ms) runs whole on the loop; longer ones hop after this.
INLINE_BUDGET_S = 0.010
# An execution option on a connection: its next transaction only reads (storage.engine).
READ_ONLY = "nextinterview_read_only"
_HARMLESS_OPTIONS = frozenset({READ_ONLY})  # to a prepared statement's plan

# description, rows, rowcount, lastrowid
_Outcome = tuple[Any, list[Any], int, int | None]


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """The whole statement, its cursor opened and closed around it."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


async def _here(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    # A coroutine only because SQLAlchemy requires every execute to await something.
    return _run(conn, operation, parameters, many)


class FewHopsCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor: one call on the right thread per statement."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # No driver cursor is kept: _run makes and closes one per statement.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return None  # nothing stays open between calls

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._call(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._call(operation, seq_of_parameters, many=True)

    def _call(self, operation: Any, parameters: Any, many: bool) -> None:
        adapt = self._adapt_connection
        try:
            if not in_greenlet():  # InlineConnection.execute found it may run here
                outcome = _run(self._connection._conn, operation, parameters, many)
            elif isinstance(adapt, FewHopsConnection) and adapt.may_run_here():
                conn = self._connection._conn
                outcome = await_(_here(conn, operation, parameters, many))
            else:
                outcome = await_(self._on_thread(operation, parameters, many))
        except Exception as error:
            adapt._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _on_thread(self, operation: Any, parameters: Any, many: bool) -> _Outcome:
        driver = self._connection
        async with self._adapt_connection._execute_mutex:
            outcome: _Outcome = await driver._execute(
                lambda: _run(driver._conn, operation, parameters, many)
            )
            return outcome


class FewHopsConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("inline_until", "turn", "waits_for_nothing")
    _cursor_cls = FewHopsCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # Set by mark_waits_for_nothing once BEGIN (IMMEDIATE, or of a read) has returned;
        # cleared when the transaction ends, whichever way.
        self.waits_for_nothing = False
        self.inline_until = 0.0  # time.perf_counter() deadline
        self.turn: asyncio.Lock | None = None  # this writer's turn (storage.sqlite_turns)

    def take_write_turn(self) -> None:
        """Before BEGIN IMMEDIATE: wait for the writers queued before this one. Only in a
        greenlet (an AsyncEngine's), where waiting can be awaited."""
        turns: WriteTurns | None = getattr(self.dbapi, "turns", None)
        if turns is not None and self.turn is None and in_greenlet():
            self.turn = await_(turns.take())

    def end_write_turn(self) -> None:
        turn, self.turn = self.turn, None
        if turn is not None:
            turn.release()

    def may_run_here(self) -> bool:
        # Not while a hop is under way: a connection shared by tasks (the :memory:
        # engine's single one) must never be inside sqlite3 on two threads at once.
        return (
            self.waits_for_nothing
            and time.perf_counter() < self.inline_until
            and not self._execute_mutex.locked()
        )

    def commit(self) -> None:
        self.waits_for_nothing = False
        try:
            super().commit()
        finally:
            self.end_write_turn()

    def rollback(self) -> None:
        self.waits_for_nothing = False
        try:
            driver = self._connection._connection
            if driver is not None and not driver.in_transaction:
                return  # nothing to roll back: sqlite3 would do nothing, after a hop
            super().rollback()
        finally:
            self.end_write_turn()

    def close(self) -> None:
        self.end_write_turn()  # closing ends the transaction too
        super().close()

    def terminate(self) -> None:
        # An invalidated connection (a statement cancelled mid-hop, a disconnect) is
        # terminated, not closed: its transaction ends there, and so does its turn.
        self.end_write_turn()
        super().terminate()


class InlineConnection(AsyncConnection):
    """An AsyncConnection (open it with `await InlineConnection(engine)`) whose `execute`
    calls the sync connection directly when its statement may run on the loop: a
    FewHopsConnection inside a transaction, within its inline budget; a prepared
    statement's plan runs on sqlite3 itself. Any other statement, and every other
    dialect, takes AsyncConnection's own path."""

    __slots__ = ()

    async def execute(
        self,
        statement: Any,
        parameters: Any = None,
        *,
        execution_options: Any = None,
    ) -> CursorResult[Any]:
        sync = self.sync_connection
        if sync is not None and execution_options is None and not sync.invalidated:
            driver = sync.connection.dbapi_connection
            if isinstance(driver, FewHopsConnection) and driver.may_run_here():
                plan = plan_for(sync, statement, parameters, _HARMLESS_OPTIONS)
                if plan is not None:
                    ran = run_plan(plan, sync, driver._connection._conn, parameters)
                    if ran is not None:
                        # Rows, rowcount and inserted_primary_key: what repositories read.
                        return cast(CursorResult[Any], ran)
                result: CursorResult[Any] = sync.execute(statement, parameters)
                return result
        found: CursorResult[Any] = await super().execute(
            statement, parameters, execution_options=execution_options
        )
        return found


class FewHopsDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module given to create_async_engine(module=...) for SQLite; one per
    engine, holding its writers' turns (None: a shared :memory: connection, whose units
    of work share one transaction and must not queue behind each other)."""

    def __init__(self, aiosqlite: Any, sqlite: Any, turns: WriteTurns | None) -> None:
        super().__init__(aiosqlite, sqlite)
        self.turns = turns

    def connect(self, *arg: Any, **kw: Any) -> FewHopsConnection:
        kw.setdefault("check_same_thread", False)  # statements run on the loop's thread
        stock = super().connect(*arg, **kw)
        return FewHopsConnection(self, stock._connection)


def few_hops_dbapi(turns: WriteTurns | None) -> FewHopsDBAPI:
    return FewHopsDBAPI(aiosqlite, sqlite3, turns)


def mark_waits_for_nothing(dbapi_connection: Any, wal: bool) -> None:
    """Called right after BEGIN IMMEDIATE, or the BEGIN of a transaction that only
    reads: with WAL, the statements until COMMIT cannot wait (the writer holds the lock,
    and a WAL reader never waits for the writer; a rollback journal may still need an
    exclusive lock to spill a big one)."""
    if wal and isinstance(dbapi_connection, FewHopsConnection):
        dbapi_connection.waits_for_nothing = True
        dbapi_connection.inline_until = time.perf_counter() + INLINE_BUDGET_S
