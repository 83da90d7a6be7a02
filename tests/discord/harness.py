"""nextinterview's own Discord wiring (adapters/runtime/discord.py) on a real SQLite file,
the real discord.py client, and the fake Discord on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.client import DiscordBot, DiscordConfig
from adapters.runtime.discord import DiscordConnection, build_discord
from bot.core import Core
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import uow_factory
from tests.discord import payloads
from tests.discord.fake_discord import Answer, FakeDiscord, eventually
from tests.fakes import FakeClock


def text_of(data: dict[str, Any] | None) -> str:
    """What a member reads in a message or callback: content and every embed's text."""
    if not data:
        return ""
    out = [data.get("content") or ""]
    for e in data.get("embeds") or []:
        out += [e.get("title") or "", e.get("description") or ""]
        out += [f"{f['name']}\n{f['value']}" for f in e.get("fields") or []]
        out.append((e.get("footer") or {}).get("text") or "")
    return "\n".join(x for x in out if x)


def custom_ids(data: dict[str, Any] | None) -> list[str]:
    rows = (data or {}).get("components") or []
    return [c["custom_id"] for row in rows for c in row.get("components", []) if "custom_id" in c]


@dataclass
class DiscordUnderTest:
    fake: FakeDiscord
    bot: DiscordBot
    conn: DiscordConnection
    core: Core
    engine: AsyncEngine
    clock: FakeClock

    async def slash(self, name: str, options: Any = None, **kw: Any) -> Answer:
        return await self.fake.interact(payloads.slash(name, options, **kw))

    async def say(self, name: str, options: Any = None, **kw: Any) -> str:
        """A slash command's answer as text, whether it came at once or after a defer."""
        answer = await self.slash(name, options, **kw)
        if answer.type == 5:  # deferred: the answer is the edited original
            await eventually(lambda: bool(text_of(self.fake.original(answer.interaction_id))))
            return text_of(self.fake.original(answer.interaction_id))
        return text_of(answer.data)


@asynccontextmanager
async def discord_bot(
    fake: FakeDiscord,
    tmp_path: Path,
    guild_ids: tuple[int, ...] = (),
    db: str = "discord.db",
    answer_budget_s: float = 2.0,
) -> AsyncIterator[DiscordUnderTest]:
    url = f"sqlite+aiosqlite:///{tmp_path}/{db}"
    await upgrade(url)
    engine = make_engine(url)
    clock = FakeClock()
    core = Core(uow_factory(engine, clock), clock)
    # Tests default to a generous answer budget: they see the immediate answer whatever
    # the machine's load (the deferred path has its own test; the bench uses the real one).
    config = DiscordConfig(
        token=fake.token,
        guild_ids=guild_ids,
        guild_ready_timeout=0.05,
        answer_budget_s=answer_budget_s,
    )
    with fake.patch_discord():
        bot, _delivery, conn = build_discord(core, config, engine, clock)
        await conn.start()
        try:
            await fake.wait_ready()
            yield DiscordUnderTest(fake, bot, conn, core, engine, clock)
        finally:
            await conn.stop()
            await engine.dispose()


def dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
