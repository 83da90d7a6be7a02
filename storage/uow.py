"""The unit of work: one connection and one transaction per `async with`."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.ports import (
    ActivityRepository,
    Clock,
    ContactRepository,
    CursorRepository,
    FollowUpRepository,
    GroupRepository,
    LinkRepository,
    MeetingRepository,
    MemberRepository,
    OpportunityRepository,
    OutboxRepository,
    PendingRepository,
    StepRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)
from storage.repositories import (
    SqlActivityRepository,
    SqlContactRepository,
    SqlCursorRepository,
    SqlFollowUpRepository,
    SqlGroupRepository,
    SqlIdentityRepository,
    SqlLinkRepository,
    SqlMeetingRepository,
    SqlMemberRepository,
    SqlOpportunityRepository,
    SqlOutboxRepository,
    SqlPendingRepository,
    SqlStepRepository,
)
from storage.repositories._base import utcnow
from storage.sqlite_driver import READ_ONLY, InlineConnection


class SqlUnitOfWork:
    """bot.ports.UnitOfWork on an engine; commits on a clean exit, rolls back otherwise.

    On SQLite the transaction starts with BEGIN IMMEDIATE (see storage.engine), so units
    of work that write are serialised; readers are never blocked thanks to WAL.
    """

    # Annotated with the port types: Protocol attributes are invariant.
    members: MemberRepository
    contacts: ContactRepository
    activities: ActivityRepository
    followups: FollowUpRepository
    meetings: MeetingRepository
    opportunities: OpportunityRepository
    steps: StepRepository
    groups: GroupRepository
    pending: PendingRepository
    outbox: OutboxRepository
    cursors: CursorRepository
    links: LinkRepository
    # Beyond the port: identity linking and the DM channel cache (for adapters).
    identities: SqlIdentityRepository

    def __init__(
        self, engine: AsyncEngine, clock: Clock | None = None, read_only: bool = False
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._now = clock.now if clock is not None else utcnow
        self._conn: AsyncConnection | None = None

    @property
    def connection(self) -> AsyncConnection:
        """The open connection, for storage code that needs a statement of its own."""
        if self._conn is None:
            raise RuntimeError("the unit of work is not entered: use `async with`")
        return self._conn

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("a unit of work cannot be entered twice at once")
        conn = await InlineConnection(self._engine)
        try:
            if self._read_only:  # storage.engine begins it without the write lock
                await conn.execution_options(**{READ_ONLY: True})
            await conn.begin()
            if self._read_only and conn.dialect.name == "postgresql":
                await conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        except BaseException:
            await asyncio.shield(conn.close())
            raise
        self._conn = conn
        self.members = SqlMemberRepository(conn, self._now)
        self.contacts = SqlContactRepository(conn, self._now)
        self.activities = SqlActivityRepository(conn, self._now)
        self.followups = SqlFollowUpRepository(conn, self._now)
        self.meetings = SqlMeetingRepository(conn, self._now)
        self.opportunities = SqlOpportunityRepository(conn, self._now)
        self.steps = SqlStepRepository(conn, self._now)
        self.groups = SqlGroupRepository(conn, self._now)
        self.pending = SqlPendingRepository(conn, self._now)
        self.outbox = SqlOutboxRepository(conn, self._now)
        self.cursors = SqlCursorRepository(conn, self._now)
        self.links = SqlLinkRepository(conn, self._now)
        self.identities = SqlIdentityRepository(conn, self._now)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if exc_type is None:
                await conn.commit()
            else:
                await conn.rollback()
        finally:
            # Shielded so a cancelled task still hands the connection back to the pool
            # (closing rolls back whatever a failed commit left open).
            await asyncio.shield(conn.close())


def uow_factory(engine: AsyncEngine, clock: Clock | None = None) -> UnitOfWorkFactory:
    """What the core is given: call it for a fresh unit of work."""

    def make(read_only: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(engine, clock, read_only)

    return make
