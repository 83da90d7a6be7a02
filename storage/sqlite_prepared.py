"""Statements built once, run on SQLite's connection without SQLAlchemy's per-call work.

The log command is measured against a bare insert, and most of what separates them is
SQLAlchemy's work around each statement, not SQLite's: an indexed INSERT takes about
25 us in sqlite3 and 130 us through Connection.execute (the execution context, its
events and options, the result's metadata), even for a statement built once. A command
runs seven to nine of them.

A statement declared `prepared` (built once: at import, or cached per table) is compiled
once per set of parameter names into a Plan: the SQL, the order of its placeholders, the
bind processors of their types, and for rows the result processors of its columns, all
taken from SQLAlchemy's own compilation, so values are converted exactly as its execute
would. storage.sqlite_driver.InlineConnection runs a plan when the statement may run on
the loop (inside a SQLite transaction, within its inline budget); everything else takes
SQLAlchemy's path: other dialects, executemany, statements with expanding (IN) or
Python-side default parameters, a connection with execution event listeners or echo.

Errors are SQLAlchemy's: a value its bind processor refuses (before anything ran) sends
the statement down SQLAlchemy's path, which raises its StatementError; an error from
SQLite is wrapped as SQLAlchemy wraps it (IntegrityError, OperationalError...), never
run again, since some (an interrupt, a full disk) undo the whole transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

S = TypeVar("S", bound=Executable)

# id -> the statement itself, which keeps the id from being reused.
_STABLE: dict[int, Executable] = {}
# Plans live on their dialect (an engine's), in this attribute: (statement id, parameter
# names) -> the plan, or None for SQLAlchemy's path. A dialect's options (its JSON
# serializer) are in its processors, and an engine disposed of takes its plans with it.
_PLANS_ATTR = "_nextinterview_plans"
# Parameter-name sets are few per statement (an INSERT's columns); past this something
# builds them freely, and new ones take SQLAlchemy's path, which has a cache of its own.
MAX_PLANS = 2_000


def prepared(statement: S) -> S:
    """Declare `statement` built once and kept (a module constant, a cached one per
    table; never one built per call: it is kept for good): its compiled plan is then
    reused on SQLite. Returns it unchanged."""
    _STABLE[id(statement)] = statement
    return statement


@dataclass(frozen=True, slots=True)
class Plan:
    compiled: SQLCompiler
    sql: str
    names: tuple[str, ...]  # bind names, in placeholder order
    binds: tuple[Callable[[Any], Any] | None, ...]
    columns: SimpleResultMetaData | None  # None: a statement that returns no rows
    # An INSERT without RETURNING: its inserted_primary_key, as SQLAlchemy makes it.
    primary_key: Callable[[Any, Mapping[str, Any]], Any] | None
    lastrowid: bool  # ... from the cursor's lastrowid (not an INSERT ... SELECT's)


class PlannedResult(IteratorResult[Any]):
    """The rows of a planned statement, with the two things of a CursorResult the
    repositories read from a statement that returns none: rowcount, inserted_primary_key."""

    def __init__(
        self,
        columns: SimpleResultMetaData,
        rows: list[Any],
        rowcount: int,
        inserted_primary_key: Any,
    ) -> None:
        super().__init__(columns, iter(rows))
        self.rowcount = rowcount
        self.inserted_primary_key = inserted_primary_key


_NO_ROWS = SimpleResultMetaData([])


def plan_for(
    connection: Connection, statement: Any, parameters: Any, harmless: frozenset[str]
) -> Plan | None:
    """The plan to run `statement` with `parameters` (a single dict), or None. `harmless`:
    the connection's execution options that change nothing a plan does."""
    if _STABLE.get(id(statement)) is not statement or not isinstance(parameters, Mapping):
        return None
    if connection._echo or _has_listeners(connection):
        return None
    # Options can change the SQL (schema_translate_map) or the rows: SQLAlchemy's path.
    own = getattr(statement, "_execution_options", None)
    if own or not harmless.issuperset(connection._execution_options):
        return None
    dialect = connection.dialect
    plans: dict[tuple[int, frozenset[str]], Plan | None] | None = getattr(
        dialect, _PLANS_ATTR, None
    )
    if plans is None:
        plans = {}
        setattr(dialect, _PLANS_ATTR, plans)
    key = (id(statement), frozenset(parameters))
    try:
        return plans[key]
    except KeyError:
        if len(plans) >= MAX_PLANS:
            return None
    plan = plans[key] = _compile(dialect, statement, sorted(parameters))
    return plan


def _has_listeners(connection: Connection) -> bool:
    # Statement listeners (tests count statements with them) see every statement.
    d = connection.dispatch
    return bool(
        d.before_cursor_execute or d.after_cursor_execute or d.before_execute or d.after_execute
    )


def _compile(dialect: Dialect, statement: Any, keys: Sequence[str]) -> Plan | None:
    # As Connection.execute compiles it: column_keys are the parameter names, sorted.
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    if not isinstance(compiled, SQLCompiler) or not compiled.positional:
        return None
    if (
        compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.schema_translate_map
        or compiled.positiontup is None
    ):
        return None
    names = tuple(compiled.positiontup)
    binds: list[Callable[[Any], Any] | None] = []
    for name in names:
        bind = compiled._bind_processors.get(name)
        if bind is not None and not callable(bind):  # a tuple's, one per element
            return None
        binds.append(bind)
    columns: SimpleResultMetaData | None = None
    if compiled._result_columns:  # a SELECT, or RETURNING
        columns = _result_columns(dialect, compiled)
        if columns is None:
            return None
    primary_key, lastrowid = None, False
    if compiled.isinsert and not compiled._result_columns:
        if compiled.implicit_returning:  # the key comes back by RETURNING
            return None
        primary_key = compiled._inserted_primary_key_from_lastrowid_getter
        lastrowid = bool(compiled.postfetch_lastrowid)
    return Plan(
        compiled, compiled.string, names, tuple(binds), columns, primary_key, lastrowid
    )


def _result_columns(dialect: Dialect, compiled: SQLCompiler) -> SimpleResultMetaData | None:
    # Only the plain case, matched by position: named columns in the order rendered.
    if (
        not compiled._ordered_columns
        or compiled._textual_ordered_columns
        or compiled._ad_hoc_textual
        or compiled._loose_column_name_matching
    ):
        return None
    entries = compiled._result_columns
    keys = [entry[0] for entry in entries]
    if len(set(keys)) != len(keys):
        return None
    processors = [entry[3]._cached_result_processor(dialect, None) for entry in entries]
    return SimpleResultMetaData(keys, _processors=processors)


def run_plan(
    plan: Plan, connection: Connection, conn: sqlite3.Connection, parameters: Mapping[str, Any]
) -> PlannedResult | None:
    """Run `plan` on `conn`, the sqlite3 connection under `connection`; None when a value
    was refused before anything ran (the caller takes SQLAlchemy's path for its error)."""
    try:
        values = plan.compiled.construct_params(parameters, escape_names=False)
        ordered = [values[name] for name in plan.names]  # as long as binds, by construction
        positional = [v if b is None else b(v) for v, b in zip(ordered, plan.binds, strict=True)]
    except Exception:
        return None
    cursor = conn.cursor()
    try:
        cursor.execute(plan.sql, positional)
        rows = cursor.fetchall() if cursor.description else []
        rowcount, lastrowid = cursor.rowcount, cursor.lastrowid
    except sqlite3.Error as e:
        raise DBAPIError.instance(
            plan.sql,
            positional,
            e,
            sqlite3.Error,
            hide_parameters=connection.engine.hide_parameters,
            dialect=connection.dialect,
            ismulti=False,
        ) from e
    finally:
        cursor.close()
    key = None
    if plan.primary_key is not None:
        key = plan.primary_key(lastrowid if plan.lastrowid else None, values)
    return PlannedResult(plan.columns or _NO_ROWS, rows, rowcount, key)
