"""A local fake Slack (Web API, response_url, file upload, Socket Mode) for offline tests.

The real slack_sdk / slack-bolt clients talk to it over HTTP on 127.0.0.1:
`AsyncWebClient(token=..., base_url=fake.api_url)`. Requests are read as slack_sdk sends
them: arguments from the query string (GET, and POST `params=`), a form body or a JSON
body, merged; the token from `Authorization: Bearer` (or a `token` argument).

Start it with the `fake_slack` fixture (tests/slack/conftest.py), `async with FakeSlack()`
or start()/stop(). Socket Mode (tests/slack/fake_socket.py): SocketModeClient /
AsyncSocketModeHandler with app_token=fake.app_token and a web client on fake.api_url;
then `await fake.push("slash_commands", payloads.slash_command(...))`. HTTP mode:
`send_http(url, body, secret, content_type)` (tests/slack/fake_signing.py). `eventually()`
polls a condition with a bound (e.g. a reply that bolt posts after the ack).

Where the agreed interface (SLACK.md) is silent, the fake does what Slack does:
- Tokens: none -> not_authed; not the bot/app token -> invalid_auth; apps.connections.open
  needs the app token and every other method the bot token (else not_allowed_token_type).
  revoke(error="token_revoked") makes every bot-token call answer that until restore().
- chat.postMessage to a user id posts to the DM and answers channel "D" + user id; to the
  bot's own user id -> cannot_dm_bot. chat.update/chat.delete need the channel id the post
  answered (a U... id -> channel_not_found); an ephemeral message can't be edited or
  deleted (message_not_found). Unknown users are accepted for posts (fail() injects
  user_not_found etc.); users.info answers user_not_found for ids not added with add_user().
- Validation (tests/slack/fake_checks.py): every broken rule is appended to `violations`;
  Slack's rejections answer ok:false (messages: invalid_blocks / no_text; views:
  invalid_arguments), while what Slack would accept but our rules forbid (a mention, a
  missing fallback `text` beside blocks, link_names) is recorded and answered ok.
  allow_mention("<@U1>") / allow_mention("<!here>") lets a test post that mention.
- trigger_id: mint_trigger(); usable once within trigger_ttl (3 s); expired or reused ->
  expired_trigger_id, never minted -> invalid_trigger_id. views.update finds a view by
  view_id or external_id (else not_found); views.publish keeps one Home view id per user.
- delay(method, seconds) holds the next call that long, then carries it out (Slack may
  complete a request whose client already gave up: a timed-out post can still land).
- Failure injection: fail()/rate_limit() apply to the next `times` matching calls (times < 0:
  until clear_failures()); `channel` matches the call's channel, channel_id, user, users or
  user_id argument. post_rate_per_channel (and post_rate_total, workspace-wide) is a token
  bucket over chat.postMessage/chat.postEphemeral holding one post (post_burst_total for
  the workspace's: Slack allows "short bursts >1"); over it -> 429 with
  Retry-After (whole seconds, >= 1). Every request is in `calls`, rejected ones too (with
  their status and error).
- response_url(): 5 posts per url, then 404 "used_url"; an unknown url -> 404 "no_such_url".
  Bodies are validated like messages (unless delete_original).
- Many workspaces (tests/slack/fake_oauth.py): the authorize page and oauth.v2.access
  give each installing workspace its own bot token; every call is answered as the
  workspace of its token (auth.test's team_id, `team` on each recorded message), and
  uninstall(team) revokes that workspace's tokens.
- Uploads: files.getUploadURLExternal hands out {base}/upload/F..., which answers text/plain
  "OK - <bytes>"; files.completeUploadExternal records each uploaded file per channel.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.loopback import serve_on_loopback
from tests.slack import fake_api, fake_oauth
from tests.slack.fake_signing import send_http
from tests.slack.fake_socket import Ack, SocketModeFake

__all__ = ["Ack", "Call", "FakeSlack", "eventually", "send_http"]


async def eventually(
    predicate: Callable[[], bool],
    timeout: float = 5,  # noqa: ASYNC109 - a plain bound for polling
    what: str = "condition",
) -> None:
    """Poll predicate every 10 ms until it holds; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout} s")
        await asyncio.sleep(0.01)


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float  # time.monotonic() when it arrived
    status: int = 200
    error: str | None = None  # the error answered, if any


@dataclass
class _Rule:
    method: str
    error: str
    times: int
    channel: str | None
    status: int
    retry_after: int | None = None


class _Answer(Exception):
    """Raised by a method handler to answer at once (an error, a 429...)."""

    def __init__(self, error: str, status: int = 200, retry_after: int | None = None) -> None:
        super().__init__(error)
        self.error, self.status, self.retry_after = error, status, retry_after


_TARGET_KEYS = ("channel", "channel_id", "user", "users", "user_id")


class FakeSlack(SocketModeFake):
    def __init__(
        self,
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
    ) -> None:
        self.team_id, self.bot_user_id = team_id, bot_user_id
        self.bot_token, self.app_token = bot_token, app_token
        self.bot_id = "B0001"
        # Many workspaces: bot token -> its team, team -> its bot user (fake_oauth).
        self.workspaces: dict[str, str] = {bot_token: team_id}
        self.bot_users: dict[str, str] = {team_id: bot_user_id}
        self.team_now = team_id  # the workspace of the call being answered
        self.client_id, self.client_secret = fake_oauth.CLIENT_ID, fake_oauth.CLIENT_SECRET
        self.installing_team: str | None = None
        self.redirect_url: str | None = None
        self.rotation = False
        self.expires_in = 43200
        self.codes: dict[str, tuple[str, str]] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.refreshes: list[str] = []  # each refresh asked for: its team, or "spent"
        self.revoked_tokens: set[str] = set()
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}  # conversations.info overrides
        self.messages: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.files: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.allowed_mentions: set[str] = set()
        self.post_rate_per_channel: float | None = None
        self.post_rate_total: float | None = None
        self.post_burst_total = 1.0
        self.trigger_ttl = 3.0
        self._rules: list[_Rule] = []
        self._delays: list[list[Any]] = []  # [method, seconds, times left]
        self._revoked: str | None = None
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._triggers: dict[str, float] = {}
        self.trigger_users: dict[str, str] = {}  # who a minted trigger_id belongs to
        self._response_urls: dict[str, int] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._counter = 0
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.api_url = ""
        self._init_socket()

    # lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        self._runner, self.base_url = await serve_on_loopback(app)
        self.api_url = f"{self.base_url}/api/"

    async def stop(self) -> None:
        await self._close_sockets()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # what tests set up and read

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def add_user(self, user_id: str, name: str, tz: str = "America/New_York") -> None:
        self.users[user_id] = fake_api.user_object(user_id, name, tz, self.team_id)

    def allow_mention(self, mention: str) -> None:
        self.allowed_mentions.add(mention)

    def mint_trigger(self, user_id: str | None = None) -> str:
        """A fresh trigger_id (as in a slash command or button payload) for user_id."""
        trigger = f"{self._next()}.{self._counter}.fake-trigger"
        self._triggers[trigger] = time.monotonic()
        if user_id is not None:
            self.trigger_users[trigger] = user_id
        return trigger

    def response_url(self) -> str:
        rid = f"R{self._next()}"
        self._response_urls[rid] = 0
        return f"{self.base_url}/response/{rid}"

    def fail(
        self,
        method: str,
        error: str,
        times: int = 1,
        channel: str | None = None,
        status: int = 200,
    ) -> None:
        self._rules.append(_Rule(method, error, times, channel, status))

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        self._rules.append(_Rule(method, "ratelimited", times, None, 429, retry_after))

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls to method wait `seconds` before being handled."""
        self._delays.append([method, seconds, times])

    def clear_failures(self) -> None:
        self._rules.clear()
        self._delays.clear()

    def revoke(self, error: str = "token_revoked") -> None:
        self._revoked = error

    def restore(self) -> None:
        self._revoked = None

    def uninstall(self, team: str) -> None:
        """The workspace removed the app: its tokens stop working."""
        self.revoked_tokens |= {t for t, owner in self.workspaces.items() if owner == team}
        self.refresh_tokens = {r: o for r, o in self.refresh_tokens.items() if o != team}

    def bot_user_of(self, team: str) -> str:
        return self.bot_users.get(team, fake_oauth.bot_user_of(team))

    # plumbing used by fake_api's handlers

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{self._next():06d}"

    def next_ts(self) -> str:
        n = self._next()
        return f"{1700000000 + n}.{n:06d}"

    def check(self, found: tuple[list[str], str | None]) -> None:
        violations, error = found
        self.violations.extend(violations)
        if error is not None:
            raise _Answer(error)

    def take_trigger(self, trigger_id: object) -> None:
        minted = self._triggers.pop(str(trigger_id), None) if trigger_id else None
        if minted is None:
            used = isinstance(trigger_id, str) and trigger_id.endswith(".fake-trigger")
            raise _Answer("expired_trigger_id" if used else "invalid_trigger_id")
        if time.monotonic() - minted > self.trigger_ttl:
            raise _Answer("expired_trigger_id")

    def answer(self, error: str) -> _Answer:
        return _Answer(error)

    def throttle_post(self, channel: str) -> None:
        now = time.monotonic()
        limits = [
            (f"channel:{channel}", self.post_rate_per_channel, 1.0),
            ("total", self.post_rate_total, self.post_burst_total),
        ]
        for key, rate, burst in limits:
            if rate is None:
                continue
            tokens, last = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise _Answer("ratelimited", 429, max(1, math.ceil((1.0 - tokens) / rate)))
            self._buckets[key] = (tokens, now)
        for key, rate, _ in limits:
            if rate is not None:
                tokens, last = self._buckets[key]
                self._buckets[key] = (tokens - 1.0, last)

    # HTTP handlers

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
            else:
                args.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        for key in ("blocks", "view", "attachments"):
            if isinstance(args.get(key), str):  # form-encoded requests carry JSON strings
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    args[key] = None
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else args.pop("token", None)
        args.pop("token", None)
        call = Call(method, args, token, time.monotonic())
        self.calls.append(call)
        for rule in self._delays:
            if rule[0] == method and rule[2] != 0:
                rule[2] -= 1
                await asyncio.sleep(rule[1])
                break
        try:
            if method == "oauth.v2.access":  # the app authenticates itself, no token
                self._injected(method, args)
                body = fake_oauth.oauth_v2_access(self, header, args)
                return web.json_response({"ok": True, **body})
            self._authorise(method, token)
            self._injected(method, args)
            handler = fake_api.HANDLERS.get(method)
            if handler is None:
                raise _Answer("unknown_method")
            self.team_now = self.workspaces.get(token or "", self.team_id)
            body = handler(self, args)
        except _Answer as answer:
            call.status, call.error = answer.status, answer.error
            headers = {}
            if answer.retry_after is not None:
                headers["Retry-After"] = str(answer.retry_after)
            return web.json_response(
                {"ok": False, "error": answer.error}, status=answer.status, headers=headers
            )
        return web.json_response({"ok": True, **body})

    def _authorise(self, method: str, token: str | None) -> None:
        if not token:
            raise _Answer("not_authed")
        if token not in self.workspaces and token != self.app_token:
            raise _Answer("invalid_auth")
        if token in self.revoked_tokens:
            raise _Answer("token_revoked")
        if token == self.bot_token and self._revoked is not None:
            raise _Answer(self._revoked)
        wants_app = method == "apps.connections.open"
        if wants_app != (token == self.app_token):
            raise _Answer("not_allowed_token_type")

    def _injected(self, method: str, args: dict[str, Any]) -> None:
        targets = {str(args[k]) for k in _TARGET_KEYS if args.get(k)}
        for rule in self._rules:
            if rule.method != method or rule.times == 0:
                continue
            if rule.channel is not None and rule.channel not in targets:
                continue
            rule.times -= 1
            raise _Answer(rule.error, rule.status, rule.retry_after)

    async def _response(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        used = self._response_urls.get(rid)
        if used is None:
            return web.Response(status=404, text="no_such_url")
        if used >= 5:
            return web.Response(status=404, text="used_url")
        self._response_urls[rid] = used + 1
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        self.responses.append({"url": str(request.url), "body": body, "at": time.monotonic()})
        if isinstance(body, dict) and not body.get("delete_original"):
            where = f"response_url {rid}"
            violations, error = fake_api.check_message(body, self.allowed_mentions, where)
            self.violations.extend(violations)
            if error is not None:
                return web.Response(status=400, text=error)
        return web.Response(text="ok")

    async def _authorize(self, request: web.Request) -> web.Response:
        return await fake_oauth.authorize(self, request)

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self._uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="file_not_found")
        upload["content"] = await request.read()
        return web.Response(text=f"OK - {len(upload['content'])}")
