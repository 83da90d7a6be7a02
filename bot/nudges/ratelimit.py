"""Token buckets that keep the dispatcher inside each platform's documented limits.

Slack allows about one message per second per channel (a member's DM is a channel) and
a workspace-wide rate on top; Discord allows 50 requests per second for the whole bot.
The buckets refill a little below those rates (`headroom`): requests paced at exactly
the limit reach the platform with jitter, and half the gaps come out short. A 429 with
Retry-After closes the scope it names (a channel, a workspace, the whole platform) for
that long, so the rest of a tick waits there and nowhere else.

Several processes delivering to one platform share its ceilings: each one's platform and
workspace buckets run at its `share` of them (1/n of n live processes, told by the
runtime). A channel's bucket is not shared: one member's nudges are few and far apart.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from bot.nudges.model import LimitScope
from bot.ports import Timer


@dataclass(frozen=True, slots=True)
class Rate:
    per_second: float
    burst: float = 1.0


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    global_rate: Rate | None = None  # one bucket for the whole platform
    tenant_rate: Rate | None = None  # one bucket per workspace (Slack team)
    channel_rate: Rate | None = None  # one bucket per channel


# From the platforms' documentation; the console has no limit. Slack does not publish
# its workspace-wide figure ("several hundred messages a minute"): 5/s stays under it.
# Discord counts 50 requests in any second: a burst of 50 on top of the refill would let
# ~97 through in one, so its bucket holds two.
DEFAULT_LIMITS: dict[str, PlatformLimits] = {
    "slack": PlatformLimits(tenant_rate=Rate(5.0, 5.0), channel_rate=Rate(1.0, 1.0)),
    "discord": PlatformLimits(global_rate=Rate(50.0, 2.0), channel_rate=Rate(5.0, 5.0)),
}
HEADROOM = 0.95

_EPSILON = 1e-6  # seconds


class TokenBucket:
    __slots__ = ("_burst", "_headroom", "_level", "_per_second", "_stamp", "_timer", "rate")

    def __init__(self, rate: Rate, timer: Timer, headroom: float = 1.0, share: float = 1.0) -> None:
        self.rate = rate
        self._headroom = headroom
        self._timer = timer
        self._per_second, self._burst = self._scaled(share)
        self._level = self._burst
        self._stamp = timer.monotonic()

    def _scaled(self, share: float) -> tuple[float, float]:
        # A burst below one token would never let a message through.
        return self.rate.per_second * self._headroom * share, max(1.0, self.rate.burst * share)

    def rescale(self, share: float) -> None:
        """Run at `share` of the rate from now on (what was earned so far is kept)."""
        self._refill(self._timer.monotonic())
        self._per_second, self._burst = self._scaled(share)
        self._level = min(self._level, self._burst)

    def _refill(self, now: float) -> None:
        self._level = min(self._burst, self._level + (now - self._stamp) * self._per_second)
        self._stamp = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 when one is)."""
        self._refill(self._timer.monotonic())
        return max(0.0, 1.0 - self._level) / self._per_second

    def take(self) -> None:
        self._refill(self._timer.monotonic())
        self._level -= 1.0

    def empty(self) -> None:
        """After a 429 the platform's count is full, whatever ours says."""
        self._level = min(self._level, 0.0)


_Key = tuple[str, ...]


class Limiter:
    """Buckets per platform, per workspace and per channel, as each platform limits them,
    and the 429 blocks on top of them."""

    def __init__(
        self,
        timer: Timer,
        limits: dict[str, PlatformLimits] | None = None,
        max_keys: int = 10_000,
        headroom: float = HEADROOM,
    ) -> None:
        self._timer = timer
        self._limits = DEFAULT_LIMITS if limits is None else limits
        self._headroom = headroom
        # Least recently used buckets are dropped: a full bucket is the default.
        self._buckets: OrderedDict[_Key, TokenBucket] = OrderedDict()
        self._blocked: dict[_Key, float] = {}  # scope -> monotonic time it opens again
        self._max_keys = max_keys
        self._shares: dict[str, float] = {}  # platform -> this process's share (default 1)

    def share(self, platform: str, share: float) -> None:
        """This process delivers `share` (0 < share <= 1) of what `platform` allows: its
        platform and workspace buckets run at that fraction of the ceilings."""
        if not 0 < share <= 1:
            raise ValueError(f"a share of a platform's ceilings is in (0, 1], not {share}")
        if self._shares.get(platform, 1.0) == share:
            return
        self._shares[platform] = share
        for key, bucket in self._buckets.items():
            if key[0] == platform and len(key) < 4:  # (platform,) or (platform, "tenant", t)
                bucket.rescale(share)

    @staticmethod
    def _scopes(platform: str, tenant: str, channel: str) -> dict[LimitScope, _Key]:
        return {
            LimitScope.PLATFORM: (platform,),
            LimitScope.TENANT: (platform, "tenant", tenant),
            LimitScope.CHANNEL: (platform, "channel", tenant, channel),
        }

    def _bucket_list(self, platform: str, tenant: str, channel: str) -> list[TokenBucket]:
        return [b for _, b in self._scoped(platform, tenant, channel)]

    def _scoped(
        self, platform: str, tenant: str, channel: str | None
    ) -> list[tuple[LimitScope, TokenBucket]]:
        """The buckets a message to `channel` counts against; None: no channel's."""
        limits = self._limits.get(platform)
        if limits is None:
            return []
        rates = {
            LimitScope.PLATFORM: limits.global_rate,
            LimitScope.TENANT: limits.tenant_rate,
            LimitScope.CHANNEL: limits.channel_rate,
        }
        out = []
        for scope, key in self._scopes(platform, tenant, channel or "").items():
            rate = rates[scope]
            if rate is None or (channel is None and scope is LimitScope.CHANNEL):
                continue
            bucket = self._buckets.pop(key, None) or self._new_bucket(platform, scope, rate)
            self._buckets[key] = bucket
            out.append((scope, bucket))
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return out

    def share_of(self, platform: str) -> float:
        """This process's share of `platform`'s ceilings (1: it delivers there alone)."""
        return self._shares.get(platform, 1.0)

    def lane(self, platform: str, tenant: str) -> tuple[str, ...]:
        """What paces messages to a workspace: the platform's own bucket when it has one
        for the whole bot (Discord), else the workspace's (Slack)."""
        limits = self._limits.get(platform)
        if limits is not None and limits.global_rate is not None:
            return (platform,)
        return (platform, tenant)

    def pace(self, platform: str, tenant: str) -> float:
        """Messages a second this process may send to one workspace of `platform` at
        its share, one channel each: the slower of the platform's and the workspace's."""
        limits = self._limits.get(platform)
        rates = [] if limits is None else [limits.global_rate, limits.tenant_rate]
        paces = [r.per_second * self._headroom for r in rates if r is not None]
        return min(paces, default=float("inf")) * self.share_of(platform)

    def _new_bucket(self, platform: str, scope: LimitScope, rate: Rate) -> TokenBucket:
        shared = scope is not LimitScope.CHANNEL
        share = self.share_of(platform) if shared else 1.0
        return TokenBucket(rate, self._timer, self._headroom, share)

    def _blocked_for(self, platform: str, tenant: str, channel: str) -> float:
        now = self._timer.monotonic()
        keys = self._scopes(platform, tenant, channel).values()
        return max((self._blocked.get(k, 0.0) - now for k in keys), default=0.0)

    def _wait(self, buckets: list[TokenBucket], platform: str, tenant: str, channel: str) -> float:
        blocked = self._blocked_for(platform, tenant, channel)
        wait = max([blocked] + [b.wait_time() for b in buckets])
        # A wait of a rounding error (1e-18 s) cannot move a clock: acquire() would spin.
        return wait if wait > _EPSILON else 0.0

    def delay(self, platform: str, tenant: str, channel: str) -> float:
        """How long a message to `channel` would wait now (0 when it may go at once)."""
        return self._wait(self._bucket_list(platform, tenant, channel), platform, tenant, channel)

    async def acquire(self, platform: str, tenant: str, channel: str) -> float:
        """Wait until a message to `channel` may go out; the seconds waited."""
        buckets = self._bucket_list(platform, tenant, channel)
        return await self._take(buckets, platform, tenant, channel)

    async def acquire_request(self, platform: str, tenant: str) -> float:
        """Wait until a request that posts to no channel (opening a DM) may go: it counts
        against the platform's and the workspace's buckets only."""
        buckets = [b for _, b in self._scoped(platform, tenant, None)]
        return await self._take(buckets, platform, tenant, "")

    async def _take(
        self, buckets: list[TokenBucket], platform: str, tenant: str, channel: str
    ) -> float:
        waited = 0.0
        while (delay := self._wait(buckets, platform, tenant, channel)) > 0:
            await self._timer.sleep(delay)
            waited += delay
        for bucket in buckets:
            bucket.take()
        return waited

    def block(
        self, platform: str, tenant: str, channel: str, seconds: float, scope: LimitScope
    ) -> None:
        """The platform said 429 for `scope`: nothing goes out there for `seconds`."""
        now = self._timer.monotonic()
        key = self._scopes(platform, tenant, channel)[scope]
        self._blocked[key] = max(self._blocked.get(key, 0.0), now + seconds)
        bucket = self._buckets.get(key)
        if bucket is not None:
            bucket.empty()
        if len(self._blocked) > self._max_keys:
            self._blocked = {k: t for k, t in self._blocked.items() if t > now}
