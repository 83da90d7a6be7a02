"""Discord figures against the fake Discord (tests/discord/fake_discord.py), with its limits
as the ceiling: the initial response to a burst of slash commands beside a bare discord.py
client that answers a fixed text, the nudge fan-out through the real DiscordDelivery and
Dispatcher against the bot-wide 50 requests a second, and `nextinterview run` as a
subprocess: start-to-ready and idle RSS."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.runtime.clock import SystemClock, SystemTimer
from bot.domain import Identity, Member
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher, DispatchReport
from bot.nudges.model import Nudge, NudgeKind
from bot.nudges.ratelimit import DEFAULT_LIMITS, Limiter, PlatformLimits
from storage.uow import uow_factory
from tests.bench.rates import lateness_row, rate_row
from tests.bench.scenarios import Row
from tests.bench.spawn import must_be_ready, running, start_rows
from tests.discord import payloads
from tests.discord.fake_discord import Answer, FakeDiscord, eventually
from tests.discord.harness import discord_bot, text_of

DB = "discord/sqlite"
REPO = Path(__file__).resolve().parents[2]
MEMBERS = 100
BURST_RATE = 100.0  # interactions a second: 1,000 within 10 s
GLOBAL_RATE = 50  # Discord's requests a second for the whole bot: the fan-out's ceiling
GUILD, CHANNEL = payloads.GUILD_ID, payloads.CHANNEL_ID
FIRST_USER = 200_000_000_000_000_000
ALL_DAYS = frozenset(range(7))
MESSAGES = "/channels/{channel_id}/messages"
OPENS = "/users/@me/channels"

Payload = Callable[[int], dict[str, Any]]


def _user(i: int) -> int:
    return FIRST_USER + i


def _command(i: int) -> dict[str, Any]:
    """The i-th command of the burst: streaks and logs, as members use the bot."""
    uid, person, company = _user(i % MEMBERS), f"Person{i % 37}", f"Company{i % 11}"
    match i % 4:
        case 0 | 2:
            return payloads.slash("streak", user_id=uid)
        case 1:
            options = {"kind": "meeting", "person": person, "company": company,
                       "when": "yesterday"}  # fmt: skip
            return payloads.slash("log", options, user_id=uid)
        case _:
            options = {"kind": "outreach", "person": person, "company": company}
            return payloads.slash("log", options, user_id=uid)


async def _burst(fake: FakeDiscord, n: int, payload: Payload) -> tuple[list[Answer], int]:
    """Dispatch n interactions spread evenly at BURST_RATE, each at its own time and all
    concurrently; (the first callback of each, how many got none within 5 s)."""
    start = time.monotonic()
    answers: list[Answer] = []
    missing = 0

    async def one(i: int) -> None:
        nonlocal missing
        await asyncio.sleep(max(0.0, start + i / BURST_RATE - time.monotonic()))
        try:
            answers.append(await fake.interact(payload(i), timeout=5))
        except TimeoutError:
            missing += 1

    await asyncio.gather(*(one(i) for i in range(n)))
    return answers, missing


def _seconds(answers: list[Answer]) -> list[float]:
    return [a.seconds for a in answers] or [float("inf")]


def _env(fake: FakeDiscord) -> dict[str, str]:
    return {"DISCORD_BOT_TOKEN": fake.token, "DISCORD_API_URL": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url}  # fmt: skip


def _fake_with_members() -> tuple[FakeDiscord, list[int]]:
    fake = FakeDiscord()
    users = [_user(i) for i in range(MEMBERS)]
    for uid in users:
        fake.add_user(uid, f"member{uid - FIRST_USER}")
    fake.add_guild(GUILD, "Job club", [CHANNEL], members=users)
    return fake, users


async def ack_burst(tmp: Path, quick: bool) -> list[Row]:
    """The burst against `nextinterview run` as it is deployed (its own process, its answer
    budget, SQLite), beside the floor in a process of its own: the fake Discord stays here,
    in the bench's process, as Discord is elsewhere for a real bot."""
    n = 200 if quick else 1000
    seconds = n / BURST_RATE
    (tmp / "floor").mkdir(exist_ok=True)
    (tmp / "run").mkdir(exist_ok=True)
    fake, users = _fake_with_members()
    async with fake:
        floor = running(tmp / "floor", _env(fake), lambda: fake.is_ready,
                        module="tests.bench.discord_floor", args=())  # fmt: skip
        async with floor as p:
            must_be_ready(tmp / "floor", p, "the floor client")
            floor_answers, floor_missing = await _burst(
                fake, n, lambda i: payloads.slash("ping", user_id=_user(i % MEMBERS))
            )
        floor_violations = list(fake.violations)
    fake, users = _fake_with_members()
    async with fake, running(tmp / "run", _env(fake), lambda: fake.is_ready) as run:
        must_be_ready(tmp / "run", run, "nextinterview run")
        # Members exist (with their DM channel kept) before timing, as in a live server:
        # the burst is steady-state traffic, not 100 first contacts.
        for uid in users:
            await fake.interact(payloads.slash("streak", user_id=uid), timeout=10)
        with contextlib.suppress(TimeoutError):  # kept in the background after answers
            await eventually(lambda: set(users) <= set(fake.dm_channels), timeout=10)
        before = len(fake.calls)
        answers, missing = await _burst(fake, n, _command)
        await asyncio.sleep(1.5)  # deferred answers are edits: let them land
        later = fake.calls[before:]
        # A deferred answer never edited is a member left with "thinking...".
        missing += sum(1 for a in answers
                       if a.type == 5 and not text_of(fake.original(a.interaction_id)))
        violations = len(fake.violations) + len(floor_violations)
    deferred = sum(1 for a in answers if a.type == 5)
    refused = sum(1 for a in answers if a.status != 200)
    refused += sum(1 for c in later if c.status >= 400)
    floor = Row(DB, f"floor: bare discord.py client, fixed text, {n} /ping in {seconds:g} s",
                _seconds(floor_answers))  # fmt: skip
    floor.ok = None if not floor_missing and not floor_violations else False
    row = Row(
        DB, f"slash initial response, {MEMBERS} members, {n} in {seconds:g} s: "
        f"{deferred} deferred, {missing} missing, {refused} refused, {violations} violations",
        _seconds(answers),
    )  # fmt: skip
    row.ratio = row.pct(0.99) / max(floor.pct(0.99), 1e-6)
    row.target = "p99 < 100 ms, max < 3 s"
    row.ok = (row.pct(0.99) < 100 and max(row.samples) < 3 and not missing and not refused
              and not violations)  # fmt: skip
    print(
        f"[discord] burst: floor p50 {floor.pct(0.5):.1f} ms p99 {floor.pct(0.99):.1f} ms "
        f"({floor_missing} missing); nextinterview p50 {row.pct(0.5):.1f} ms p99 "
        f"{row.pct(0.99):.1f} ms max {max(row.samples) * 1000:.1f} ms ({row.ratio:.2f}x the "
        f"floor); {deferred} deferred, {missing} missing, {refused} refused, "
        f"{violations} violations"
    )
    return [floor, row]


async def _seed(factory: Any, clock: SystemClock, fake: FakeDiscord, n: int,
                stored: bool) -> None:
    due = clock.now() - timedelta(seconds=30)  # all due in the same minute
    async with factory() as uow:
        for i in range(n):
            uid = _user(i)
            fake.add_user(uid, f"member{i}")
            identity = Identity("discord", "discord", str(uid))
            member = await uow.members.add(
                Member(f"Member {i}", checkin_time=clock_time(9, 0), working_days=ALL_DAYS),
                identity,
            )
            if stored:  # kept from an earlier command, as _remember_dm does
                await uow.identities.set_dm_channel(identity, str(fake.dm_channel_for(uid)))
            await uow.outbox.enqueue(
                [Nudge(NudgeKind.CHECKIN, due, f"m{member.id}:checkin:bench", member.id)]
            )


def _add(total: DispatchReport, report: DispatchReport) -> None:
    for name in ("claimed", "messages", "skipped", "failed", "retried", "reaped"):
        setattr(total, name, getattr(total, name) + getattr(report, name))


async def fan_out(tmp: Path, quick: bool, stored: bool = False,
                  limits: dict[str, PlatformLimits] = DEFAULT_LIMITS) -> list[Row]:
    """The fan-out; stored=True: every member's DM channel is known (no opens)."""
    n = 200 if quick else 1000
    clock, timer = SystemClock(), SystemTimer()
    async with FakeDiscord() as fake, discord_bot(fake, tmp) as bot:
        factory = uow_factory(bot.engine, clock)
        await _seed(factory, clock, fake, n, stored)
        fake.global_rate = GLOBAL_RATE
        before = len(fake.calls)
        # The engine as `nextinterview run` builds it: DEFAULT_LIMITS (Discord 50/s global),
        # one limiter shared by the messages and the delivery's DM opens.
        limiter = Limiter(timer, limits)
        delivery = bot.bot.delivery
        delivery.pace = lambda: limiter.acquire_request("discord", "discord")
        dispatcher = Dispatcher(
            factory, clock, {"discord": delivery}, timer, NudgeConfig(), "bench", limiter
        )
        total = DispatchReport()
        t0 = time.monotonic()
        while len(fake.messages) < n and time.monotonic() - t0 < 2 * n / GLOBAL_RATE * 3 + 30:
            report = await dispatcher.tick()
            _add(total, report)
            if report.claimed == 0:
                await asyncio.sleep(0.05)  # retries due in a moment
        calls = fake.calls[before:]
        per_channel = Counter(m["channel_id"] for m in fake.messages)
        dm_of = {str(c): u for u, c in fake.dm_channels.items()}
        violations = len(fake.violations)
    sent = [c for c in calls if c.method == "POST" and c.route == MESSAGES and c.status == 200]
    opens = [c for c in calls if c.method == "POST" and c.route == OPENS and c.status == 200]
    limited = Counter(c.route for c in calls if c.status == 429)
    others = sum(1 for c in calls if c.status >= 400 and c.status != 429)
    reached = {dm_of.get(ch) for ch in per_channel} & {_user(i) for i in range(n)}
    lost = n - len(reached)
    twice = sum(1 for c in per_channel.values() if c > 1)
    times = sorted(c.at for c in sent + opens)
    refused = sum(limited.values())
    case = "DM channels kept, no opens" if stored else "messages + DM opens"
    row = rate_row(DB, f"nudge fan-out: {n:,} check-ins due together, R={GLOBAL_RATE}/s "
                   f"({case}), lost {lost}, twice {twice}, {refused} 429s", times, GLOBAL_RATE,
                   not lost and not twice and not violations)  # fmt: skip
    print(
        f"[discord] fan-out ({case}): {len(reached):,}/{n:,} DMs, {len(sent):,} messages + "
        f"{len(opens):,} DM opens in {row.samples[0]:.2f} s = {row.ratio * GLOBAL_RATE:.1f} "
        f"requests/s against the fake's {GLOBAL_RATE}/s ({row.ratio:.2f}); 429s: "
        f"{dict(limited) or 'none'}; other errors {others}; lost {lost}, twice {twice}; "
        f"dispatcher: {total.messages} sent, {total.retried} retried, {total.failed} failed"
    )
    late = lateness_row(DB, "nudge fan-out: request lateness against the ideal (i / R)", times,
                        t0, GLOBAL_RATE)  # fmt: skip
    return [row, late]


async def run_process(tmp: Path) -> list[Row]:
    return await start_rows(
        DB, "gateway IDENTIFY", tmp, FakeDiscord, _env, lambda fake: fake.identifies >= 1,
        violations=lambda fake: list(fake.violations)
    )


async def discord_rows(tmp: Path, quick: bool) -> list[Row]:
    for name in ("burst", "fanout", "fanout-kept", "run"):
        (tmp / name).mkdir(exist_ok=True)
    rows = await ack_burst(tmp / "burst", quick)
    rows += await fan_out(tmp / "fanout", quick)
    # Steady state: members' DM channels were kept at their first command, no opens.
    rows += (await fan_out(tmp / "fanout-kept", quick, stored=True))[:1]
    rows += await run_process(tmp / "run")
    return rows
