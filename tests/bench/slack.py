"""Slack figures against the fake Slack (tests/slack/fake_slack.py), with its limits as the
ceiling: acks under a Socket Mode burst beside a bare bolt app that only acks, the nudge
fan-out through the real SlackDelivery and Dispatcher against a workspace-wide post rate,
and `nextinterview run` as a subprocess: start-to-ready and idle RSS."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.runtime.clock import SystemClock, SystemTimer
from adapters.runtime.dm_channels import StoredDmChannels
from adapters.slack.delivery import SlackDelivery, delivery_client
from bot.domain import Identity, Member
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import Nudge, NudgeKind
from bot.nudges.ratelimit import Limiter, PlatformLimits, Rate
from storage import migrate
from storage.engine import make_engine
from storage.uow import uow_factory
from tests.bench.rates import lateness_row, rate_row
from tests.bench.scenarios import Row
from tests.bench.spawn import must_be_ready, running, start_rows
from tests.slack import payloads
from tests.slack.fake_slack import FakeSlack

DB = "slack/sqlite"
REPO = Path(__file__).resolve().parents[2]
MEMBERS = 100
BURST_RATE = 100.0  # commands a second: 1,000 within 10 s
POST_RATE = 50.0  # the fake's workspace-wide chat.postMessage limit for the fan-out
# Slack tolerates "short bursts >1": the fake holds 3 posts, the dispatcher is told 2 (one
# spare absorbs its own sleep overshoot). A bucket of exactly one on both sides would turn
# 2 ms of loopback jitter into a 429, and each 429 costs a whole Retry-After second.
POST_BURST = 3.0
ALL_DAYS = frozenset(range(7))
PHRASES = (
    "streak",
    "log meeting Person{i} @Company{c} yesterday",
    "streak",
    "met Person{i} from Company{c} for coffee",
    "reached out to Person{i} @Company{c}",
)


def _users() -> list[str]:
    return [f"U{i:04d}" for i in range(MEMBERS)]


async def _burst(fake: FakeSlack, n: int, texts: list[tuple[str, str]]) -> tuple[
    list[float], list[float], int
]:
    """Push n slash commands spread evenly at BURST_RATE; (ack seconds, answer seconds,
    answers missing)."""
    start = time.monotonic()
    acks: list[float] = []
    answers: list[float] = []
    waiting: list[tuple[str, float]] = []  # response_url, when its command was sent

    async def one(i: int) -> None:
        await asyncio.sleep(max(0.0, start + i / BURST_RATE - time.monotonic()))
        user, text = texts[i % len(texts)]
        url = fake.response_url()
        body = payloads.slash_command(
            text, user=user, channel="D" + user, response_url=url,
            trigger_id=fake.mint_trigger(user),
        )  # fmt: skip
        sent = time.monotonic()
        ack = await fake.push("slash_commands", body)
        acks.append(ack.seconds)
        if ack.payload and (ack.payload.get("text") or ack.payload.get("blocks")):
            answers.append(ack.seconds)  # answered in the ack
        else:
            waiting.append((url, sent))

    await asyncio.gather(*(one(i) for i in range(n)))
    missing = 0
    deadline = time.monotonic() + 10
    for url, sent in waiting:
        while True:
            got = [r["at"] for r in fake.responses if r["url"] == url]
            if got or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)
        if got:
            answers.append(min(got) - sent)
        else:
            missing += 1
    return acks, answers, missing


def _env(fake: FakeSlack) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token,
            "SLACK_API_URL": fake.api_url, "SLACK_MODE": "socket"}  # fmt: skip


def _fake_with_members(users: list[str]) -> FakeSlack:
    fake = FakeSlack()
    for user in users:
        fake.add_user(user, f"Member {user}", tz="UTC")
    return fake


async def ack_burst(tmp: Path, quick: bool) -> list[Row]:
    """The burst against `nextinterview run` as it is deployed (its own process, Socket
    Mode, SQLite), beside the floor in a process of its own: the fake Slack stays here, in
    the bench's process, as Slack is elsewhere for a real app."""
    n = 200 if quick else 1000
    users = _users()
    texts = [
        (users[i % MEMBERS], PHRASES[i % len(PHRASES)].format(i=i % 37, c=i % 11))
        for i in range(n)
    ]
    (tmp / "floor").mkdir(exist_ok=True)
    (tmp / "run").mkdir(exist_ok=True)
    fake = _fake_with_members(users)
    async with fake:
        floor_run = running(tmp / "floor", _env(fake), lambda: bool(fake.connections),
                            module="tests.bench.slack_floor", args=())  # fmt: skip
        async with floor_run as p:
            must_be_ready(tmp / "floor", p, "the floor app")
            await fake.wait_connected()
            floor_acks, _, _ = await _burst(fake, n, texts)
        violations = len(fake.violations)
    fake = _fake_with_members(users)
    async with fake, running(tmp / "run", _env(fake), lambda: bool(fake.connections)) as run:
        must_be_ready(tmp / "run", run, "nextinterview run")
        await fake.wait_connected()
        # Members exist (and their profiles are known) before timing, as in a live
        # workspace: the burst is steady-state traffic, not 100 first contacts.
        for user in users:
            await fake.push("slash_commands", payloads.slash_command(
                "streak", user=user, channel="D" + user, response_url=fake.response_url(),
                trigger_id=fake.mint_trigger(user),
            ))  # fmt: skip
        await asyncio.sleep(1.0)  # their answers and App Home views land before timing
        acks, answers, missing = await _burst(fake, n, texts)
        violations += len(fake.violations)
    seconds = n / BURST_RATE
    floor = Row(DB, f"floor: bare bolt AsyncApp, ack only, {n} /next in {seconds:g} s",
                floor_acks)  # fmt: skip
    ack_row = Row(DB, f"/next ack, {MEMBERS} members, {n} in {seconds:g} s (Socket Mode)", acks)
    ack_row.ratio = ack_row.pct(0.99) / max(floor.pct(0.99), 1e-6)
    ack_row.target, ack_row.ok = "p99 < 100 ms", ack_row.pct(0.99) < 100
    answer_row = Row(
        DB, f"/next answer (ack or response_url), {missing} missing, {violations} violations",
        answers or [float("inf")],
    )
    answer_row.ratio = answer_row.pct(0.99) / max(floor.pct(0.99), 1e-6)
    answer_row.target = "p99 < 300 ms"
    answer_row.ok = answer_row.pct(0.99) < 300 and not missing and not violations
    return [floor, ack_row, answer_row]


async def _seed(factory: Any, clock: SystemClock, n: int) -> None:
    due = clock.now() - timedelta(seconds=30)  # all due in the same minute
    async with factory() as uow:
        for i in range(n):
            member = await uow.members.add(
                Member(f"Member {i}", checkin_time=clock_time(9, 0), working_days=ALL_DAYS),
                Identity("slack", "T0001", f"U{i:05d}"),
            )
            await uow.outbox.enqueue(
                [Nudge(NudgeKind.CHECKIN, due, f"m{member.id}:checkin:bench", member.id)]
            )


async def fan_out(tmp: Path, quick: bool) -> list[Row]:
    n = 200 if quick else 1000
    url = f"sqlite+aiosqlite:///{tmp / 'fanout.db'}"
    await migrate.upgrade(url)
    engine = make_engine(url)
    clock, timer = SystemClock(), SystemTimer()
    factory = uow_factory(engine, clock)
    try:
        await _seed(factory, clock, n)
        async with FakeSlack() as fake:
            fake.post_rate_total = POST_RATE
            fake.post_burst_total = POST_BURST
            fake.post_rate_per_channel = 1.0
            delivery = SlackDelivery(
                delivery_client(fake.bot_token, base_url=fake.api_url),
                StoredDmChannels(engine, clock),
            )
            # The dispatcher is told the fake's rates; it paces a little below them.
            limits = {"slack": PlatformLimits(tenant_rate=Rate(POST_RATE, 2.0),
                                              channel_rate=Rate(1.0, 1.0))}  # fmt: skip
            dispatcher = Dispatcher(
                factory, clock, {"slack": delivery}, timer, NudgeConfig(), "bench",
                Limiter(timer, limits),
            )  # fmt: skip
            t0 = time.monotonic()
            while len(fake.messages) < n and time.monotonic() - t0 < n / POST_RATE * 3 + 30:
                report = await dispatcher.tick()
                if report.claimed == 0:
                    await asyncio.sleep(0.05)  # retries due in a moment
            posts = [c for c in fake.calls_to("chat.postMessage") if c.status == 200]
            refused = len(fake.calls_to("chat.postMessage")) - len(posts)
            per_channel = Counter(m["channel"] for m in fake.messages)
            violations = len(fake.violations)
    finally:
        await engine.dispose()
    lost = n - len(per_channel)
    twice = sum(1 for c in per_channel.values() if c > 1)
    times = sorted(c.at for c in posts)
    row = rate_row(DB, f"nudge fan-out: {n:,} check-ins due together, R={POST_RATE:g}/s, "
                   f"lost {lost}, twice {twice}, {refused} 429s", times, POST_RATE,
                   not lost and not twice and not violations)  # fmt: skip
    print(
        f"[slack] fan-out: {len(per_channel):,}/{n:,} DMs at {row.ratio * POST_RATE:.1f}/s "
        f"against the fake's {POST_RATE:g}/s; {refused} answered 429; lost {lost}, twice {twice}"
    )
    late = lateness_row(DB, "nudge fan-out: lateness against the ideal (i / R)", times, t0,
                        POST_RATE)  # fmt: skip
    return [row, late]


async def run_process(tmp: Path) -> list[Row]:
    return await start_rows(
        DB, "Socket Mode connected", tmp, FakeSlack, _env, lambda fake: bool(fake.connections)
    )


async def slack_rows(tmp: Path, quick: bool) -> list[Row]:
    for name in ("burst", "fanout", "run"):
        (tmp / name).mkdir(exist_ok=True)
    rows = await ack_burst(tmp / "burst", quick)
    rows += await fan_out(tmp / "fanout", quick)
    rows += await run_process(tmp / "run")
    return rows
