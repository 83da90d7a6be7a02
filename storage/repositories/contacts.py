"""A member's private contacts: name and company lookups are case-insensitive."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Row, bindparam, exists, func, or_, select

from bot.domain import Contact
from storage.repositories._base import (
    SqlRepository,
    chunked,
    fold,
    fold_opt,
    require_id,
    update_row,
)
from storage.repositories.numbers import delete_numbered, insert_numbered
from storage.sqlite_prepared import prepared
from storage.tables import activities, contacts, followups, meetings


def _contact_values(contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.name,
        "name_key": fold(contact.name),
        "company": contact.company,
        "company_key": fold_opt(contact.company),
        "role": contact.role,
        "how_met": contact.how_met,
        "referred_by_id": contact.referred_by_id,
        "stage": contact.stage,
        "notes": contact.notes,
    }


def _contact_from_row(row: Row[Any]) -> Contact:
    return Contact(
        id=row.id,
        member_id=row.member_id,
        name=row.name,
        company=row.company,
        role=row.role,
        how_met=row.how_met,
        referred_by_id=row.referred_by_id,
        stage=row.stage,
        notes=row.notes,
        created_at=row.created_at,
        number=row.number,
    )


_GET = prepared(
    select(contacts).where(
        contacts.c.id == bindparam("id"), contacts.c.member_id == bindparam("member_id")
    )
)
_BY_NUMBER = prepared(
    select(contacts).where(
        contacts.c.member_id == bindparam("member_id"), contacts.c.number == bindparam("number")
    )
)
_PREFIX = prepared(
    select(contacts)
    .where(
        contacts.c.member_id == bindparam("member_id"),
        func.substr(contacts.c.name_key, 1, bindparam("size")) == bindparam("prefix"),
    )
    .order_by(contacts.c.name_key, contacts.c.id)
)


class SqlContactRepository(SqlRepository):
    async def add(self, contact: Contact) -> Contact:
        created_at = contact.created_at or self._now()
        values = _contact_values(contact) | {
            "member_id": contact.member_id,
            "created_at": created_at,
        }
        contact.id, contact.number = await insert_numbered(self._conn, contacts, values)
        contact.created_at = created_at
        return contact

    async def update(self, contact: Contact) -> None:
        contact_id = require_id(contact.id, "contact")
        await update_row(
            self._conn, contacts, contact_id, contact.member_id, _contact_values(contact), "contact"
        )

    async def get(self, member_id: int, contact_id: int) -> Contact | None:
        params = {"id": contact_id, "member_id": member_id}
        row = (await self._conn.execute(_GET, params)).first()
        return None if row is None else _contact_from_row(row)

    async def by_number(self, member_id: int, number: int) -> Contact | None:
        params = {"member_id": member_id, "number": number}
        row = (await self._conn.execute(_BY_NUMBER, params)).first()
        return None if row is None else _contact_from_row(row)

    async def starting_with(self, member_id: int, prefix: str) -> list[Contact]:
        # substr rather than LIKE: no escaping, the same on SQLite and on any collation.
        key = fold(prefix)
        params = {"member_id": member_id, "prefix": key, "size": len(key)}
        return [_contact_from_row(row) for row in await self._conn.execute(_PREFIX, params)]

    async def search(self, member_id: int, text: str | None, limit: int) -> list[Contact]:
        stmt = select(contacts).where(contacts.c.member_id == member_id)
        if text:
            key = fold(text)
            stmt = stmt.where(
                or_(
                    contacts.c.name_key.contains(key, autoescape=True),
                    contacts.c.company_key.contains(key, autoescape=True),
                )
            )
        stmt = stmt.order_by(contacts.c.name_key, contacts.c.id).limit(limit)
        return [_contact_from_row(row) for row in await self._conn.execute(stmt)]

    async def most_advanced(self, member_ids: Collection[int]) -> dict[int, Contact]:
        found: dict[int, Contact] = {}
        for chunk in chunked(sorted(set(member_ids))):
            rank = func.row_number().over(
                partition_by=contacts.c.member_id,
                order_by=(contacts.c.stage.desc(), contacts.c.id.desc()),
            )
            ranked = (
                select(contacts, rank.label("rank"))
                .where(contacts.c.member_id.in_(chunk))
                .subquery()
            )
            stmt = select(ranked).where(ranked.c.rank == 1)
            for row in await self._conn.execute(stmt):
                found[row.member_id] = _contact_from_row(row)
        return found

    async def count(self, member_id: int) -> int:
        stmt = select(func.count()).where(contacts.c.member_id == member_id)
        return (await self._conn.execute(stmt)).scalar_one()

    async def companies(self, member_id: int, prefix: str, limit: int) -> list[str]:
        """Distinct companies of the member's contacts (any case-variant once), A to Z."""
        stmt = (
            select(func.min(contacts.c.company))
            .where(
                contacts.c.member_id == member_id,
                contacts.c.company_key.startswith(fold(prefix), autoescape=True),
            )
            .group_by(contacts.c.company_key)
            .order_by(contacts.c.company_key)
            .limit(limit)
        )
        return list((await self._conn.execute(stmt)).scalars())

    async def in_use(self, member_id: int, contact_id: int) -> bool:
        """One statement: does any activity, follow-up, meeting or referral point here?"""
        pointing = [
            exists().where(t.c.member_id == member_id, t.c.contact_id == contact_id)
            for t in (activities, followups, meetings)
        ]
        referred = exists().where(
            contacts.c.member_id == member_id, contacts.c.referred_by_id == contact_id
        )
        return bool((await self._conn.execute(select(or_(*pointing, referred)))).scalar())

    async def reassign(self, member_id: int, source_id: int, target_id: int) -> None:
        for t in (activities, followups, meetings):
            await self._conn.execute(
                t.update()
                .where(t.c.member_id == member_id, t.c.contact_id == source_id)
                .values(contact_id=target_id)
            )
        await self._conn.execute(
            contacts.update()
            .where(
                contacts.c.member_id == member_id,
                contacts.c.referred_by_id == source_id,
                contacts.c.id != target_id,
            )
            .values(referred_by_id=target_id)
        )

    async def delete(self, member_id: int, contact_id: int) -> None:
        await delete_numbered(self._conn, contacts, member_id, contact_id)
