"""The fake Discord's REST routes: handler(fake, request) -> (status, body).

A handler raises Reject(status, code, message) to answer a Discord error body
{"code", "message"}. The rules each route follows are in tests/discord/fake_discord.py's
docstring; the limits checked are tests/discord/fake_checks.py's.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.discord import fake_checks as checks

if TYPE_CHECKING:
    from tests.discord.fake_discord import FakeDiscord

EXTRA_KEYS = ("allowed_mentions", "at", "deleted", "edits")
MESSAGE_KEYS = ("content", "embeds", "components")


class Reject(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message = status, code, message


@dataclass
class Request:
    method: str
    path: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]]


@dataclass
class Interaction:
    """An INTERACTION_CREATE the fake sent, and what the bot did with it."""

    id: int
    token: str
    kind: int  # 2 command, 3 component, 4 autocomplete, 5 modal submit
    payload: dict[str, Any]
    sent_at: float
    answered: asyncio.Future[Any]
    callback_type: int | None = None
    original: dict[str, Any] | None = None
    followups: dict[int, dict[str, Any]] = field(default_factory=dict)
    loading: bool = False  # deferred (type 5) and not yet edited or followed up


Handler = Callable[["FakeDiscord", Request], tuple[int, Any]]
ROUTES: list[tuple[str, str, re.Pattern[str], Handler]] = []


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")

    def register(fn: Handler) -> Handler:
        ROUTES.append((method, template, pattern, fn))
        return fn

    return register


def find_route(method: str, path: str) -> tuple[str, Handler | None, dict[str, str]]:
    """(route template, handler, path parameters); the path itself when nothing matches."""
    for verb, template, pattern, fn in ROUTES:
        found = pattern.match(path)
        if found and verb == method:
            return template, fn, found.groupdict()
    return path, None, {}


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A stored message as Discord shows it (the fake's own keys and file bytes dropped)."""
    out = {k: v for k, v in record.items() if k not in EXTRA_KEYS}
    out["attachments"] = [
        {k: v for k, v in a.items() if k != "data"} for a in record.get("attachments", [])
    ]
    return out


def _attachments(fake: FakeDiscord, body: dict[str, Any], files: list[tuple[str, bytes]],
                 keep: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The attachments after a create or edit: those kept by id plus the uploaded files."""
    listed = body.get("attachments")
    if listed is None:
        kept = list(keep)
    else:
        ids = {str(a.get("id")) for a in listed if isinstance(a, dict)}
        kept = [a for a in keep if a["id"] in ids]
    for filename, data in files:
        aid = str(fake.new_id())
        kept.append({
            "id": aid, "filename": filename, "size": len(data), "data": data,
            "url": f"{fake.base_url}/attachments/{aid}/{filename}",
            "proxy_url": f"{fake.base_url}/attachments/{aid}/{filename}",
        })
    return kept


def new_message(fake: FakeDiscord, channel_id: int, body: dict[str, Any],
                files: list[tuple[str, bytes]], message_type: int = 0) -> dict[str, Any]:
    guild_id = fake.channels.get(channel_id, {}).get("guild_id")
    record: dict[str, Any] = {
        "id": str(fake.new_id()),
        "channel_id": str(channel_id),
        "author": {**fake.user_object(fake.bot_user_id), "bot": True},
        "content": body.get("content") or "",
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts")),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": message_type,
        "flags": int(body.get("flags") or 0),
        "attachments": _attachments(fake, body, files, []),
        "allowed_mentions": body.get("allowed_mentions"),
        "at": time.monotonic(),
        "deleted": False,
        "edits": 0,
    }
    if guild_id is not None:
        record["guild_id"] = str(guild_id)
    if message_type != 0:  # an interaction response comes from the app's webhook
        record["webhook_id"] = str(fake.application_id)
        record["application_id"] = str(fake.application_id)
    return record


def apply_edit(fake: FakeDiscord, record: dict[str, Any], body: dict[str, Any],
               files: list[tuple[str, bytes]]) -> None:
    for key in MESSAGE_KEYS:
        if key in body:
            record[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
    if "allowed_mentions" in body:
        record["allowed_mentions"] = body["allowed_mentions"]
    if "attachments" in body or files:
        record["attachments"] = _attachments(fake, body, files, record["attachments"])
    record["flags"] = int(record["flags"]) & ~checks.LOADING
    record["edited_timestamp"] = now_iso()
    record["edits"] += 1


def _check(fake: FakeDiscord, found: tuple[list[str], bool]) -> None:
    violations, rejected = found
    fake.violations.extend(violations)
    if rejected:
        raise Reject(400, 50035, "Invalid Form Body")


def _body(req: Request) -> dict[str, Any]:
    return req.json if isinstance(req.json, dict) else {}


# identity, gateway

@route("GET", "/users/@me")
def get_me(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    return 200, {**fake.user_object(fake.bot_user_id), "bot": True, "verified": True,
                 "mfa_enabled": False, "flags": 0}


@route("GET", "/oauth2/applications/@me")
def get_application(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    return 200, {
        "id": str(fake.application_id), "name": "testbot", "icon": None, "description": "",
        "bot_public": True, "bot_require_code_grant": False, "verify_key": "00" * 32,
        "owner": fake.user_object(fake.owner_id), "flags": 0, "team": None,
        "summary": "", "rpc_origins": [], "redirect_uris": [],
        "interactions_endpoint_url": None, "integration_types_config": {"0": {}, "1": {}},
    }


@route("GET", "/users/{user_id}")
def get_user(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    if int(req.params["user_id"]) not in fake.users:
        raise Reject(404, 10013, "Unknown User")
    return 200, fake.user_object(int(req.params["user_id"]))


@route("GET", "/gateway")
def get_gateway(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    return 200, {"url": fake.gateway_url}


@route("GET", "/gateway/bot")
def get_gateway_bot(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
    return 200, {"url": fake.gateway_url, "shards": 1, "session_start_limit": limit}


# application commands

def _commands_key(fake: FakeDiscord, req: Request) -> int | None:
    if int(req.params["application_id"]) != fake.application_id:
        raise Reject(403, 50001, "Missing Access")
    if "guild_id" not in req.params:
        return None
    guild_id = int(req.params["guild_id"])
    if guild_id not in fake.guilds:
        raise Reject(403, 50001, "Missing Access")
    return guild_id


@route("GET", "/applications/{application_id}/commands")
@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
def get_commands(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    return 200, fake.commands.get(_commands_key(fake, req), [])


@route("PUT", "/applications/{application_id}/commands")
@route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
def put_commands(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    key = _commands_key(fake, req)
    where = "commands " + ("global" if key is None else f"guild {key}")
    _check(fake, checks.check_commands(req.json, where))
    before = {(c["name"], c.get("type", 1)): c["id"] for c in fake.commands.get(key, [])}
    stored = []
    for command in req.json:
        kind = int(command.get("type", 1))
        command_id = before.get((command["name"], kind))
        if command_id is None:
            command_id = str(fake.new_id())
            fake.command_creates[key] = fake.command_creates.get(key, 0) + 1
            if fake.command_creates[key] > 200:
                fake.violations.append(f"{where}: over 200 command creates in a day")
                raise Reject(400, 30034, "Max number of daily application command creates "
                                         "has been reached (200)")
        entry = {**command, "id": command_id, "application_id": str(fake.application_id),
                 "version": str(fake.new_id()), "type": kind,
                 "default_member_permissions": command.get("default_member_permissions")}
        if key is not None:
            entry["guild_id"] = str(key)
        stored.append(entry)
    fake.commands[key] = stored
    return 200, stored


# channels and DMs

def _channel(fake: FakeDiscord, req: Request) -> int:
    channel_id = int(req.params["channel_id"])
    if channel_id not in fake.channels:
        raise Reject(404, 10003, "Unknown Channel")
    return channel_id


def channel_object(fake: FakeDiscord, channel_id: int) -> dict[str, Any]:
    info = fake.channels[channel_id]
    if info.get("guild_id") is None:
        recipient = fake.user_object(int(info["recipient"]))
        return {"id": str(channel_id), "type": 1, "recipients": [recipient],
                "last_message_id": None, "flags": 0}
    return {"id": str(channel_id), "type": 0, "guild_id": str(info["guild_id"]),
            "name": info["name"], "position": info["position"], "permission_overwrites": [],
            "nsfw": False, "parent_id": None, "topic": None, "rate_limit_per_user": 0,
            "last_message_id": None, "flags": 0}


@route("POST", "/users/@me/channels")
def open_dm(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    recipient = _body(req).get("recipient_id")
    if recipient is None or not str(recipient).isdigit():
        raise Reject(400, 50035, "Invalid Form Body")
    return 200, channel_object(fake, fake.dm_channel_for(int(recipient)))


@route("GET", "/channels/{channel_id}")
def get_channel(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    return 200, channel_object(fake, _channel(fake, req))


@route("POST", "/channels/{channel_id}/messages")
def post_message(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    channel_id = _channel(fake, req)
    body = _body(req)
    recipient = fake.channels[channel_id].get("recipient")
    if recipient is not None and fake.users.get(int(recipient), {}).get("dms_closed"):
        raise Reject(403, 50007, "Cannot send messages to this user")
    if checks.is_empty(body, len(req.files)):
        raise Reject(400, 50006, "Cannot send an empty message")
    _check(fake, checks.check_message(body, f"message to {channel_id}", fake.allowed_ids))
    key = str(body.get("nonce")) if body.get("enforce_nonce") and body.get("nonce") else None
    if key is not None:  # the bot is the author of every message posted here
        earlier = fake.nonces.get(key)
        if earlier is not None and time.monotonic() - earlier["at"] < fake.nonce_window:
            fake.nonce_repeats += 1
            return 200, public(earlier)  # the same message again, nothing new posted
    record = new_message(fake, channel_id, body, req.files)
    fake.messages.append(record)
    if key is not None:
        record["nonce"] = key
        fake.nonces[key] = record
    return 200, public(record)


def _stored(fake: FakeDiscord, req: Request) -> dict[str, Any]:
    channel_id = _channel(fake, req)
    for record in fake.messages:
        same = record["id"] == req.params["message_id"] and record["channel_id"] == str(channel_id)
        if same and not record["deleted"]:
            return record
    raise Reject(404, 10008, "Unknown Message")


@route("GET", "/channels/{channel_id}/messages/{message_id}")
def get_message(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    return 200, public(_stored(fake, req))


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
def edit_message(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    record = _stored(fake, req)
    where = f"edit of message {record['id']}"
    _check(fake, checks.check_message(_body(req), where, fake.allowed_ids, create=False))
    apply_edit(fake, record, _body(req), req.files)
    return 200, public(record)


@route("DELETE", "/channels/{channel_id}/messages/{message_id}")
def delete_message(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    _stored(fake, req)["deleted"] = True
    return 204, None


# guilds

def _guild(fake: FakeDiscord, req: Request) -> int:
    guild_id = int(req.params["guild_id"])
    if guild_id not in fake.guilds:
        raise Reject(404, 10004, "Unknown Guild")
    return guild_id


@route("GET", "/guilds/{guild_id}")
def get_guild(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    guild = fake.guild_object(_guild(fake, req))
    return 200, {k: v for k, v in guild.items() if k not in ("channels", "members")}


@route("GET", "/guilds/{guild_id}/channels")
def get_guild_channels(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    return 200, fake.guild_object(_guild(fake, req))["channels"]


@route("GET", "/guilds/{guild_id}/members/{user_id}")
def get_member(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    guild_id, user_id = _guild(fake, req), int(req.params["user_id"])
    if user_id not in fake.guilds[guild_id]["members"]:
        raise Reject(404, 10007, "Unknown Member")
    return 200, fake.member_object(guild_id, user_id)
