"""Migration 0006 on both databases: existing contacts, follow-ups and meetings are
numbered per member in id order, (member_id, number) is unique, and new rows go on from
there; downgrading takes the numbers away and keeps the rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Table, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from bot.domain import Contact, FollowUp, FollowUpKind, Meeting
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.tables import contacts, followups, meetings
from storage.uow import SqlUnitOfWork
from tests.storage.old_rows import old_member
from tests.storage.test_storage_migrations import _columns, _downgrade_to, _state, fresh_url

__all__ = ["fresh_url"]  # the fixture, shared

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
def _unique(table: str) -> Any:
    def read(conn: Connection) -> list[tuple[str, list[str]]]:
        return [
            (i["name"] or "", [str(c) for c in i["column_names"]])
            for i in inspect(conn).get_indexes(table)
            if i["unique"]
        ]

    return read


def _row(table: Table, member: int, n: int) -> dict[str, Any]:
    if table is contacts:
        return {"member_id": member, "name": f"c{n}", "name_key": f"c{n}", "stage": 1,
                "created_at": T0}  # fmt: skip
    if table is followups:
        return {"member_id": member, "kind": "planned", "due_at": T0, "status": "open",
                "created_at": T0, "nudge_at": T0}  # fmt: skip
    return {"member_id": member, "starts_at": T0, "kind": "meeting", "status": "scheduled",
            "created_at": T0}  # fmt: skip


async def test_0006_numbers_what_is_there_per_member_and_goes_back(fresh_url: str) -> None:
    await upgrade(fresh_url, "0005")
    engine = make_engine(fresh_url, poolclass=NullPool)
    tables = (contacts, followups, meetings)
    order = ["ada", "bob", "ada", "ada", "bob"]  # interleaved: ids run across members
    try:
        async with engine.begin() as conn:  # only the columns 0005 has
            ids = {}
            for name in ("ada", "bob"):
                ids[name] = await old_member(conn, name, T0, nudges_off="", unreachable=False)
            for table in tables:
                for n, name in enumerate(order):
                    await conn.execute(table.insert().values(_row(table, ids[name], n)))
            assert "number" not in await conn.run_sync(_columns("contacts"))

        await upgrade(fresh_url)
        async with engine.connect() as conn:
            for table in tables:
                got = await conn.execute(
                    select(table.c.member_id, table.c.number).order_by(table.c.id)
                )
                assert got.all() == [
                    (ids["ada"], 1), (ids["bob"], 1), (ids["ada"], 2), (ids["ada"], 3),
                    (ids["bob"], 2),
                ]  # fmt: skip
                assert await conn.run_sync(_unique(table.name)) == [
                    (f"ix_{table.name}_member_id_number", ["member_id", "number"])
                ]
        async with SqlUnitOfWork(engine) as u:  # new rows go on from the backfill
            ada = ids["ada"]
            assert (await u.contacts.add(Contact(ada, "Jane"))).number == 4
            assert (await u.followups.add(FollowUp(ada, FollowUpKind.PLANNED, T0))).number == 4
            assert (await u.meetings.add(Meeting(ids["bob"], T0))).number == 3
            found = await u.contacts.by_number(ada, 2)
            assert found is not None and found.name == "c2"
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(contacts.insert().values(_row(contacts, ids["ada"], 9) | {
                    "number": 1}))  # fmt: skip

        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to("0005"))
        async with engine.connect() as conn:
            tables_left, revision = await conn.run_sync(_state)
            assert revision == "0005" and "numbering" not in tables_left
            for table in tables:
                assert "number" not in await conn.run_sync(_columns(table.name))
                assert await conn.run_sync(_unique(table.name)) == []
            kept = await conn.execute(select(contacts.c.name).order_by(contacts.c.id))
            assert kept.scalars().all() == [f"c{n}" for n in range(5)] + ["Jane"]
    finally:
        await engine.dispose()
