"""Three `nextinterview run` processes on one PostgreSQL against the fake Slack (HTTP
mode) and the fake Discord (two shards): how many commands a second they serve before
the answer's p99 passes 300 ms, and nudges delivered against the platforms' ceilings,
shared by the processes that deliver to each (none lost or twice).

Commands: `/next log outreach ...` signed as Slack signs it, spread over the three
processes at a steady offered rate, a step at a time; a command is served when its answer
arrives (in the ack, or at the response_url). Nudges: one Slack workspace at its 5
messages/s and Discord at its 50 requests/s for the whole bot, both enforced by the fakes
(429 past them); the ratio is the delivered rate over that ceiling.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path

from adapters.runtime.clock import SystemClock
from bot.domain import Identity
from bot.nudges.ratelimit import DEFAULT_LIMITS
from tests.bench.rates import rate_row
from tests.bench.scenarios import Row
from tests.discord.fake_discord import FakeDiscord
from tests.engine.three import SECRET, Proc, fill, start_processes, until
from tests.slack import payloads
from tests.slack.fake_signing import send_http
from tests.slack.fake_slack import FakeSlack

DB = "3 processes/postgresql"
STEP_S = 5.0
BUDGET_S = 0.300
USERS = 300  # each writes every few seconds at most: no double taps
GUILD = 300000000000000001


def _ceilings() -> tuple[float, float, float]:
    """Slack's workspace rate and burst, Discord's rate for the bot (DEFAULT_LIMITS)."""
    slack, discord = DEFAULT_LIMITS["slack"].tenant_rate, DEFAULT_LIMITS["discord"].global_rate
    assert slack is not None and discord is not None
    return slack.per_second, slack.burst, discord.per_second


async def _command(slack: FakeSlack, proc: Proc, user: str, i: int) -> float:
    """Seconds from sending one command to its answer."""
    url = slack.response_url()
    body = payloads.slash_command(
        f"log outreach Person{i} Last @Company{i % 40}", user=user, response_url=url,
        trigger_id=slack.mint_trigger(user),
    )  # fmt: skip
    t0 = time.monotonic()
    status, raw, seconds = await send_http(
        proc.events_url, payloads.form_body(body), SECRET, payloads.FORM
    )
    if status != 200:
        return float("inf")
    if raw.strip() and json.loads(raw).get("text"):
        return seconds
    deadline = t0 + 10
    while time.monotonic() < deadline:
        answered = [r["at"] for r in slack.responses if r["url"] == url]
        if answered:
            return float(answered[0] - t0)
        await asyncio.sleep(0.01)
    return float("inf")


async def _commands(slack: FakeSlack, procs: list[Proc], steps: tuple[int, ...]) -> list[Row]:
    users = [f"UB{i:04d}" for i in range(USERS)]
    for i, user in enumerate(users):  # each member exists before the figures
        await _command(slack, procs[i % len(procs)], user, i)
    rows: list[Row] = []
    served = 0
    sent = 0
    for rate in steps:
        t0 = time.monotonic()

        async def at(k: int, rate: int = rate, t0: float = t0, first: int = sent) -> float:
            await asyncio.sleep(max(0.0, t0 + k / rate - time.monotonic()))
            n = first + k
            return await _command(slack, procs[n % len(procs)], users[n % USERS], n)

        count = int(rate * STEP_S)
        took = await asyncio.gather(*(at(k) for k in range(count)))
        sent += count
        row = Row(DB, f"/next commands at {rate}/s over the three (answer)", list(took))
        row.target = "p99 < 300 ms"
        row.ok = row.pct(0.99) < BUDGET_S * 1000
        rows.append(row)
        print(f"[3 processes] {rate}/s: answer p99 {row.pct(0.99):.0f} ms")
        if not row.ok:
            break
        served = rate
    summary = Row(DB, f"commands a second served before p99 passes 300 ms: {served}/s",
                  rows[-1].samples)  # fmt: skip
    summary.target = "reported"
    return [*rows, summary]


async def _nudges(
    slack: FakeSlack, discord: FakeDiscord, url: str, slack_n: int, discord_n: int
) -> list[Row]:
    slack_rate, slack_burst, discord_rate = _ceilings()
    slack.post_rate_total, slack.post_burst_total = slack_rate, slack_burst
    slack.post_rate_per_channel = 1.0
    discord.global_rate = int(discord_rate)
    who = [Identity("slack", "TBENCH", f"UN{i:05d}") for i in range(slack_n)]
    who += [Identity("discord", "discord", str(700000000000000000 + i)) for i in range(discord_n)]
    posts_before = len(slack.calls_to("chat.postMessage"))
    discord_before = len(discord.calls)
    filled = await fill(url, who, "bench3", SystemClock().now())
    slack_ids = {f"D{i.user_id}" for i in filled.values() if i.platform == "slack"}
    discord_ids = {f"nudge-{n}" for n, i in filled.items() if i.platform == "discord"}

    def delivered() -> tuple[Counter[str], Counter[str]]:
        slack_got = Counter(m["channel"] for m in slack.messages if m["channel"] in slack_ids)
        nonces = (str(m.get("nonce", "")) for m in discord.messages)
        return slack_got, Counter(n for n in nonces if n in discord_ids)

    def done() -> bool:
        s, d = delivered()
        return len(s) == len(slack_ids) and len(d) == len(discord_ids)

    await until(done, slack_n / slack_rate * 4 + 120, "the nudges delivered")
    await asyncio.sleep(1.0)  # a second delivery, if any, lands
    slack_got, discord_got = delivered()
    slack_calls = slack.calls_to("chat.postMessage")[posts_before:]
    slack_times = sorted(c.at for c in slack_calls if c.status == 200)
    slack_429 = sum(1 for c in slack_calls if c.status == 429)
    # Discord's ceiling counts every request of the bot (DM opens too), interactions apart.
    calls = [c for c in discord.calls[discord_before:] if "/interactions/" not in c.path]
    discord_times = sorted(c.at for c in calls if c.status < 400)
    discord_429 = sum(1 for c in calls if c.status == 429)
    rows = []
    for name, got, n, times, ceiling, refused in (
        ("Slack workspace", slack_got, slack_n, slack_times, slack_rate, slack_429),
        ("Discord bot", discord_got, discord_n, discord_times, discord_rate, discord_429),
    ):
        lost, twice = n - len(got), sum(1 for c in got.values() if c > 1)
        rows.append(rate_row(
            DB, f"nudges shared by the processes, {name} at its {ceiling:g}/s: {n:,} due, "
            f"lost {lost}, twice {twice}, {refused} 429s", times, ceiling,
            not lost and not twice,
        ))  # fmt: skip
        print(f"[3 processes] {name}: {rows[-1].ratio:.2f} of {ceiling:g}/s, {refused} 429s")
    return rows


async def three_process_rows(pg_url: str, quick: bool) -> list[Row]:
    """The rows; `pg_url` a fresh, empty database the processes migrate."""
    steps = (10, 20) if quick else (10, 20, 40, 60, 80, 120)
    slack_n, discord_n = (50, 200) if quick else (150, 1000)
    with tempfile.TemporaryDirectory(prefix="nextinterview-three-") as tmp:
        async with AsyncExitStack() as stack:
            slack = await stack.enter_async_context(FakeSlack())
            discord = await stack.enter_async_context(FakeDiscord())
            discord.add_guild(GUILD, "Job club", [400000000000000001])
            procs = await start_processes(stack, slack, discord, pg_url, Path(tmp),
                                          ("0", "1", None))  # fmt: skip
            await until(lambda: discord.is_ready, 30, "both Discord shards")
            rows = await _commands(slack, procs, steps)
            rows += await _nudges(slack, discord, pg_url, slack_n, discord_n)
    return rows
