"""Slack workspaces installed through OAuth, and the OAuth states of installs under way.

Plain rows and statements: the Slack adapter turns them into slack_sdk's Installation
(adapters/slack/installations.py). An uninstalled workspace keeps its row (tokens
cleared, `inactive_since` set) and its members' data for RETENTION, then `purge` deletes
it all; installing again within that time reactivates it with everything kept.

A refresh token works once, so exactly one process may spend it: `claim_refresh` is a
compare-and-set on the row (one UPDATE: SQLite's write lock, PostgreSQL's row lock), held
for a bounded time, so no transaction stays open across the call to Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from storage.tables import (
    groups,
    identities,
    memberships,
    nudge_cursors,
    outbox,
    slack_installations,
    slack_oauth_states,
)
from storage.uow import SqlUnitOfWork

PLATFORM = "slack"
RETENTION = timedelta(days=30)  # an uninstalled workspace's data, kept for a reinstall


@dataclass(frozen=True, slots=True)
class Workspace:
    """One installed workspace, as its row says."""

    team_id: str
    bot_token: str | None
    bot_scopes: str = ""
    bot_id: str | None = None
    bot_user_id: str | None = None
    app_id: str | None = None
    team_name: str | None = None
    enterprise_id: str | None = None
    installer_user_id: str | None = None
    bot_refresh_token: str | None = None
    bot_token_expires_at: datetime | None = None
    installed_at: datetime | None = None
    inactive_since: datetime | None = None

    @property
    def active(self) -> bool:
        return self.inactive_since is None and bool(self.bot_token)


_SAVED = (
    "enterprise_id", "app_id", "team_name", "bot_id", "bot_user_id", "bot_token",
    "bot_scopes", "bot_refresh_token", "bot_token_expires_at", "installer_user_id",
)  # fmt: skip


class SqlSlackInstallations:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    async def save(
        self,
        team_id: str,
        *,
        bot_token: str,
        bot_scopes: str = "",
        bot_id: str | None = None,
        bot_user_id: str | None = None,
        app_id: str | None = None,
        team_name: str | None = None,
        enterprise_id: str | None = None,
        installer_user_id: str | None = None,
        bot_refresh_token: str | None = None,
        bot_token_expires_at: datetime | None = None,
    ) -> None:
        """An install or reinstall: the workspace is active again, with these tokens."""
        now = self._clock.now()
        values: dict[str, Any] = {
            "bot_token": bot_token, "bot_scopes": bot_scopes, "bot_id": bot_id,
            "bot_user_id": bot_user_id, "app_id": app_id, "team_name": team_name,
            "enterprise_id": enterprise_id, "installer_user_id": installer_user_id,
            "bot_refresh_token": bot_refresh_token,
            "bot_token_expires_at": bot_token_expires_at,
        }  # fmt: skip
        stmt = self._insert(slack_installations).values(
            team_id=team_id, installed_at=now, updated_at=now, inactive_since=None,
            refresh_claimed_until=None, **values,
        )  # fmt: skip
        again: dict[str, Any] = {name: stmt.excluded[name] for name in (*_SAVED, "updated_at")}
        again |= {"inactive_since": None, "refresh_claimed_until": None}
        stmt = stmt.on_conflict_do_update(index_elements=["team_id"], set_=again)
        async with self._engine.begin() as conn:
            await conn.execute(stmt)

    async def find(self, team_id: str) -> Workspace | None:
        stmt = select(slack_installations).where(slack_installations.c.team_id == team_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).first()
        if row is None:
            return None
        fields = {name: getattr(row, name) for name in _SAVED}
        return Workspace(
            team_id=row.team_id, installed_at=row.installed_at,
            inactive_since=row.inactive_since, **fields,
        )  # fmt: skip

    async def deactivate(self, team_id: str) -> bool:
        """Uninstalled or its bot token revoked: no token, data kept; True when it was
        active until now (a repeated event changes nothing)."""
        now = self._clock.now()
        stmt = (
            update(slack_installations)
            .where(
                slack_installations.c.team_id == team_id,
                slack_installations.c.inactive_since.is_(None),
            )
            .values(
                inactive_since=now,
                updated_at=now,
                bot_token=None,
                bot_refresh_token=None,
                bot_token_expires_at=None,
                refresh_claimed_until=None,
            )
        )
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    # -- token rotation ------------------------------------------------------------------
    async def claim_refresh(self, team_id: str, refresh_token: str, hold: timedelta) -> bool:
        """True for the one caller that may spend `refresh_token` now: the row still holds
        it and no other claim is live."""
        now = self._clock.now()
        t = slack_installations.c
        stmt = (
            update(slack_installations)
            .where(
                t.team_id == team_id,
                t.bot_refresh_token == refresh_token,
                t.inactive_since.is_(None),
                or_(t.refresh_claimed_until.is_(None), t.refresh_claimed_until < now),
            )
            .values(refresh_claimed_until=now + hold)
        )
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    async def save_refreshed(
        self,
        team_id: str,
        spent: str,
        bot_token: str,
        refresh_token: str | None,
        expires_at: datetime | None,
    ) -> bool:
        """The tokens a refresh answered, in place of the ones `spent` came with."""
        t = slack_installations.c
        stmt = (
            update(slack_installations)
            .where(t.team_id == team_id, t.bot_refresh_token == spent)
            .values(
                bot_token=bot_token,
                bot_refresh_token=refresh_token,
                bot_token_expires_at=expires_at,
                refresh_claimed_until=None,
                updated_at=self._clock.now(),
            )
        )
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    async def release_refresh(self, team_id: str) -> None:
        """The refresh failed: another caller may try at once."""
        stmt = (
            update(slack_installations)
            .where(slack_installations.c.team_id == team_id)
            .values(refresh_claimed_until=None)
        )
        async with self._engine.begin() as conn:
            await conn.execute(stmt)

    # -- retention -------------------------------------------------------------------------
    async def expired(self, now: datetime | None = None) -> list[str]:
        """Workspaces inactive for longer than RETENTION."""
        before = (now or self._clock.now()) - RETENTION
        stmt = select(slack_installations.c.team_id).where(
            slack_installations.c.inactive_since < before
        )
        async with self._engine.connect() as conn:
            return [str(team) for team in (await conn.execute(stmt)).scalars()]

    async def purge_expired(self) -> int:
        """The scheduled job: every workspace past RETENTION purged; how many."""
        teams = await self.expired()
        for team in teams:
            await self.purge(team)
        return len(teams)

    async def purge(self, team_id: str) -> int:
        """Delete an uninstalled workspace's data: members known only there, the Slack
        identities of members also known elsewhere, its groups, and its row. Nothing
        when it was reinstalled meanwhile. How many members went."""
        gone = 0
        async with SqlUnitOfWork(self._engine, self._clock) as uow:
            conn = uow.connection
            t = slack_installations.c
            still = await conn.execute(
                select(t.team_id)
                .where(t.team_id == team_id, t.inactive_since.is_not(None))
                .with_for_update()
            )
            if still.first() is None:
                return 0
            here = and_(identities.c.platform == PLATFORM, identities.c.tenant == team_id)
            ids = (await conn.execute(select(identities.c.member_id).where(here))).scalars()
            for member_id in set(ids):
                elsewhere = await conn.execute(
                    select(identities.c.id).where(
                        identities.c.member_id == member_id,
                        or_(identities.c.platform != PLATFORM, identities.c.tenant != team_id),
                    )
                )
                if elsewhere.first() is None:
                    await uow.members.forget(member_id)
                    gone += 1
            await conn.execute(delete(identities).where(here))
            group_ids = select(groups.c.id).where(
                groups.c.platform == PLATFORM, groups.c.tenant == team_id
            )
            for table in (outbox, nudge_cursors, memberships):
                await conn.execute(delete(table).where(table.c.group_id.in_(group_ids)))
            await conn.execute(
                delete(groups).where(groups.c.platform == PLATFORM, groups.c.tenant == team_id)
            )
            await conn.execute(delete(slack_installations).where(t.team_id == team_id))
        return gone


class SqlOAuthStates:
    """OAuth `state` values: issued by the install page, consumed once by the redirect."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def issue(self, state: str, lifetime: timedelta) -> None:
        now = self._clock.now()
        async with self._engine.begin() as conn:
            old = delete(slack_oauth_states).where(slack_oauth_states.c.expires_at < now)
            await conn.execute(old)
            await conn.execute(
                slack_oauth_states.insert().values(state=state, expires_at=now + lifetime)
            )

    async def consume(self, state: str) -> bool:
        """True once for a state issued and not yet expired."""
        stmt = delete(slack_oauth_states).where(
            slack_oauth_states.c.state == state,
            slack_oauth_states.c.expires_at >= self._clock.now(),
        )
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount == 1
