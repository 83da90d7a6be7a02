"""The fake Slack's Web API methods: handler(fake, args) -> the body after "ok": true.

A handler raises fake.answer(error) to answer {"ok": false, "error": error}. The rules
each method follows are described in tests/slack/fake_slack.py's docstring.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tests.slack.fake_checks import check_message, check_view

if TYPE_CHECKING:
    from tests.slack.fake_slack import FakeSlack

Handler = Callable[["FakeSlack", dict[str, Any]], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}

__all__ = ["HANDLERS", "check_message", "user_object"]


def method(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def user_object(user_id: str, name: str, tz: str, team_id: str) -> dict[str, Any]:
    """A users.info "user" as Slack shapes it; tz_offset is the zone's offset right now."""
    local = datetime.now(UTC).astimezone(ZoneInfo(tz))
    offset = local.utcoffset()
    real_name = name.title()
    return {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "deleted": False,
        "real_name": real_name,
        "tz": tz,
        "tz_label": local.tzname() or tz,
        "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
        "profile": {
            "real_name": real_name,
            "display_name": name,
            "real_name_normalized": real_name,
            "display_name_normalized": name,
            "team": team_id,
        },
        "is_admin": False,
        "is_owner": False,
        "is_bot": False,
        "is_app_user": False,
        "updated": 1700000000,
    }


def _dm_channel(fake: FakeSlack, channel: object) -> str:
    """The channel a post lands in: a user id means that user's DM."""
    if not isinstance(channel, str) or not channel:
        raise fake.answer("channel_not_found")
    if channel == fake.bot_user_id:
        raise fake.answer("cannot_dm_bot")
    return "D" + channel if channel[0] in "UW" else channel


def _find(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel, ts = args.get("channel"), args.get("ts")
    if not isinstance(channel, str) or not channel or channel[0] in "UW":
        raise fake.answer("channel_not_found")
    for message in reversed(fake.messages):
        if message["channel"] == channel and message["ts"] == ts and not message["ephemeral"]:
            if message.get("deleted"):
                break
            found: dict[str, Any] = message
            return found
    raise fake.answer("message_not_found")


def _bot_message(fake: FakeSlack, message: dict[str, Any]) -> dict[str, Any]:
    out = {
        "type": "message",
        "user": fake.bot_user_id,
        "bot_id": fake.bot_id,
        "team": fake.team_id,
        "text": message["text"],
        "ts": message["ts"],
    }
    if message.get("blocks") is not None:
        out["blocks"] = message["blocks"]
    if message.get("thread_ts"):
        out["thread_ts"] = message["thread_ts"]
    return out


@method("auth.test")
def auth_test(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": "https://fake-workspace.slack.com/",
        "team": "Fake Workspace",
        "user": "nextinterview",
        "team_id": fake.team_now,  # the workspace of the token asking
        "user_id": fake.bot_user_of(fake.team_now),
        "bot_id": fake.bot_id,
        "is_enterprise_install": False,
    }


@method("chat.postMessage")
def chat_post_message(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _dm_channel(fake, args.get("channel"))
    fake.check(check_message(args, fake.allowed_mentions, f"chat.postMessage to {channel}"))
    fake.throttle_post(channel)
    message = {
        "channel": channel,
        "ts": fake.next_ts(),
        "text": args.get("text"),
        "blocks": args.get("blocks"),
        "thread_ts": args.get("thread_ts"),
        "ephemeral": False,
        "user": None,
        "team": fake.team_now,
    }
    fake.messages.append(message)
    return {"channel": channel, "ts": message["ts"], "message": _bot_message(fake, message)}


@method("chat.postEphemeral")
def chat_post_ephemeral(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _dm_channel(fake, args.get("channel"))
    user = args.get("user")
    if not user:
        raise fake.answer("user_not_found")
    fake.check(check_message(args, fake.allowed_mentions, f"chat.postEphemeral to {channel}"))
    fake.throttle_post(channel)
    ts = fake.next_ts()
    fake.messages.append(
        {
            "channel": channel,
            "ts": ts,
            "text": args.get("text"),
            "blocks": args.get("blocks"),
            "thread_ts": args.get("thread_ts"),
            "ephemeral": True,
            "user": user,
            "team": fake.team_now,
        }
    )
    return {"message_ts": ts}


@method("chat.update")
def chat_update(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    message = _find(fake, args)
    fake.check(check_message(args, fake.allowed_mentions, f"chat.update {message['ts']}"))
    message["text"] = args.get("text")
    if "blocks" in args:
        message["blocks"] = args["blocks"]
    message["edits"] = message.get("edits", 0) + 1
    return {
        "channel": message["channel"],
        "ts": message["ts"],
        "text": message["text"],
        "message": _bot_message(fake, message),
    }


@method("chat.delete")
def chat_delete(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    message = _find(fake, args)
    message["deleted"] = True
    return {"channel": message["channel"], "ts": message["ts"]}


def _view_body(fake: FakeSlack, view: dict[str, Any], view_id: str) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": fake.team_id,
        "state": {"values": {}},
        "hash": f"{fake.next_ts()}.fakehash",
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "root_view_id": view_id,
        "previous_view_id": None,
        "app_id": "A0001",
        "bot_id": fake.bot_id,
        **view,
    }


def _record_view(
    fake: FakeSlack, name: str, args: dict[str, Any], user_id: str | None, view_id: str
) -> dict[str, Any]:
    view = args.get("view")
    fake.check(check_view(view, fake.allowed_mentions, f"{name} for {user_id}"))
    assert isinstance(view, dict)
    fake.views.append(
        {
            "method": name,
            "user_id": user_id,
            "view": view,
            "trigger_id": args.get("trigger_id"),
            "view_id": view_id,
            "team": fake.team_now,
        }
    )
    return {"view": _view_body(fake, view, view_id)}


def _opener(name: str) -> Handler:
    def open_view(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
        fake.take_trigger(args.get("trigger_id"))
        user_id = args.get("user_id") or fake.trigger_users.get(str(args.get("trigger_id")))
        return _record_view(fake, name, args, user_id, fake.new_id("V"))

    return open_view


HANDLERS["views.open"] = _opener("views.open")
HANDLERS["views.push"] = _opener("views.push")


@method("views.update")
def views_update(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    view_id, external_id = args.get("view_id"), args.get("external_id")
    for seen in reversed(fake.views):
        same_id = view_id and seen["view_id"] == view_id
        if same_id or (external_id and seen["view"].get("external_id") == external_id):
            return _record_view(fake, "views.update", args, seen["user_id"], seen["view_id"])
    raise fake.answer("not_found")


@method("views.publish")
def views_publish(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user_id = args.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise fake.answer("invalid_arguments")
    published = (v for v in fake.views if v["method"] == "views.publish")
    home = next((v["view_id"] for v in published if v["user_id"] == user_id), f"VH{user_id}")
    return _record_view(fake, "views.publish", args, user_id, home)


@method("users.info")
def users_info(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user = fake.users.get(str(args.get("user")))
    if user is None:
        raise fake.answer("user_not_found")
    return {"user": user}


@method("conversations.open")
def conversations_open(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    users = [u for u in str(args.get("users") or "").split(",") if u]
    if not users:
        if args.get("channel"):
            return {"channel": {"id": args["channel"]}, "no_op": True, "already_open": True}
        raise fake.answer("users_list_not_supplied")
    channel = _dm_channel(fake, users[0]) if len(users) == 1 else fake.new_id("G")
    return {"channel": {"id": channel}}


@method("conversations.info")
def conversations_info(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = args.get("channel")
    if not isinstance(channel, str) or not channel or channel[0] not in "CDG":
        raise fake.answer("channel_not_found")
    if channel in fake.channels:
        return {"channel": {"id": channel, **fake.channels[channel]}}
    if channel[0] == "D":
        info = {"id": channel, "is_im": True, "user": channel[1:], "is_open": True}
        return {"channel": info}
    info = {
        "id": channel,
        "name": f"channel-{channel.lower()}",
        "is_channel": channel[0] == "C",
        "is_private": channel[0] == "G",
        "is_im": False,
        "is_archived": False,
        "is_member": True,
    }
    return {"channel": info}


@method("files.getUploadURLExternal")
def files_get_upload_url(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("filename") or not str(args.get("length", "")).isdigit():
        raise fake.answer("invalid_arguments")
    file_id = fake.new_id("F")
    fake._uploads[file_id] = {"filename": args["filename"], "length": int(args["length"])}
    return {"upload_url": f"{fake.base_url}/upload/{file_id}", "file_id": file_id}


@method("files.completeUploadExternal")
def files_complete_upload(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    try:
        listed = json.loads(str(args.get("files")))
    except ValueError:
        raise fake.answer("invalid_arguments") from None
    named = str(args.get("channel_id") or args.get("channels") or "")
    channels: list[str | None] = [c for c in named.split(",") if c] or [None]
    out = []
    for item in listed if isinstance(listed, list) else []:
        upload = fake._uploads.get(str(item.get("id")))
        if upload is None or "content" not in upload:
            raise fake.answer("file_not_found")
        title = item.get("title") or upload["filename"]
        for channel in channels:
            fake.files.append(
                {
                    "channel_id": channel,
                    "filename": upload["filename"],
                    "title": title,
                    "content": upload["content"],
                    "initial_comment": args.get("initial_comment"),
                    "thread_ts": args.get("thread_ts"),
                }
            )
        out.append({"id": item["id"], "title": title, "name": upload["filename"]})
    if not out:
        raise fake.answer("invalid_arguments")
    return {"files": out}


@method("apps.connections.open")
def apps_connections_open(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    return {"url": fake._socket_url(fake.base_url)}
