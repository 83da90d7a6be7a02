"""The append-only activity log: streaks, points and leaderboards are derived from it."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Row,
    String,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    select,
    type_coerce,
)

from bot.domain import Activity, ActivityKind
from storage.repositories._base import SqlRepository, chunked, fold, insert_row, kind_values
from storage.sqlite_prepared import prepared
from storage.tables import activities, pauses


def _activity_from_row(row: Row[Any]) -> Activity:
    return Activity(
        id=row.id,
        member_id=row.member_id,
        kind=ActivityKind(row.kind),
        occurred_at=row.occurred_at,
        local_date=row.local_date,
        contact_id=row.contact_id,
        company=row.company,
        note=row.note,
        created_at=row.created_at,
        repeated=row.repeated,
    )


def _streak_statement(dialect: str) -> Any:
    """One row: the distinct active dates and the pauses, each folded into one string.
    A single round trip through aiosqlite instead of two, and no per-row overhead for
    years of history (about 780 dates for three years)."""
    member: Any = bindparam("member_id")
    kinds: Any = bindparam("kinds", expanding=True)
    mine = (activities.c.member_id == member, activities.c.kind.in_(kinds))
    start: Any
    end: Any
    if dialect == "postgresql":
        # DISTINCT before the text cast: the index gives the dates in order, and each
        # day is cast once (string_agg(DISTINCT ...) sorted every activity's text).
        once = select(activities.c.local_date.label("d")).where(*mine).distinct().subquery()
        dates = select(func.string_agg(cast(once.c.d, Text()), literal(","))).select_from(once)
        start, end = (cast(column, Text()) for column in (pauses.c.start_date, pauses.c.end_date))
        spans = select(func.string_agg(start + "/" + func.coalesce(end, ""), literal(",")))
    else:  # SQLite keeps dates as ISO text already
        days = select(type_coerce(activities.c.local_date, String()).label("d")).distinct()
        listed = days.where(*mine).subquery()
        dates = select(func.group_concat(listed.c.d, ",")).select_from(listed)
        start = type_coerce(pauses.c.start_date, String())
        end = type_coerce(pauses.c.end_date, String())
        spans = select(func.group_concat(start + "/" + func.coalesce(end, ""), ","))
    spans = spans.where(pauses.c.member_id == member)
    return select(dates.scalar_subquery(), spans.scalar_subquery())


_STREAK = {name: _streak_statement(name) for name in ("sqlite", "postgresql")}

# The repeat check on the log path, built once: the (member, local_date, kind) index
# finds the day's few rows of that kind.
_LOGGED = select(activities.c.created_at, activities.c.company).where(
    activities.c.member_id == bindparam("member_id"),
    activities.c.local_date == bindparam("local_date"),
    activities.c.kind == bindparam("kind"),
)
_LOGGED_WITH = prepared(_LOGGED.where(activities.c.contact_id == bindparam("contact_id")))
_LOGGED_NO_ONE = prepared(_LOGGED.where(activities.c.contact_id.is_(None)))


def _add_unless_recent() -> Any:
    """INSERT ... SELECT ... WHERE NOT EXISTS: the double-tap check and the insert in one
    statement, `repeated` computed in it too (the log path's statement count is its
    latency). No row comes back when the same step was logged after :since."""
    cols = ["member_id", "kind", "occurred_at", "local_date", "contact_id", "company"]
    cols += ["note", "created_at"]  # SqlActivityRepository._values
    same = and_(
        activities.c.member_id == bindparam("member_id"),
        activities.c.local_date == bindparam("local_date"),
        activities.c.kind == bindparam("kind"),
        activities.c.contact_id == bindparam("contact_id"),
    )
    earlier = exists().where(same)
    recent = exists().where(same, activities.c.created_at > bindparam("since"))
    params = [bindparam(c, type_=activities.c[c].type) for c in cols]
    rows = select(*params, earlier).where(not_(recent))
    return (
        insert(activities)
        .from_select([*cols, "repeated"], rows)
        .returning(activities.c.id, activities.c.repeated)
    )


_ADD_UNLESS_RECENT = prepared(_add_unless_recent())


class SqlActivityRepository(SqlRepository):
    def _values(self, activity: Activity) -> dict[str, Any]:
        return {
            "member_id": activity.member_id,
            "kind": str(activity.kind),
            "occurred_at": activity.occurred_at,
            "local_date": activity.local_date,
            "contact_id": activity.contact_id,
            "company": activity.company,
            "note": activity.note,
            "created_at": activity.created_at or self._now(),
        }

    async def add(self, activity: Activity) -> Activity:
        # The hot command path: one INSERT, nothing else.
        values = self._values(activity) | {"repeated": activity.repeated}
        activity.id = await insert_row(self._conn, activities, values)
        activity.created_at = values["created_at"]
        return activity

    async def add_unless_recent(self, activity: Activity, since: datetime) -> Activity | None:
        assert activity.contact_id is not None, "the company-only check reads (fold)"
        values = self._values(activity)
        row = (await self._conn.execute(_ADD_UNLESS_RECENT, values | {"since": since})).first()
        if row is None:
            return None
        activity.id, activity.repeated = row.id, bool(row.repeated)
        activity.created_at = values["created_at"]
        return activity

    async def for_contact(self, member_id: int, contact_id: int, limit: int) -> list[Activity]:
        """The latest `limit` activities with the contact, newest first."""
        stmt = (
            select(activities)
            .where(activities.c.member_id == member_id, activities.c.contact_id == contact_id)
            .order_by(activities.c.occurred_at.desc(), activities.c.id.desc())
            .limit(limit)
        )
        return [_activity_from_row(row) for row in await self._conn.execute(stmt)]

    async def between(self, member_id: int, start: datetime, end: datetime) -> list[Activity]:
        stmt = (
            select(activities)
            .where(
                activities.c.member_id == member_id,
                activities.c.occurred_at >= start,
                activities.c.occurred_at < end,
            )
            .order_by(activities.c.occurred_at, activities.c.id)
        )
        return [_activity_from_row(row) for row in await self._conn.execute(stmt)]

    async def streak_history(
        self, member_id: int, kinds: Iterable[ActivityKind]
    ) -> tuple[set[date], list[tuple[date, date | None]]]:
        wanted = kind_values(kinds) or [""]
        stmt = _STREAK[self._conn.dialect.name]
        row = (await self._conn.execute(stmt, {"member_id": member_id, "kinds": wanted})).one()
        dates = {date.fromisoformat(text) for text in row[0].split(",")} if row[0] else set()
        spans = []
        for span in row[1].split(",") if row[1] else ():
            first, _, last = span.partition("/")
            spans.append((date.fromisoformat(first), date.fromisoformat(last) if last else None))
        return dates, sorted(spans)

    async def streak_history_many(
        self, member_ids: Collection[int], kinds: Iterable[ActivityKind]
    ) -> dict[int, tuple[set[date], list[tuple[date, date | None]]]]:
        wanted = kind_values(kinds)
        found: dict[int, tuple[set[date], list[tuple[date, date | None]]]] = {}
        for chunk in chunked(sorted(set(member_ids))):
            if wanted:  # the (member_id, local_date, kind) index alone answers it
                days = (
                    select(activities.c.member_id, activities.c.local_date)
                    .where(activities.c.member_id.in_(chunk), activities.c.kind.in_(wanted))
                    .distinct()
                )
                for mid, day in await self._conn.execute(days):
                    found.setdefault(int(mid), (set(), []))[0].add(day)
            spans = select(pauses.c.member_id, pauses.c.start_date, pauses.c.end_date).where(
                pauses.c.member_id.in_(chunk)
            )
            for mid, first, last in await self._conn.execute(spans):
                found.setdefault(int(mid), (set(), []))[1].append((first, last))
        for _, spans_of in found.values():
            spans_of.sort(key=lambda span: (span[0], span[1] or date.max))
        return found

    async def counts_by_member(
        self,
        member_ids: Sequence[int],
        start: datetime,
        end: datetime,
        once_a_day: Collection[ActivityKind] = (),
    ) -> dict[int, dict[ActivityKind, int]]:
        """Like GROUP BY: members and kinds with nothing in the window are absent."""
        counts: dict[int, dict[ActivityKind, int]] = {}
        if not member_ids:
            return counts
        stmt = (
            select(activities.c.member_id, activities.c.kind, func.count())
            .where(
                activities.c.member_id.in_(list(member_ids)),
                activities.c.occurred_at >= start,
                activities.c.occurred_at < end,
            )
            .group_by(activities.c.member_id, activities.c.kind)
        )
        if once_a_day:  # still index-only: `repeated` is the index's last column
            once = activities.c.kind.in_(kind_values(once_a_day))
            stmt = stmt.where(not_(and_(once, activities.c.repeated)))
        for member_id, kind, n in await self._conn.execute(stmt):
            counts.setdefault(member_id, {})[ActivityKind(kind)] = n
        return counts

    async def last_logged(
        self,
        member_id: int,
        kind: ActivityKind,
        local_date: date,
        contact_id: int | None,
        company: str | None,
    ) -> datetime | None:
        params: dict[str, Any] = {
            "member_id": member_id,
            "local_date": local_date,
            "kind": str(kind),
        }
        if contact_id is not None:
            rows = await self._conn.execute(_LOGGED_WITH, {**params, "contact_id": contact_id})
            return max((row.created_at for row in rows), default=None)
        if company is None:
            return None
        wanted = fold(company)
        rows = await self._conn.execute(_LOGGED_NO_ONE, params)
        same = (row.created_at for row in rows if fold(row.company or "") == wanted)
        return max(same, default=None)

    async def last_at(self, member_id: int, kinds: Iterable[ActivityKind]) -> datetime | None:
        wanted = kind_values(kinds)
        if not wanted:
            return None
        stmt = select(func.max(activities.c.occurred_at)).where(
            activities.c.member_id == member_id, activities.c.kind.in_(wanted)
        )
        latest: datetime | None = (await self._conn.execute(stmt)).scalar_one()
        return latest

    async def last_at_many(
        self, member_ids: Collection[int], kinds: Iterable[ActivityKind]
    ) -> dict[int, datetime]:
        wanted = kind_values(kinds)
        found: dict[int, datetime] = {}
        if not wanted:
            return found
        for chunk in chunked(sorted(set(member_ids))):
            stmt = (
                select(activities.c.member_id, func.max(activities.c.occurred_at))
                .where(activities.c.member_id.in_(chunk), activities.c.kind.in_(wanted))
                .group_by(activities.c.member_id)
            )
            for mid, latest in await self._conn.execute(stmt):
                found[int(mid)] = latest
        return found

    async def all(self, member_id: int) -> list[Activity]:
        """The whole log, oldest first."""
        stmt = (
            select(activities)
            .where(activities.c.member_id == member_id)
            .order_by(activities.c.occurred_at, activities.c.id)
        )
        return [_activity_from_row(row) for row in await self._conn.execute(stmt)]

    async def delete(self, member_id: int, activity_id: int) -> None:
        await self._conn.execute(
            delete(activities).where(
                activities.c.id == activity_id, activities.c.member_id == member_id
            )
        )
