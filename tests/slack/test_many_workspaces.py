"""Many workspaces end to end, through the real bolt app over HTTP on 127.0.0.1 and the
fake Slack: two workspaces install through the OAuth flow, each member's commands and
nudges use their own workspace's token, and an uninstall skips that workspace's nudges."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.runtime.slack import retention_job
from bot.domain import Identity
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import NudgeStatus
from bot.nudges.planner import Planner
from storage.tables import outbox
from storage.uow import SqlUnitOfWork, uow_factory
from tests.slack import payloads
from tests.slack.fake_slack import FakeSlack, eventually
from tests.slack.harness import SlackUnderTest
from tests.slack.oauth_harness import install, installations, oauth_app, query_of
from tests.unit.nudge_world import FakeTimer

A, B = "TA0001", "TB0001"


@pytest.fixture
async def app(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackUnderTest]:
    fake_slack.add_user("UA1", "ann")  # America/New_York
    fake_slack.add_user("UB1", "bea", tz="Europe/Berlin")
    async with oauth_app(fake_slack, tmp_path) as app:
        yield app


async def say(app: SlackUnderTest, team: str, user: str, text: str, **kw: object) -> str:
    payload, _ = await app.command(text, team=team, user=user, **kw)
    assert payload is not None
    return str(payload.get("text", ""))


def token_of(slack: FakeSlack, team: str) -> str:
    return next(t for t, owner in slack.workspaces.items() if owner == team)


async def test_two_workspaces_install_and_each_uses_its_own_token(
    app: SlackUnderTest,
) -> None:
    slack = app.slack
    done = await install(app, A)
    assert done.status == 200 and "installed" in done.page
    q = query_of(done.authorize_url)
    assert q["client_id"] == [slack.client_id] and q["state"][0]
    assert set(q["scope"][0].split(",")) >= {"chat:write", "commands", "users:read"}
    assert (await install(app, B)).status == 200
    store = installations(app)
    a, b = await store.find(A), await store.find(B)
    assert a is not None and b is not None and a.active and b.active
    assert (a.bot_token, b.bot_token) == (token_of(slack, A), token_of(slack, B))
    assert a.bot_user_id == "UB" + A and a.bot_id  # auth.test answered with A's bot

    assert "conversation with Jane Doe" in await say(app, A, "UA1", "met Jane Doe from Acme today")
    assert "conversation with Sam Lee" in await say(app, B, "UB1", "met Sam Lee from Initech today")
    info = {c.args["user"]: c.token for c in slack.calls_to("users.info")}
    assert info == {"UA1": token_of(slack, A), "UB1": token_of(slack, B)}
    assert "Jane Doe" not in await say(app, B, "UB1", "followups")
    assert "Sam Lee" not in await say(app, A, "UA1", "followups")

    # Each workspace's nudges go out with its own token.
    factory = uow_factory(app.engine, app.clock)
    timer = FakeTimer(app.clock)
    planner = Planner(factory, app.clock, timer, NudgeConfig())
    dispatcher = Dispatcher(factory, app.clock, {"slack": app.delivery}, timer, NudgeConfig())
    for _ in range(4 * 24):
        app.clock.advance(timedelta(minutes=15))
        await planner.tick()
        await dispatcher.tick()
        if {m["channel"] for m in app.posted()} >= {"DUA1", "DUB1"}:
            break
    posts = {c.args["channel"]: c.token for c in slack.calls_to("chat.postMessage")}
    assert posts["UA1"] == token_of(slack, A) and posts["UB1"] == token_of(slack, B)
    teams = {m["channel"]: m["team"] for m in app.posted()}
    assert teams["DUA1"] == A and teams["DUB1"] == B
    assert slack.violations == []


async def test_an_install_without_the_state_cookie_is_refused(app: SlackUnderTest) -> None:
    done = await install(app, A, cookie=False)
    assert done.status == 400 and "nothing was saved" in done.page
    assert await installations(app).find(A) is None


async def test_a_team_that_never_installed_is_told_and_nothing_is_kept(
    app: SlackUnderTest,
) -> None:
    await install(app, A)
    url = app.slack.response_url()
    payload, _ = await app._command("met Jane", team="TX0001", user="UX1", response_url=url)
    assert payload is None
    await eventually(lambda: any(r["url"] == url for r in app.slack.responses))
    said = next(r["body"] for r in app.slack.responses if r["url"] == url)
    assert "not installed in this workspace" in str(said)
    async with SqlUnitOfWork(app.engine, app.clock) as uow:
        assert await uow.identities.dm_channel(_identity("TX0001", "UX1")) is None
        assert await uow.members.last_id() == 0


def _identity(team: str, user: str) -> Identity:
    return Identity("slack", team, user)


async def test_an_uninstall_skips_that_workspace_and_a_reinstall_brings_it_back(
    app: SlackUnderTest,
) -> None:
    slack = app.slack
    await install(app, A)
    await install(app, B)
    await say(app, A, "UA1", "met Jane Doe from Acme today")
    await say(app, B, "UB1", "met Sam Lee from Initech today")
    slack.uninstall(A)
    status, _ = await app.event(payloads.app_uninstalled(A))
    assert status == 200
    gone = await installations(app).find(A)
    assert gone is not None and not gone.active

    factory = uow_factory(app.engine, app.clock)
    timer = FakeTimer(app.clock)
    planner = Planner(factory, app.clock, timer, NudgeConfig())
    dispatcher = Dispatcher(factory, app.clock, {"slack": app.delivery}, timer, NudgeConfig())
    skipped = failed = 0
    for _ in range(4 * 24):  # till B's check-in has gone out (A's was due first)
        app.clock.advance(timedelta(minutes=15))
        await planner.tick()
        report = await dispatcher.tick()
        skipped, failed = skipped + report.skipped, failed + report.failed
        if "DUB1" in {m["channel"] for m in app.posted()}:
            break
    assert skipped >= 1 and failed == 0
    sent_to = {c.args["channel"] for c in slack.calls_to("chat.postMessage")}
    assert "UA1" not in sent_to and "UB1" in sent_to  # not even tried in A
    async with SqlUnitOfWork(app.engine, app.clock) as uow:
        ann = await uow.members.by_identity(_identity(A, "UA1"))
        assert ann is not None and not ann.unreachable  # nobody failed: kept for 30 days
    notes = await _outbox_notes(app, NudgeStatus.SKIPPED)
    assert any("uninstalled" in n for n in notes)

    # A command from A is refused meanwhile; a reinstall brings everything back.
    assert (await install(app, A)).status == 200
    assert "Jane Doe" in await say(app, A, "UA1", "followups")


async def _outbox_notes(app: SlackUnderTest, status: NudgeStatus) -> list[str]:
    async with app.engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.note).where(outbox.c.status == status.value))
        return [str(n) for n in rows.scalars()]


async def test_tokens_revoked_for_the_bot_marks_the_workspace_inactive(
    app: SlackUnderTest,
) -> None:
    await install(app, A)
    store = installations(app)
    await app.event(payloads.tokens_revoked(A, bot=(), oauth=("UA1",), event_id="EvR1"))
    still = await store.find(A)
    assert still is not None and still.active  # a user's token: the bot goes on
    await app.event(payloads.tokens_revoked(A, bot=("UB" + A,), event_id="EvR2"))
    gone = await store.find(A)
    assert gone is not None and not gone.active
    url = app.slack.response_url()
    await app._command("streak", team=A, user="UA1", response_url=url)
    await eventually(lambda: any(r["url"] == url for r in app.slack.responses))
    assert "not installed" in str(app.slack.responses[-1]["body"])


async def test_an_uninstalled_workspace_is_purged_by_the_retention_job_after_30_days(
    app: SlackUnderTest,
) -> None:
    await install(app, A)
    await install(app, B)
    await say(app, A, "UA1", "met Jane Doe from Acme today")
    await say(app, B, "UB1", "met Sam Lee from Initech today")
    await app.event(payloads.app_uninstalled(A))
    name, every_s, run = retention_job(app.engine, app.clock)
    assert name == "slack-retention" and 0 < every_s <= 24 * 3600
    app.clock.advance(timedelta(days=29))
    await run()
    async with SqlUnitOfWork(app.engine, app.clock) as uow:
        assert await uow.members.by_identity(_identity(A, "UA1")) is not None
    app.clock.advance(timedelta(days=2))
    await run()
    async with SqlUnitOfWork(app.engine, app.clock) as uow:
        assert await uow.members.by_identity(_identity(A, "UA1")) is None
        assert await uow.members.by_identity(_identity(B, "UB1")) is not None
    assert await installations(app).find(A) is None
