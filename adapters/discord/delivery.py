"""Nudges to Discord: one message per nudge through discord.py, and what Discord's answer means.

The dispatcher owns pacing and retries (bot/nudges/dispatcher.py), so this sends once and
classifies the outcome. discord.py retries underneath on its own (a 429 carrying Via: it
sleeps retry_after and tries again, five tries in all; 500/502/504/524: it sleeps 1, 3, 5,
7 and 9 s between tries), so each delivery has a deadline (`timeout`) and answers TRANSIENT
past it. The send itself is never cancelled: before sleeping out a global 429 discord.py
clears the event every request of the bot waits on and sets it only after the sleep, with
no `finally`, so a cancellation there would hang the whole bot. A send past its deadline
goes on in the background under its idempotency key: a retry of the key waits for that
send rather than starting another, and the key is the message's nonce (enforce_nonce),
so Discord drops a repeat from another process or a restart for a few minutes.

A member's DM channel id is kept in storage and opened only when none is stored: Discord's
anti-spam distrusts bots that open many DMs in a burst.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

import aiohttp
import discord

from adapters.discord.render import Rendered, render
from bot.domain import Identity
from bot.nudges.lost_channels import ChannelLost, LostChannels
from bot.nudges.model import ChannelTarget, DeliveryResult, DeliveryStatus, LimitScope, Outbound
from bot.nudges.sent_keys import KEEP_KEYS, SentKeys

log = logging.getLogger(__name__)

TENANT = "discord"  # one Discord user is one member in every server and in DMs
NONCE_MAX = 25  # Discord refuses a longer nonce
SEND_TIMEOUT_S = 5.0  # Discord posts a message in well under a second
MAX_IN_FLIGHT = 200  # sends past their deadline still running: Discord is in trouble
# Discord's error codes (discord.com/developers/docs/topics/opcodes-and-status-codes).
DMS_CLOSED = 50007  # "Cannot send messages to this user"
UNKNOWN_CHANNEL = 10003
UNKNOWN_USER = 10013
CHANNEL_GONE = frozenset({50001, 50013, UNKNOWN_CHANNEL})  # missing access or permissions
# One token is the whole bot: a refused one stops every send, probed again after this.
TOKEN_PAUSE_S = 300.0
STOPPED = DeliveryResult(
    DeliveryStatus.RATE_LIMITED,
    retry_after=TOKEN_PAUSE_S,
    scope=LimitScope.PLATFORM,
    detail="discord refused the bot token (401)",
)
# discord.py is sleeping out a global 429: everything the bot sends waits behind it.
# discord.py sleeps out the 429's own retry_after (usually a fraction of a second) and
# retries that request; the rest wait a short while, not a whole second each time.
GLOBAL_LIMIT = DeliveryResult(
    DeliveryStatus.RATE_LIMITED,
    retry_after=0.25,
    scope=LimitScope.PLATFORM,
    detail="global rate limit",
)
NO_MENTIONS = discord.AllowedMentions.none()

T = TypeVar("T")


class DmChannels(Protocol):
    """Each member's Discord DM channel id, as storage keeps it for their identity."""

    async def get(self, identity: Identity) -> str | None: ...

    async def set(self, identity: Identity, channel_id: str) -> None: ...


def nonce(key: str) -> str:
    """The idempotency key as a nonce: itself when short enough, else a hash of it (the same
    key always gives the same nonce, so a resend is still recognised)."""
    if len(key) <= NONCE_MAX and key.isascii():
        return key
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_MAX]


class Late(Exception):
    """The deadline passed with the request still in discord.py's hands."""


class DiscordDelivery:
    """bot.ports.Delivery for Discord. Never raises: every failure is a DeliveryResult."""

    platform = "discord"

    def __init__(
        self,
        client: discord.Client,
        channels: DmChannels,
        on_channel_lost: ChannelLost | None = None,
        keep_keys: int = KEEP_KEYS,
        timeout: float = SEND_TIMEOUT_S,
    ) -> None:
        self._client = client
        self._channels = channels
        self._lost = LostChannels(on_channel_lost)
        self._timeout = timeout
        self._sent = SentKeys(keep_keys)
        self._sending: dict[str, asyncio.Task[None]] = {}  # idempotency key -> its send
        self._tasks: set[asyncio.Task[Any]] = set()  # every request running, for close()
        self._stopped_until = 0.0  # loop time; the token was refused
        # Opening a DM is a request the dispatcher's limiter did not count (it counts one
        # per message): the runtime sets this to take a bot-wide token for it.
        self.pace: Callable[[], Awaitable[object]] | None = None

    async def deliver(self, message: Outbound) -> DeliveryResult:
        key = message.idempotency_key
        if key in self._sent:  # already posted by this process: a repeat after a lost finish
            return DeliveryResult.sent()
        loop = asyncio.get_running_loop()
        if loop.time() < self._stopped_until:
            return STOPPED
        if key not in self._sending and self._globally_limited():
            return GLOBAL_LIMIT
        deadline = loop.time() + self._timeout
        target = message.target
        try:
            rendered = render(message.reply)
            if isinstance(target, Identity):
                result = await self._dm(target, message, rendered, deadline)
            else:
                result = await self._post(target, message, rendered, deadline)
        except Exception as e:  # storage or rendering trouble: the dispatcher tries again
            log.warning("discord delivery %s failed: %r", key, e)
            result = DeliveryResult(DeliveryStatus.TRANSIENT, detail=repr(e)[:200])
        if result.status is DeliveryStatus.SENT:
            self._sent.add(key)
        return result

    async def close(self, drain_s: float = 5.0) -> None:
        """Let sends in flight finish (bounded), then stop them: the bot is going away."""
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=drain_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    # -- where a message goes ---------------------------------------------------------------
    async def _dm(
        self, who: Identity, message: Outbound, rendered: Rendered, deadline: float
    ) -> DeliveryResult:
        stored = await self._channels.get(who)
        try:
            channel = stored or await self._open(who, deadline)
            try:
                await self._send(channel, message, rendered, deadline)
            except discord.NotFound as e:
                if not stored or e.code != UNKNOWN_CHANNEL:
                    raise
                # The stored channel is gone: a new one, opened once, tried once.
                log.info("the stored DM channel of %s is gone; opening another", who.user_id)
                channel = await self._open(who, deadline)
                await self._send(channel, message, rendered, deadline)
        except Exception as e:
            return self._failure(e)
        return DeliveryResult.sent()

    async def _open(self, who: Identity, deadline: float) -> str:
        if self.pace is not None:
            await self.pace()
        data = await self._within(
            self._client.http.start_private_message(int(who.user_id)), deadline
        )
        channel = str(data["id"])
        try:
            await self._channels.set(who, channel)
        except Exception as e:  # the nudge can still go; the next one opens it again
            log.warning("could not store the DM channel of %s: %r", who.user_id, e)
        return channel

    async def _post(
        self, where: ChannelTarget, message: Outbound, rendered: Rendered, deadline: float
    ) -> DeliveryResult:
        try:
            await self._send(where.channel_id, message, rendered, deadline)
        except discord.HTTPException as e:
            if e.status not in (403, 404) or e.code not in CHANNEL_GONE:
                return self._failure(e)
            detail = _detail(e)
            await self._lost.lost(where, detail)
            return DeliveryResult(DeliveryStatus.PERMANENT, detail=detail)
        except Exception as e:
            return self._failure(e)
        self._lost.found(where)  # it takes posts again
        return DeliveryResult.sent()

    # -- sending ----------------------------------------------------------------------------
    async def _send(
        self, channel_id: str, message: Outbound, rendered: Rendered, deadline: float
    ) -> None:
        key = message.idempotency_key
        task = self._sending.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            if len(self._sending) >= MAX_IN_FLIGHT:
                raise Late(f"busy: {len(self._sending)} sends still in flight")
            task = self._spawn(self._message(channel_id, message, rendered))
            self._sending[key] = task
            task.add_done_callback(functools.partial(self._landed, key))
        await self._within(task, deadline)

    async def _message(self, channel_id: str, message: Outbound, rendered: Rendered) -> None:
        extra: dict[str, Any] = {}
        if rendered.view is not None:
            extra["view"] = rendered.view
        if message.reply.files:  # fresh each time: discord.py closes a file once sent
            extra["files"] = [
                discord.File(io.BytesIO(f.content), filename=f.name) for f in message.reply.files
            ]
        channel = self._client.get_partial_messageable(int(channel_id))
        await channel.send(
            content=rendered.content,
            embeds=rendered.embeds,
            allowed_mentions=NO_MENTIONS,
            nonce=nonce(message.idempotency_key),
            **extra,
        )

    def _landed(self, key: str, task: asyncio.Task[None]) -> None:
        """A send finished, maybe after its delivery gave up waiting: if it posted, a retry
        of the key answers sent without posting again."""
        if self._sending.get(key) is task:
            del self._sending[key]
        if not task.cancelled() and task.exception() is None:
            self._sent.add(key)

    def _spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(_settled)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _within(self, work: Coroutine[Any, Any, T] | asyncio.Task[T], deadline: float) -> T:
        """The request's result by the deadline; it runs on past it (never cancelled)."""
        task = work if isinstance(work, asyncio.Task) else self._spawn(work)
        left = deadline - asyncio.get_running_loop().time()
        try:
            return await asyncio.wait_for(asyncio.shield(task), max(left, 0.0))
        except TimeoutError:
            if not task.done():
                raise Late(f"timeout: no answer within {self._timeout:g} s") from None
            return task.result()  # it finished as the deadline passed: its own outcome

    def _globally_limited(self) -> bool:
        # discord.py keeps no public flag for it; without the attribute this never blocks.
        event = getattr(self._client.http, "_global_over", None)
        return isinstance(event, asyncio.Event) and not event.is_set()

    # -- what Discord's answer means --------------------------------------------------------
    def _failure(self, error: Exception) -> DeliveryResult:
        if isinstance(error, discord.HTTPException) and error.status == 401:
            log.error("discord refused the bot token: nudges stop for %g s", TOKEN_PAUSE_S)
            self._stopped_until = asyncio.get_running_loop().time() + TOKEN_PAUSE_S
            return STOPPED
        result = classify(error)
        if result.status is not DeliveryStatus.SENT:
            log.info("discord delivery: %s %s", result.status, result.detail)
        return result

def classify(error: BaseException) -> DeliveryResult:
    """A failed send as the dispatcher's taxonomy (a 401 is DiscordDelivery's to handle)."""
    if isinstance(error, Late):
        return DeliveryResult(DeliveryStatus.TRANSIENT, detail=str(error))
    if isinstance(error, discord.RateLimited):  # over max_ratelimit_timeout; never global
        return DeliveryResult(
            DeliveryStatus.RATE_LIMITED,
            retry_after=error.retry_after,
            scope=LimitScope.CHANNEL,
            detail="rate limited",
        )
    if isinstance(error, discord.HTTPException):
        if error.status == 429:  # discord.py's five tries all refused, or Cloudflare's ban
            return _limited(error)
        if error.code == DMS_CLOSED:
            return DeliveryResult(DeliveryStatus.PERMANENT, detail=f"{DMS_CLOSED} DMs closed")
        if error.status == 403:  # never retried: 403s count toward Discord's invalid requests
            return DeliveryResult(DeliveryStatus.PERMANENT, detail=_detail(error))
        if error.status == 404 and error.code in (UNKNOWN_CHANNEL, UNKNOWN_USER):
            return DeliveryResult(DeliveryStatus.PERMANENT, detail=_detail(error))
        # 5xx, or a refusal we did not expect (a bad body): retried with backoff, then given up.
        return DeliveryResult(DeliveryStatus.TRANSIENT, detail=_detail(error))
    connection = (TimeoutError, aiohttp.ClientError, OSError, discord.ClientException,
                  discord.GatewayNotFound)
    if isinstance(error, connection):
        return DeliveryResult(DeliveryStatus.TRANSIENT, detail=f"connection: {error!r}"[:200])
    return DeliveryResult(DeliveryStatus.TRANSIENT, detail=repr(error)[:200])


def _limited(error: discord.HTTPException) -> DeliveryResult:
    headers = getattr(error.response, "headers", None) or {}
    cloudflare = not headers.get("Via")  # a ban of the whole address, not one bucket
    is_global = (
        cloudflare
        or str(headers.get("X-RateLimit-Global", "")).lower() == "true"
        or headers.get("X-RateLimit-Scope") == "global"
    )
    retry_after = _seconds(headers.get("Retry-After") or headers.get("X-RateLimit-Reset-After"))
    return DeliveryResult(
        DeliveryStatus.RATE_LIMITED,
        retry_after=retry_after,
        scope=LimitScope.PLATFORM if is_global else LimitScope.CHANNEL,
        detail="429 cloudflare" if cloudflare else "429",
    )


def _seconds(value: object) -> float:
    try:
        return max(float(str(value)), 0.0)
    except ValueError:
        return 1.0  # Discord always sends one with a 429; a second is its global window


def _detail(error: discord.HTTPException) -> str:
    return f"{error.status} {error.code} {error.text}".strip()[:200]


def _settled(task: asyncio.Task[Any]) -> None:
    """Mark a background request's exception as seen: its delivery has classified it, or
    gave up waiting and a retry will see the next one."""
    if not task.cancelled():
        task.exception()
