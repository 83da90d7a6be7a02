"""Three real `nextinterview run` processes on one PostgreSQL, against the fake Slack (HTTP
mode, each process its own port) and the fake Discord (two shards: A holds shard 0, B
shard 1, C is Slack only): each answers what is sent to it, once; a Slack event delivered
to two of them is acted on once; 10,000 nudges are delivered exactly once across them;
and a process killed with SIGKILL mid-delivery loses nothing."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from adapters.runtime.clock import SystemClock
from bot.domain import Identity
from bot.nudges.config import NudgeConfig
from storage.engine import make_engine
from tests.discord import payloads as discord_payloads
from tests.discord.fake_discord import FakeDiscord
from tests.discord.fake_gateway import shard_of
from tests.discord.harness import text_of
from tests.engine.three import SECRET, Proc, fill, ready, start_processes, until
from tests.slack import payloads
from tests.slack.fake_signing import send_http
from tests.slack.fake_slack import FakeSlack, eventually

LEASE_S = NudgeConfig().lease.total_seconds()  # 60 s: a dead process's nudges come back then
CONCURRENCY = 8  # the dispatcher's sends in flight per process (Dispatcher's default)
# Slack paces each workspace at 5 messages/s per process: the Slack members are spread
# over many workspaces (tenants; the fake in one-token mode posts for any of them).
TENANTS = 400
DISCORD_EVERY = 12  # one nudge in 12 is a Discord DM: ~830 of 10,000 (50/s for the bot)
GUILDS = {
    shard: next(g for g in range(discord_payloads.GUILD_ID,
                                 discord_payloads.GUILD_ID + (4 << 22), 1 << 22)
                if shard_of(g, 2) == shard)
    for shard in (0, 1)
}  # fmt: skip
CHANNELS = {0: 400000000000000010, 1: 400000000000000011}
DISCORD_USER_BASE = 600000000000000000


# -- commands ---------------------------------------------------------------------------------


async def _slash_answered_once(slack: FakeSlack, proc: Proc, user: str) -> str:
    url = slack.response_url()
    body = payloads.slash_command(
        f"met Jane {proc.name} from Acme yesterday", user=user, response_url=url,
        trigger_id=slack.mint_trigger(user),
    )  # fmt: skip
    status, raw, _ = await send_http(
        proc.events_url, payloads.form_body(body), SECRET, payloads.FORM
    )
    assert status == 200, raw
    in_ack = json.loads(raw) if raw.strip() else None

    def posted() -> list[str]:
        return [json.dumps(r["body"]) for r in slack.responses if r["url"] == url]

    if in_ack is None:
        await eventually(lambda: bool(posted()), 10, f"the answer of {proc.name}")
    await asyncio.sleep(1.0)  # room for a second answer, which must not come
    answers = ([json.dumps(in_ack)] if in_ack else []) + posted()
    assert len(answers) == 1, answers
    return answers[0]


async def _dm_event(proc: Proc, user: str, event_id: str, retry: int | None = None) -> None:
    body = payloads.message_im("help", user=user, channel=f"D{user}", event_id=event_id)
    status, raw, _ = await send_http(
        proc.events_url, json.dumps(body), SECRET, payloads.JSON, retry_num=retry
    )
    assert status == 200, raw


def _dm_posts(slack: FakeSlack, user: str) -> int:
    return sum(1 for m in slack.messages if m["channel"] == f"D{user}" and not m["ephemeral"])


async def _discord_log_once(fake: FakeDiscord, guild: int | None, person: str) -> str:
    channel = CHANNELS[shard_of(guild, 2)] if guild else None
    answer = await fake.interact(discord_payloads.slash(
        "log", {"kind": "outreach", "person": person, "company": "Acme"},
        guild_id=guild, channel_id=channel,
    ), timeout=10)  # fmt: skip
    assert answer.status == 200
    if answer.type == 5:  # deferred on a busy machine: the edited original
        await eventually(lambda: bool(text_of(fake.original(answer.interaction_id))), 10)
        said = text_of(fake.original(answer.interaction_id))
    else:
        said = text_of(answer.data)
    await asyncio.sleep(0.5)
    callbacks = fake.calls_to("POST", f"/interactions/{answer.interaction_id}/")
    assert len(callbacks) == 1, [c.path for c in callbacks]  # one process answered
    return said


# -- the outbox -------------------------------------------------------------------------------


@dataclass
class Filled:
    slack: dict[int, str]  # nudge id -> the Slack user it goes to
    discord: dict[int, int]  # nudge id -> the Discord user it goes to


async def _fill(url: str, first: int, count: int, now: datetime) -> Filled:
    """`count` members with a check-in due now (tests.engine.three.fill): one in
    DISCORD_EVERY a Discord member, the others Slack members over TENANTS workspaces."""
    who = [
        Identity("discord", "discord", str(DISCORD_USER_BASE + n)) if n % DISCORD_EVERY == 0
        else Identity("slack", f"T{n % TENANTS:04d}", f"U{n:08d}")
        for n in range(first, first + count)
    ]  # fmt: skip
    filled = Filled({}, {})
    for nudge_id, identity in (await fill(url, who, f"three{first}", now)).items():
        if identity.platform == "slack":
            filled.slack[nudge_id] = identity.user_id
        else:
            filled.discord[nudge_id] = int(identity.user_id)
    return filled


async def _rows(url: str, ids: set[int]) -> dict[int, tuple[str, int, str | None]]:
    """id -> (status, attempts, claimed_by) of the given nudges."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(
                text("SELECT id, status, attempts, claimed_by FROM outbox")
            )).all()  # fmt: skip
    finally:
        await engine.dispose()
    return {r[0]: (r[1], r[2], r[3]) for r in rows if r[0] in ids}


_said: list[str] = []


async def _all_sent(url: str, filled: Filled, started: float) -> bool:
    rows = await _rows(url, set(filled.slack) | set(filled.discord))
    statuses = Counter(status for status, _, _ in rows.values())
    assert not set(statuses) - {"pending", "claimed", "sent"}, statuses  # none failed
    left = Counter(
        ("slack" if i in filled.slack else "discord", status)
        for i, (status, _, _) in rows.items() if status != "sent"
    )  # fmt: skip
    line = f"{statuses.get('sent', 0)} of {len(rows)} sent; left: {dict(left)}"
    if not _said or _said[-1] != line:
        _said.append(line)
        print(f"[{time.monotonic() - started:6.1f} s] {line}")
    return statuses.get("sent", 0) == len(rows)


def _slack_counts(slack: FakeSlack) -> Counter[str]:
    return Counter(m["channel"] for m in slack.messages if not m["ephemeral"])


def _discord_counts(fake: FakeDiscord) -> Counter[str]:
    nonces = (str(m.get("nonce", "")) for m in fake.messages)
    return Counter(n for n in nonces if n.startswith("nudge-"))


def _discord_posts(fake: FakeDiscord) -> Counter[str]:
    return Counter(
        str(c.json.get("nonce")) for c in fake.calls_to("POST", "/channels/{channel_id}/messages")
        if isinstance(c.json, dict)
    )  # fmt: skip


# -- the test ---------------------------------------------------------------------------------


@pytest.mark.timeout(1500)  # about 9 minutes on 2 busy cores; room for a slower machine
async def test_three_processes_share_one_postgres(pg_fresh_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    async with AsyncExitStack() as stack:
        slack = await stack.enter_async_context(FakeSlack())
        discord = await stack.enter_async_context(FakeDiscord())
        for shard, guild in GUILDS.items():
            discord.add_guild(guild, f"Club on shard {shard}", [CHANNELS[shard]])
        session = await stack.enter_async_context(
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5), trust_env=False)
        )
        shards = ("0", "1", None)  # A holds shard 0, B shard 1, C is Slack only
        procs = await start_processes(stack, slack, discord, pg_fresh_url, tmp_path, shards)
        a, b, c = procs
        print(f"[{time.monotonic() - started:6.1f} s] three processes ready")

        # 1. What is sent to each process is answered once, by it.
        for proc in procs:
            said = await _slash_answered_once(slack, proc, f"UCMD{proc.name}")
            assert f"Jane {proc.name}" in said, said
            await _dm_event(proc, f"UDM{proc.name}", f"EvDM{proc.name}")
        for proc in procs:
            user = f"UDM{proc.name}"
            await eventually(lambda u=user: _dm_posts(slack, u) > 0, 10, f"the DM of {user}")  # type: ignore[misc]
        # A load balancer's retry: the same event at two processes, at once.
        await asyncio.gather(_dm_event(a, "UDUP", "EvDUP"), _dm_event(c, "UDUP", "EvDUP", retry=1))
        await eventually(lambda: _dm_posts(slack, "UDUP") > 0, 10, "the DM of UDUP")
        await asyncio.sleep(2.0)  # room for a second reply, which must not come
        assert {u: _dm_posts(slack, u) for u in ("UDMA", "UDMB", "UDMC", "UDUP")} == dict.fromkeys(
            ("UDMA", "UDMB", "UDMC", "UDUP"), 1
        )
        for shard, guild in GUILDS.items():  # each guild's shard is one process's
            assert f"Person{shard}" in await _discord_log_once(discord, guild, f"Person{shard}")
        assert "Dee" in await _discord_log_once(discord, None, "Dee")  # a DM: shard 0, A
        assert discord.unrouted == []
        print(f"[{time.monotonic() - started:6.1f} s] commands answered once each")

        # 2. 10,000 nudges, delivered exactly once across the three.
        before_slack, before_discord = _slack_counts(slack), _discord_counts(discord)
        filled = await _fill(pg_fresh_url, 0, 10_000, SystemClock().now())
        print(f"[{time.monotonic() - started:6.1f} s] outbox filled: {len(filled.slack)} "
              f"Slack, {len(filled.discord)} Discord")  # fmt: skip
        ids = set(filled.slack) | set(filled.discord)
        await until(lambda: _all_sent(pg_fresh_url, filled, started), 900, "10,000 sent")
        await asyncio.sleep(1.0)
        slack_got = _slack_counts(slack) - before_slack
        discord_got = _discord_counts(discord) - before_discord
        assert {f"D{u}" for u in filled.slack.values()} <= set(slack_got)  # none lost
        assert all(slack_got[f"D{u}"] == 1 for u in filled.slack.values())  # none twice
        assert set(discord_got) >= {f"nudge-{i}" for i in filled.discord}
        assert all(discord_got[f"nudge-{i}"] == 1 for i in filled.discord)
        assert max(_discord_posts(discord)[f"nudge-{i}"] for i in filled.discord) == 1
        for nudge_id, user in filled.discord.items():  # each in its member's own DM
            (message,) = [m for m in discord.messages if m.get("nonce") == f"nudge-{nudge_id}"]
            assert message["channel_id"] == str(discord.dm_channels[user])
        rows = await _rows(pg_fresh_url, ids)
        workers = Counter(claimed_by for _, _, claimed_by in rows.values())
        assert set(workers) == {p.worker for p in procs}, workers  # all three delivered
        print(f"[{time.monotonic() - started:6.1f} s] 10,000 delivered once each: {workers}")

        # 3. SIGKILL one process mid-delivery: nothing is lost.
        before_slack, before_discord = _slack_counts(slack), _discord_counts(discord)
        posts_before = _discord_posts(discord)
        second = await _fill(pg_fresh_url, 10_000, 1_500, SystemClock().now())
        ids2 = set(second.slack) | set(second.discord)
        held: dict[int, tuple[str, int, str | None]] = {}

        async def b_holds_some() -> bool:
            nonlocal held
            held = {
                i: row for i, row in (await _rows(pg_fresh_url, ids2)).items()
                if row[0] == "claimed" and row[2] == b.worker
            }  # fmt: skip
            return len(held) > 0

        await until(b_holds_some, 60, "B holding nudges")
        b.run.proc.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(b.run.proc.wait(), 10) == -signal.SIGKILL
        killed_at = time.monotonic()
        stuck = {i for i, row in (await _rows(pg_fresh_url, ids2)).items()
                 if row[0] == "claimed" and row[2] == b.worker}  # fmt: skip
        print(f"[{time.monotonic() - started:6.1f} s] B killed holding {len(stuck)} nudges")
        assert stuck
        await until(lambda: _all_sent(pg_fresh_url, second, started), 900, "1,500 sent")
        assert time.monotonic() - killed_at >= LEASE_S - 5  # B's waited out their lease
        await asyncio.sleep(1.0)
        rows = await _rows(pg_fresh_url, ids2)
        assert all(rows[i][2] in (a.worker, c.worker) and rows[i][1] >= 2 for i in stuck)
        slack_got = _slack_counts(slack) - before_slack
        discord_got = _discord_counts(discord) - before_discord
        # None lost: every nudge reached its member.
        assert all(slack_got[f"D{u}"] >= 1 for u in second.slack.values())
        assert all(discord_got[f"nudge-{i}"] == 1 for i in second.discord)
        # What B had posted just before it died and not yet marked sent is sent again by
        # another process when its lease runs out (the dispatcher cannot know it landed).
        # Discord drops that repeat by the message's nonce (the nudge's idempotency key,
        # sent with enforce_nonce): exactly one message each, above. Slack has no such key:
        # the repeat reaches the member, so a repeat is allowed only for what B held when
        # killed, at most its sends in flight.
        repeats = {i for i, u in second.slack.items() if slack_got[f"D{u}"] > 1}
        assert repeats <= stuck and len(repeats) <= CONCURRENCY, (len(repeats), len(stuck))
        assert all(slack_got[f"D{u}"] <= 2 for u in second.slack.values())
        resent = _discord_posts(discord) - posts_before
        print(f"[{time.monotonic() - started:6.1f} s] after the kill: {len(repeats)} Slack "
              f"repeat(s), {sum(n > 1 for n in resent.values())} Discord post(s) sent again "
              f"and dropped by their nonce")  # fmt: skip
        for proc in (a, c):
            assert await ready(session, proc)
    assert slack.violations == [] and discord.violations == []
