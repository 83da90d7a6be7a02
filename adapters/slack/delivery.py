"""Nudges to Slack: one chat.postMessage per message, and what Slack's answer means.

The dispatcher owns retries and pacing (bot/nudges/dispatcher.py), so this posts once and
classifies the outcome: rate limited, worth retrying, or unreachable. A member's DM channel
id (D...) is kept in storage: posting to the user id makes Slack find the DM and answer
its id, so no nudge ever needs conversations.open (Tier 3, and one more call per nudge).

Each message goes out with the token of its own workspace (the target's tenant), from
adapters.slack.workspaces: one token in SLACK_BOT_TOKEN mode, the team's installation
with OAuth. A workspace that uninstalled the app has its nudges skipped, without a call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import render, uploads
from adapters.slack.workspaces import OneWorkspace, WorkspaceClients
from bot.domain import Identity
from bot.nudges.lost_channels import ChannelLost, LostChannels
from bot.nudges.model import ChannelTarget, DeliveryResult, DeliveryStatus, Outbound
from bot.nudges.sent_keys import KEEP_KEYS, SentKeys
from bot.replies import File

log = logging.getLogger(__name__)

# The workspace uninstalled the app or the token died: every send would fail the same way.
DEAD_TOKEN = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})
UNREACHABLE = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})
CHANNEL_GONE = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
# A stopped tenant waits in long steps; a command with a working token resumes it sooner.
STOPPED = DeliveryResult(
    DeliveryStatus.RATE_LIMITED, retry_after=300.0, detail="workspace token revoked"
)
UNINSTALLED = DeliveryResult(DeliveryStatus.SKIPPED, detail="workspace uninstalled the app")


class DmChannels(Protocol):
    """Each member's Slack DM channel id, as storage keeps it for their identity."""

    async def get(self, identity: Identity) -> str | None: ...

    async def set(self, identity: Identity, channel_id: str) -> None: ...


def delivery_client(
    token: str, *, base_url: str = AsyncWebClient.BASE_URL, timeout: int = 10
) -> AsyncWebClient:
    """The client SlackDelivery wants: no retry handlers (the SDK's default retries a
    connection error on its own, behind the dispatcher's rate limiter)."""
    return AsyncWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])


@dataclass(frozen=True, slots=True)
class _Answer:
    error: str = ""  # empty: posted
    channel: str = ""  # the channel Slack posted to
    ts: str = ""  # the message's timestamp: its thread
    retry_after: float | None = None


class SlackDelivery:
    """bot.ports.Delivery for Slack. Never raises: every failure is a DeliveryResult."""

    platform = "slack"

    def __init__(
        self,
        client: AsyncWebClient | WorkspaceClients,
        channels: DmChannels,
        on_channel_lost: ChannelLost | None = None,
        keep_keys: int = KEEP_KEYS,
    ) -> None:
        if isinstance(client, AsyncWebClient):
            if client.retry_handlers:
                raise ValueError("SlackDelivery needs a client without retry handlers")
            client = OneWorkspace(client)
        self._workspaces = client
        self._channels = channels
        self._lost = LostChannels(on_channel_lost)
        self._sent = SentKeys(keep_keys)
        self._stopped: set[str] = set()  # tenants whose token Slack refused

    def stopped(self, tenant: str) -> bool:
        return tenant in self._stopped

    def resume(self, tenant: str) -> None:
        """A command arrived with a working token: sending starts again."""
        if tenant in self._stopped:
            log.info("slack delivery for %s resumes", tenant)
            self._stopped.discard(tenant)

    async def deliver(self, message: Outbound) -> DeliveryResult:
        key = message.idempotency_key
        if key in self._sent:  # already posted by this process: a repeat after a lost finish
            return DeliveryResult.sent()
        target = message.target
        if target.tenant in self._stopped:
            return STOPPED
        try:
            client = await self._workspaces.client(target.tenant)
            if client is None:
                return UNINSTALLED
            payload = render(message.reply)
            if isinstance(target, Identity):
                result = await self._dm(client, target, payload)
            else:
                result = await self._post(client, target, payload, message.reply.files)
        except Exception as e:  # storage or rendering trouble: the dispatcher tries again
            log.warning("slack delivery %s failed: %r", key, e)
            result = DeliveryResult(DeliveryStatus.TRANSIENT, detail=repr(e)[:200])
        if result.status is DeliveryStatus.SENT:
            self._sent.add(key)
        return result

    async def _dm(
        self, client: AsyncWebClient, who: Identity, payload: dict[str, Any]
    ) -> DeliveryResult:
        stored = await self._channels.get(who)
        answer = await self._send(client, stored or who.user_id, payload)
        if stored and answer.error in CHANNEL_GONE:
            # The stored id went stale; the user id always reaches their DM.
            stored = None
            answer = await self._send(client, who.user_id, payload)
        if answer.error:
            if answer.error in CHANNEL_GONE:
                return DeliveryResult(DeliveryStatus.PERMANENT, detail=answer.error)
            return self._classify(who.tenant, answer)
        if answer.channel.startswith("D") and answer.channel != stored:
            try:
                await self._channels.set(who, answer.channel)
            except Exception as e:  # it was posted: the next nudge just asks Slack again
                log.warning("could not store the DM channel of %s: %r", who.user_id, e)
        return DeliveryResult.sent()

    async def _post(
        self,
        client: AsyncWebClient,
        where: ChannelTarget,
        payload: dict[str, Any],
        files: tuple[File, ...] = (),
    ) -> DeliveryResult:
        answer = await self._send(client, where.channel_id, payload)
        if not answer.error:
            self._lost.found(where)  # invited back
            await self._attach(client, where.channel_id, answer.ts, files)
            return DeliveryResult.sent()
        if answer.error not in CHANNEL_GONE:
            return self._classify(where.tenant, answer)
        await self._lost.lost(where, answer.error)
        return DeliveryResult(DeliveryStatus.PERMANENT, detail=answer.error)

    async def _attach(
        self, client: AsyncWebClient, channel: str, ts: str, files: tuple[File, ...]
    ) -> None:
        """A post's files (the full leaderboard) in its thread. The post went out: a failed
        upload is logged, never a reason to post it again."""
        if not files:
            return
        prepared = uploads(files)
        try:
            await client.files_upload_v2(
                channel=channel, thread_ts=ts or None, file_uploads=prepared
            )
        except Exception as e:
            log.warning("files for the post in %s were not uploaded: %r", channel, e)

    def _classify(self, tenant: str, answer: _Answer) -> DeliveryResult:
        if answer.error == "ratelimited":
            return DeliveryResult(
                DeliveryStatus.RATE_LIMITED, retry_after=answer.retry_after, detail="ratelimited"
            )
        if answer.error in DEAD_TOKEN:
            log.error("slack refused the token of %s (%s): sends stop", tenant, answer.error)
            self._stopped.add(tenant)
            return STOPPED
        if answer.error in UNREACHABLE:
            return DeliveryResult(DeliveryStatus.PERMANENT, detail=answer.error)
        # Slack's trouble or ours (a bad block): retried with backoff, then given up.
        return DeliveryResult(DeliveryStatus.TRANSIENT, detail=answer.error)

    async def _send(self, client: AsyncWebClient, channel: str, payload: dict[str, Any]) -> _Answer:
        try:
            response = await client.chat_postMessage(
                channel=channel,
                text=payload["text"],
                blocks=payload["blocks"],
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as e:
            return _failure(e)
        except TimeoutError:  # asyncio's too, since 3.11
            return _Answer("timeout")
        except aiohttp.ClientError as e:
            return _Answer(f"connection error: {type(e).__name__}")
        return _Answer(channel=str(response.get("channel") or ""), ts=str(response.get("ts") or ""))

def _failure(e: SlackApiError) -> _Answer:
    # A body that was not JSON leaves an aiohttp response here rather than a SlackResponse.
    response = e.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    data = getattr(response, "data", None)
    error = str(data.get("error") or "") if isinstance(data, dict) else ""
    if status == 429 or error == "ratelimited":
        headers = getattr(response, "headers", None) or {}
        return _Answer("ratelimited", retry_after=_seconds(headers.get("Retry-After")))
    if isinstance(status, int) and status >= 500:
        return _Answer(f"http {status} {error}".strip())  # transient whatever the body says
    return _Answer(error or f"http {status}")


def _seconds(value: object) -> float:
    try:
        return max(float(str(value)), 0.0)
    except ValueError:
        return 1.0  # Slack always sends one with a 429; a second is its usual window
