"""In-memory link codes, wrong-code counts, merge and split (bot.ports.LinkRepository),
doing what storage/repositories/merge.py and links.py do on the databases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain import Contact, Identity, LinkCode, Member
from bot.nudges.model import NudgeStatus
from tests.fakes import _copy, _Repository

_UNFINISHED = (NudgeStatus.PENDING, NudgeStatus.CLAIMED)
_NUMBERED = ("contacts", "followups", "meetings")


class FakeLinkRepository(_Repository):
    async def put_code(self, code: LinkCode) -> None:
        s, now = self._store, code.created_at or self._clock.now()
        s.link_codes = {
            k: c
            for k, c in s.link_codes.items()
            if c.expires_at >= now and c.identity != code.identity
        }
        code.created_at = now
        s.link_codes[code.code_hash] = _copy(code)

    async def code(self, code_hash: str) -> LinkCode | None:
        found = self._store.link_codes.get(code_hash)
        return None if found is None else _copy(found)

    async def use_code(self, code_hash: str, at: datetime) -> None:
        if code_hash in self._store.link_codes:
            self._store.link_codes[code_hash].used_at = at

    async def failures_since(self, identity: Identity, since: datetime) -> list[datetime]:
        return sorted(t for i, t in self._store.link_failures if i == identity and t > since)

    async def add_failure(self, identity: Identity, at: datetime, prune_before: datetime) -> None:
        s = self._store
        s.link_failures = [(i, t) for i, t in s.link_failures if i != identity or t >= prune_before]
        s.link_failures.append((identity, at))

    async def merge(self, survivor_id: int, absorbed_id: int) -> None:
        s = self._store
        self._merge_contacts(survivor_id, absorbed_id)
        for name in _NUMBERED:
            rows: dict[int, Any] = getattr(s, name)
            base = max(
                [r.number or 0 for r in rows.values() if r.member_id == survivor_id]
                + [n for (table, m), n in s.numbers.items() if m == survivor_id and table == name],
                default=0,
            )
            moved = [r for r in rows.values() if r.member_id == absorbed_id]
            for r in moved:
                r.member_id, r.number = survivor_id, (r.number or 0) + base
            s.numbers[(name, survivor_id)] = max([base] + [r.number or 0 for r in moved])
            s.numbers.pop((name, absorbed_id), None)
        s.pauses = {
            k: p for k, p in s.pauses.items() if p.member_id != absorbed_id or p.end is not None
        }
        for name in ("activities", "opportunities", "steps", "pauses"):
            for row in getattr(s, name).values():
                if row.member_id == absorbed_id:
                    row.member_id = survivor_id
        for code in s.link_codes.values():
            if code.member_id == absorbed_id:
                code.member_id = survivor_id
        for (group_id, member_id), ms in list(s.memberships.items()):
            if member_id != absorbed_id:
                continue
            del s.memberships[(group_id, member_id)]
            kept = s.memberships.get((group_id, survivor_id))
            if kept is not None:
                kept.is_admin = kept.is_admin or ms.is_admin
            else:
                ms.member_id = survivor_id
                s.memberships[(group_id, survivor_id)] = ms
        s.outbox = {
            k: n
            for k, n in s.outbox.items()
            if n.member_id != absorbed_id or n.status not in _UNFINISHED
        }
        for n in s.outbox.values():
            if n.member_id == absorbed_id:
                n.member_id = survivor_id
        s.cursors = {k: c for k, c in s.cursors.items() if c.member_id != absorbed_id}
        s.pending.pop(absorbed_id, None)
        for identity, owner in s.identities.items():
            if owner == absorbed_id:
                s.identities[identity] = survivor_id
        del s.members[absorbed_id]

    def _merge_contacts(self, survivor_id: int, absorbed_id: int) -> None:
        s = self._store

        def key(c: Contact) -> tuple[str, str | None]:
            return c.name.casefold(), (c.company or "").casefold() or None

        kept: dict[Any, Any] = {}
        for c in sorted(s.contacts.values(), key=lambda c: c.id or 0):
            if c.member_id == survivor_id:
                kept.setdefault(key(c), c)
        for c in sorted(s.contacts.values(), key=lambda c: c.id or 0):
            target = kept.get(key(c))
            if c.member_id != absorbed_id or target is None:
                continue
            rows: list[Any] = [*s.activities.values(), *s.followups.values(), *s.meetings.values()]
            for r in rows:
                if r.member_id == absorbed_id and r.contact_id == c.id:
                    r.contact_id = target.id
            for other in s.contacts.values():
                if other.referred_by_id == c.id and other.id != target.id:
                    other.referred_by_id = target.id
            for name in ("role", "how_met", "notes", "referred_by_id"):
                if getattr(target, name) is None and getattr(c, name) != target.id:
                    setattr(target, name, getattr(c, name))
            target.stage = max(target.stage, c.stage)
            del s.contacts[c.id or 0]

    async def split(self, member_id: int, keep: Identity, fresh: Member) -> Member:
        s = self._store
        moving = sorted(
            (i for i, owner in s.identities.items() if owner == member_id and i != keep),
            key=lambda i: s.identity_ids.get(i, 0),
        )
        fresh.last_identity_id = s.identity_ids.get(moving[0]) if moving else None
        self._insert(s.members, fresh)
        for identity in moving:
            s.identities[identity] = fresh.id or 0
        s.link_codes = {k: c for k, c in s.link_codes.items() if c.member_id != member_id}
        return fresh
