"""Migration 0005 on both databases: existing activities get `repeated` (every one after
the first of its member, kind, day and person or company), and the counts index holds it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, inspect, select
from sqlalchemy.pool import NullPool

from storage.engine import make_engine
from storage.migrate import upgrade
from storage.tables import activities, contacts
from tests.storage.old_rows import old_member
from tests.storage.test_storage_migrations import _columns, _downgrade_to, _state, fresh_url

__all__ = ["fresh_url"]  # the fixture, shared

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
DAY, NEXT = date(2025, 3, 10), date(2025, 3, 11)


def _indexes(conn: Connection) -> dict[str, list[Any]]:
    return {i["name"] or "": i["column_names"] for i in inspect(conn).get_indexes("activities")}


async def test_0005_flags_the_repeats_already_logged_and_goes_back(fresh_url: str) -> None:
    await upgrade(fresh_url, "0004")
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:  # only the columns 0004 has
            member = await old_member(conn, "Ada", T0)
            ids = []
            for name in ("Jane", "Sam"):
                added = await conn.execute(
                    contacts.insert()
                    .values(
                        member_id=member, name=name, name_key=name.lower(), stage=1,
                        created_at=T0,
                    )
                    .returning(contacts.c.id)
                )
                ids.append(added.scalar_one())
            jane, sam = ids
            rows = [  # kind, day, contact, company: the flag expected
                ("followup", DAY, jane, None, False),
                ("followup", DAY, jane, "Acme", True),  # Jane again that day
                ("followup", DAY, sam, None, False),  # someone else
                ("followup", NEXT, jane, None, False),  # another day
                ("thankyou", DAY, jane, None, False),  # another kind
                ("application", DAY, None, "Hooli", False),
                ("application", DAY, None, "HOOLI", True),  # the same organisation
                ("application", DAY, None, "Globex", False),
                ("followup", DAY, jane, None, True),
            ]
            for kind, day, contact, company, _ in rows:
                await conn.execute(
                    activities.insert().values(
                        member_id=member, kind=kind, occurred_at=T0, local_date=day,
                        contact_id=contact, company=company, created_at=T0,
                    )
                )
            assert "repeated" not in await conn.run_sync(_columns("activities"))

        await upgrade(fresh_url)
        async with engine.connect() as conn:
            flags = await conn.execute(select(activities.c.repeated).order_by(activities.c.id))
            assert flags.scalars().all() == [expected for *_, expected in rows]
            indexes = await conn.run_sync(_indexes)
            assert indexes["ix_activities_member_id_occurred_at_kind_repeated"] == [
                "member_id", "occurred_at", "kind", "repeated",
            ]  # fmt: skip
            assert "ix_activities_member_id_occurred_at_kind" not in indexes

        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to("0004"))
        async with engine.connect() as conn:
            assert (await conn.run_sync(_state))[1] == "0004"
            assert "repeated" not in await conn.run_sync(_columns("activities"))
            indexes = await conn.run_sync(_indexes)
            assert indexes["ix_activities_member_id_occurred_at_kind"] == [
                "member_id", "occurred_at", "kind",
            ]  # fmt: skip
            kept = await conn.execute(select(activities.c.kind).order_by(activities.c.id))
            assert kept.scalars().all() == [kind for kind, *_ in rows]
    finally:
        await engine.dispose()
