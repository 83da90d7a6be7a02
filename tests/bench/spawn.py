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

REPO = Path(__file__).resolve().parents[2]
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
) -> AsyncIterator[Running]:
    """`python -m module args` (by default `nextinterview run`) with only `platform_env`
    configured (cwd a temp dir: no .env of the checkout is read), held until `ready()`
    or 15 s, stopped with SIGTERM on the way out. Its database is `tmp`'s: a second run
    in the same `tmp` is a restart. Its output goes to tmp/run.log."""
    # Bytecode caching as on a user's machine, even where this shell turns it off.
    dropped = ("SLACK_", "DISCORD_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(platform_env, DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'run.db'}",
               PYTHONPATH=str(REPO))  # fmt: skip
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
