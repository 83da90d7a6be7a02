"""How a reply reaches the person who asked, the way Slack allows in each place.

- In the DM with the bot: an ordinary message (it stays, its buttons keep working).
- In a channel: personal replies are ephemeral (only the caller sees them); a reply the
  core marks public (a group post) goes to the channel for everyone.
- A button under a message updates that message in place: `chat.update` for an
  ordinary message, its `response_url` for an ephemeral one (chat.update cannot edit
  those; a response_url takes 5 posts in 30 minutes, one is used).
- Files go with files_upload_v2 to the member's DM (`export`), or to the channel when
  the reply is public there (the full leaderboard); where the bot may not post files,
  to the DM.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.render import render, uploads
from bot.domain import Identity
from bot.replies import Reply, Visibility

log = logging.getLogger(__name__)


def ack_payload(reply: Reply) -> dict[str, Any]:
    """A slash command's answer in its ack (or through its response_url)."""
    public = reply.visibility is Visibility.PUBLIC
    return {"response_type": "in_channel" if public else "ephemeral", **render(reply)}


class Answers:
    def __init__(
        self, client: AsyncWebClient, dms: Any, known: dict[Identity, str] | None = None
    ) -> None:
        self._client = client
        self._dms = dms  # adapters.slack.delivery.DmChannels
        self._known = {} if known is None else known  # DM channels stored by this process

    def using(self, client: AsyncWebClient) -> Answers:
        """The same answers with another client: a request's, with its workspace's token
        (the DM channels this process knows are shared; they are keyed by identity)."""
        return Answers(client, self._dms, self._known)

    async def remember_dm(self, identity: Identity, channel: str) -> None:
        """A DM arrived: keep its channel id for nudges (written once per process)."""
        if self._known.get(identity) == channel:
            return
        if await self._dms.get(identity) != channel:
            await self._dms.set(identity, channel)
        self._known[identity] = channel

    async def in_dm(self, channel: str, reply: Reply) -> None:
        await self._client.chat_postMessage(channel=channel, **render(reply))

    async def in_channel(
        self, channel: str, user: str, reply: Reply, thread_ts: str | None = None
    ) -> None:
        """In the thread it was asked in, when it was asked in one."""
        where: dict[str, Any] = {"channel": channel, **render(reply)}
        if thread_ts:
            where["thread_ts"] = thread_ts
        if reply.visibility is Visibility.PUBLIC:
            await self._client.chat_postMessage(**where)
        else:
            await self._client.chat_postEphemeral(user=user, **where)

    async def to_member(self, identity: Identity, reply: Reply) -> str:
        """In the member's DM, wherever they are; the DM channel id."""
        channel = await self.dm_channel(identity)
        await self.in_dm(channel, reply)
        return channel

    async def replace(
        self, container: dict[str, Any], response_url: str | None, reply: Reply
    ) -> None:
        """The message under a pressed button becomes the answer."""
        payload = render(reply)
        if container.get("is_ephemeral") and response_url:
            hook = AsyncWebhookClient(response_url, timeout=self._client.timeout)
            await hook.send_dict({"replace_original": True, **payload})
            return
        await self._client.chat_update(
            channel=container["channel_id"], ts=container["message_ts"], **payload
        )

    async def dm_channel(self, identity: Identity) -> str:
        channel: str | None = self._known.get(identity) or await self._dms.get(identity)
        if channel is None:
            opened = await self._client.conversations_open(users=identity.user_id)
            channel = str(opened["channel"]["id"])
            await self._dms.set(identity, channel)
        self._known[identity] = channel
        return channel

    async def files(self, identity: Identity, reply: Reply, channel: str | None = None) -> None:
        """The reply's files: beside a public reply in `channel`, else in the member's DM."""
        if not reply.files:
            return
        files = uploads(reply.files)
        if reply.visibility is Visibility.PUBLIC and channel and not channel.startswith("D"):
            try:
                await self._client.files_upload_v2(channel=channel, file_uploads=files)
                return
            except SlackApiError as e:  # not in the channel, say: the asker still gets it
                error = e.response.get("error")
                log.info("upload to %s refused (%s): sent as a DM", channel, error)
        try:
            await self._client.files_upload_v2(
                channel=await self.dm_channel(identity), file_uploads=files
            )
        except SlackApiError as e:
            log.warning("file upload failed for %s: %s", identity, e.response.get("error"))
