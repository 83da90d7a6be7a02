"""Several real `nextinterview run` processes on one database, against the fake Slack in
HTTP mode (each process its own port) and the fake Discord split by shards: started,
waited for until each `/readyz` says 200. Shared by the three-process test and bench."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import aiohttp
from sqlalchemy import text

from adapters.runtime.clock import SystemClock
from bot.domain import Identity, Member
from bot.nudges.model import Nudge, NudgeKind
from storage.engine import make_engine
from storage.uow import uow_factory
from tests.bench.spawn import Running, running
from tests.discord.fake_discord import FakeDiscord
from tests.slack.fake_slack import FakeSlack

SECRET = "signing-secret-three"


@dataclass
class Proc:
    name: str
    port: int
    run: Running
    log: Path
    said: str = ""  # what /readyz last answered

    @property
    def worker(self) -> str:  # adapters.runtime.bootstrap.Runtime.worker
        return f"{socket.gethostname()}-{self.run.proc.pid}"

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(check: Callable[[], object], seconds: float, what: str) -> None:
    """Await `check()` (sync or async) until true, every 0.25 s, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if asyncio.iscoroutine(got):
            got = await got
        if got:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {seconds:g} s")
        await asyncio.sleep(0.25)


async def ready(session: aiohttp.ClientSession, proc: Proc) -> bool:
    assert proc.run.proc.returncode is None, f"{proc.name} exited:\n{proc.tail()}"
    try:
        async with session.get(f"http://127.0.0.1:{proc.port}/readyz") as response:
            proc.said = await response.text()
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError) as e:
        proc.said = repr(e)
        return False


async def start_processes(
    stack: AsyncExitStack,
    slack: FakeSlack,
    discord: FakeDiscord,
    database_url: str,
    home: Path,
    shards: Sequence[str | None],
) -> list[Proc]:
    """One process per entry of `shards` (its DISCORD_SHARD_IDS, of len(shards with one)
    shards; None: Slack only), named A, B, C...; returned once every one is ready. The
    stack stops them (SIGTERM) on the way out."""
    count = sum(1 for s in shards if s is not None)
    session = await stack.enter_async_context(
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5), trust_env=False)
    )
    procs: list[Proc] = []
    for i, shard in enumerate(shards):
        name = chr(ord("A") + i)
        port, own = free_port(), home / name
        own.mkdir()
        env = {
            "SLACK_MODE": "http", "SLACK_HTTP_PORT": str(port),
            "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_API_URL": slack.api_url, "NO_PROXY": "127.0.0.1,localhost",
        }  # fmt: skip
        if shard is not None:
            env |= {
                "DISCORD_BOT_TOKEN": discord.token, "DISCORD_API_URL": discord.api_url,
                "DISCORD_GATEWAY_URL": discord.gateway_url,
                "DISCORD_SHARD_COUNT": str(count), "DISCORD_SHARD_IDS": shard,
            }  # fmt: skip
        run = await stack.enter_async_context(
            running(own, env, lambda: True, database_url=database_url)
        )
        procs.append(Proc(name, port, run, own / "run.log"))
    for proc in procs:
        try:
            await until(lambda p=proc: ready(session, p), 60, f"/readyz of {proc.name}")  # type: ignore[misc]
        except TimeoutError as e:
            raise AssertionError(f"{e}: {proc.said}\n{proc.tail()}") from None
    return procs


async def fill(url: str, who: Sequence[Identity], key: str, now: datetime) -> dict[int, Identity]:
    """A member for each identity, each with one check-in due now (no merging, no daily
    cap), queued under dedupe keys `key:<i>`; nudge id -> its member's identity. Their
    periodic nudges fall far from now (check-in in 12 hours, the rest off), so the
    processes' planners add nothing meanwhile."""
    engine = make_engine(url)
    clock = SystemClock()
    later = (now + timedelta(hours=12)).time().replace(second=0, microsecond=0)
    off = frozenset({"streak_risk", "weekly_review", "no_interview", "pipeline"})
    targets: dict[int, Identity] = {}  # member id -> identity
    try:
        for start in range(0, len(who), 1000):
            async with uow_factory(engine, clock)() as uow:
                nudges = []
                for i in range(start, min(start + 1000, len(who))):
                    member = Member(
                        f"Member {key} {i}", checkin_time=clock_time(later.hour, later.minute),
                        nudges_off=off,
                    )  # fmt: skip
                    added = await uow.members.add(member, who[i])
                    assert added.id is not None
                    targets[added.id] = who[i]
                    due = now - timedelta(minutes=5, milliseconds=-i)  # in order
                    nudges.append(Nudge(NudgeKind.CHECKIN, due, f"{key}:{i}", member_id=added.id))
                await uow.outbox.enqueue(nudges)
        async with engine.connect() as conn:
            rows = (await conn.execute(
                text("SELECT id, member_id FROM outbox WHERE dedupe_key LIKE :k"),
                {"k": f"{key}:%"},
            )).all()  # fmt: skip
    finally:
        await engine.dispose()
    filled = {nudge_id: targets[member_id] for nudge_id, member_id in rows}
    assert len(filled) == len(who)
    return filled
