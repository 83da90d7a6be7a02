"""Rate limits and failure injection of the fake Discord (mixed into FakeDiscord).

Buckets: a route template plus its major parameters, `bucket_limit` requests per
`bucket_window` seconds (`route_limits` overrides per "METHOD /template"), answered in
X-RateLimit-* headers so discord.py throttles itself; over it -> 429. `global_rate` (None =
off) caps bot requests at that many in any 1 s (interaction callbacks and webhooks exempt,
as on Discord). Rules from fail()/rate_limit()/delay() apply to the next `times` matching
requests (times < 0: until clear_failures()).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from tests.discord.fake_rest import Reject


@dataclass
class _Rule:
    method: str
    prefix: str
    times: int
    status: int
    body: dict[str, Any] | None = None
    seconds: float = 0.0  # delay() rules
    global_: bool = False

    def matches(self, method: str, path: str, route: str) -> bool:
        if self.times == 0 or self.method not in ("*", method):
            return False
        return path.startswith(self.prefix) or route.startswith(self.prefix)


class LimitsFake:
    def _init_limits(self) -> None:
        self.bucket_limit, self.bucket_window = 50, 1.0
        self.route_limits: dict[str, tuple[int, float]] = {}
        self.global_rate: int | None = None
        self._buckets: dict[str, tuple[int, float]] = {}  # key -> (count, window end)
        self._global: deque[float] = deque()
        self._rules: list[_Rule] = []

    def fail(self, method: str, path_prefix: str, status: int, code: int, times: int = 1,
             message: str = "injected failure") -> None:
        self._rules.append(_Rule(method, path_prefix, times, status,
                                 {"message": message, "code": code}))

    def rate_limit(self, method: str, path_prefix: str, retry_after: float,
                   global_: bool = False, times: int = 1) -> None:
        self._rules.append(_Rule(method, path_prefix, times, 429, None, retry_after, global_))

    def delay(self, method: str, path_prefix: str, seconds: float, times: int = 1) -> None:
        """Hold the next matching requests `seconds` before handling them."""
        self._rules.append(_Rule(method, path_prefix, times, 0, None, seconds))

    def clear_failures(self) -> None:
        self._rules.clear()

    async def _held(self, method: str, path: str, route: str) -> None:
        for rule in self._rules:
            if rule.status == 0 and rule.matches(method, path, route):
                rule.times -= 1
                await asyncio.sleep(rule.seconds)
                return

    def _injected(self, method: str, path: str, route: str) -> None:
        for rule in self._rules:
            if rule.status == 0 or not rule.matches(method, path, route):
                continue
            rule.times -= 1
            if rule.status == 429:
                raise Limited(rule.seconds, rule.global_, "user", "injected")
            assert rule.body is not None
            raise Reject(rule.status, int(rule.body["code"]), str(rule.body["message"]))

    def _throttle(self, method: str, route: str, params: dict[str, str]) -> dict[str, str]:
        now = time.monotonic()
        interaction = route.startswith(("/interactions/", "/webhooks/"))
        if self.global_rate is not None and not interaction:
            while self._global and self._global[0] <= now - 1.0:
                self._global.popleft()
            if len(self._global) >= self.global_rate:
                raise Limited(self._global[0] + 1.0 - now, True, "global")
            self._global.append(now)
        template = f"{method} {route}"
        limit, window = self.route_limits.get(template, (self.bucket_limit, self.bucket_window))
        major = "+".join(params[k] for k in ("channel_id", "guild_id", "application_id",
                                             "interaction_id", "interaction_token")
                         if k in params)
        bucket = hashlib.sha1(template.encode()).hexdigest()[:16]
        count, ends = self._buckets.get(f"{bucket}:{major}", (0, now + window))
        if now >= ends:
            count, ends = 0, now + window
        if count >= limit:
            raise Limited(ends - now, False, "user", bucket, limit)
        self._buckets[f"{bucket}:{major}"] = (count + 1, ends)
        return limit_headers(limit, limit - count - 1, ends - now, bucket)


class Limited(Reject):
    """A 429 as Discord sends it: Via, Retry-After, X-RateLimit-*, the JSON body."""

    def __init__(self, retry_after: float, global_: bool, scope: str, bucket: str = "",
                 limit: int = 1) -> None:
        super().__init__(429, 0, "You are being rate limited.")
        retry_after = max(retry_after, 0.001)
        self.body = {"message": self.message, "retry_after": round(retry_after, 3),
                     "global": global_, "code": 0}
        self.headers = {"Via": "1.1 google", "Retry-After": str(math.ceil(retry_after)),
                        "X-RateLimit-Scope": "global" if global_ else scope}
        if global_:
            self.headers["X-RateLimit-Global"] = "true"
        else:
            self.headers.update(limit_headers(limit, 0, retry_after, bucket or "injected"))


def limit_headers(limit: int, remaining: int, reset_after: float, bucket: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(remaining, 0)),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


