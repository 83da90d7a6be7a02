"""Slack installations on both databases: install, uninstall, reinstall, one refresher at a
time, OAuth states used once, and a workspace's data purged 30 days after it left."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.context import Caller, Where
from bot.core import Core
from bot.domain import Identity
from storage.slack_installations import RETENTION, SqlOAuthStates, SqlSlackInstallations
from storage.tables import activities, groups, identities, members
from storage.uow import SqlUnitOfWork, uow_factory
from tests.fakes import FakeClock

T0 = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def ws(team: str, token: str = "xoxb-a", refresh: str | None = None) -> dict[str, Any]:
    expires = T0 + timedelta(hours=12) if refresh else None
    return {
        "team_id": team, "bot_token": token, "bot_scopes": "chat:write,commands",
        "bot_id": "B1", "bot_user_id": "UBOT", "bot_refresh_token": refresh,
        "bot_token_expires_at": expires,
    }  # fmt: skip


async def test_install_uninstall_reinstall(engine: AsyncEngine) -> None:
    clock = FakeClock(T0)
    store = SqlSlackInstallations(engine, clock)
    assert await store.find("TA") is None
    await store.save(**ws("TA"))
    found = await store.find("TA")
    assert found is not None and found.active and found.bot_token == "xoxb-a"
    assert found.bot_scopes == "chat:write,commands" and found.installed_at == T0

    clock.advance(timedelta(days=1))
    assert await store.deactivate("TA") is True
    assert await store.deactivate("TA") is False  # a repeated event changes nothing
    gone = await store.find("TA")
    assert gone is not None and not gone.active and gone.bot_token is None
    assert gone.inactive_since == T0 + timedelta(days=1)

    await store.save(**ws("TA", token="xoxb-a2"))  # installed again: active, new token
    back = await store.find("TA")
    assert back is not None and back.active and back.bot_token == "xoxb-a2"
    assert back.inactive_since is None


async def test_one_refresher_at_a_time(engine: AsyncEngine) -> None:
    clock = FakeClock(T0)
    store = SqlSlackInstallations(engine, clock)
    await store.save(**ws("TA", refresh="xoxe-1"))
    hold = timedelta(seconds=30)
    claims = await asyncio.gather(*(store.claim_refresh("TA", "xoxe-1", hold) for _ in range(4)))
    assert sorted(claims) == [False, False, False, True]
    later = T0 + timedelta(hours=12)
    assert await store.save_refreshed("TA", "xoxe-1", "xoxb-new", "xoxe-2", later)
    assert not await store.save_refreshed("TA", "xoxe-1", "xoxb-x", "xoxe-x", None)  # spent
    after = await store.find("TA")
    assert after is not None and after.bot_token == "xoxb-new"
    assert after.bot_refresh_token == "xoxe-2" and after.bot_token_expires_at == later
    assert not await store.claim_refresh("TA", "xoxe-1", hold)  # the old one: nothing to do
    assert await store.claim_refresh("TA", "xoxe-2", hold)
    assert not await store.claim_refresh("TA", "xoxe-2", hold)
    clock.advance(hold + timedelta(seconds=1))  # a crashed refresher's claim lapses
    assert await store.claim_refresh("TA", "xoxe-2", hold)
    await store.release_refresh("TA")
    assert await store.claim_refresh("TA", "xoxe-2", hold)


async def test_a_state_is_good_once_until_it_expires(engine: AsyncEngine) -> None:
    clock = FakeClock(T0)
    states = SqlOAuthStates(engine, clock)
    await states.issue("s1", timedelta(minutes=10))
    await states.issue("s2", timedelta(minutes=10))
    assert await states.consume("s1") is True
    assert await states.consume("s1") is False
    assert await states.consume("never") is False
    clock.advance(timedelta(minutes=11))
    assert await states.consume("s2") is False


async def _count(engine: AsyncEngine, table: object, *where: object) -> int:
    async with engine.connect() as conn:
        stmt = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
        return int((await conn.execute(stmt)).scalar_one())


async def test_a_workspace_gone_30_days_is_purged_and_only_it(engine: AsyncEngine) -> None:
    clock = FakeClock(T0)
    core = Core(uow_factory(engine, clock), clock)
    store = SqlSlackInstallations(engine, clock)
    for team in ("TA", "TB"):
        await store.save(**ws(team))
        where = Where("slack", team, "C" + team, "club")
        admin = Caller(Identity("slack", team, "U1"), "Ann", "UTC")
        assert not (await core.handle_text(admin, where, "group setup Club")).is_error
        assert not (await core.handle_text(admin, where, "met Jane from Acme today")).is_error
    # Ann of TA also uses Discord: that identity, and her member, outlive TA's purge.
    async with SqlUnitOfWork(engine, clock) as uow:
        ann = await uow.members.by_identity(Identity("slack", "TA", "U1"))
        assert ann is not None and ann.id is not None
        await uow.identities.link(ann.id, Identity("discord", "G1", "D1"))
    bob = Caller(Identity("slack", "TA", "U2"), "Bob", "UTC")
    assert not (await core.handle_text(bob, Where("slack", "TA", None, None), "met Sam")).is_error

    await store.deactivate("TA")
    clock.advance(RETENTION - timedelta(hours=1))
    assert await store.purge_expired() == 0  # not yet: a reinstall would find it all
    clock.advance(timedelta(hours=2))
    assert await store.expired() == ["TA"]
    assert await store.purge_expired() == 1

    assert await store.find("TA") is None and await store.find("TB") is not None
    assert await _count(engine, identities, identities.c.tenant == "TA") == 0
    assert await _count(engine, groups, groups.c.tenant == "TA") == 0
    assert await _count(engine, groups, groups.c.tenant == "TB") == 1
    assert await _count(engine, identities, identities.c.tenant == "TB") == 1
    assert await _count(engine, members) == 2  # TB's Ann, and TA's Ann kept by Discord
    assert await _count(engine, activities, activities.c.member_id == ann.id) == 1


async def test_a_reinstall_before_the_purge_keeps_everything(engine: AsyncEngine) -> None:
    clock = FakeClock(T0)
    core = Core(uow_factory(engine, clock), clock)
    store = SqlSlackInstallations(engine, clock)
    await store.save(**ws("TA"))
    ann = Caller(Identity("slack", "TA", "U1"), "Ann", "UTC")
    assert not (await core.handle_text(ann, Where("slack", "TA", None, None), "met Jane")).is_error
    await store.deactivate("TA")
    clock.advance(timedelta(days=10))
    await store.save(**ws("TA", token="xoxb-again"))
    clock.advance(RETENTION)
    assert await store.purge_expired() == 0
    assert await store.purge("TA") == 0  # active again: purge refuses
    assert await _count(engine, identities, identities.c.tenant == "TA") == 1
