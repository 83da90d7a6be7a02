"""The nudge outbox (enqueue, claim with a lease, finish) and the planners' cursors."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Update, bindparam, delete, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.domain import Group, Member
from bot.nudges.model import Cursor, Nudge, NudgeKind, NudgeStatus, Turns
from storage.repositories._base import (
    SqlRepository,
    chunked,
    upsert,
    upsert_many,
)
from storage.repositories.members import group_from_row, member_from_row
from storage.tables import groups, members, nudge_cursors, outbox

FINISHED = (NudgeStatus.SENT, NudgeStatus.SKIPPED, NudgeStatus.FAILED)
_FINISHED_VALUES = [str(status) for status in FINISHED]
# Rows per INSERT: 14 columns x 1000 rows stays under SQLite's 32766 bound variables.


def _enqueue_statement(insert: Any) -> Any:
    return (
        insert(outbox)
        .on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
        .returning(outbox.c.id, outbox.c.dedupe_key)
    )


_ENQUEUE = {
    "postgresql": _enqueue_statement(pg_insert),
    "sqlite": _enqueue_statement(sqlite_insert),
}


def _claim_statement(skip_locked: bool, routed: bool) -> Update:
    due = select(outbox.c.id).where(
        outbox.c.status == str(NudgeStatus.PENDING), outbox.c.ready_at <= bindparam("now")
    )
    if routed:
        # Filtered on the way along the (status, ready_at) index. A NULL stale_before
        # compares as unknown: that arm then takes nothing.
        due = due.where(
            or_(
                outbox.c.platform.is_(None),
                outbox.c.platform.in_(bindparam("platforms", expanding=True)),
                outbox.c.due_at < bindparam("stale_before"),
            ),
            # What waits for a lane of the claimer's still full: left aside (unless past
            # grace: then it is skipped as late).
            or_(
                outbox.c.lane.is_(None),
                outbox.c.lane.not_in(bindparam("skip_lanes", expanding=True)),
                outbox.c.due_at < bindparam("stale_before"),
            ),
        )
    due = due.order_by(outbox.c.ready_at, outbox.c.id).limit(bindparam("limit"))
    chosen: Any = due.scalar_subquery()
    if skip_locked:
        # Concurrent dispatchers each lock different rows instead of waiting on each
        # other; a row another one already claimed fails the status check on re-read.
        # Chosen once in a materialized CTE: as a plain subquery PostgreSQL may run it
        # again for each row it updates, and SKIP LOCKED then finds the next rows each
        # time (a claim of 200 took 1,723).
        locked = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        chosen = select(locked.c.id).scalar_subquery()
    return (
        outbox.update()
        .where(outbox.c.id.in_(chosen))
        .values(
            status=str(NudgeStatus.CLAIMED),
            claimed_by=bindparam("b_worker"),
            lease_until=bindparam("b_lease_until"),
            attempts=outbox.c.attempts + 1,
        )
        .returning(*outbox.c)
    )


# SQLite has no row locks: its transactions start with BEGIN IMMEDIATE (storage.engine),
# so claims there run one after the other.
_CLAIM = {
    (dialect, routed): _claim_statement(dialect == "postgresql", routed)
    for dialect in ("postgresql", "sqlite")
    for routed in (False, True)
}
# Only the worker whose lease still stands may close or give back a nudge.
_HELD = (
    outbox.c.id == bindparam("b_id"),
    outbox.c.status == str(NudgeStatus.CLAIMED),
    outbox.c.claimed_by == bindparam("b_worker"),
)
_FINISH = (
    outbox.update()
    .where(*_HELD)
    .values(
        status=bindparam("b_status"),
        finished_at=bindparam("b_at"),
        note=bindparam("b_note"),
        merged_into=bindparam("b_merged_into"),
        lease_until=None,
    )
)
_RETRY = (
    outbox.update()
    .where(*_HELD)
    .values(
        status=str(NudgeStatus.PENDING),
        due_at=bindparam("b_due_at"),
        ready_at=bindparam("b_due_at"),
        note=bindparam("b_note"),
        claimed_by=None,
        lease_until=None,
    )
)
_LEAVE = (
    outbox.update()
    .where(*_HELD)
    .values(
        status=str(NudgeStatus.PENDING),
        note=bindparam("b_note"),
        claimed_by=None,
        lease_until=None,
        attempts=outbox.c.attempts - 1,
    )
)
_HAND_OVER = _LEAVE.values(platform=bindparam("b_platform"), lane=bindparam("b_lane"))
_READY_WHEN_DUE = (
    outbox.update()
    .where(outbox.c.status == str(NudgeStatus.PENDING), outbox.c.ready_at.is_(None))
    .values(ready_at=outbox.c.due_at)
)
# The (status, ready_at) index: its first entry past `after`.
_NEXT_DUE = select(func.min(outbox.c.ready_at)).where(
    outbox.c.status == str(NudgeStatus.PENDING), outbox.c.ready_at > bindparam("after")
)


# finish_many's statement, built once: the ids an expanding parameter (a statement
# built per call cost more to compile than to run, at a wave's hundreds a second).
_FINISH_MANY = (
    outbox.update()
    .where(
        outbox.c.id.in_(bindparam("ids", expanding=True)),
        outbox.c.status == str(NudgeStatus.CLAIMED),
        outbox.c.claimed_by == bindparam("b_worker"),
    )
    .values(
        status=bindparam("b_status"),
        finished_at=bindparam("b_at"),
        note=bindparam("b_note"),
        lease_until=None,
    )
    .returning(outbox.c.id)
)


def _held_among(ids: Sequence[int], worker: str) -> tuple[Any, ...]:
    """Those of `ids` that `worker` still holds (many at once, as _HELD one)."""
    return (
        outbox.c.id.in_(ids),
        outbox.c.status == str(NudgeStatus.CLAIMED),
        outbox.c.claimed_by == worker,
    )


_SENT_BETWEEN = select(func.count()).where(
    outbox.c.member_id == bindparam("member_id"),
    outbox.c.status == str(NudgeStatus.SENT),
    outbox.c.finished_at >= bindparam("start"),
    outbox.c.finished_at < bindparam("end"),
    outbox.c.merged_into.is_(None),  # its words went out in another nudge's message
)


def _nudge_values(nudge: Nudge) -> dict[str, Any]:
    return {
        "kind": str(nudge.kind),
        "member_id": nudge.member_id,
        "group_id": nudge.group_id,
        "due_at": nudge.due_at,
        "dedupe_key": nudge.dedupe_key,
        "payload": nudge.payload,
        "status": str(nudge.status),
        "attempts": nudge.attempts,
        "lease_until": nudge.lease_until,
        "claimed_by": nudge.claimed_by,
        "note": nudge.note,
        "merged_into": nudge.merged_into,
        "platform": nudge.platform,
        "lane": nudge.lane,
        "ready_at": nudge.ready_at or nudge.due_at,
        "finished_at": nudge.finished_at,
    }


def _nudge_from_row(row: Row[Any]) -> Nudge:
    return Nudge(
        id=row.id,
        kind=NudgeKind(row.kind),
        member_id=row.member_id,
        group_id=row.group_id,
        due_at=row.due_at,
        dedupe_key=row.dedupe_key,
        payload=dict(row.payload),
        status=NudgeStatus(row.status),
        attempts=row.attempts,
        lease_until=row.lease_until,
        claimed_by=row.claimed_by,
        note=row.note,
        merged_into=row.merged_into,
        platform=row.platform,
        lane=row.lane,
        ready_at=row.ready_at,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


class SqlOutboxRepository(SqlRepository):
    async def enqueue(self, nudges: Sequence[Nudge]) -> int:
        """Sets id and created_at on the nudges that went in (the first of a repeated key)."""
        fresh: dict[str, Nudge] = {}
        for nudge in nudges:
            fresh.setdefault(nudge.dedupe_key, nudge)
        if not fresh:
            return 0
        now = self._now()
        rows = [_nudge_values(n) | {"created_at": n.created_at or now} for n in fresh.values()]
        inserted = 0
        # executemany of one statement built once: SQLAlchemy batches it into multi-row
        # INSERTs ("insertmanyvalues") without compiling anew for every call.
        for row in await self._conn.execute(_ENQUEUE[self._conn.dialect.name], rows):
            nudge = fresh[row.dedupe_key]
            nudge.id, nudge.created_at = int(row.id), nudge.created_at or now
            nudge.ready_at = nudge.ready_at or nudge.due_at
            inserted += 1
        return inserted

    async def claim(
        self,
        now: datetime,
        worker: str,
        lease: timedelta,
        limit: int,
        *,
        platforms: Collection[str] | None = None,
        stale_before: datetime | None = None,
        skip_lanes: Collection[str] = (),
    ) -> list[Nudge]:
        if limit <= 0:
            return []
        params: dict[str, Any] = {
            "now": now, "limit": limit, "b_worker": worker, "b_lease_until": now + lease,
        }  # fmt: skip
        routed = platforms is not None
        if platforms is not None:
            params |= {
                "platforms": sorted(platforms), "stale_before": stale_before,
                "skip_lanes": sorted(skip_lanes),
            }  # fmt: skip
        elif skip_lanes:
            raise ValueError("skip_lanes needs platforms (a routed claim)")
        rows = await self._conn.execute(_CLAIM[self._conn.dialect.name, routed], params)
        # RETURNING gives no order: sort as the port promises.
        claimed = [_nudge_from_row(row) for row in rows]
        return sorted(claimed, key=lambda n: (n.ready_at or n.due_at, n.id or 0))

    async def finish(
        self,
        nudge_id: int,
        worker: str,
        status: NudgeStatus,
        at: datetime,
        note: str | None,
        merged_into: int | None = None,
    ) -> bool:
        if status not in FINISHED:
            raise ValueError(f"a nudge finishes as sent, skipped or failed, not {status}")
        params = {
            "b_id": nudge_id,
            "b_worker": worker,
            "b_status": str(status),
            "b_at": at,
            "b_note": note,
            "b_merged_into": merged_into,
        }
        return bool((await self._conn.execute(_FINISH, params)).rowcount)

    async def retry(self, nudge_id: int, worker: str, due_at: datetime, note: str) -> bool:
        params = {"b_id": nudge_id, "b_worker": worker, "b_due_at": due_at, "b_note": note}
        return bool((await self._conn.execute(_RETRY, params)).rowcount)

    async def leave(self, nudge_id: int, worker: str, note: str) -> bool:
        params = {"b_id": nudge_id, "b_worker": worker, "b_note": note}
        return bool((await self._conn.execute(_LEAVE, params)).rowcount)

    async def hand_over(
        self, nudge_id: int, worker: str, platform: str, note: str, lane: str | None = None
    ) -> bool:
        params = {
            "b_id": nudge_id, "b_worker": worker, "b_note": note, "b_platform": platform,
            "b_lane": lane,
        }  # fmt: skip
        return bool((await self._conn.execute(_HAND_OVER, params)).rowcount)

    async def reap(self, now: datetime) -> int:
        stmt = (
            outbox.update()
            .where(outbox.c.status == str(NudgeStatus.CLAIMED), outbox.c.lease_until < now)
            .values(status=str(NudgeStatus.PENDING), claimed_by=None, lease_until=None)
        )
        return int((await self._conn.execute(stmt)).rowcount)

    async def hand_over_many(
        self, ready: Turns, worker: str, platform: str, note: str, lane: str
    ) -> int:
        # One statement a turn: the dispatcher books turns on a coarse grid, so a lane's
        # nudges share a few (executemany would not tell how many rows it changed).
        by_turn: dict[datetime | None, list[int]] = {}
        for nudge_id, at in ready.items():
            by_turn.setdefault(at, []).append(nudge_id)
        done = 0
        for at, ids in by_turn.items():
            turn = {} if at is None else {"ready_at": at}
            for chunk in chunked(sorted(ids)):
                stmt = (
                    outbox.update()
                    .where(*_held_among(chunk, worker))
                    .values(
                        status=str(NudgeStatus.PENDING),
                        note=note,
                        claimed_by=None,
                        lease_until=None,
                        attempts=outbox.c.attempts - 1,
                        platform=platform,
                        lane=lane,
                        **turn,
                    )
                )
                done += int((await self._conn.execute(stmt)).rowcount)
        return done

    async def next_due(self, after: datetime) -> datetime | None:
        params = {"after": after}
        found: datetime | None = (await self._conn.execute(_NEXT_DUE, params)).scalar()
        return found

    async def release(self, worker: str) -> int:
        stmt = (
            outbox.update()
            .where(outbox.c.status == str(NudgeStatus.CLAIMED), outbox.c.claimed_by == worker)
            .values(status=str(NudgeStatus.PENDING), claimed_by=None, lease_until=None)
        )
        return int((await self._conn.execute(stmt)).rowcount)

    async def sent_between(self, member_id: int, start: datetime, end: datetime) -> int:
        params = {"member_id": member_id, "start": start, "end": end}
        return int((await self._conn.execute(_SENT_BETWEEN, params)).scalar_one())

    async def sent_since(
        self, member_ids: Collection[int], since: datetime
    ) -> dict[int, list[datetime]]:
        found: dict[int, list[datetime]] = {}
        for chunk in chunked(sorted(set(member_ids))):
            stmt = select(outbox.c.member_id, outbox.c.finished_at).where(
                outbox.c.member_id.in_(chunk),
                outbox.c.status == str(NudgeStatus.SENT),
                outbox.c.finished_at >= since,
                outbox.c.merged_into.is_(None),
            )
            for mid, at in await self._conn.execute(stmt):
                found.setdefault(int(mid), []).append(at)
        return found

    async def finish_many(
        self,
        nudge_ids: Collection[int],
        worker: str,
        status: NudgeStatus,
        at: datetime,
        note: str | None = None,
    ) -> set[int]:
        if status not in FINISHED:
            raise ValueError(f"a nudge finishes as sent, skipped or failed, not {status}")
        held: set[int] = set()
        for chunk in chunked(sorted(set(nudge_ids))):
            params = {
                "ids": list(chunk), "b_worker": worker, "b_status": str(status), "b_at": at,
                "b_note": note,
            }  # fmt: skip
            held.update(int(i) for i in (await self._conn.execute(_FINISH_MANY, params)).scalars())
        return held

    async def prune(self, before: datetime) -> int:
        stmt = delete(outbox).where(
            outbox.c.status.in_(_FINISHED_VALUES), outbox.c.finished_at < before
        )
        pruned = int((await self._conn.execute(stmt)).rowcount)
        # Hourly upkeep, not each claim's work: rows a process of the version before 0013
        # queued (a rolling upgrade) have no ready_at, which no claim would ever match.
        await self._conn.execute(_READY_WHEN_DUE)
        return pruned

    async def get(self, nudge_id: int) -> Nudge | None:
        row = (await self._conn.execute(select(outbox).where(outbox.c.id == nudge_id))).first()
        return None if row is None else _nudge_from_row(row)

    async def counts(self) -> dict[NudgeStatus, int]:
        """Statuses with no nudge are absent, not zero."""
        stmt = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        return {NudgeStatus(status): int(n) for status, n in await self._conn.execute(stmt)}


def _cursor_values(cursor: Cursor) -> dict[str, Any]:
    return {
        "key": cursor.key,
        "kind": str(cursor.kind),
        "next_at": cursor.next_at,
        "member_id": cursor.member_id,
        "group_id": cursor.group_id,
    }


def _cursor_from_row(row: Row[Any]) -> Cursor:
    return Cursor(
        key=row.key,
        kind=NudgeKind(row.kind),
        next_at=row.next_at,
        member_id=row.member_id,
        group_id=row.group_id,
    )


_CURSOR_KEYS = ("key",)
_CURSOR_UPDATE = ("kind", "next_at", "member_id", "group_id")


class SqlCursorRepository(SqlRepository):
    async def put(self, cursor: Cursor) -> None:
        await upsert(
            self._conn, nudge_cursors, _cursor_values(cursor), _CURSOR_KEYS, _CURSOR_UPDATE
        )

    async def put_many(self, cursors: Sequence[Cursor]) -> None:
        """One executemany; with a key twice, the last cursor wins (as with put)."""
        rows = [_cursor_values(cursor) for cursor in cursors]
        await upsert_many(self._conn, nudge_cursors, rows, _CURSOR_KEYS, _CURSOR_UPDATE)

    async def due(self, until: datetime, limit: int) -> list[Cursor]:
        stmt = (
            select(nudge_cursors)
            .where(nudge_cursors.c.next_at <= until)
            .order_by(nudge_cursors.c.next_at, nudge_cursors.c.key)
            .limit(limit)
        )
        return [_cursor_from_row(row) for row in await self._conn.execute(stmt)]

    async def delete(self, key: str) -> None:
        await self._conn.execute(delete(nudge_cursors).where(nudge_cursors.c.key == key))

    async def of_member(self, member_id: int) -> list[Cursor]:
        """By key."""
        stmt = (
            select(nudge_cursors)
            .where(nudge_cursors.c.member_id == member_id)
            .order_by(nudge_cursors.c.key)
        )
        return [_cursor_from_row(row) for row in await self._conn.execute(stmt)]

    async def drop_member(self, member_id: int) -> None:
        await self._conn.execute(
            delete(nudge_cursors).where(nudge_cursors.c.member_id == member_id)
        )

    async def drop_group(self, group_id: int) -> None:
        await self._conn.execute(delete(nudge_cursors).where(nudge_cursors.c.group_id == group_id))

    async def unplanned_members(self, after_id: int, limit: int) -> list[Member]:
        planned = exists().where(nudge_cursors.c.member_id == members.c.id)
        stmt = (
            select(members)
            .where(members.c.id > after_id, ~planned)
            .order_by(members.c.id)
            .limit(limit)
        )
        return [member_from_row(row) for row in await self._conn.execute(stmt)]

    async def unplanned_groups(self, after_id: int, limit: int) -> list[Group]:
        planned = exists().where(nudge_cursors.c.group_id == groups.c.id)
        stmt = (
            select(groups)
            .where(groups.c.id > after_id, ~planned)
            .order_by(groups.c.id)
            .limit(limit)
        )
        return [group_from_row(row) for row in await self._conn.execute(stmt)]
