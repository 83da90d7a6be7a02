"""No request reaches another workspace's data, whatever ids it carries: a team id that
disagrees with the one authorised, A's user ids in B's requests, A's channel id in B,
and a button naming another member's follow-up. Real bolt app over HTTP, fake Slack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.slack.render import OPEN_FORM
from bot.domain import Identity
from storage.uow import SqlUnitOfWork
from tests.slack import payloads
from tests.slack.fake_slack import FakeSlack, eventually
from tests.slack.harness import SlackUnderTest
from tests.slack.oauth_harness import install, oauth_app

A, B = "TA0001", "TB0001"
CA = "CA0001"  # workspace A's group channel


@pytest.fixture
async def app(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackUnderTest]:
    fake_slack.add_user("UA1", "ann")
    fake_slack.add_user("UA2", "abe")
    fake_slack.add_user("UB1", "bea")
    async with oauth_app(fake_slack, tmp_path) as app:
        await install(app, A)
        await install(app, B)
        # A: Ann owes a thank-you (her follow-up #1) and runs a group in CA.
        await say(app, A, "UA1", "group setup Club A", channel=CA, channel_name="club")
        await say(app, A, "UA1", "met Quentin Zorb from Vexcorp today")
        await say(app, A, "UA2", "group join", channel=CA, channel_name="club")
        yield app


async def say(app: SlackUnderTest, team: str, user: str, text: str, **kw: str) -> str:
    payload, _ = await app.command(text, team=team, user=user, **kw)
    assert payload is not None
    return json.dumps(payload)


async def ann_followups(app: SlackUnderTest) -> str:
    return await say(app, A, "UA1", "followups")


async def test_an_event_whose_team_disagrees_with_its_authorisation_is_refused(
    app: SlackUnderTest,
) -> None:
    before = len(app.slack.calls)
    body = payloads.message_im("followups", user="UA1", channel="DUA1", team=A, event_id="EvF1")
    body["authorizations"][0]["team_id"] = B  # signed, but B's token for A's data
    status, _ = await app.event(body)
    assert status == 200
    body = payloads.message_im("drop 1", user="UA1", channel="DUA1", team=A, event_id="EvF2")
    body["authorizations"][0]["team_id"] = B
    await app.event(body)
    assert [c.method for c in app.slack.calls[before:]] == []  # not even users.info
    assert "Quentin Zorb" in await ann_followups(app)


async def test_a_members_user_id_in_another_workspace_is_someone_new(
    app: SlackUnderTest,
) -> None:
    # A request from B (signed, authorised for B) naming A's user id.
    seen = await say(app, B, "UA1", "followups")
    assert "Quentin Zorb" not in seen
    assert "Quentin Zorb" not in await say(app, B, "UA1", "contacts")
    await say(app, B, "UA1", "drop 1")
    await app.command("export", team=B, user="UA1")
    await eventually(lambda: len(app.slack.files) >= 1, what="B's export")
    assert all(b"Zorb" not in (f.get("content") or b"") for f in app.slack.files)
    assert {f["channel_id"] for f in app.slack.files} <= {"DUA1"}
    exports = [c for c in app.slack.calls if c.method.startswith("files.")]
    assert exports and all(c.token != _token(app, A) for c in exports)
    async with SqlUnitOfWork(app.engine, app.clock) as uow:
        there = await uow.members.by_identity(Identity("slack", B, "UA1"))
        here = await uow.members.by_identity(Identity("slack", A, "UA1"))
        assert there is not None and here is not None and there.id != here.id
    assert "Quentin Zorb" in await ann_followups(app)


async def test_another_workspaces_channel_id_finds_no_group(app: SlackUnderTest) -> None:
    for command in ("leaderboard", "group report", "group join", "group leave"):
        seen = await say(app, B, "UB1", command, channel=CA, channel_name="club")
        assert "Club A" not in seen and "Ann" not in seen and "abe" not in seen, command
    report = await say(app, A, "UA1", "group report", channel=CA, channel_name="club")
    assert "abe" in report.lower() and "bea" not in report.lower()


async def test_a_button_naming_another_members_followup_touches_only_the_presser(
    app: SlackUnderTest,
) -> None:
    for team, user in ((A, "UA2"), (B, "UB1"), (B, "UA1")):
        url = app.slack.response_url()
        press = payloads.block_action(
            "run-1", "drop 1", user=user, team=team, channel="D" + user,
            ephemeral=True, response_url=url,
        )  # fmt: skip
        await app.interact(press)
        await eventually(lambda url=url: any(r["url"] == url for r in app.slack.responses))
    assert "Quentin Zorb" in await ann_followups(app)


async def test_app_home_and_forms_of_another_workspace_show_nothing_of_a(
    app: SlackUnderTest,
) -> None:
    await app.event(payloads.app_home_opened(user="UA1", team=B, event_id="EvH1"))
    await eventually(lambda: any(v["method"] == "views.publish" for v in app.slack.views))
    home = next(v for v in app.slack.views if v["method"] == "views.publish")
    assert home["team"] == B and "Zorb" not in json.dumps(home["view"])
    press = payloads.block_action(
        OPEN_FORM, "log", user="UA1", team=B, channel="DUA1",
        trigger_id=app.slack.mint_trigger("UA1"),
    )  # fmt: skip
    await app.interact(press)
    await eventually(lambda: any(v["method"] == "views.open" for v in app.slack.views))
    opened = next(v for v in app.slack.views if v["method"] == "views.open")
    assert opened["team"] == B


def _token(app: SlackUnderTest, team: str) -> str:
    return next(t for t, owner in app.slack.workspaces.items() if owner == team)
