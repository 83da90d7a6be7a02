"""What Slack sends, as the core's words: a Caller, a Where and the text typed.

Slack escapes `&`, `<` and `>` in message text and wraps mentions and links in angle
brackets (`<@U123>`, `<mailto:a@b.c|a@b.c>`, `<https://x.y|x.y>`); the core reads what
the person saw, so those are turned back into plain text here.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.context import Caller, Where
from bot.domain import Identity

PLATFORM = "slack"

_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_UNLABELLED = re.compile(r"<@([UW][A-Z0-9]+)>")


class Claims(Protocol):
    """The first claim of a key wins, across processes and restarts (storage.claims)."""

    async def claim(self, key: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Profile:
    """What users.info says of a person: the name to greet, the IANA zone to nudge in."""

    name: str
    timezone: str | None


def mentioned(text: str) -> set[str]:
    """The users a message mentions without a label (`<@U123>`): their names are asked."""
    return set(_UNLABELLED.findall(text))


def readable(
    text: str, bot_user_id: str | None = None, names: Mapping[str, str] | None = None
) -> str:
    """Message text as the person saw it: the bot's own mention dropped, other mentions
    shown by their label or the person's name (`names`), links by their label, Slack's
    escapes undone."""

    def label(m: re.Match[str]) -> str:
        target, shown = m.group(1), m.group(2)
        if bot_user_id and target == f"@{bot_user_id}":
            return ""
        if shown:
            return shown
        if names and target.startswith("@") and target[1:] in names:
            return names[target[1:]]
        if target.startswith("mailto:"):
            return target.removeprefix("mailto:")
        return target.lstrip("@#!")

    plain = _LINK.sub(label, text)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(plain.split())


def team_of(body: Mapping[str, Any]) -> str:
    """The workspace a payload comes from, whatever its shape."""
    team = body.get("team_id") or body.get("team")
    if isinstance(team, Mapping):
        team = team.get("id")
    if not team:
        user = body.get("user")
        if isinstance(user, Mapping):
            team = user.get("team_id")
    return str(team or "")


def caller(team: str, user_id: str, profile: Profile | None) -> Caller:
    name = profile.name if profile is not None else user_id
    return Caller(Identity(PLATFORM, team, user_id), name, profile.timezone if profile else None)


def where(team: str, channel_id: str | None, channel_name: str | None = None) -> Where:
    """A DM (channel ids starting with D) is personal: Where.channel_id None."""
    if not channel_id or channel_id.startswith("D"):
        return Where(PLATFORM, team, None, None)
    return Where(PLATFORM, team, channel_id, channel_name)


def event_key(team: str, event_id: str) -> str:
    return f"slack:{team}:{event_id}"


def profile_of(user: Mapping[str, Any]) -> Profile:
    """users.info's `user` (or a user_change event's) as a Profile."""
    fields = user.get("profile") or {}
    name = (
        fields.get("display_name")
        or fields.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or str(user.get("id", ""))
    )
    tz = user.get("tz")
    return Profile(str(name), str(tz) if tz else None)


class Profiles:
    """users.info, asked once per person per process (Tier 4, but every message would be
    a call); a user_change event refreshes the entry."""

    def __init__(self, size: int = 10_000) -> None:
        self._known: OrderedDict[str, Profile] = OrderedDict()
        self._size = size

    def get(self, user_id: str) -> Profile | None:
        profile = self._known.get(user_id)
        if profile is not None:
            self._known.move_to_end(user_id)
        return profile

    def put(self, user_id: str, profile: Profile) -> None:
        self._known[user_id] = profile
        self._known.move_to_end(user_id)
        while len(self._known) > self._size:
            self._known.popitem(last=False)
