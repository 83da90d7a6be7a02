"""Stopping gracefully: `nextinterview run` told SIGTERM exits 0 within 10 s and hands the
nudges it holds back to pending; in flight, commands and ticks finish and new commands
are turned away with a short "send it again"."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console.backend import ConsoleBackend
from adapters.runtime.bootstrap import bootstrap
from adapters.runtime.clock import SystemClock
from adapters.runtime.scheduler import Intervals, NudgeSchedule
from adapters.runtime.settings import Settings
from bot import messages as msg
from bot.commands import REGISTRY, Invocation
from bot.context import Context
from bot.nudges.model import Nudge, NudgeKind, NudgeStatus
from bot.replies import Reply
from storage.engine import make_engine
from storage.uow import SqlUnitOfWork
from tests.bench.spawn import running
from tests.fakes import FakeClock
from tests.runtime.web import free_port, until_status
from tests.slack.fake_slack import FakeSlack
from tests.unit.harness import WED

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_VARS:  # the child inherits them, and slack_sdk uses them for 127.0.0.1
        monkeypatch.delenv(name, raising=False)


async def test_sigterm_gives_leased_nudges_back_and_exits_0_within_10_s(tmp_path: Path) -> None:
    port = free_port()
    async with FakeSlack() as slack:
        env = {"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_APP_TOKEN": slack.app_token,
               "SLACK_API_URL": slack.api_url, "HEALTH_PORT": str(port)}  # fmt: skip
        async with running(tmp_path, env, lambda: slack.connections > 0) as run:
            assert run.ready_s < float("inf"), (tmp_path / "run.log").read_text()
            await until_status(port, "/readyz", 200)
            # Two nudges leased as a dispatcher leases them: one by this process (its
            # worker name is host-pid), one by another replica. Due tomorrow, so the
            # process's own dispatcher neither sends nor reaps them meanwhile.
            engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'run.db'}")
            clock = SystemClock()
            tomorrow = clock.now() + timedelta(days=1)
            try:
                async with SqlUnitOfWork(engine, clock) as uow:
                    await uow.outbox.enqueue([Nudge(NudgeKind.LEADERBOARD, tomorrow, "ops:mine")])
                    (mine,) = await uow.outbox.claim(
                        tomorrow, f"{socket.gethostname()}-{run.proc.pid}", timedelta(hours=1), 1
                    )
                    await uow.outbox.enqueue([Nudge(NudgeKind.LEADERBOARD, tomorrow, "ops:them")])
                    (theirs,) = await uow.outbox.claim(
                        tomorrow, "elsewhere-1", timedelta(hours=1), 1
                    )
                t0 = time.monotonic()
                run.proc.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(run.proc.wait(), 12)
                took = time.monotonic() - t0
                async with SqlUnitOfWork(engine, clock) as uow:
                    mine_now = await uow.outbox.get(mine.id or 0)
                    theirs_now = await uow.outbox.get(theirs.id or 0)
            finally:
                await engine.dispose()
    log = (tmp_path / "run.log").read_text(errors="replace")
    assert code == 0, log[-2000:]
    assert took < 10, log[-2000:]
    assert mine_now is not None and theirs_now is not None
    assert (mine_now.status, mine_now.claimed_by, mine_now.lease_until) == (
        NudgeStatus.PENDING, None, None,
    )  # fmt: skip
    assert (theirs_now.status, theirs_now.claimed_by) == (NudgeStatus.CLAIMED, "elsewhere-1")
    assert "1 leased nudge(s) back to pending" in log


async def test_a_stop_lets_commands_in_flight_finish_and_turns_new_ones_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, go_on = asyncio.Event(), asyncio.Event()
    streak = REGISTRY["streak"].handler

    async def slow_streak(invocation: Invocation, ctx: Context) -> Reply:
        entered.set()
        await go_on.wait()
        return await streak(invocation, ctx)

    monkeypatch.setitem(REGISTRY, "streak",
                        dataclasses.replace(REGISTRY["streak"], handler=slow_streak))  # fmt: skip
    runtime = await bootstrap(
        Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db"), FakeClock(WED)
    )
    try:
        console = ConsoleBackend(runtime.core)
        first = asyncio.create_task(console.reply("ann", "streak"))
        await entered.wait()
        draining = asyncio.create_task(runtime.core.drain(5))
        await asyncio.sleep(0.05)
        assert runtime.core.in_flight == 1 and not draining.done()

        refused = await console.reply("bob", "contact add Jane Doe")
        assert refused.text() == msg.restarting().text()
        assert refused.next_step is not None  # one next step, as every reply has
        async with runtime.uow_factory(read_only=True) as uow:  # nothing of Bob's written
            assert await uow.members.by_identity(console.caller("bob").identity) is None

        go_on.set()
        assert await asyncio.wait_for(draining, 5) is True
        assert not (await first).is_error
        assert runtime.core.in_flight == 0
    finally:
        await runtime.close()


async def test_a_stop_waits_for_a_tick_under_way_and_cuts_one_past_its_budget() -> None:
    go_on = asyncio.Event()
    started: list[str] = []
    finished: list[str] = []

    def job(name: str) -> Callable[[], Awaitable[None]]:
        async def tick() -> None:
            started.append(name)
            await go_on.wait()
            finished.append(name)

        return tick

    quick = Intervals(planner_s=0.02, dispatcher_s=3600, upkeep_s=3600)
    schedule = NudgeSchedule(job("planner"), job("dispatcher"), quick)
    schedule.start()
    for _ in range(200):
        if started:
            break
        await asyncio.sleep(0.01)
    assert started == ["planner"]
    asyncio.get_running_loop().call_later(0.2, go_on.set)
    assert await schedule.drain(5) is True  # waited for it
    assert finished == ["planner"]
    await asyncio.sleep(0.1)
    assert started == ["planner"]  # and none started after the stop

    go_on.clear()
    again = NudgeSchedule(job("planner"), job("dispatcher"), quick)
    again.start()
    for _ in range(200):
        if len(started) == 2:
            break
        await asyncio.sleep(0.01)
    t0 = time.monotonic()
    assert await again.drain(0.2) is False  # past its budget: cut short
    assert time.monotonic() - t0 < 2
    assert finished == ["planner"]

