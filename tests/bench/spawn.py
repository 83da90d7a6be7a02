"""`nextinterview run` as a subprocess against a fake platform: spawn to ready (the fake
saw it connect), idle RSS, and its exit after SIGTERM. Shared by the Slack and Discord rows."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tests.bench.scenarios import Row

REPO = Path(__file__).resolve().parents[2]
F = TypeVar("F")  # a fake platform
IDLE_S = 3.0


@dataclass(frozen=True, slots=True)
class Run:
    ready_s: float  # inf when it never connected
    rss_mb: float  # nan when it was not running by then
    exit_code: int | None
    log: str


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass(slots=True)
class Running:
    proc: asyncio.subprocess.Process
    ready_s: float  # inf when it never got ready


@contextlib.asynccontextmanager
async def running(
    tmp: Path,
    platform_env: dict[str, str],
    ready: Callable[[], bool],
    module: str = "adapters.cli",
    args: tuple[str, ...] = ("run",),
    database_url: str | None = None,
) -> AsyncIterator[Running]:
    """`python -m module args` (by default `nextinterview run`) with only `platform_env`
    configured (cwd a temp dir: no .env of the checkout is read), held until `ready()`
    or 15 s, stopped with SIGTERM on the way out. Its database is `tmp`'s (a second run
    in the same `tmp` is a restart), or `database_url` (several runs sharing one
    PostgreSQL). Its output goes to tmp/run.log."""
    # Bytecode caching as on a user's machine, even where this shell turns it off.
    dropped = ("SLACK_", "DISCORD_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env["HEALTH_PORT"] = "0"  # several runs at once must not fight over 8080 (or pass one)
    database_url = database_url or f"sqlite+aiosqlite:///{tmp / 'run.db'}"
    env.update(platform_env, DATABASE_URL=database_url, PYTHONPATH=str(REPO))
    with (tmp / "run.log").open("wb") as log:
        t0 = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args,
            cwd=tmp, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
        )  # fmt: skip
        run = Running(proc, float("inf"))
        try:
            while time.monotonic() - t0 < 15 and proc.returncode is None:
                if ready():
                    run.ready_s = time.monotonic() - t0
                    break
                await asyncio.sleep(0.005)
            yield run
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await asyncio.wait_for(proc.wait(), 5)


async def spawn_run(tmp: Path, platform_env: dict[str, str], ready: Callable[[], bool]) -> Run:
    """`nextinterview run` until ready, idle a while (its RSS then), then SIGTERM."""
    rss = float("nan")
    async with running(tmp, platform_env, ready) as run:
        if run.ready_s < float("inf"):
            await asyncio.sleep(IDLE_S)
            if run.proc.returncode is None:
                rss = _rss_mb(run.proc.pid)
    text = (tmp / "run.log").read_text(errors="replace")
    return Run(run.ready_s, rss, run.proc.returncode, text)


def logged_ready(run: Run) -> str | None:
    """What the process said of its own start ("ready in 1.04 s")."""
    found = [line.split(": ", 1)[-1] for line in run.log.splitlines() if "ready in" in line]
    return found[-1] if found else None


def must_be_ready(tmp: Path, run: Running, what: str) -> None:
    """Stop the bench, with the end of its log, when `what` never got ready."""
    if run.ready_s == float("inf"):
        log = (tmp / "run.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{what} never connected to the fake platform; its log ends:\n{log}")


async def start_rows(
    db: str,
    ready_at: str,
    tmp: Path,
    fake: Callable[[], contextlib.AbstractAsyncContextManager[F]],
    env: Callable[[F], dict[str, str]],
    ready: Callable[[F], bool],
    violations: Callable[[F], list[str]] = lambda _: [],
) -> list[Row]:
    """A first start of `nextinterview run` (a new database), then three restarts on it,
    as after deploys, each against a fresh `fake()`: start-to-ready rows (judged on their
    worst sample) and the idle RSS of the last."""
    platform = db.split("/")[0]
    times: dict[str, list[float]] = {"first start": [], "restart": []}
    exits: set[int | None] = set()
    seen: list[str] = []
    run = Run(float("inf"), float("nan"), None, "")
    for start in ("first start", "restart", "restart", "restart"):
        async with fake() as platform_fake:
            run = await spawn_run(tmp, env(platform_fake), lambda: ready(platform_fake))
            seen += violations(platform_fake)
        if said := logged_ready(run):
            print(f"[{platform}] nextinterview run ({start}) logged: {said}")
        if run.ready_s == float("inf"):
            print(f"[{platform}] nextinterview run never got ready; its log ends:\n"
                  f"{run.log[-2000:]}")  # fmt: skip
        print(
            f"[{platform}] nextinterview run ({start}): {ready_at} {run.ready_s:.2f} s after "
            f"spawn, idle RSS {run.rss_mb:.1f} MB, exit code after SIGTERM {run.exit_code}, "
            f"{len(seen)} violations"
        )
        times[start].append(run.ready_s)
        exits.add(run.exit_code)
    rows = [Row(db, f"nextinterview run, {start}: spawn to {ready_at}, exit codes {exits}",
                samples) for start, samples in times.items()]  # fmt: skip
    for row in rows:
        row.target, row.ok = "< 2 s, exits 0", max(row.samples) < 2 and exits == {0}
    rss_row = Row(db, f"nextinterview run: idle RSS after 3 s = {run.rss_mb:.1f} MB "
                  f"(time: ready)", [run.ready_s])  # fmt: skip
    rss_row.target, rss_row.ok = "< 150 MB", run.rss_mb < 150 and not seen
    return [*rows, rss_row]
