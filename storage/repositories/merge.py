"""Two members become one (`link CODE`): every row of the absorbed member moves to the
survivor, in the caller's transaction, so a failure leaves both as they were.

Contacts alike in name and company become the survivor's one (the absorbed contact's
history repointed to it, its empty fields filled). What moves keeps its own order of
numbers but starts after the survivor's highest (live or retired): #1, #2 stay unique
per member. Queued nudges and planner cursors of the absorbed member are dropped (the
caller re-plans the survivor); sent ones move, so the daily cap still counts them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.nudges.model import NudgeStatus
from storage.repositories.numbers import KIND
from storage.tables import (
    activities,
    contacts,
    followups,
    identities,
    link_codes,
    meetings,
    members,
    memberships,
    nudge_cursors,
    numbering,
    opportunities,
    outbox,
    pauses,
    steps,
)
from storage.tables import pending as pending_table

_UNFINISHED = (str(NudgeStatus.PENDING), str(NudgeStatus.CLAIMED))
_FILLED = ("role", "how_met", "notes", "referred_by_id")  # the kept contact's empty ones


async def merge_members(conn: AsyncConnection, survivor: int, absorbed: int) -> None:
    await _merge_contacts(conn, survivor, absorbed)
    for table in (contacts, followups, meetings):
        await _move_numbered(conn, table, survivor, absorbed)
    for table in (activities, opportunities, steps, link_codes):
        await _move(conn, table, survivor, absorbed)
    # An open-ended pause is a setting of the absorbed member: the survivor's win.
    await conn.execute(
        delete(pauses).where(pauses.c.member_id == absorbed, pauses.c.end_date.is_(None))
    )
    await _move(conn, pauses, survivor, absorbed)
    await _merge_memberships(conn, survivor, absorbed)
    await conn.execute(
        delete(outbox).where(outbox.c.member_id == absorbed, outbox.c.status.in_(_UNFINISHED))
    )
    await _move(conn, outbox, survivor, absorbed)
    for table in (nudge_cursors, pending_table, numbering):
        await conn.execute(delete(table).where(table.c.member_id == absorbed))
    await _move(conn, identities, survivor, absorbed)
    await conn.execute(delete(members).where(members.c.id == absorbed))


async def _move(conn: AsyncConnection, table: Table, survivor: int, absorbed: int) -> None:
    await conn.execute(
        table.update().where(table.c.member_id == absorbed).values(member_id=survivor)
    )


async def _merge_contacts(conn: AsyncConnection, survivor: int, absorbed: int) -> None:
    stmt = select(contacts).where(contacts.c.member_id.in_((survivor, absorbed)))
    rows = (await conn.execute(stmt.order_by(contacts.c.id))).all()
    kept: dict[tuple[str, str | None], Any] = {}
    for row in rows:
        if row.member_id == survivor:
            kept.setdefault((row.name_key, row.company_key), row)
    for row in rows:
        target = kept.get((row.name_key, row.company_key))
        if row.member_id != absorbed or target is None:
            continue
        for table in (activities, followups, meetings):
            await conn.execute(
                table.update()
                .where(table.c.member_id == absorbed, table.c.contact_id == row.id)
                .values(contact_id=target.id)
            )
        await conn.execute(
            contacts.update()
            .where(contacts.c.referred_by_id == row.id, contacts.c.id != target.id)
            .values(referred_by_id=target.id)
        )
        mine, into = row._mapping, target._mapping
        filled = {name: mine[name] for name in _FILLED if into[name] is None}
        if filled.get("referred_by_id") == target.id:  # never referred by oneself
            del filled["referred_by_id"]
        if row.stage > target.stage:
            filled["stage"] = row.stage
        if filled:
            await conn.execute(contacts.update().where(contacts.c.id == target.id).values(filled))
        await conn.execute(delete(contacts).where(contacts.c.id == row.id))


async def _move_numbered(conn: AsyncConnection, table: Table, survivor: int, absorbed: int) -> None:
    live = select(func.coalesce(func.max(table.c.number), 0)).where(table.c.member_id == survivor)
    retired = select(func.coalesce(func.max(numbering.c.retired), 0)).where(
        numbering.c.member_id == survivor, numbering.c.kind == KIND[table.name]
    )
    base = max(
        int((await conn.execute(live)).scalar_one()),
        int((await conn.execute(retired)).scalar_one()),
    )
    # Moved rows land above every number the survivor has had: no clash, even mid-update.
    await conn.execute(
        table.update()
        .where(table.c.member_id == absorbed)
        .values(member_id=survivor, number=table.c.number + base)
    )


async def _merge_memberships(conn: AsyncConnection, survivor: int, absorbed: int) -> None:
    admin_there = select(memberships.c.group_id).where(
        memberships.c.member_id == absorbed, memberships.c.is_admin.is_(True)
    )
    # In a group with both: one membership, the survivor's, an admin if either was.
    await conn.execute(
        memberships.update()
        .where(memberships.c.member_id == survivor, memberships.c.group_id.in_(admin_there))
        .values(is_admin=True)
    )
    await conn.execute(
        delete(memberships).where(
            memberships.c.member_id == absorbed,
            memberships.c.group_id.in_(
                select(memberships.c.group_id)
                .where(memberships.c.member_id == survivor)
                .scalar_subquery()
            ),
        )
    )
    await _move(conn, memberships, survivor, absorbed)
