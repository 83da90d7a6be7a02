"""The fake Slack proven against the real slack_sdk clients."""

from __future__ import annotations

import asyncio
import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack import payloads
from tests.slack.fake_slack import FakeSlack, eventually


def client(slack: FakeSlack, **kwargs: object) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url, timeout=5, **kwargs)


def section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def test_auth_test_names_the_workspace_and_bot(fake_slack: FakeSlack) -> None:
    answer = await client(fake_slack).auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == ("T0001", "UBOT", "B0001")
    assert fake_slack.calls_to("auth.test")[0].token == "xoxb-test"


async def test_post_to_a_user_lands_in_their_dm_and_can_be_updated(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    posted = await web.chat_postMessage(channel="U1", text="hi", blocks=[section("hi")])
    assert posted["channel"] == "DU1"
    assert fake_slack.messages[-1]["channel"] == "DU1"
    assert fake_slack.messages[-1]["blocks"] == [section("hi")]
    with pytest.raises(SlackApiError) as wrong:
        await web.chat_update(channel="U1", ts=posted["ts"], text="x")
    assert wrong.value.response["error"] == "channel_not_found"
    await web.chat_update(channel="DU1", ts=posted["ts"], text="done", blocks=[section("done")])
    assert fake_slack.messages[-1]["text"] == "done"
    await web.chat_delete(channel="DU1", ts=posted["ts"])
    assert fake_slack.messages[-1]["deleted"] is True
    assert fake_slack.violations == []


async def test_ephemeral_messages_cannot_be_edited(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    answer = await web.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert fake_slack.messages[-1]["ephemeral"] is True
    assert fake_slack.messages[-1]["user"] == "U1"
    with pytest.raises(SlackApiError) as e:
        await web.chat_update(channel="C1", ts=answer["message_ts"], text="x")
    assert e.value.response["error"] == "message_not_found"


async def test_a_dm_to_the_bot_itself_is_refused(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as e:
        await client(fake_slack).chat_postMessage(channel="UBOT", text="hi")
    assert e.value.response["error"] == "cannot_dm_bot"


async def test_users_info_is_a_get_and_answers_the_zone(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U1", "jane", tz="Europe/Berlin")
    answer = await client(fake_slack).users_info(user="U1")
    assert answer["user"]["tz"] == "Europe/Berlin"
    assert answer["user"]["tz_offset"] in (3600, 7200)
    assert fake_slack.calls_to("users.info")[0].args == {"user": "U1"}
    with pytest.raises(SlackApiError) as e:
        await client(fake_slack).users_info(user="U404")
    assert e.value.response["error"] == "user_not_found"


async def test_conversations_open_and_info(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    opened = await web.conversations_open(users="U1")
    assert opened["channel"]["id"] == "DU1"
    info = await web.conversations_info(channel="DU1")
    assert info["channel"]["is_im"] is True
    assert info["channel"]["user"] == "U1"


async def test_views_need_a_fresh_single_use_trigger(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    modal = {
        "type": "modal",
        "callback_id": "log-form",
        "title": {"type": "plain_text", "text": "Log a conversation"},
        "blocks": [section("fill me")],
    }
    trigger = fake_slack.mint_trigger("U1")
    opened = await web.views_open(trigger_id=trigger, view=modal)
    assert opened["view"]["callback_id"] == "log-form"
    assert fake_slack.views[-1]["user_id"] == "U1"
    with pytest.raises(SlackApiError) as reused:
        await web.views_open(trigger_id=trigger, view=modal)
    assert reused.value.response["error"] == "expired_trigger_id"
    fake_slack.trigger_ttl = 0.0
    late = fake_slack.mint_trigger()
    await asyncio.sleep(0.01)
    with pytest.raises(SlackApiError) as expired:
        await web.views_open(trigger_id=late, view=modal)
    assert expired.value.response["error"] == "expired_trigger_id"
    updated = {**modal, "blocks": [section("filled")]}
    await web.views_update(view_id=opened["view"]["id"], view=updated)
    assert fake_slack.views[-1]["method"] == "views.update"
    assert fake_slack.views[-1]["view"]["blocks"] == [section("filled")]
    assert fake_slack.violations == []


async def test_views_publish_keeps_one_home_per_user(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    home = {"type": "home", "blocks": [section("dashboard")]}
    first = await web.views_publish(user_id="U1", view=home)
    second = await web.views_publish(user_id="U1", view=home)
    assert first["view"]["id"] == second["view"]["id"]
    assert [v["user_id"] for v in fake_slack.views] == ["U1", "U1"]


async def test_files_upload_v2_records_the_content(fake_slack: FakeSlack) -> None:
    answer = await client(fake_slack).files_upload_v2(
        channel="DU1", filename="export.csv", title="Export", content="a,b\n1,2\n"
    )
    assert answer["file"]["title"] == "Export"
    assert fake_slack.files == [
        {
            "channel_id": "DU1",
            "filename": "export.csv",
            "title": "Export",
            "content": b"a,b\n1,2\n",
            "initial_comment": None,
            "thread_ts": None,
        }
    ]


async def test_apps_connections_open_needs_the_app_token(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as e:
        await client(fake_slack).apps_connections_open(app_token=fake_slack.bot_token)
    assert e.value.response["error"] == "not_allowed_token_type"
    answer = await client(fake_slack).apps_connections_open(app_token=fake_slack.app_token)
    assert answer["url"].startswith(fake_slack.base_url.replace("http", "ws") + "/socket?")


async def test_rate_limit_answers_429_and_the_handler_retries(fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit("chat.postMessage", retry_after=1)
    with pytest.raises(SlackApiError) as e:
        await client(fake_slack).chat_postMessage(channel="DU1", text="one")
    assert e.value.response.status_code == 429
    assert e.value.response.headers["Retry-After"] == "1"
    assert e.value.response["error"] == "ratelimited"

    fake_slack.rate_limit("chat.postMessage", retry_after=1)
    retrying = client(fake_slack, retry_handlers=[AsyncRateLimitErrorRetryHandler()])
    started = time.monotonic()
    await retrying.chat_postMessage(channel="DU1", text="two")
    posts = fake_slack.calls_to("chat.postMessage")
    assert [c.status for c in posts] == [429, 429, 200]
    assert posts[2].at - posts[1].at >= 0.9
    assert time.monotonic() - started < 5
    assert [m["text"] for m in fake_slack.messages] == ["two"]


async def test_posting_faster_than_the_channel_rate_is_limited(fake_slack: FakeSlack) -> None:
    fake_slack.post_rate_per_channel = 1.0
    web = client(fake_slack)
    await web.chat_postMessage(channel="DU1", text="one")
    await web.chat_postMessage(channel="DU2", text="another channel")
    with pytest.raises(SlackApiError) as e:
        await web.chat_postMessage(channel="DU1", text="too soon")
    assert e.value.response.status_code == 429
    assert int(e.value.response.headers["Retry-After"]) >= 1


async def test_failures_are_injected_per_channel_and_counted(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    fake_slack.fail("chat.postMessage", "channel_not_found", channel="C9")
    fake_slack.fail("chat.postMessage", "internal_error", status=500, channel="DU1")
    await web.chat_postMessage(channel="C1", text="fine")
    with pytest.raises(SlackApiError) as gone:
        await web.chat_postMessage(channel="C9", text="x")
    assert gone.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as broken:
        await web.chat_postMessage(channel="DU1", text="x")
    assert broken.value.response.status_code == 500
    await web.chat_postMessage(channel="C9", text="works again")
    assert [m["text"] for m in fake_slack.messages] == ["fine", "works again"]


async def test_a_revoked_token_fails_every_call_until_restored(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    fake_slack.revoke()
    for call in (web.auth_test(), web.chat_postMessage(channel="DU1", text="x")):
        with pytest.raises(SlackApiError) as e:
            await call
        assert e.value.response["error"] == "token_revoked"
    fake_slack.restore()
    await web.chat_postMessage(channel="DU1", text="back")
    bad = AsyncWebClient(token="xoxb-other", base_url=fake_slack.api_url, timeout=5)
    with pytest.raises(SlackApiError) as e:
        await bad.auth_test()
    assert e.value.response["error"] == "invalid_auth"


async def test_too_many_blocks_are_refused_and_recorded(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as e:
        await client(fake_slack).chat_postMessage(
            channel="DU1", text="long", blocks=[section(str(i)) for i in range(51)]
        )
    assert e.value.response["error"] == "invalid_blocks"
    assert any("51 blocks" in v for v in fake_slack.violations)
    assert fake_slack.messages == []


async def test_an_unescaped_broadcast_is_a_violation(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    await web.chat_postMessage(channel="C1", text="hey &lt;!channel&gt; (escaped: fine)")
    assert fake_slack.violations == []
    await web.chat_postMessage(channel="C1", text="note", blocks=[section("hi <!channel>")])
    assert fake_slack.violations == ["chat.postMessage to C1: mention <!channel> in text"]
    fake_slack.allow_mention("<@U1>")
    await web.chat_postMessage(channel="C1", text="welcome <@U1|jane>")
    assert len(fake_slack.violations) == 1


@pytest.mark.parametrize(
    ("blocks", "rule"),
    [
        ([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}], "header over"),
        ([section("x" * 3001)], "text over 3000"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "11 fields"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "over 10"),
        (
            [{"type": "actions", "elements": [
                {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "A"}},
                {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "B"}},
            ]}],
            "repeated",
        ),
    ],
)
async def test_block_kit_limits(fake_slack: FakeSlack, blocks: list[object], rule: str) -> None:
    with pytest.raises(SlackApiError):
        await client(fake_slack).chat_postMessage(channel="C1", text="t", blocks=blocks)
    assert any(rule in v for v in fake_slack.violations), fake_slack.violations


async def test_a_long_modal_title_is_refused(fake_slack: FakeSlack) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}
    with pytest.raises(SlackApiError) as e:
        await client(fake_slack).views_open(trigger_id=fake_slack.mint_trigger(), view=modal)
    assert e.value.response["error"] == "invalid_arguments"
    assert any("title over 24" in v for v in fake_slack.violations)


async def test_response_url_takes_five_posts(fake_slack: FakeSlack) -> None:
    from slack_sdk.webhook.async_client import AsyncWebhookClient

    url = fake_slack.response_url()
    hook = AsyncWebhookClient(url, timeout=5)
    for i in range(5):
        answer = await hook.send(text=f"reply {i}", replace_original=True)
        assert answer.status_code == 200
    refused = await hook.send(text="sixth")
    assert refused.status_code == 404
    assert [r["body"]["text"] for r in fake_slack.responses] == [f"reply {i}" for i in range(5)]


def test_payload_builders_follow_the_fixtures() -> None:
    command = payloads.slash_command("log met Jane", response_url="R", trigger_id="T")
    assert command["command"] == "/next" and command["text"] == "log met Jane"
    assert all(isinstance(v, str) for v in command.values())
    event = payloads.message_im("hi", event_id="Ev9")
    assert (event["type"], event["event"]["channel_type"], event["event_id"]) == (
        "event_callback",
        "im",
        "Ev9",
    )
    action = payloads.block_action("run-0", "done 3", channel="DU1", message_ts="5.0")
    assert action["container"]["message_ts"] == "5.0"
    assert action["actions"][0]["value"] == "done 3"
    values = {"note": {"note": {"type": "plain_text_input", "value": "hi"}}}
    submitted = payloads.view_submission("log-form", values, private_metadata="m")
    assert submitted["view"]["state"]["values"] == values
    assert "payload=" in payloads.interactive_body(action)


async def test_a_delayed_call_times_the_client_out_yet_still_lands(fake_slack: FakeSlack) -> None:
    fake_slack.delay("chat.postMessage", seconds=0.5)
    impatient = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=0.1)
    with pytest.raises(asyncio.TimeoutError):
        await impatient.chat_postMessage(channel="DU1", text="slow")
    await eventually(lambda: bool(fake_slack.messages), what="the delayed post")
    await client(fake_slack).chat_postMessage(channel="DU1", text="quick")
    assert [m["text"] for m in fake_slack.messages] == ["slow", "quick"]
