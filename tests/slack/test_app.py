"""The Slack app end to end: nextinterview's own wiring, the real slack-bolt and slack_sdk,
the fake Slack on 127.0.0.1, a real SQLite file. Socket Mode unless a test says HTTP."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.context import Caller, Where
from bot.domain import Identity
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import ChannelTarget, DeliveryStatus, Nudge, NudgeKind, Outbound
from bot.nudges.planner import Planner
from bot.replies import Reply, line
from storage.uow import uow_factory
from tests.slack import payloads
from tests.slack.fake_signing import send_http
from tests.slack.fake_slack import FakeSlack, eventually
from tests.slack.harness import SECRET, SlackUnderTest, slack_app
from tests.unit.nudge_world import FakeTimer

JSON = "application/json"


@pytest.fixture(params=["socket", "http"])
async def app(fake_slack: FakeSlack, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    fake_slack.add_user("U1", "Ada Lovelace", tz="America/New_York")
    fake_slack.add_user("U2", "Bo Diddley", tz="Europe/Paris")
    async with slack_app(fake_slack, tmp_path, request.param) as under_test:
        yield under_test


@pytest.fixture
async def socket_app(fake_slack: FakeSlack, tmp_path: Path):  # type: ignore[no-untyped-def]
    fake_slack.add_user("U1", "Ada Lovelace", tz="America/New_York")
    async with slack_app(fake_slack, tmp_path, "socket") as under_test:
        yield under_test


async def _say(app: SlackUnderTest, text: str, user: str = "U1") -> str:
    """What the core answers this member (a read, through the console's way in)."""
    who = Caller(Identity("slack", app.slack.team_id, user), user)
    return (await app.core.handle_text(who, _dm(app), text)).text()


def _dm(app: SlackUnderTest) -> Where:
    return Where("slack", app.slack.team_id, None, None)


def _buttons(message: dict) -> list[dict]:  # type: ignore[type-arg]
    return [
        e
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for e in block["elements"]
    ]


async def test_a_dm_is_read_logged_and_answered_in_the_dm(app: SlackUnderTest) -> None:
    posted = await app.dm("met Jane Doe from Acme yesterday for coffee")
    assert posted["channel"] == "DU1"
    assert "Jane Doe" in posted["text"] and "Acme" in posted["text"]
    assert posted["blocks"], "Block Kit, with the text as fallback"
    contacts = await _say(app, "contacts")
    assert "Jane Doe" in contacts
    # The member's zone came from users.info, asked once however many messages follow.
    await app.dm("thanked Jane Doe")
    member = await app.core.member_of(Identity("slack", app.slack.team_id, "U1"))
    assert member is not None and member.timezone == "America/New_York"
    assert member.display_name == "Ada Lovelace"
    assert len(app.slack.calls_to("users.info")) == 1
    assert app.slack.violations == []


async def test_the_first_message_of_a_newcomer_is_welcomed_once(app: SlackUnderTest) -> None:
    first = await app.dm("hi")
    assert "Welcome" in first["text"]
    second = await app.dm("hi")
    assert "Welcome" not in second["text"]


async def test_an_event_delivered_twice_is_logged_once(app: SlackUnderTest) -> None:
    body = payloads.message_im("met Sam Lee @Initech", user="U1", channel="DU1", event_id="EvTWICE")
    await app.event(body)
    await eventually(lambda: len(app.posted()) == 1)
    status, _ = await app.event(body, retry=1)  # Slack thought the ack was late
    assert status == 200
    # A retry whose first delivery never arrived is still acted on.
    lost = payloads.message_im("met Kim Ro @Hooli", user="U1", channel="DU1", event_id="EvLOST")
    await app.event(lost, retry=2)
    await eventually(lambda: len(app.posted()) == 2)
    stats = await _say(app, "contacts")
    assert stats.count("Sam Lee") == 1 and "Kim Ro" in stats
    assert len(app.posted()) == 2  # the redelivery got no second answer


async def test_slash_command_answers_in_its_ack(app: SlackUnderTest) -> None:
    payload, seconds = await app.command("streak", channel="C1", channel_name="job-club")
    assert payload is not None and payload["response_type"] == "ephemeral"
    assert "days" in payload["text"]
    assert seconds < 3
    # Empty text is the dashboard.
    dashboard, _ = await app.command("")
    assert dashboard is not None and dashboard["blocks"]
    # Any command of the language: a log through /next.
    logged, _ = await app.command("met Jane Doe from Acme yesterday")
    assert logged is not None and "Jane Doe" in logged["text"]
    assert "Jane Doe" in await _say(app, "contacts")


async def test_a_mention_in_a_channel_answers_only_the_caller(app: SlackUnderTest) -> None:
    body = payloads.app_mention(f"<@{app.slack.bot_user_id}> met Jane Doe @Acme", channel="C9")
    await app.event(body)
    await eventually(lambda: any(m.get("ephemeral") for m in app.slack.messages))
    answer = next(m for m in app.slack.messages if m.get("ephemeral"))
    assert answer["channel"] == "C9" and answer["user"] == "U1"
    assert "Jane Doe" in answer["text"]
    assert app.posted() == []  # nothing public in the channel


async def test_a_done_button_updates_its_message_in_place(app: SlackUnderTest) -> None:
    await app.dm("met Jane Doe from Acme today")  # owes a thank-you
    listing = await app.dm("followups")
    assert "thank-you · Jane Doe" in listing["text"]
    done = next(b for b in _buttons(listing) if b["text"]["text"].lower().startswith("done"))
    press = payloads.block_action(
        done["action_id"], done["value"], channel="DU1", message_ts=listing["ts"]
    )
    await app.interact(press)
    await eventually(lambda: bool(app.slack.calls_to("chat.update")))
    update = app.slack.calls_to("chat.update")[0].args
    assert update["ts"] == listing["ts"] and update["channel"] == "DU1"
    owed = await _say(app, "followups")
    assert "thank-you · Jane Doe" not in owed and "check-back · Jane Doe" in owed


async def test_log_modal_opens_validates_by_field_and_logs(app: SlackUnderTest) -> None:
    trigger = app.slack.mint_trigger("U1")
    await app.command("log", trigger_id=trigger)
    await eventually(lambda: bool(app.slack.calls_to("views.open")))
    opened = app.slack.calls_to("views.open")[0].args
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    block_ids = {b.get("block_id") for b in view["blocks"]}
    assert {"kind", "person", "company", "when", "note"} <= block_ids
    bad = payloads.view_submission(
        view["callback_id"],
        {
            "kind": {"kind": {"type": "static_select", "selected_option": {"value": "meeting"}}},
            "person": {"person": {"type": "plain_text_input", "value": "Priya Natarajan"}},
            "when": {"when": {"type": "plain_text_input", "value": "blorp"}},
        },
    )
    ack, _ = await app.interact(bad)
    assert ack is not None and ack["response_action"] == "errors" and "when" in ack["errors"]
    assert "Priya Natarajan" not in await _say(app, "contacts")
    good = payloads.view_submission(
        view["callback_id"],
        {
            "kind": {"kind": {"type": "static_select", "selected_option": {"value": "meeting"}}},
            "person": {"person": {"type": "plain_text_input", "value": "Priya Natarajan"}},
            "company": {"company": {"type": "plain_text_input", "value": "Acme"}},
            "when": {"when": {"type": "plain_text_input", "value": "yesterday"}},
        },
    )
    ack, _ = await app.interact(good)
    assert not ack or "errors" not in ack
    await eventually(lambda: any("Priya Natarajan" in m["text"] for m in app.posted()))
    assert "Priya Natarajan" in await _say(app, "contacts")


async def test_app_home_shows_the_dashboard_and_welcomes_once(app: SlackUnderTest) -> None:
    await app.event(payloads.app_home_opened("U2", event_id="EvHOME1"))
    await eventually(lambda: bool(app.slack.calls_to("views.publish")))
    home = app.slack.views[-1]["view"]
    assert home["type"] == "home" and len(home["blocks"]) <= 100
    first = home["blocks"][0]["text"]["text"]
    assert first.startswith("Welcome!") and "`met Jane from Acme yesterday`" in first
    assert any(b["action_id"] == "open-form" for b in _buttons(home))
    assert await app.core.member_of(Identity("slack", app.slack.team_id, "U2")) is not None
    await app.event(payloads.app_home_opened("U2", event_id="EvHOME2"))
    await eventually(lambda: len(app.slack.calls_to("views.publish")) == 2)
    again = app.slack.views[-1]["view"]
    assert not any("Welcome!" in str(b) for b in again["blocks"])  # welcomed once
    assert "Welcome" not in (await app.dm("streak", user="U2"))["text"]  # not in the DM either
    assert app.slack.violations == []


async def test_a_changed_slack_timezone_is_followed(app: SlackUnderTest) -> None:
    await app.dm("streak", user="U2")
    user = {**app.slack.users["U2"], "tz": "Asia/Tokyo", "team_id": app.slack.team_id}
    await app.event(payloads.user_change(user, event_id="EvTZ"))
    identity = Identity("slack", app.slack.team_id, "U2")

    async def zone() -> str:
        member = await app.core.member_of(identity)
        assert member is not None
        return member.timezone

    for _ in range(200):
        if await zone() == "Asia/Tokyo":
            break
        await asyncio.sleep(0.01)
    assert await zone() == "Asia/Tokyo"


async def test_http_mode_refuses_forged_and_stale_requests(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_app(fake_slack, tmp_path, "http") as app:
        body = json.dumps(payloads.message_im("met Eve @Acme", event_id="EvF"))
        forged, _, _ = await send_http(app.url, body, SECRET, JSON, bad_signature=True)
        stale, _, _ = await send_http(app.url, body, SECRET, JSON, timestamp=1_000_000_000)
        fine, _, _ = await send_http(app.url, body, SECRET, JSON)
        assert (forged, stale, fine) == (401, 401, 200)
        await eventually(lambda: len(app.posted()) == 1)  # only the signed one was read
        assert "Eve" in await _say(app, "contacts")


async def test_socket_mode_reconnects_when_asked_and_when_stale(
    socket_app: SlackUnderTest,
) -> None:
    slack = socket_app.slack
    await slack.ask_reconnect()
    await eventually(lambda: slack.connections >= 2, what="a second connection")
    await socket_app.dm("met Ann Lee @Acme")  # works on the new connection
    slack.go_silent()
    await eventually(
        lambda: getattr(socket_app.conn, "rebuilt", 0) >= 1 or slack.connections >= 3,
        timeout=10,
        what="a rebuilt connection",
    )
    await eventually(lambda: slack.connections >= 3, timeout=10, what="a third connection")


async def test_a_nudge_arrives_as_a_dm_with_buttons_and_done_works(
    socket_app: SlackUnderTest,
) -> None:
    app = socket_app
    await app.dm("met Jane Doe from Acme today")  # a thank-you owed within a day
    factory = uow_factory(app.engine, app.clock)
    timer = FakeTimer(app.clock)
    config = NudgeConfig()
    planner = Planner(factory, app.clock, timer, config)
    dispatcher = Dispatcher(factory, app.clock, {"slack": app.delivery}, timer, config, "w1")
    before = len(app.posted())
    for _ in range(4 * 24 * 2):  # two days in 15-minute steps
        app.clock.advance(timedelta(minutes=15))
        await planner.tick()
        await dispatcher.tick()
        if len(app.posted()) > before:
            break
    nudge = app.posted()[before]
    assert nudge["channel"] == "DU1" and not nudge.get("ephemeral")
    buttons = _buttons(nudge)
    assert buttons, "a nudge carries its buttons"
    # The member's check-in minute in their users.info zone, New York: 09:30 there.
    local = app.clock.now().astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (9, 30)
    assert "follow up" in nudge["text"] and "Jane Doe" in nudge["text"]
    done = next(b for b in buttons if b["value"].startswith("log thankyou"))
    assert "thank-you · Jane Doe" in await _say(app, "followups")
    press = payloads.block_action(
        done["action_id"], done["value"], channel="DU1", message_ts=nudge["ts"]
    )
    await app.interact(press)
    await eventually(lambda: bool(app.slack.calls_to("chat.update")))
    assert "thank-you · Jane Doe" not in await _say(app, "followups")
    assert app.slack.calls_to("conversations.open") == []  # the DM id came with the first post
    assert app.slack.violations == []


async def test_export_arrives_as_files_in_the_dm(app: SlackUnderTest) -> None:
    await app.dm("met Jane Doe from Acme yesterday")
    await app.dm("export")
    await eventually(lambda: len(app.slack.files) >= 2, what="the export files")
    names = {f["filename"] for f in app.slack.files}
    assert "nextinterview.json" in names and any(n.endswith(".csv") for n in names)
    assert {f["channel_id"] for f in app.slack.files} == {"DU1"}
    exported = next(f for f in app.slack.files if f["filename"] == "nextinterview.json")
    assert b"Jane Doe" in exported["content"]


async def test_a_revoked_token_stops_nudges_until_a_command_works_again(
    socket_app: SlackUnderTest,
) -> None:
    app = socket_app
    await app.dm("met Jane Doe from Acme today")
    app.slack.revoke()
    timer = FakeTimer(app.clock)
    factory = uow_factory(app.engine, app.clock)
    planner = Planner(factory, app.clock, timer, NudgeConfig())
    dispatcher = Dispatcher(factory, app.clock, {"slack": app.delivery}, timer, NudgeConfig())
    app.clock.advance(timedelta(hours=6))  # past the 09:30 check-in in New York
    await planner.tick()
    await dispatcher.tick()
    assert app.delivery.stopped(app.slack.team_id)
    posts = len(app.slack.calls_to("chat.postMessage"))
    await dispatcher.tick()  # stopped: no call reaches Slack, nothing is marked failed
    assert len(app.slack.calls_to("chat.postMessage")) == posts
    app.slack.restore()
    await app.dm("streak")  # a command with a working token
    assert not app.delivery.stopped(app.slack.team_id)
    sent = len(app.posted())
    for _ in range(40):
        app.clock.advance(timedelta(minutes=5))
        await dispatcher.tick()
        if len(app.posted()) > sent:
            break
    nudge = app.posted()[sent]
    assert nudge["channel"] == "DU1" and "Jane Doe" in nudge["text"]


async def test_a_home_refresh_is_a_view_not_a_command(socket_app: SlackUnderTest) -> None:
    """Refreshing Home neither lapses the member's question nor brings back a member
    who asked to be forgotten."""
    app = socket_app
    app.bot.home_every_s = 0.05
    await app.event(payloads.app_home_opened("U1", event_id="EvH1"))
    await eventually(lambda: len(app.slack.calls_to("views.publish")) == 1)
    asked = await app.dm("forget me")
    await eventually(lambda: len(app.slack.calls_to("views.publish")) == 2, what="a refresh")
    gone = await app.dm("yes")  # the refresh left the question standing
    assert "nothing to confirm" not in gone["text"].lower(), (asked["text"], gone["text"])
    identity = Identity("slack", app.slack.team_id, "U1")
    await asyncio.sleep(0.3)  # past the next refresh window
    assert await app.core.member_of(identity) is None
    assert len(app.slack.calls_to("views.publish")) == 2  # nothing shown for no one


async def test_a_slack_mention_of_a_person_is_read_as_their_name(app: SlackUnderTest) -> None:
    await app.dm("met <@U2> from Acme yesterday")
    contacts = await _say(app, "contacts")
    assert "Bo Diddley" in contacts and "U2" not in contacts


async def test_a_mention_in_a_thread_is_answered_in_the_thread(app: SlackUnderTest) -> None:
    body = payloads.app_mention(f"<@{app.slack.bot_user_id}> streak", channel="C9")
    body["event"]["thread_ts"] = "1700000000.000100"
    await app.event(body)
    await eventually(lambda: any(m.get("ephemeral") for m in app.slack.messages))
    answer = next(m for m in app.slack.messages if m.get("ephemeral"))
    assert answer.get("thread_ts") == "1700000000.000100"


async def test_a_settings_form_answers_every_setting_it_saved(app: SlackUnderTest) -> None:
    await app.dm("streak")
    values = {
        "timezone": {"timezone": {"type": "plain_text_input", "value": "Europe/London"}},
        "checkin": {"checkin": {"type": "timepicker", "selected_time": "09:30"}},
        "days": {
            "days": {
                "type": "checkboxes",
                "selected_options": [{"value": d} for d in ("mon", "tue", "wed", "thu", "fri")],
            }
        },
        "goal": {"goal": {"type": "number_input", "value": "7"}},
    }
    await app.interact(payloads.view_submission("settings-form", values))
    await eventually(lambda: any("London" in m["text"] for m in app.posted()))
    said = next(m for m in app.posted() if "London" in m["text"])
    assert "7" in said["text"]  # the goal's confirmation too, in the same message
    member = await app.core.member_of(Identity("slack", app.slack.team_id, "U1"))
    assert member is not None and (member.timezone, member.weekly_goal) == ("Europe/London", 7)


async def test_a_lost_group_channel_is_told_to_its_admins_once(app: SlackUnderTest) -> None:
    await app.command("group setup Job club", channel="C7", channel_name="job-club")
    app.slack.fail("chat.postMessage", "is_archived", times=-1, channel="C7")
    post = Reply(title=line("Leaderboard"), body=(line("1. Ada — 5 pts"),))
    target = ChannelTarget("slack", app.slack.team_id, "C7")
    for n in range(2):
        result = await app.delivery.deliver(Outbound(target, post, f"board-{n}"))
        assert result.status is DeliveryStatus.PERMANENT
    await eventually(lambda: any(m["channel"] == "DU1" for m in app.posted()))
    told = [m for m in app.posted() if m["channel"] == "DU1"]
    assert len(told) == 1 and "Job club" in told[0]["text"] and "group setup" in told[0]["text"]


async def test_a_log_form_that_cannot_open_answers_with_the_sentence_to_type(
    app: SlackUnderTest,
) -> None:
    url = app.slack.response_url()
    await app.command("log", trigger_id="1.1.never-minted", response_url=url)
    await eventually(lambda: any(r["url"] == url for r in app.slack.responses))
    said = next(r["body"] for r in app.slack.responses if r["url"] == url)
    assert "sentence" in said["text"] and "log meeting" in said["text"]


async def test_a_300_member_board_posts_the_top_with_the_full_board_in_its_thread(
    socket_app: SlackUnderTest,
) -> None:
    app = socket_app
    await app.command("group setup Job club", channel="C7", channel_name="job-club")
    team = app.slack.team_id
    club = Where("slack", team, "C7", "job-club")
    for i in range(300):
        # Names that would ping if they reached Slack raw.
        who = Caller(Identity("slack", team, f"UM{i:03d}"), f"M{i:03d} <!channel>", "UTC")
        await app.core.handle_text(who, club, "group join")
        for n in range(i % 7):
            await app.core.handle_text(who, club, f"emailed Contact{n} @Acme")
    factory = uow_factory(app.engine, app.clock)
    async with factory() as uow:
        group = await uow.groups.by_channel("slack", team, "C7")
        assert group is not None
        await uow.outbox.enqueue(
            [Nudge(NudgeKind.LEADERBOARD, app.clock.now(), "g:board:test", None, group.id)]
        )
    timer = FakeTimer(app.clock)
    dispatcher = Dispatcher(factory, app.clock, {"slack": app.delivery}, timer, NudgeConfig(), "w1")
    await dispatcher.tick()
    (post,) = [m for m in app.posted() if m["channel"] == "C7" and "Leaderboard" in m["text"]]
    assert app.slack.violations == []
    assert "<!channel>" not in json.dumps(post)
    assert "more members on the full board, attached" in post["text"]
    await eventually(lambda: bool(app.slack.files), what="the full board")
    (board,) = app.slack.files
    assert (board["channel_id"], board["thread_ts"]) == ("C7", post["ts"])
    rows = board["content"].decode().splitlines()
    assert len(rows) == 1 + sum(1 for i in range(300) if i % 7)  # everyone with points
    # A member far down asks: the top, then their own place.
    app.slack.add_user("UM008", "M008 <!channel>", tz="UTC")
    answer, _ = await app.command("leaderboard", user="UM008", channel="C7")
    assert answer is not None and answer["response_type"] == "in_channel"
    mine = answer["text"].split("⋯\n", 1)[1].splitlines()[0]
    assert mine.startswith("215. M008") and "2 pts" in mine
    await eventually(lambda: len(app.slack.files) == 2, what="the board beside the answer")
    assert app.slack.files[1]["channel_id"] == "C7"  # public there, so beside it
    assert app.slack.violations == []
