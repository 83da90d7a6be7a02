"""Token buckets that keep the dispatcher inside each platform's documented limits.

Slack allows about one message per second per channel (a member's DM is a channel);
Discord allows 50 requests per second for the whole bot. A 429 with Retry-After
closes a bucket for that long, so the rest of a tick waits instead of hammering.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from bot.ports import Timer


@dataclass(frozen=True, slots=True)
class Rate:
    per_second: float
    burst: float = 1.0


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    global_rate: Rate | None = None  # one bucket for the whole platform
    channel_rate: Rate | None = None  # one bucket per channel


# From the platforms' documentation; the console has no limit.
DEFAULT_LIMITS: dict[str, PlatformLimits] = {
    "slack": PlatformLimits(channel_rate=Rate(1.0, 1.0)),  # chat.postMessage: 1/s/channel
    "discord": PlatformLimits(global_rate=Rate(50.0, 50.0), channel_rate=Rate(5.0, 5.0)),
}


_EPSILON = 1e-6  # seconds


class TokenBucket:
    __slots__ = ("_blocked_until", "_level", "_stamp", "_timer", "rate")

    def __init__(self, rate: Rate, timer: Timer) -> None:
        self.rate = rate
        self._timer = timer
        self._level = rate.burst
        self._stamp = timer.monotonic()
        self._blocked_until = 0.0

    def _refill(self, now: float) -> None:
        self._level = min(self.rate.burst, self._level + (now - self._stamp) * self.rate.per_second)
        self._stamp = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 when one is)."""
        now = self._timer.monotonic()
        self._refill(now)
        blocked = max(0.0, self._blocked_until - now)
        short = max(0.0, 1.0 - self._level) / self.rate.per_second
        # A wait of a rounding error (1e-18 s) cannot move a clock: acquire() would spin.
        wait = max(blocked, short)
        return wait if wait > _EPSILON else 0.0

    def take(self) -> None:
        self._refill(self._timer.monotonic())
        self._level -= 1.0

    def block(self, seconds: float) -> None:
        """The platform said 429: nothing goes out for `seconds`."""
        self._blocked_until = max(self._blocked_until, self._timer.monotonic() + seconds)
        self._level = min(self._level, 0.0)


class Limiter:
    """Buckets per platform (and per channel where the platform limits channels)."""

    def __init__(
        self,
        timer: Timer,
        limits: dict[str, PlatformLimits] | None = None,
        max_channels: int = 10_000,
    ) -> None:
        self._timer = timer
        self._limits = DEFAULT_LIMITS if limits is None else limits
        self._global: dict[str, TokenBucket] = {}
        # Least recently used channel buckets are dropped: a full bucket is the default.
        self._channels: OrderedDict[tuple[str, str], TokenBucket] = OrderedDict()
        self._max_channels = max_channels

    def _buckets(self, platform: str, channel: str) -> list[TokenBucket]:
        limits = self._limits.get(platform)
        if limits is None:
            return []
        out = []
        if limits.global_rate is not None:
            bucket = self._global.get(platform)
            if bucket is None:
                bucket = self._global[platform] = TokenBucket(limits.global_rate, self._timer)
            out.append(bucket)
        if limits.channel_rate is not None:
            key = (platform, channel)
            bucket = self._channels.pop(key, None) or TokenBucket(limits.channel_rate, self._timer)
            self._channels[key] = bucket
            if len(self._channels) > self._max_channels:
                self._channels.popitem(last=False)
            out.append(bucket)
        return out

    def delay(self, platform: str, channel: str) -> float:
        """How long a message to `channel` would wait now (0 when it may go at once)."""
        return max((b.wait_time() for b in self._buckets(platform, channel)), default=0.0)

    async def acquire(self, platform: str, channel: str) -> float:
        """Wait until a message to `channel` may go out; the seconds waited."""
        buckets = self._buckets(platform, channel)
        waited = 0.0
        while True:
            delay = max((b.wait_time() for b in buckets), default=0.0)
            if delay <= 0:
                break
            await self._timer.sleep(delay)
            waited += delay
        for bucket in buckets:
            bucket.take()
        return waited

    def block(self, platform: str, channel: str, seconds: float, whole_platform: bool) -> None:
        buckets = self._buckets(platform, channel)
        for bucket in buckets if whole_platform else buckets[-1:]:
            bucket.block(seconds)
