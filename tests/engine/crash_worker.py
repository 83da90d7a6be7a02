"""A dispatcher process for the crash test: `python -m tests.engine.crash_worker URL SINK NAME`.

Delivers to a file until the outbox holds nothing pending or claimed, then exits 0.
The test kills it with SIGKILL at random moments and starts it again.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from datetime import timedelta

from adapters.runtime.clock import SystemClock, SystemTimer
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import NudgeStatus
from bot.nudges.ratelimit import Limiter
from storage.engine import make_engine
from storage.uow import uow_factory
from tests.engine.sink import CONFIG, PLATFORM, FileSink

# A short lease: what a killed worker held comes back quickly.
LEASE = timedelta(seconds=2)


async def main(url: str, sink_path: str, name: str) -> int:
    engine = make_engine(url)
    clock, timer = SystemClock(), SystemTimer()
    factory = uow_factory(engine, clock)
    dispatcher = Dispatcher(
        factory,
        clock,
        {PLATFORM: FileSink(sink_path)},
        timer,
        replace(CONFIG, lease=LEASE, batch=20),
        worker=name,
        limiter=Limiter(timer, {}),
        concurrency=4,
    )
    try:
        while True:
            await dispatcher.tick()
            async with factory() as uow:
                counts = await uow.outbox.counts()
            if not counts.get(NudgeStatus.PENDING) and not counts.get(NudgeStatus.CLAIMED):
                return 0
            await asyncio.sleep(0.1)  # what is left is leased by a dead worker: wait it out
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:4])))
