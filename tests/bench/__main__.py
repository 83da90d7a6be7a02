"""`make bench`: the issue's figures, printed as a table, on SQLite and PostgreSQL.

Every figure is compared with a floor measured in the same run on the same database:
a bare single-row SQLAlchemy insert in its own transaction. The scale rows (PostgreSQL
only, tests/bench/scale.py) compare with the ideal the platforms' ceilings allow.
Run: python -m tests.bench [--quick] [--no-postgres] [--no-slack] [--no-discord]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from adapters.runtime.scheduler import Intervals
from tests.bench.discord import discord_rows
from tests.bench.nudges import dispatcher_rate, planner_day
from tests.bench.parsing import parse_corpus
from tests.bench.processes import three_process_rows
from tests.bench.scale import scale_rows
from tests.bench.scenarios import Row, run_all
from tests.bench.slack import slack_rows


def print_table(rows: list[Row]) -> None:
    headers = ("database", "figure", "n", "p50 ms", "p99 ms", "max ms", "target", "vs floor", "ok")
    table = [headers, *(r.cells() for r in rows)]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(headers))]
    for i, row in enumerate(table):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


async def nudges(db: str, urls: list[str], quick: bool) -> list[Row]:
    """The nudge engine on fresh databases: the planner's day, then the dispatcher."""
    members = 10_000 if quick else 100_000
    rows = await planner_day(db, urls[0], members, step_s=30)
    rows += await dispatcher_rate(db, urls[1], rate=100.0, n=500 if quick else 3000)
    return rows


async def pg_databases(url: str, names: list[str]) -> list[str]:
    from sqlalchemy.engine import make_url

    from storage.engine import make_engine

    base = make_url(url)
    admin = make_engine(base.render_as_string(False), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            for name in names:
                await conn.exec_driver_sql(f"CREATE DATABASE {name}")
    finally:
        await admin.dispose()
    return [base.set(database=name).render_as_string(False) for name in names]


async def main(quick: bool, postgres: bool, slack: bool = True, discord: bool = True) -> int:
    rows: list[Row] = parse_corpus()
    with tempfile.TemporaryDirectory(prefix="nextinterview-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        rows += await run_all("sqlite", url, quick)
        files = [f"sqlite+aiosqlite:///{Path(tmp) / name}" for name in ("plan.db", "send.db")]
        rows += await nudges("sqlite", files, quick)
        if slack:
            rows += await slack_rows(Path(tmp), quick)
        if discord:
            rows += await discord_rows(Path(tmp), quick)
    if postgres:
        from tests.pgserver import running_postgres

        with running_postgres("bench") as pg_url:
            rows += await run_all("postgresql", pg_url, quick)
            fresh = await pg_databases(pg_url, ["bench_plan", "bench_send", "bench_three"])
            rows += await nudges("postgresql", fresh[:2], quick)
            sizes = (10_000, 100_000) if quick else (100_000, 1_000_000)
            scale = await pg_databases(pg_url, ["bench_scale_small", "bench_scale_big"])
            rows += await scale_rows("postgresql", scale, sizes)
            if slack and discord:
                rows += await three_process_rows(fresh[2], quick)
    print()
    print_table(rows)
    print()
    print(
        "PostgreSQL runs with fsync=off (a throwaway test server); compare ratios, not absolutes."
    )
    print(
        "SQLite's WAL is checkpointed by the upkeep job every "
        f"{Intervals().upkeep_s:g} s during the run, as `nextinterview run` does."
    )
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        os.environ.pop(var, None)
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-slack", action="store_true", help="skip the fake Slack rows")
    parser.add_argument("--no-discord", action="store_true", help="skip the fake Discord rows")
    args = parser.parse_args()
    raise SystemExit(
        asyncio.run(main(args.quick, not args.no_postgres, not args.no_slack, not args.no_discord))
    )
