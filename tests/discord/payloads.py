"""Builders of the INTERACTION_CREATE payloads Discord sends, as discord.py 2.7 reads them.

Shaped like ../shared/platform-fixtures/discord/interaction_create.slash.doc.json plus what
discord.py requires (application_id, version, attachment_size_limit; a member's `flags`).
In a guild (guild_id set) the user is in `member.user` and `member.permissions` holds
their permissions there; elsewhere the user is in `user`. context: 0 guild, 1 the bot's
DM (the default without a guild), 2 a private channel (needs install="user").
FakeDiscord.interact() fills in the rest Discord knows: application_id, the registered
command's id, the user's DM channel for context 1.

    fake.interact(slash("log", {"kind": "coffee", "person": "Priya"}))
    fake.interact(slash("group", subcommand="setup", guild_id=G, channel_id=C))
    fake.interact(autocomplete("log", focused="person", value="Pri"))
    fake.interact(component("done 42", message=fake.messages[-1], guild_id=None))
    fake.interact(modal_submit("log-modal", {"person": "Priya", "note": "coffee"}))
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from tests.discord.fake_rest import public

APPLICATION_ID = 900000000000000001
USER_ID = 100000000000000001
GUILD_ID = 300000000000000001
CHANNEL_ID = 400000000000000001
DM_CHANNEL_ID = 500000000000000001  # replaced by the user's DM channel in FakeDiscord
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
MANAGE_GUILD = 1 << 5
# view channel, send messages, embed links, attach files, read history, use app commands
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
APP_PERMISSIONS = MEMBER_PERMISSIONS

_ids = itertools.count(1)


def _snowflake() -> str:
    return str(1_400_000_000_000_000_000 + next(_ids))


def user(user_id: int = USER_ID, name: str | None = None) -> dict[str, Any]:
    return {"id": str(user_id), "username": name or f"user{user_id}", "global_name": None,
            "discriminator": "0", "avatar": None, "public_flags": 0}


def member(user_id: int = USER_ID, permissions: int = MEMBER_PERMISSIONS,
           name: str | None = None) -> dict[str, Any]:
    return {"user": user(user_id, name), "roles": [], "permissions": str(permissions),
            "joined_at": "2025-01-01T00:00:00+00:00", "flags": 0, "deaf": False,
            "mute": False, "pending": False, "nick": None, "avatar": None,
            "premium_since": None, "communication_disabled_until": None}


def option(name: str, value: Any, type: int | None = None, focused: bool = False
           ) -> dict[str, Any]:
    """One filled-in option; the type follows the value (str 3, bool 5, int 4, float 10)."""
    if type is None:
        type = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else (
            10 if isinstance(value, float) else 3)
    out: dict[str, Any] = {"name": name, "type": type, "value": value}
    if focused:
        out["focused"] = True
    return out


def _options(options: dict[str, Any] | Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if options is None:
        return []
    if isinstance(options, dict):
        return [option(k, v) for k, v in options.items()]
    return list(options)


def _nest(options: list[dict[str, Any]], subcommand: str | Sequence[str]) -> list[dict[str, Any]]:
    """Wrap options in the subcommand (type 1) and subcommand group (type 2) they belong to."""
    path = subcommand.split() if isinstance(subcommand, str) else list(subcommand)
    for depth, name in reversed(list(enumerate(path))):
        kind = 2 if depth == 0 and len(path) == 2 else 1
        options = [{"name": name, "type": kind, "options": options}]
    return options


def interaction(
    kind: int,
    data: dict[str, Any],
    user_id: int = USER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int | None = None,
    permissions: int = MEMBER_PERMISSIONS,
    context: int | None = None,
    install: str = "guild",
    username: str | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    """The common envelope of every interaction type."""
    if context is None:
        context = 0 if guild_id is not None else 1
    payload: dict[str, Any] = {
        "id": _snowflake(), "application_id": str(APPLICATION_ID), "type": kind,
        "token": f"interaction-token-{_snowflake()}", "version": 1, "data": data,
        "locale": locale, "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "entitlements": [], "entitlement_sku_ids": [], "context": context,
        "app_permissions": str(APP_PERMISSIONS),
    }
    if install == "user":
        payload["authorizing_integration_owners"] = {"1": str(user_id)}
    else:
        payload["authorizing_integration_owners"] = {"0": str(guild_id or 0)}
    if guild_id is not None:
        cid = str(channel_id or CHANNEL_ID)
        payload.update(guild_id=str(guild_id), guild_locale="en-US",
                       guild={"id": str(guild_id), "locale": "en-US", "features": []},
                       member=member(user_id, permissions, username))
        payload["channel"] = {"id": cid, "type": 0, "guild_id": str(guild_id),
                              "name": "general", "position": 0, "permission_overwrites": [],
                              "nsfw": False, "parent_id": None, "topic": None,
                              "rate_limit_per_user": 0, "last_message_id": None, "flags": 0}
    else:
        cid = str(channel_id or DM_CHANNEL_ID)
        payload["user"] = user(user_id, username)
        other = user(user_id + 1) if context == 2 else payload["user"]
        payload["channel"] = {"id": cid, "type": 1, "recipients": [other],
                              "last_message_id": None, "flags": 0}
    payload["channel_id"] = cid
    return payload


def slash(
    name: str,
    options: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
    user_id: int = USER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int | None = None,
    subcommand: str | Sequence[str] = (),
    **envelope: Any,
) -> dict[str, Any]:
    """A slash command (type 2); subcommand "setup" or "admin setup" nests the options."""
    data = {"id": _snowflake(), "name": name, "type": 1,
            "options": _nest(_options(options), subcommand)}
    return interaction(2, data, user_id, guild_id, channel_id, **envelope)


def autocomplete(
    name: str,
    focused: str,
    value: str = "",
    options: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
    user_id: int = USER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int | None = None,
    subcommand: str | Sequence[str] = (),
    **envelope: Any,
) -> dict[str, Any]:
    """An autocomplete request (type 4): `focused` is being typed, `value` so far."""
    filled = [o for o in _options(options) if o["name"] != focused]
    filled.append(option(focused, value, type=3, focused=True))
    data = {"id": _snowflake(), "name": name, "type": 1, "options": _nest(filled, subcommand)}
    return interaction(4, data, user_id, guild_id, channel_id, **envelope)


def bot_message(
    channel_id: int = CHANNEL_ID,
    content: str = "",
    components: list[dict[str, Any]] | None = None,
    author_id: int = APPLICATION_ID,
    flags: int = 0,
) -> dict[str, Any]:
    """A message the bot posted (what a component interaction carries in `message`)."""
    return {"id": _snowflake(), "channel_id": str(channel_id), "type": 0,
            "author": {**user(author_id, "testbot"), "bot": True}, "content": content,
            "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "components": components or [],
            "pinned": False, "flags": flags}


def _button_row(custom_id: str) -> list[dict[str, Any]]:
    button = {"type": 2, "style": 1, "label": "Go", "custom_id": custom_id}
    return [{"type": 1, "components": [button]}]


def component(
    custom_id: str,
    message: dict[str, Any] | None = None,
    user_id: int = USER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int | None = None,
    component_type: int = 2,
    values: list[str] | None = None,
    **envelope: Any,
) -> dict[str, Any]:
    """A button press (type 3; component_type 3 with `values` for a select) on `message`
    (a record from fake.messages, fake.original(...), or a bot_message(); by default a
    bot message holding just that button)."""
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        data["values"] = values
    payload = interaction(3, data, user_id, guild_id, channel_id, **envelope)
    if message is None:
        message = bot_message(int(payload["channel_id"]), components=_button_row(custom_id))
    payload["message"] = public(message) if "at" in message else dict(message)
    return payload


def modal_submit(
    custom_id: str,
    fields: dict[str, str],
    user_id: int = USER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int | None = None,
    message: dict[str, Any] | None = None,
    labels: bool = False,
    **envelope: Any,
) -> dict[str, Any]:
    """A modal submission (type 5): {text input custom_id: value}; labels=True wraps each
    input in a Label (type 18) as modals built with ui.Label send them."""
    rows: list[dict[str, Any]] = []
    for i, (field_id, value) in enumerate(fields.items()):
        text = {"type": 4, "id": 2 * i + 2, "custom_id": field_id, "value": value}
        if labels:
            rows.append({"type": 18, "id": 2 * i + 1, "component": text})
        else:
            rows.append({"type": 1, "id": 2 * i + 1, "components": [text]})
    payload = interaction(5, {"custom_id": custom_id, "components": rows}, user_id, guild_id,
                          channel_id, **envelope)
    if message is not None:
        payload["message"] = public(message) if "at" in message else dict(message)
    return payload
