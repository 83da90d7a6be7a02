"""APScheduler 3.11 drives the periodic jobs only: the planner, the dispatcher and the
storage's upkeep (SQLite's WAL checkpoint).

Nudges live in the outbox table, never as one APScheduler job per member (a wake-up
with 1,000 due jobs blocked the loop for 1.4 s), and the job store stays in memory:
every process may run the same jobs, because claiming is safe in the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

# Another periodic job beside the nudges': its name, its interval (s), what it runs.
Job = tuple[str, float, Callable[[], Awaitable[object]]]


@dataclass(frozen=True)
class Intervals:
    # Often, with a short time budget each (NudgeConfig.tick_time): a million members'
    # busiest minute is planned over the horizon's many ticks, not in one long one.
    planner_s: float = 5.0
    dispatcher_s: float = 5.0
    upkeep_s: float = 1.0  # short: a checkpoint moves less, and no commit does it
    # A tick missed by more than this (the loop was busy, the laptop slept) is dropped;
    # the next one catches up, because planning and claiming read the database's state.
    misfire_grace_s: int = 30


class NudgeSchedule:
    def __init__(
        self,
        plan: Callable[[], Awaitable[object]],
        dispatch: Callable[[], Awaitable[object]],
        intervals: Intervals | None = None,
        upkeep: Callable[[], Awaitable[object]] | None = None,
        jobs: Sequence[Job] = (),
    ) -> None:
        self.intervals = intervals or Intervals()
        self._plan, self._dispatch, self._upkeep = plan, dispatch, upkeep
        self._jobs = tuple(jobs)
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()  # ticks under way, for drain()

    def _guarded(
        self, name: str, job: Callable[[], Awaitable[object]]
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job()
            except Exception:  # one failed tick must not stop the schedule
                log.exception("%s tick failed", name)
            except asyncio.CancelledError:  # stopping (the upkeep, every second): quietly
                log.debug("%s tick cut short by the stop", name)
            finally:
                if task is not None:
                    self._running.discard(task)

        return run

    def start(self) -> None:
        """Needs a running event loop (AsyncIOScheduler binds to it)."""
        i = self.intervals
        scheduler = AsyncIOScheduler(
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": i.misfire_grace_s,
            }
        )
        scheduler.add_job(
            self._guarded("planner", self._plan), "interval", seconds=i.planner_s, id="planner"
        )
        scheduler.add_job(
            self._guarded("dispatcher", self._dispatch),
            "interval",
            seconds=i.dispatcher_s,
            id="dispatcher",
        )
        if self._upkeep is not None:
            scheduler.add_job(
                self._guarded("upkeep", self._upkeep), "interval", seconds=i.upkeep_s, id="upkeep"
            )
        for name, every_s, job in self._jobs:
            scheduler.add_job(self._guarded(name, job), "interval", seconds=every_s, id=name)
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        """No tick starts from now on, and those under way are cancelled (drain waits)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def drain(self, timeout: float) -> bool:  # noqa: ASYNC109 (a budget, not a deadline)
        """Start no tick, wait up to `timeout` for those under way, then stop: any still
        running is cancelled (a dispatcher's leased nudges go back with release()).
        True when every tick finished on its own."""
        if self._scheduler is not None:
            self._scheduler.pause()
        running = set(self._running)
        late: set[asyncio.Task[object]] = set()
        if running:
            _, late = await asyncio.wait(running, timeout=timeout)
        self.stop()
        if late:
            await asyncio.wait(late, timeout=1.0)
            log.warning("stopping: %d tick(s) cut short", len(late))
        return not late
