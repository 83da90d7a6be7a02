"""Pruning that must run once across processes: the lease's holder prunes, the other
processes skip it, and when the holder stops renewing another one takes over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.runtime.serve import PRUNE_LEASE, once_across_processes, prune_claims_once
from storage.claims import KEEP, SqlClaims
from storage.engine import make_engine
from storage.leases import SqlLeases
from storage.migrate import upgrade
from tests.fakes import FakeClock


async def test_one_process_prunes_the_claims_a_round(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/shared.db"
    await upgrade(url)
    clock = FakeClock(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    engines = [make_engine(url), make_engine(url)]  # two processes, one database
    try:
        claims = [SqlClaims(e, clock) for e in engines]
        leases = [SqlLeases(e, clock, f"host-{i}") for i, e in enumerate(engines)]
        assert await claims[0].claim("slack:T1:Ev1")
        clock.advance(KEEP * 2)
        pruned = [await prune_claims_once(c, s) for c, s in zip(claims, leases, strict=True)]
        assert pruned == [True, False]
        assert await claims[1].claim("slack:T1:Ev1")  # it was pruned, by the first
        clock.advance(PRUNE_LEASE * 2)  # the first stopped (killed): its lease lapses
        assert await prune_claims_once(claims[1], leases[1])
        assert not await prune_claims_once(claims[0], leases[0])  # back: the second holds it
    finally:
        for e in engines:
            await e.dispose()


async def test_an_adapters_job_runs_in_the_process_holding_its_lease(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/jobs.db"
    await upgrade(url)
    clock = FakeClock(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    engines = [make_engine(url), make_engine(url)]
    runs: list[int] = []
    try:
        jobs = []
        for i, engine in enumerate(engines):

            async def purge(i: int = i) -> None:
                runs.append(i)

            leases = SqlLeases(engine, clock, f"p{i}")
            jobs.append(once_across_processes(leases, ("purge", 60.0, purge)))
        for _ in range(3):  # every process ticks; only the holder purges
            for name, every_s, run in jobs:
                assert (name, every_s) == ("purge", 60.0)
                await run()
            clock.advance(timedelta(seconds=60))
        assert runs == [0, 0, 0]
    finally:
        for e in engines:
            await e.dispose()
