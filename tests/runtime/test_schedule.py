"""APScheduler drives only the periodic jobs; a failing tick never stops them."""

from __future__ import annotations

import asyncio

from adapters.runtime.scheduler import Intervals, NudgeSchedule


async def test_planner_dispatcher_and_upkeep_run_on_their_intervals_and_survive_errors() -> None:
    runs = {"plan": 0, "dispatch": 0, "upkeep": 0}
    done = asyncio.Event()

    async def plan() -> None:
        runs["plan"] += 1
        if runs["plan"] == 1:
            raise RuntimeError("a database hiccup")  # logged; the next tick still comes

    async def dispatch() -> None:
        runs["dispatch"] += 1
        if min(runs.values()) >= 3:
            done.set()

    async def upkeep() -> None:
        runs["upkeep"] += 1

    intervals = Intervals(planner_s=0.05, dispatcher_s=0.02, upkeep_s=0.03)
    schedule = NudgeSchedule(plan, dispatch, intervals, upkeep=upkeep)
    schedule.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        schedule.stop()
    settled = dict(runs)
    await asyncio.sleep(0.2)
    assert min(settled.values()) >= 3
    assert runs == settled  # stopped: nothing runs after stop()


async def test_an_adapters_own_job_runs_on_its_interval_and_survives_errors() -> None:
    runs = 0
    done = asyncio.Event()

    async def nothing() -> None:
        return None

    async def retention() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("a database hiccup")
        if runs >= 3:
            done.set()

    intervals = Intervals(planner_s=5, dispatcher_s=5, upkeep_s=5)
    schedule = NudgeSchedule(nothing, nothing, intervals, jobs=[("retention", 0.02, retention)])
    schedule.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        schedule.stop()
    assert runs >= 3
