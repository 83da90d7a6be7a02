"""Prometheus metrics: the core's and the dispatcher's Observer, the jobs' tick times, and
the outbox read at scrape time. One CollectorRegistry per runtime, never the global one:
a test (or a process) can hold several runtimes and each counts only its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.nudges.model import DeliveryStatus, LimitScope, NudgeStatus
from bot.ports import CommandOutcome, Timer, UnitOfWorkFactory

log = logging.getLogger(__name__)

T = TypeVar("T")
OUTBOX_READ_TIMEOUT_S = 2.0
# A command answers in milliseconds, a slow one (an export) in seconds.
_COMMAND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A nudge goes out within a dispatcher tick (5 s) unless quiet hours or a limit held it.
_LATENESS_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0)
_TICK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """bot.ports.Observer on prometheus_client, plus what the runtime measures itself."""

    def __init__(self, timer: Timer) -> None:
        self.timer = timer
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.commands = Counter(
            "nextinterview_commands", "Commands handled, by name and outcome.",
            ["command", "outcome"], registry=r,
        )  # fmt: skip
        self.command_seconds = Histogram(
            "nextinterview_command_seconds", "Time to answer a command.",
            ["command"], buckets=_COMMAND_BUCKETS, registry=r,
        )  # fmt: skip
        self.deliveries = Counter(
            "nextinterview_deliveries", "Nudge messages handed to a platform, by result.",
            ["platform", "result"], registry=r,
        )  # fmt: skip
        self.rate_limits = Counter(
            "nextinterview_rate_limited",
            "Deliveries a platform refused with 429 (or asked to slow down), by scope closed.",
            ["platform", "scope"], registry=r,
        )  # fmt: skip
        self.lateness = Histogram(
            "nextinterview_nudge_lateness_seconds",
            "Delivered minus due, per nudge sent (due as last set: a retry or quiet hours "
            "move it).",
            buckets=_LATENESS_BUCKETS, registry=r,
        )  # fmt: skip
        self.planner_seconds = Histogram(
            "nextinterview_planner_tick_seconds", "Time of one planner tick.",
            buckets=_TICK_BUCKETS, registry=r,
        )  # fmt: skip
        self.dispatcher_seconds = Histogram(
            "nextinterview_dispatcher_tick_seconds", "Time of one dispatcher tick.",
            buckets=_TICK_BUCKETS, registry=r,
        )  # fmt: skip
        self.outbox = Gauge(
            "nextinterview_outbox_nudges", "Nudges in the outbox by status, read at scrape.",
            ["status"], registry=r,
        )  # fmt: skip
        for status in NudgeStatus:
            self.outbox.labels(str(status))

    # --- bot.ports.Observer --------------------------------------------------------------

    def command(self, name: str, outcome: CommandOutcome, seconds: float) -> None:
        self.commands.labels(name, str(outcome)).inc()
        self.command_seconds.labels(name).observe(max(seconds, 0.0))

    def delivery(self, platform: str, status: DeliveryStatus) -> None:
        self.deliveries.labels(platform, str(status)).inc()

    def rate_limited(self, platform: str, scope: LimitScope) -> None:
        self.rate_limits.labels(platform, str(scope)).inc()

    def nudge_late(self, seconds: float) -> None:
        self.lateness.observe(max(seconds, 0.0))

    # --- the runtime's own ---------------------------------------------------------------

    def platforms(self, names: list[str]) -> None:
        """Series at zero for each platform served: rate() needs a start, not a gap."""
        for platform in names:
            for result in DeliveryStatus:
                self.deliveries.labels(platform, str(result))

    def timed(
        self, histogram: Histogram, job: Callable[[], Awaitable[T]]
    ) -> Callable[[], Awaitable[T]]:
        """`job`, its every run observed in `histogram` (a failed run too)."""

        async def run() -> T:
            started = self.timer.monotonic()
            try:
                return await job()
            finally:
                histogram.observe(self.timer.monotonic() - started)

        return run

    async def read_outbox(self, uow_factory: UnitOfWorkFactory) -> bool:
        """The outbox's depth by status (one GROUP BY over the status index; finished rows
        are pruned); False when the database did not answer in time: the gauges keep
        their last values."""
        try:
            async with asyncio.timeout(OUTBOX_READ_TIMEOUT_S), uow_factory(read_only=True) as uow:
                counts = await uow.outbox.counts()
        except Exception as e:
            log.warning("metrics: reading the outbox failed: %r", e)
            return False
        for status in NudgeStatus:
            self.outbox.labels(str(status)).set(counts.get(status, 0))
        return True

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
