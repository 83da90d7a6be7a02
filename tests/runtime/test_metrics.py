"""/metrics over a real runtime on SQLite: commands by name and outcome with their time,
deliveries by platform and result, 429s, nudge lateness, the jobs' tick times and the
outbox by status, each runtime in a registry of its own."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.console.backend import ConsoleBackend
from adapters.console.delivery import ConsoleDelivery
from adapters.runtime.bootstrap import Runtime, bootstrap
from adapters.runtime.health import Health, HealthServer
from adapters.runtime.scheduler import Intervals
from adapters.runtime.settings import Settings
from bot.commands import REGISTRY
from bot.nudges.model import DeliveryResult, DeliveryStatus, LimitScope, Nudge, NudgeKind, Outbound
from bot.replies import Reply
from tests.fakes import FakeClock
from tests.runtime.web import get
from tests.unit.harness import WED


async def _runtime(tmp_path: Path, name: str = "bot") -> Runtime:
    url = f"sqlite+aiosqlite:///{tmp_path}/{name}.db"
    return await bootstrap(Settings(database_url=url), FakeClock(WED))


async def _scrape(runtime: Runtime) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample /metrics serves, by (name, labels), read from a real HTTP server."""
    assert runtime.metrics is not None
    server = HealthServer(Health(runtime.engine, runtime.uow_factory, runtime.metrics),
                          "127.0.0.1", 0)  # fmt: skip
    port = await server.start()
    try:
        status, text, kind = await get(port, "/metrics")
    finally:
        await server.stop()
    assert status == 200 and kind.startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _at(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
        **labels: str) -> float:  # fmt: skip
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_commands_are_counted_by_name_and_outcome_and_timed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def boom(*_: object) -> Reply:
        raise RuntimeError("disk on fire")

    runtime = await _runtime(tmp_path)
    try:
        console = ConsoleBackend(runtime.core)
        assert not (await console.reply("ann", "contact add Jane Doe")).is_error
        assert not (await console.reply("ann", "streak")).is_error
        assert (await console.reply("ann", "contact add")).is_error  # no name: an example
        assert (await console.reply("ann", "blargh")).is_error  # not read at all
        monkeypatch.setitem(REGISTRY, "streak",
                            dataclasses.replace(REGISTRY["streak"], handler=boom))  # fmt: skip
        assert (await console.reply("ann", "streak")).is_error
        m = await _scrape(runtime)
    finally:
        await runtime.close()
    total = "nextinterview_commands_total"
    assert _at(m, total, command="contact add", outcome="ok") == 1
    assert _at(m, total, command="contact add", outcome="user_error") == 1
    assert _at(m, total, command="streak", outcome="ok") == 1
    assert _at(m, total, command="streak", outcome="internal_error") == 1
    assert _at(m, total, command="unread", outcome="user_error") == 1
    assert _at(m, "nextinterview_command_seconds_count", command="contact add") == 2
    assert 0 < _at(m, "nextinterview_command_seconds_sum", command="contact add") < 5


@dataclasses.dataclass
class _OneLimitFirst:
    """The console, except that its first message is refused with a 429 (a platform's)."""

    console: ConsoleDelivery
    platform: str = "console"
    refused: int = 0

    async def deliver(self, message: Outbound) -> DeliveryResult:
        if not self.refused:
            self.refused += 1
            return DeliveryResult(DeliveryStatus.RATE_LIMITED, 0.2, LimitScope.CHANNEL, "429")
        return await self.console.deliver(message)


async def test_deliveries_429s_lateness_and_the_outbox_by_status(tmp_path: Path) -> None:
    runtime = await _runtime(tmp_path)
    clock = runtime.clock
    assert isinstance(clock, FakeClock)
    try:
        console = ConsoleBackend(runtime.core)
        await console.reply("ann", "streak")  # Ann is a member now
        async with runtime.uow_factory() as uow:
            ann = await uow.members.by_identity(console.caller("ann").identity)
            assert ann is not None
            due = clock.now() - timedelta(seconds=90)
            later = clock.now() + timedelta(days=1)
            await uow.outbox.enqueue([
                Nudge(NudgeKind.CHECKIN, due, "ops:due", member_id=ann.id),
                Nudge(NudgeKind.CHECKIN, later, "ops:later", member_id=ann.id),
            ])  # fmt: skip
        printed: list[str] = []
        delivery = _OneLimitFirst(ConsoleDelivery(write=printed.append, clock=clock))
        dispatcher = runtime.dispatcher({"console": delivery})
        await dispatcher.tick()  # refused: back to pending, due again 0.2 s later
        clock.advance(timedelta(seconds=1))
        await asyncio.sleep(0.25)  # the limiter's block runs on the monotonic clock
        await dispatcher.tick()
        assert len(printed) == 1
        m = await _scrape(runtime)
    finally:
        await runtime.close()
    deliveries = "nextinterview_deliveries_total"
    assert _at(m, deliveries, platform="console", result="rate_limited") == 1
    assert _at(m, deliveries, platform="console", result="sent") == 1
    assert _at(m, "nextinterview_rate_limited_total", platform="console", scope="channel") == 1
    assert _at(m, "nextinterview_nudge_lateness_seconds_count") == 1
    # Against the due time its retry gave it (0.2 s after the 429), not the first one:
    # the dispatcher's own lag; the delay of retries shows in the deliveries' results.
    assert _at(m, "nextinterview_nudge_lateness_seconds_sum") == pytest.approx(0.8)
    outbox = "nextinterview_outbox_nudges"
    assert _at(m, outbox, status="sent") == 1
    assert _at(m, outbox, status="pending") == 1  # tomorrow's
    assert _at(m, outbox, status="claimed") == 0  # every status has a series


async def test_the_jobs_tick_times_are_observed(tmp_path: Path) -> None:
    runtime = await _runtime(tmp_path)
    assert runtime.metrics is not None
    try:
        delivery = ConsoleDelivery(write=lambda _: None, clock=runtime.clock)
        quick = Intervals(planner_s=0.05, dispatcher_s=0.05, upkeep_s=3600)
        runtime.start_nudges({delivery.platform: delivery}, quick)
        for _ in range(200):
            m = await _scrape(runtime)
            if _at(m, "nextinterview_planner_tick_seconds_count") >= 2 and _at(
                m, "nextinterview_dispatcher_tick_seconds_count"
            ) >= 2:
                break
            await asyncio.sleep(0.025)
    finally:
        await runtime.close()
    assert _at(m, "nextinterview_planner_tick_seconds_count") >= 2
    assert _at(m, "nextinterview_dispatcher_tick_seconds_count") >= 2
    assert _at(m, "nextinterview_deliveries_total", platform="console", result="sent") == 0


async def test_each_runtime_counts_only_its_own(tmp_path: Path) -> None:
    one, two = await _runtime(tmp_path, "one"), await _runtime(tmp_path, "two")
    try:
        await ConsoleBackend(one.core).reply("ann", "streak")
        m_one, m_two = await _scrape(one), await _scrape(two)
    finally:
        await one.close()
        await two.close()
    name = "nextinterview_commands_total"
    assert _at(m_one, name, command="streak", outcome="ok") == 1
    assert _at(m_two, name, command="streak", outcome="ok") == 0
