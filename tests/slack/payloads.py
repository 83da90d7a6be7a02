"""Builders of what Slack sends the app, shaped like ../shared/platform-fixtures/slack/*.json.

Each builder answers the payload itself: a dict of form fields (slash commands), an
event_callback body (events) or an interaction payload (block_actions, view_submission,
shortcut). Socket Mode sends them as an envelope's payload (FakeSlack.push with
"slash_commands", "events_api" or "interactive"); HTTP mode sends them encoded:
form_body(slash_command(...)), json_body(message_im(...)), interactive_body(block_action(...)).
Pass fake.response_url() and fake.mint_trigger() when the app will use them.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

APP_ID = "A0001"
BOT_USER = "UBOT"
COMMAND = "/next"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_counter = 0


def _n() -> int:
    global _counter
    _counter += 1
    return _counter


def form_body(fields: dict[str, str]) -> str:
    return urlencode(fields)


def json_body(payload: dict[str, Any]) -> str:
    return json.dumps(payload)


def interactive_body(payload: dict[str, Any]) -> str:
    """Interactions arrive form-encoded: payload=<url-quoted JSON>."""
    return urlencode({"payload": json.dumps(payload)})


def slash_command(
    text: str,
    user: str = "U1",
    team: str = "T0001",
    channel: str = "D1",
    channel_name: str = "directmessage",
    response_url: str = "https://hooks.slack.com/commands/T0001/1/unused",
    trigger_id: str = "1.1.unused-trigger",
    command: str = COMMAND,
    user_name: str | None = None,
) -> dict[str, str]:
    return {
        "token": "verification-token",
        "team_id": team,
        "team_domain": "fake-workspace",
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": user_name or user.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def _event_callback(team: str, event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": "verification-token",
        "team_id": team,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team,
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event['type']}-{team}",
    }


def message_im(
    text: str,
    user: str = "U1",
    team: str = "T0001",
    channel: str = "D1",
    event_id: str = "Ev1",
    ts: str = "1.0",
) -> dict[str, Any]:
    event = {
        "client_msg_id": f"msg-{event_id}",
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "team": team,
        "channel_type": "im",
    }
    return _event_callback(team, event, event_id)


def app_mention(
    text: str,
    user: str = "U1",
    team: str = "T0001",
    channel: str = "C1",
    event_id: str = "Ev2",
    ts: str = "2.0",
) -> dict[str, Any]:
    """text as Slack delivers it, e.g. f"<@{BOT_USER}> log met Jane"."""
    event = {
        "client_msg_id": f"msg-{event_id}",
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "team": team,
        "channel": channel,
        "event_ts": ts,
    }
    return _event_callback(team, event, event_id)


def app_home_opened(user: str = "U1", team: str = "T0001", event_id: str = "Ev3") -> dict[str, Any]:
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user,
        "tab": "home",
        "event_ts": "3.0",
    }
    return _event_callback(team, event, event_id)


def user_change(
    user_obj: dict[str, Any], team: str = "T0001", event_id: str = "Ev4"
) -> dict[str, Any]:
    """user_obj: a users.info "user" (FakeSlack.users[...]) with the changed fields."""
    event = {"type": "user_change", "user": user_obj, "cache_ts": 1700000000, "event_ts": "4.0"}
    return _event_callback(team, event, event_id)


def _user(user: str, team: str) -> dict[str, Any]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team}


def _team(team: str) -> dict[str, Any]:
    return {"id": team, "domain": "fake-workspace"}


def block_action(
    action_id: str,
    value: str,
    user: str = "U1",
    team: str = "T0001",
    channel: str | None = "D1",
    message_ts: str = "1.0",
    response_url: str = "https://hooks.slack.com/actions/T0001/1/unused",
    container: dict[str, Any] | None = None,
    trigger_id: str = "1.2.unused-trigger",
    block_id: str = "actions",
    ephemeral: bool = False,
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A button press in a message (default) or, with channel=None and view=..., in a view."""
    if container is None:
        if channel is None:
            container = {"type": "view", "view_id": (view or {}).get("id", "VH1")}
        else:
            container = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user, team),
        "api_app_id": APP_ID,
        "token": "verification-token",
        "container": container,
        "trigger_id": trigger_id,
        "team": _team(team),
        "enterprise": None,
        "is_enterprise_install": False,
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": "Button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"1700000000.{_n():06d}",
            }
        ],
    }
    if channel is not None:
        payload["channel"] = {"id": channel, "name": "directmessage"}
        payload["message"] = {"type": "message", "user": BOT_USER, "ts": message_ts, "text": ""}
    else:
        payload["view"] = {"type": "home", "id": "VH1", "blocks": [], **(view or {})}
    return payload


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, Any]],
    user: str = "U1",
    team: str = "T0001",
    private_metadata: str = "",
    view_id: str = "V1",
    trigger_id: str = "1.3.unused-trigger",
) -> dict[str, Any]:
    """values: block_id -> action_id -> value object, e.g.
    {"note": {"note": {"type": "plain_text_input", "value": "hi"}}}."""
    return {
        "type": "view_submission",
        "team": _team(team),
        "user": _user(user, team),
        "api_app_id": APP_ID,
        "token": "verification-token",
        "trigger_id": trigger_id,
        "view": {
            "id": view_id,
            "team_id": team,
            "type": "modal",
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": "1700000000.fakehash",
            "title": {"type": "plain_text", "text": "nextinterview"},
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team,
            "bot_id": "B0001",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def global_shortcut(
    callback_id: str,
    user: str = "U1",
    team: str = "T0001",
    trigger_id: str = "1.4.unused-trigger",
) -> dict[str, Any]:
    return {
        "type": "shortcut",
        "token": "verification-token",
        "action_ts": f"1700000000.{_n():06d}",
        "team": _team(team),
        "user": _user(user, team),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
    }


def app_uninstalled(team: str, event_id: str = "EvU1") -> dict[str, Any]:
    """Slack's word that a workspace removed the app (its tokens are revoked already)."""
    return _event_callback(team, {"type": "app_uninstalled", "event_ts": "1700000000.1"}, event_id)


def tokens_revoked(
    team: str,
    bot: tuple[str, ...] = (BOT_USER,),
    oauth: tuple[str, ...] = (),
    event_id: str = "EvR1",
) -> dict[str, Any]:
    event = {
        "type": "tokens_revoked",
        "tokens": {"oauth": list(oauth), "bot": list(bot)},
        "event_ts": "1700000000.2",
    }
    return _event_callback(team, event, event_id)


def url_verification(challenge: str = "challenge-token") -> dict[str, Any]:
    return {"token": "verification-token", "challenge": challenge, "type": "url_verification"}
