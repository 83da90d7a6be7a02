"""Link codes, wrong-code counts, and joining or splitting members (bot.ports.LinkRepository)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from bot.domain import Identity, LinkCode, Member
from storage.repositories._base import SqlRepository, insert_id
from storage.repositories.members import member_values
from storage.repositories.merge import merge_members
from storage.tables import identities, link_codes, link_failures, members


def _who(table: Any, identity: Identity) -> list[Any]:
    return [
        table.c.platform == identity.platform,
        table.c.tenant == identity.tenant,
        table.c.user_id == identity.user_id,
    ]


class SqlLinkRepository(SqlRepository):
    async def put_code(self, code: LinkCode) -> None:
        now = code.created_at or self._now()
        # One live code per identity; used or expired codes are kept only until they
        # would have expired anyway (a retry then reads "already used", not "wrong").
        await self._conn.execute(delete(link_codes).where(link_codes.c.expires_at < now))
        await self._conn.execute(delete(link_codes).where(*_who(link_codes, code.identity)))
        await self._conn.execute(
            link_codes.insert().values(
                code_hash=code.code_hash,
                member_id=code.member_id,
                platform=code.identity.platform,
                tenant=code.identity.tenant,
                user_id=code.identity.user_id,
                created_at=now,
                expires_at=code.expires_at,
                used_at=code.used_at,
            )
        )
        code.created_at = now

    async def code(self, code_hash: str) -> LinkCode | None:
        stmt = select(link_codes).where(link_codes.c.code_hash == code_hash)
        row = (await self._conn.execute(stmt)).first()
        if row is None:
            return None
        return LinkCode(
            code_hash=row.code_hash,
            member_id=row.member_id,
            identity=Identity(row.platform, row.tenant, row.user_id),
            expires_at=row.expires_at,
            used_at=row.used_at,
            created_at=row.created_at,
        )

    async def use_code(self, code_hash: str, at: datetime) -> None:
        stmt = link_codes.update().where(link_codes.c.code_hash == code_hash)
        await self._conn.execute(stmt.values(used_at=at))

    async def failures_since(self, identity: Identity, since: datetime) -> list[datetime]:
        stmt = (
            select(link_failures.c.failed_at)
            .where(*_who(link_failures, identity), link_failures.c.failed_at > since)
            .order_by(link_failures.c.failed_at)
        )
        return list((await self._conn.execute(stmt)).scalars())

    async def add_failure(self, identity: Identity, at: datetime, prune_before: datetime) -> None:
        await self._conn.execute(
            delete(link_failures).where(
                *_who(link_failures, identity), link_failures.c.failed_at < prune_before
            )
        )
        await self._conn.execute(
            link_failures.insert().values(
                platform=identity.platform,
                tenant=identity.tenant,
                user_id=identity.user_id,
                failed_at=at,
            )
        )

    async def merge(self, survivor_id: int, absorbed_id: int) -> None:
        await merge_members(self._conn, survivor_id, absorbed_id)

    async def split(self, member_id: int, keep: Identity, fresh: Member) -> Member:
        created_at = fresh.created_at or self._now()
        stmt = select(
            identities.c.id, identities.c.platform, identities.c.tenant, identities.c.user_id
        ).where(identities.c.member_id == member_id)
        rows = await self._conn.execute(stmt.order_by(identities.c.id))
        moving = [row.id for row in rows if Identity(*row[1:]) != keep]
        fresh.last_identity_id = moving[0] if moving else None
        values = member_values(fresh) | {"created_at": created_at}
        fresh.id = await insert_id(self._conn, members.insert().values(values))
        fresh.created_at = created_at
        if moving:
            await self._conn.execute(
                identities.update().where(identities.c.id.in_(moving)).values(member_id=fresh.id)
            )
        # The member's codes were asked for by identities that may have just left.
        await self._conn.execute(delete(link_codes).where(link_codes.c.member_id == member_id))
        return fresh
