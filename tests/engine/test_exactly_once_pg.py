"""Exactly once on a real PostgreSQL: three dispatchers side by side, and a dispatcher
process killed with SIGKILL at random moments."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from adapters.runtime.clock import SystemClock, SystemTimer
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import NudgeStatus
from bot.nudges.ratelimit import Limiter
from storage.engine import make_engine
from storage.uow import uow_factory
from tests.engine.sink import CONFIG, PLATFORM, MemorySink, fill_outbox

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)  # about 30 s here; room for a slow or busy machine
async def test_three_dispatchers_deliver_ten_thousand_once_each(pg_fresh_url: str) -> None:
    clock, timer = SystemClock(), SystemTimer()
    engines = [make_engine(pg_fresh_url) for _ in range(3)]
    try:
        await fill_outbox(uow_factory(engines[0], clock), 100, 10_000, clock.now())
        sinks = [MemorySink() for _ in engines]
        dispatchers = [
            Dispatcher(
                uow_factory(engine, clock),
                clock,
                {PLATFORM: sink},
                timer,
                CONFIG,
                worker=f"w{i}",
                limiter=Limiter(timer, {}),
            )
            for i, (engine, sink) in enumerate(zip(engines, sinks, strict=True))
        ]
        reports = await asyncio.wait_for(asyncio.gather(*(d.tick() for d in dispatchers)), 300)
        async with uow_factory(engines[0], clock)() as uow:
            counts = await uow.outbox.counts()
            ids = {n.id for n in await uow.outbox.claim(clock.now(), "check", CONFIG.lease, 10)}
    finally:
        for engine in engines:
            await engine.dispose()
    delivered = Counter(key for sink in sinks for key in sink.keys)
    assert counts == {NudgeStatus.SENT: 10_000}
    assert ids == set()
    assert len(delivered) == 10_000  # none lost
    assert max(delivered.values()) == 1  # none twice
    assert sum(r.messages for r in reports) == 10_000
    assert all(r.messages > 500 for r in reports), [r.messages for r in reports]  # all worked


@pytest.mark.timeout(600)
async def test_sigkilled_dispatcher_loses_nothing(pg_fresh_url: str, tmp_path: Path) -> None:
    clock = SystemClock()
    engine = make_engine(pg_fresh_url)
    total, kills = 1_500, 5
    try:
        await fill_outbox(uow_factory(engine, clock), 50, total, clock.now())
        sink = tmp_path / "delivered.txt"
        rng = random.Random(20261129)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}

        def start(n: int) -> subprocess.Popen[bytes]:
            cmd = [sys.executable, "-m", "tests.engine.crash_worker", pg_fresh_url, str(sink)]
            return subprocess.Popen([*cmd, f"crash{n}"], cwd=ROOT, env=env)

        for n in range(kills):
            proc = start(n)
            try:
                await asyncio.sleep(rng.uniform(0.8, 2.5))  # start-up takes about half of it
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
        last = start(kills)
        assert await asyncio.to_thread(last.wait, 240) == 0
        async with uow_factory(engine, clock)() as uow:
            counts = await uow.outbox.counts()
            attempts = {}
            for i in range(1, total + 1):
                nudge = await uow.outbox.get(i)
                assert nudge is not None
                attempts[f"nudge-{i}"] = nudge.attempts
    finally:
        await engine.dispose()
    delivered = Counter(sink.read_text().split())
    assert counts == {NudgeStatus.SENT: total}  # every row finished as sent
    assert set(delivered) == set(attempts)  # none lost
    repeats = {key for key, n in delivered.items() if n > 1}
    # Only what was in flight at a kill repeats: at most the worker's concurrency per kill,
    # and only nudges that were claimed more than once.
    assert len(repeats) <= kills * 4
    assert all(attempts[key] > 1 for key in repeats)
    # Some work was done before the last start: the kills really interrupted delivery.
    assert attempts and sum(1 for a in attempts.values() if a > 1) <= kills * 20
