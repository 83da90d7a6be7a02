"""Autocomplete for slash-command options, answered from memory at once.

Discord asks on every keystroke, gives each answer 3 seconds and lets none be deferred, so
a member's contact names and companies come from a small per-member cache that an injected
loader fills (the lead wires it to the core). A cold cache waits a moment for the loader and
otherwise answers what it has; the load goes on and serves the next keystroke. A member's
entry is dropped when they run a command (their contacts may have changed) or after a TTL.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import zoneinfo
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import discord
from discord import app_commands

import bot.handlers  # noqa: F401  (fills the registry)
from bot.commands import REGISTRY

log = logging.getLogger(__name__)

MAX_CHOICES = 25  # Discord's limit per answer
MAX_CHOICE_TEXT = 100  # a choice's name and value
TTL_S = 300.0
LOAD_BUDGET_S = 1.0  # how long a cold cache waits for the loader before answering
MAX_MEMBERS = 2000  # cached members; the least recently asked go first

Person = discord.User | discord.Member
Loader = Callable[[Person], Awaitable[tuple[list[str], list[str]]]]  # (names, companies)
Clock = Callable[[], float]

KINDS = ("contacts", "companies", "timezones", "commands")
_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
# Offered before anything is typed: a few zones most members are in, then they type.
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Lagos",
)


class Suggester(Protocol):
    async def suggest(
        self, kind: str, user: Person, current: str
    ) -> list[app_commands.Choice[str]]: ...

    def invalidate(self, user_id: int) -> None: ...


def _folded(text: str) -> str:
    return text.casefold().replace("_", " ")


_WORD_BREAK = re.compile(r"[/\s\-]+")


def rank(candidates: Iterable[str], current: str) -> list[str]:
    """Candidates matching what was typed, case-insensitively ("_" reads as a space): the
    whole starting with it first, then a path part ("Area/City"), then a word, then anywhere.
    Order within a rank is kept, so the caller decides it (recent contacts first)."""
    query = _folded(current.strip())
    if not query:
        return list(candidates)
    ranked: list[tuple[int, int, str]] = []
    for i, candidate in enumerate(candidates):
        text = _folded(candidate)
        if text.startswith(query):
            level = 0
        elif any(part.startswith(query) for part in text.split("/")[1:]):
            level = 1
        elif any(word.startswith(query) for word in _WORD_BREAK.split(text)):
            level = 2
        elif query in text:
            level = 3
        else:
            continue
        ranked.append((level, i, candidate))
    return [c for _, _, c in sorted(ranked)]


def choices(names: Iterable[str]) -> list[app_commands.Choice[str]]:
    """At most 25 choices, each name and value within 100 characters, no repeats. A name too
    long to send whole is left out: cut short it would name someone else."""
    out: list[app_commands.Choice[str]] = []
    seen: set[str] = set()
    for name in names:
        key = name.casefold()
        if not name.strip() or len(name) > MAX_CHOICE_TEXT or key in seen:
            continue
        seen.add(key)
        out.append(app_commands.Choice(name=name, value=name))
        if len(out) == MAX_CHOICES:
            break
    return out


@cache
def timezones() -> tuple[str, ...]:
    """IANA names, Area/City first (what members mean), then the rest, each alphabetical."""

    def key(name: str) -> tuple[bool, str]:
        return (name.split("/")[0] not in _AREAS, name)

    return tuple(sorted(zoneinfo.available_timezones(), key=key))


def command_names() -> tuple[str, ...]:
    """The commands `help` explains, as the command language names them."""
    return tuple(name for name, spec in REGISTRY.items() if not spec.hidden)


@dataclass(slots=True)
class _Lists:
    expires: float
    names: list[str]
    companies: list[str]


class Suggestions:
    """The Suggester the bot uses: contacts and companies per member, zones, commands."""

    def __init__(
        self,
        loader: Loader,
        *,
        ttl_s: float = TTL_S,
        budget_s: float = LOAD_BUDGET_S,
        clock: Clock = time.monotonic,
        max_members: int = MAX_MEMBERS,
        commands: Sequence[str] | None = None,
    ) -> None:
        self.loader = loader
        self.ttl_s = ttl_s
        self.budget_s = budget_s
        self.clock = clock
        self.max_members = max_members
        self._commands = tuple(commands) if commands is not None else None
        self._cache: OrderedDict[int, _Lists] = OrderedDict()
        self._loading: dict[int, asyncio.Task[_Lists | None]] = {}

    async def suggest(
        self, kind: str, user: Person, current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            if kind == "timezones":
                return choices(rank(timezones(), current) if current.strip() else COMMON_ZONES)
            if kind == "commands":
                return choices(rank(self._commands or command_names(), current))
            if kind not in ("contacts", "companies"):
                return []
            lists = await self._lists(user)
            if lists is None:
                return []
            return choices(rank(lists.names if kind == "contacts" else lists.companies, current))
        except Exception:  # an unanswered autocomplete is only an empty menu; never raise
            log.exception("autocomplete %s failed", kind)
            return []

    def invalidate(self, user_id: int) -> None:
        """Forget a member's lists (they ran a command): the next keystroke loads afresh.
        A load already under way is not stored; it may predate the change."""
        self._cache.pop(user_id, None)
        self._loading.pop(user_id, None)

    def cached(self, user_id: int) -> bool:
        hit = self._cache.get(user_id)
        return hit is not None and hit.expires > self.clock()

    async def _lists(self, user: Person) -> _Lists | None:
        hit = self._cache.get(user.id)
        if hit is not None:
            self._cache.move_to_end(user.id)
            if hit.expires > self.clock():
                return hit
        task = self._loading.get(user.id)
        if task is None:
            task = asyncio.ensure_future(self._load(user))
            self._loading[user.id] = task
        try:
            # shield: a slow load is not cancelled, it fills the cache for the next keystroke
            fresh = await asyncio.wait_for(asyncio.shield(task), self.budget_s)
        except TimeoutError:
            fresh = None
        return fresh or hit  # a stale list beats none while the new one loads

    async def _load(self, user: Person) -> _Lists | None:
        mine = asyncio.current_task()
        try:
            names, companies = await self.loader(user)
        except Exception:
            log.warning("could not load autocomplete lists for %s", user.id, exc_info=True)
            return None
        finally:
            stale = self._loading.get(user.id) is not mine  # invalidated meanwhile
            if not stale:
                self._loading.pop(user.id, None)
        lists = _Lists(self.clock() + self.ttl_s, list(names), list(companies))
        if not stale:
            self._cache[user.id] = lists
            self._cache.move_to_end(user.id)
            while len(self._cache) > self.max_members:
                self._cache.popitem(last=False)
        return lists
