"""A local fake Discord (REST API + gateway) that the real discord.py 2.7 client talks to.

Start it with `async with FakeDiscord() as fake:` (or start()/stop()); it listens on
127.0.0.1 on a free port. Point discord.py at it with `with fake.patch_discord():`, which
sets discord.http.Route.BASE to `api_url` and DiscordWebSocket.DEFAULT_GATEWAY to
`gateway_url` and restores both. Then `await client.login(fake.token)`, run
`client.connect()` in a task, `await fake.wait_ready()`, and drive it with
`await fake.interact(payloads.slash(...))` (tests/discord/payloads.py builds the payloads).

Where the agreed interface is silent, the fake does what Discord does:
- Every REST request is in `calls` (rejected ones too, with status and code). Bot routes
  need `Authorization: Bot <token>` (else 401); the interaction callback and webhook
  routes need none. Answers are `Content-Type: application/json` exactly (discord.py
  parses nothing else) or 204 without a body. An unknown route is a violation and a 404.
- Rate limits (tests/discord/fake_limits.py): every route answers X-RateLimit-* headers
  from per-bucket windows (`bucket_limit` per `bucket_window` s, `route_limits` per route);
  `global_rate` (None = off) caps bot requests per 1 s as Discord's 50/s does, interaction
  routes exempt. A 429 carries `Via`, Retry-After and {message, retry_after, global}.
  401, 403 and 429 count in `invalid_requests` (Discord bans at 10,000 in 10 minutes).
- Users not added with add_user() are created when first seen (an interaction or a DM
  open); POST /users/@me/channels gives one DM channel per user (`dm_channels`). A DM to a
  user added with dms_closed=True -> 403 50007; an unknown channel -> 404 10003.
- A message posted with enforce_nonce and a nonce already posted by the bot within
  `nonce_window` (180 s: Discord says "the past few minutes") is not posted again: the
  first message is answered, as Discord does; `nonce_repeats` counts those answers.
- Messages (POST/PATCH /channels/{id}/messages[/{mid}]), callbacks and webhook posts and
  edits are checked by tests/discord/fake_checks.py; a breach is a violation and 400
  50035; a missing or permissive allowed_mentions is a violation but answered 200.
- Interactions: tests/discord/fake_interactions.py. interact() fills in what Discord
  would: application_id, the registered command's id (and data.guild_id for a guild
  command), the user's DM channel in a bot DM (context 1).
- Gateway: tests/discord/fake_gateway.py.
- Failure injection: fail()/rate_limit()/delay() apply to the next `times` requests whose
  method is `method` (or "*") and whose path or route template starts with path_prefix
  ("/channels/55/messages" or "/channels/{channel_id}"). discord.py retries a 5xx itself,
  sleeping 1, 3, 5... s between 5 tries (REST: 500/502/504/524 only, 503 raises at once;
  interaction callbacks and webhooks: any 5xx).
- Close the client before the fake: a client left connected reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yarl
from aiohttp import BodyPartReader, web
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.discord import fake_interactions, fake_rest
from tests.discord.fake_gateway import GatewayFake
from tests.discord.fake_limits import Limited, LimitsFake
from tests.discord.fake_rest import Interaction, Reject, public
from tests.loopback import serve_on_loopback
from tests.slack.fake_slack import eventually

__all__ = ["Answer", "Call", "FakeDiscord", "eventually"]

APPLICATION_ID = 900000000000000001
OWNER_ID = 100000000000000099
ATTACHMENT_LIMIT = 10 * 1024 * 1024
_ = fake_interactions  # its routes register on import


@dataclass
class Call:
    method: str
    path: str  # as requested, after /api/v10, without the query
    route: str  # the route template: "/channels/{channel_id}/messages"
    query: dict[str, str]
    json: Any  # the JSON body, or a multipart request's payload_json
    files: list[tuple[str, bytes]] = field(default_factory=list)
    at: float = 0.0  # time.monotonic() when it arrived
    status: int = 200
    code: int | None = None  # Discord's error code, when one was answered


@dataclass
class Answer:
    type: int | None  # the callback type the bot answered with
    data: Any
    seconds: float  # from the dispatch to the callback arriving
    interaction_id: int
    status: int = 200  # what the fake answered the callback (400/404 when refused)
    code: int | None = None


class FakeDiscord(GatewayFake, LimitsFake):
    def __init__(
        self,
        application_id: int = APPLICATION_ID,
        bot_user_id: int = APPLICATION_ID,
        token: str = "bot-token-test",
    ) -> None:
        self.application_id, self.bot_user_id, self.token = application_id, bot_user_id, token
        self.owner_id = OWNER_ID
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.guilds: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_creates: dict[int | None, int] = {}
        self.messages: list[dict[str, Any]] = []
        self.dm_channels: dict[int, int] = {}
        self.nonces: dict[str, dict[str, Any]] = {}  # enforce_nonce's nonce -> its message
        self.nonce_window = 180.0
        self.nonce_repeats = 0
        self.responses: list[dict[str, Any]] = []
        self.interactions: dict[int, Interaction] = {}
        self.by_token: dict[str, Interaction] = {}
        self.allowed_ids: set[int] = set()
        self.callback_window = 3.0
        self.token_ttl = 15 * 60.0
        self.invalid_requests = 0
        self._counter = 0
        self._runner: web.AppRunner | None = None
        self.base_url = self.api_url = ""
        self.add_user(self.owner_id, "owner")
        self._init_gateway()
        self._init_limits()

    # lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/resume", self._gateway)
        self._runner, self.base_url = await serve_on_loopback(app)
        self.api_url = f"{self.base_url}/api/v10"

    async def stop(self) -> None:
        await self._close_gateway()
        for it in self.interactions.values():
            it.answered.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway at the fake, then restore them."""
        base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.api_url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway

    # what tests set up and read

    def new_id(self) -> int:
        """A fresh snowflake-shaped id (increasing)."""
        self._counter += 1
        return 1_300_000_000_000_000_000 + self._counter

    def add_user(self, user_id: int, name: str, dms_closed: bool = False) -> None:
        self.users[user_id] = {"name": name, "dms_closed": dms_closed}

    def add_guild(self, guild_id: int, name: str, channels: list[int],
                  owner_id: int = OWNER_ID, members: list[int] | None = None) -> None:
        """A guild the bot is in, sent as GUILD_CREATE after READY (add it before connecting,
        or dispatch GUILD_CREATE with guild_object() yourself)."""
        self.guilds[guild_id] = {"name": name, "channels": list(channels), "owner_id": owner_id,
                                 "members": {owner_id, self.bot_user_id, *(members or [])}}
        for position, channel_id in enumerate(channels):
            self.channels[channel_id] = {"guild_id": guild_id, "name": f"channel-{position}",
                                         "position": position}
        if owner_id not in self.users:
            self.add_user(owner_id, f"owner-{guild_id}")

    def allow_mention(self, snowflake: int) -> None:
        """Let messages list this user or role in allowed_mentions (and ping it)."""
        self.allowed_ids.add(snowflake)

    def calls_to(self, method: str, path_prefix: str) -> list[Call]:
        return [c for c in self.calls if method in ("*", c.method)
                and (c.path.startswith(path_prefix) or c.route.startswith(path_prefix))]

    def dm_channel_for(self, user_id: int) -> int:
        """The DM channel id of a user (the same one every time), creating it if needed."""
        if user_id not in self.users:
            self.add_user(user_id, f"user{user_id}")
        if user_id not in self.dm_channels:
            self.dm_channels[user_id] = channel_id = self.new_id()
            self.channels[channel_id] = {"guild_id": None, "recipient": user_id}
        return self.dm_channels[user_id]

    def original(self, interaction_id: int | str) -> dict[str, Any] | None:
        """The interaction's @original message now (after edits); None if none or deleted."""
        it = self.interactions.get(int(interaction_id))
        if it is None or it.original is None or it.original["deleted"]:
            return None
        return public(it.original)

    def followups(self, interaction_id: int | str) -> list[dict[str, Any]]:
        it = self.interactions.get(int(interaction_id))
        return [] if it is None else [public(m) for m in it.followups.values()
                                      if not m["deleted"]]

    # objects as Discord shapes them

    def user_object(self, user_id: int) -> dict[str, Any]:
        name = self.users.get(user_id, {}).get("name") or f"user{user_id}"
        if user_id == self.bot_user_id:
            name = "testbot"
        return {"id": str(user_id), "username": name, "global_name": None,
                "discriminator": "0", "avatar": None, "public_flags": 0}

    def member_object(self, guild_id: int, user_id: int, permissions: int | None = None
                      ) -> dict[str, Any]:
        member: dict[str, Any] = {
            "user": self.user_object(user_id), "roles": [], "nick": None, "avatar": None,
            "joined_at": "2025-01-01T00:00:00+00:00", "premium_since": None, "deaf": False,
            "mute": False, "pending": False, "flags": 0,
        }
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    def guild_object(self, guild_id: int) -> dict[str, Any]:
        guild = self.guilds[guild_id]
        return {
            "id": str(guild_id), "name": guild["name"], "icon": None, "splash": None,
            "owner_id": str(guild["owner_id"]), "unavailable": False, "large": False,
            "member_count": len(guild["members"]), "joined_at": "2025-01-01T00:00:00+00:00",
            "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
            "preferred_locale": "en-US", "features": [], "emojis": [], "stickers": [],
            "roles": [{"id": str(guild_id), "name": "@everyone", "permissions": "1071698660929",
                       "position": 0, "color": 0, "hoist": False, "managed": False,
                       "mentionable": False, "flags": 0}],
            "channels": [fake_rest.channel_object(self, c) for c in guild["channels"]],
            "members": [self.member_object(guild_id, self.bot_user_id)],
            "voice_states": [], "presences": [], "threads": [], "stage_instances": [],
            "guild_scheduled_events": [], "soundboard_sounds": [],
            "system_channel_id": None, "rules_channel_id": None,
        }

    def _guild_order(self) -> list[int]:
        return list(self.guilds)

    # driving the bot

    async def interact(self, payload: dict[str, Any], timeout: float = 5) -> Answer:  # noqa: ASYNC109
        """Dispatch INTERACTION_CREATE and wait for the bot's first callback (bounded)."""
        payload = self._normalise(json.loads(json.dumps(payload)))
        loop = asyncio.get_running_loop()
        it = Interaction(int(payload["id"]), payload["token"], int(payload["type"]), payload,
                         time.monotonic(), loop.create_future())
        self.interactions[it.id] = it
        self.by_token[it.token] = it
        it.sent_at = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", payload)
        try:
            ctype, data, seconds, status, code = await asyncio.wait_for(
                asyncio.shield(it.answered), timeout)
        except TimeoutError:
            raise TimeoutError(f"no callback for interaction {it.id} within {timeout} s") from None
        return Answer(ctype, data, seconds, it.id, status, code)

    def _normalise(self, payload: dict[str, Any]) -> dict[str, Any]:
        payload["application_id"] = str(self.application_id)
        member = payload.get("member")
        user: dict[str, Any] = member["user"] if isinstance(member, dict) else payload["user"]
        user_id = int(user["id"])
        if user_id not in self.users:
            self.add_user(user_id, user.get("username") or f"user{user_id}")
        guild_id = int(payload["guild_id"]) if payload.get("guild_id") else None
        if guild_id is not None and guild_id in self.guilds:
            self.guilds[guild_id]["members"].add(user_id)
        if payload.get("context") == 1:  # a bot DM: the user's one DM channel
            channel_id = str(self.dm_channel_for(user_id))
            payload["channel_id"] = channel_id
            payload.setdefault("channel", {})["id"] = channel_id
            if isinstance(payload.get("message"), dict):
                payload["message"]["channel_id"] = channel_id
        data = payload.get("data")
        if payload.get("type") in (2, 4) and isinstance(data, dict):
            for key in ([guild_id, None] if guild_id is not None else [None]):
                found = [c for c in self.commands.get(key, [])
                         if c["name"] == data.get("name") and c["type"] == data.get("type", 1)]
                if found:
                    data["id"] = found[0]["id"]
                    data.pop("guild_id", None)
                    if key is not None:
                        data["guild_id"] = str(key)
                    break
        return payload

    # HTTP plumbing

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        route, handler, params = fake_rest.find_route(request.method, path)
        body, files = await _read_body(request)
        call = Call(request.method, path, route, dict(request.query), body, files,
                    time.monotonic())
        self.calls.append(call)
        req = fake_rest.Request(request.method, path, route, params, call.query, body, files)
        headers: dict[str, str] = {}
        try:
            if any(len(data) > ATTACHMENT_LIMIT for _, data in files):
                self.violations.append(f"{request.method} {path}: a file over 10 MiB")
                raise Reject(413, 40005, "Request entity too large")
            await self._held(request.method, path, route)
            if handler is None:
                self.violations.append(f"{request.method} {path}: no such route in the fake")
                raise Reject(404, 0, "404: Not Found")
            self._authorise(request, route)
            self._injected(request.method, path, route)
            headers = self._throttle(request.method, route, params)
            status, answer = handler(self, req)
        except Reject as reject:
            call.status, call.code = reject.status, reject.code
            if reject.status in (401, 403, 429):
                self.invalid_requests += 1
            if isinstance(reject, Limited):
                return _json(429, reject.body, reject.headers)
            return _json(reject.status, {"message": reject.message, "code": reject.code}, headers)
        call.status = status
        return _json(status, answer, headers)

    def _authorise(self, request: web.Request, route: str) -> None:
        if route.startswith(("/interactions/", "/webhooks/{application_id}/{interaction_token}")):
            return  # interaction tokens authorise these
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise Reject(401, 0, "401: Unauthorized")

def _json(status: int, body: Any, headers: dict[str, str]) -> web.Response:
    if status == 204:
        return web.Response(status=204, headers=headers)
    # exactly application/json: discord.py treats "application/json; charset=..." as text
    return web.Response(status=status, body=json.dumps(body).encode(),
                        headers={**headers, "Content-Type": "application/json"})


async def _read_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
    if not request.can_read_body:
        return None, []
    if request.content_type == "multipart/form-data":
        body: Any = None
        files: list[tuple[str, bytes]] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                files.append((part.filename or part.name or "file", bytes(await part.read())))
        return body, files
    raw = await request.read()
    try:
        return (json.loads(raw) if raw else None), []
    except ValueError:
        return raw.decode(errors="replace"), []
