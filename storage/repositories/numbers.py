"""Each member's own small numbers for contacts, follow-ups and meetings (#1, #2...).

A number is given in the INSERT itself, one above the member's highest in that table and
above every number retired there (a deleted row's: a button naming it must never reach
another row), so the log path pays no extra statement. SQLite's write lock makes the
max safe; on PostgreSQL two transactions of one member may take the same one, and the
second's row is skipped by ON CONFLICT on (member_id, number): it is tried again, and the
new statement sees the number taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, case, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.sqlite_prepared import prepared
from storage.tables import contacts, followups, meetings, numbering

KIND = {contacts.name: "contact", followups.name: "followup", meetings.name: "meeting"}
_TRIES = 5


def _next_number(dialect: str, table: Table) -> Any:
    # Each bound name once, constants as literal SQL: a multi-row INSERT repeats this per
    # row, and on PostgreSQL every placeholder in it must be the row's own parameter.
    zero: Any = literal_column("0")
    kind: Any = literal_column(f"'{KIND[table.name]}'")
    live = select(func.coalesce(func.max(table.c.number), zero)).where(
        table.c.member_id == bindparam("b_member")
    )
    gone = select(func.coalesce(func.max(numbering.c.retired), zero)).where(
        numbering.c.member_id == bindparam("b_member_too"), numbering.c.kind == kind
    )
    higher = func.greatest if dialect == "postgresql" else func.max  # SQLite's max(a, b)
    # b_offset: the row's place in a multi-row insert (a statement sees no row it adds).
    return higher(live.scalar_subquery(), gone.scalar_subquery()) + bindparam("b_offset")


def _statement(dialect: str, table: Table, returning: Sequence[str]) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(table).values(number=_next_number(dialect, table))
    stmt = stmt.on_conflict_do_nothing(index_elements=["member_id", "number"])
    return stmt.returning(table.c.id, table.c.number, *(table.c[name] for name in returning))


_ONE = {
    (dialect, table.name): prepared(_statement(dialect, table, ()))
    for dialect in ("sqlite", "postgresql")
    for table in (contacts, followups, meetings)
}


def _params(values: Mapping[str, Any], offset: int) -> dict[str, Any]:
    member = values["member_id"]
    return {**values, "b_member": member, "b_member_too": member, "b_offset": offset}


async def insert_numbered(
    conn: AsyncConnection, table: Table, values: Mapping[str, Any]
) -> tuple[int, int]:
    """INSERT one row with the member's next number; its id and number."""
    stmt = _ONE[(conn.dialect.name, table.name)]
    for _ in range(_TRIES):
        row = (await conn.execute(stmt, _params(values, 1))).first()
        if row is not None:
            return int(row[0]), int(row[1])
    raise RuntimeError(f"no free number in {table.name} after {_TRIES} tries")


def many_statement(dialect: str, table: Table, returning: Sequence[str]) -> Any:
    """The multi-row form: RETURNING id, number and `returning`, to match rows back."""
    return _statement(dialect, table, returning)


async def insert_many_numbered(
    conn: AsyncConnection, stmt: Any, rows: Sequence[Mapping[str, Any]], key: Sequence[str]
) -> list[tuple[int, int]]:
    """INSERT rows of one member in one statement (`many_statement`), numbered in order;
    (id, number) of each, matched back by the values in `key`: RETURNING's order is
    unspecified, and rows alike in all of them are interchangeable."""
    out: dict[int, tuple[int, int]] = {}
    for _ in range(_TRIES):
        waiting = [i for i in range(len(rows)) if i not in out]
        if not waiting:
            return [out[i] for i in range(len(rows))]
        params = [_params(rows[i], place) for place, i in enumerate(waiting, start=1)]
        found: dict[tuple[Any, ...], list[tuple[int, int]]] = {}
        for row in await conn.execute(stmt, params):
            found.setdefault(tuple(row[2:]), []).append((int(row[0]), int(row[1])))
        for i in waiting:
            taken = found.get(tuple(rows[i][name] for name in key))
            if taken:
                out[i] = taken.pop(0)
    if len(out) == len(rows):
        return [out[i] for i in range(len(rows))]
    raise RuntimeError(f"no free numbers after {_TRIES} tries")


async def delete_numbered(
    conn: AsyncConnection, table: Table, member_id: int, row_id: int
) -> None:
    """DELETE one of the member's rows by id; its number is retired with it."""
    stmt = (
        table.delete()
        .where(table.c.id == row_id, table.c.member_id == member_id)
        .returning(table.c.number)
    )
    number = (await conn.execute(stmt)).scalar()
    if number is not None:
        await _retire(conn, table, member_id, int(number))


async def _retire(conn: AsyncConnection, table: Table, member_id: int, number: int) -> None:
    """A deleted row's number is never given again."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(numbering).values(member_id=member_id, kind=KIND[table.name], retired=number)
    higher = case(
        (stmt.excluded.retired > numbering.c.retired, stmt.excluded.retired),
        else_=numbering.c.retired,
    )
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=["member_id", "kind"], set_={"retired": higher})
    )
