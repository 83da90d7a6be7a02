"""The fake's Socket Mode server and HTTP-mode signing, proven against slack_sdk and bolt."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack import payloads
from tests.slack.fake_slack import FakeSlack, eventually, send_http

SECRET = "signing-secret"


def web_client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url, timeout=5)


@pytest.fixture
async def socket_client(fake_slack: FakeSlack) -> AsyncIterator[SocketModeClient]:
    """slack_sdk's aiohttp Socket Mode client, acking every request with a small payload."""
    client = SocketModeClient(
        app_token=fake_slack.app_token, web_client=web_client(fake_slack), ping_interval=0.5
    )

    async def ack(client: Any, request: SocketModeRequest) -> None:
        response = SocketModeResponse(request.envelope_id, payload={"text": request.type})
        await client.send_socket_mode_response(response)

    client.socket_mode_request_listeners.append(ack)
    try:
        await client.connect()
        yield client
    finally:
        await client.close()


async def test_the_client_connects_and_acks_a_pushed_envelope(
    fake_slack: FakeSlack, socket_client: SocketModeClient
) -> None:
    await fake_slack.wait_connected()
    assert fake_slack.connections == 1
    assert fake_slack.calls_to("apps.connections.open")[0].token == fake_slack.app_token
    ack = await fake_slack.push("slash_commands", payloads.slash_command("next"))
    assert ack.payload == {"text": "slash_commands"}
    assert 0 <= ack.seconds < 1
    event = await fake_slack.push("events_api", payloads.message_im("hi"), retry_attempt=1)
    assert event.payload == {"text": "events_api"}
    assert [a.envelope_id for a in fake_slack.acks] == [ack.envelope_id, event.envelope_id]


async def test_ask_reconnect_makes_the_client_open_a_new_connection(
    fake_slack: FakeSlack, socket_client: SocketModeClient
) -> None:
    await fake_slack.wait_connected()
    await fake_slack.ask_reconnect()
    await eventually(lambda: fake_slack.connections == 2, what="a second connection")
    assert len(fake_slack.calls_to("apps.connections.open")) == 2
    ack = await fake_slack.push("interactive", payloads.global_shortcut("log"))
    assert ack.payload == {"text": "interactive"}


async def test_a_silent_server_makes_the_client_rebuild_its_connection(
    fake_slack: FakeSlack, socket_client: SocketModeClient
) -> None:
    await fake_slack.wait_connected()
    fake_slack.go_silent()
    await eventually(lambda: fake_slack.connections >= 2, timeout=10, what="a rebuilt connection")
    ack = await fake_slack.push("slash_commands", payloads.slash_command("next"))
    assert ack.payload == {"text": "slash_commands"}


async def test_push_without_an_ack_times_out(fake_slack: FakeSlack) -> None:
    client = SocketModeClient(app_token=fake_slack.app_token, web_client=web_client(fake_slack))
    try:
        await client.connect()  # no listener: nothing acks
        with pytest.raises(TimeoutError):
            await fake_slack.push("events_api", payloads.message_im("hi"), timeout=0.3)
    finally:
        await client.close()


async def test_bolt_in_socket_mode_answers_through_the_fake(fake_slack: FakeSlack) -> None:
    app = AsyncApp(client=web_client(fake_slack))

    @app.command("/next")
    async def next_command(ack: Any, say: Any, command: dict[str, Any]) -> None:
        await ack()
        await say(text=f"you said {command['text']}")

    handler = AsyncSocketModeHandler(app, fake_slack.app_token)
    try:
        await handler.connect_async()
        ack = await fake_slack.push("slash_commands", payloads.slash_command("hello"))
        assert ack.payload is None
        await eventually(lambda: bool(fake_slack.messages), what="the reply")
    finally:
        await handler.close_async()
    assert fake_slack.messages[0]["text"] == "you said hello"
    assert fake_slack.messages[0]["channel"] == "D1"
    assert fake_slack.calls_to("auth.test")


@pytest.fixture
async def capture() -> AsyncIterator[tuple[str, list[web.Request], list[bytes]]]:
    """A bare endpoint recording what send_http posts."""
    seen: list[web.Request] = []
    bodies: list[bytes] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request)
        bodies.append(await request.read())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/slack/events", record)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/slack/events", seen, bodies
    finally:
        await runner.cleanup()


async def test_send_http_signs_like_slack(
    capture: tuple[str, list[web.Request], list[bytes]],
) -> None:
    url, seen, bodies = capture
    body = payloads.form_body(payloads.slash_command("log met Jane"))
    status, answer, seconds = await send_http(url, body, SECRET, payloads.FORM, retry_num=2)
    assert (status, answer) == (200, b"ok")
    assert seconds < 5
    headers = dict(seen[0].headers)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(bodies[0], headers)
    assert bodies[0] == body.encode()
    assert headers["X-Slack-Retry-Num"] == "2"
    await send_http(url, body, SECRET, payloads.FORM, bad_signature=True)
    assert not verifier.is_valid_request(bodies[1], dict(seen[1].headers))
    await send_http(url, body, SECRET, payloads.FORM, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(bodies[2], dict(seen[2].headers))


async def test_send_http_refuses_other_hosts() -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        await send_http("http://example.com/slack/events", "x", SECRET, payloads.FORM)


@pytest.fixture
async def bolt_http(fake_slack: FakeSlack) -> AsyncIterator[str]:
    """A bolt AsyncApp in HTTP mode whose /next answers through response_url."""
    app = AsyncApp(client=web_client(fake_slack), signing_secret=SECRET)

    @app.command("/next")
    async def next_command(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack()
        await respond(text=f"you said {command['text']}")

    runner = web.AppRunner(app.web_app(), shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    finally:
        await runner.cleanup()


async def test_bolt_in_http_mode_accepts_signed_and_refuses_forged(
    fake_slack: FakeSlack, bolt_http: str
) -> None:
    command = payloads.slash_command("hello", response_url=fake_slack.response_url())
    body = payloads.form_body(command)
    status, _, _ = await send_http(bolt_http, body, SECRET, payloads.FORM)
    assert status == 200
    await eventually(lambda: bool(fake_slack.responses), what="the response_url post")
    assert fake_slack.responses[0]["body"]["text"] == "you said hello"
    forged, _, _ = await send_http(bolt_http, body, SECRET, payloads.FORM, bad_signature=True)
    stale_ts = int(time.time()) - 600
    stale, _, _ = await send_http(bolt_http, body, SECRET, payloads.FORM, timestamp=stale_ts)
    assert (forged, stale) == (401, 401)
    challenge = payloads.json_body(payloads.url_verification("c-1"))
    status, answer, _ = await send_http(bolt_http, challenge, SECRET, payloads.JSON)
    assert status == 200 and json.loads(answer) == {"challenge": "c-1"}
