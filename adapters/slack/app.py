"""The Slack app: slack-bolt's AsyncApp on the shared core, in Socket Mode or HTTP mode.

One language everywhere: `/next <text>`, a DM to the bot and a mention of it all reach
`Core.handle_text`. Slack wants an ack within 3 s: a slash command is answered in its ack
when the core is quicker than ACK_BUDGET_S, else acked at once and answered through its
response_url (the ack never waits on a busy database); events are acked by bolt before
our listener runs; buttons and modals are
acked first. An event is claimed in the database (adapters.slack.inbound.Claims) before
anything is done with it, so a redelivery, to this process or another, is acted on once;
a delivery is never dropped just because it says it is a retry (the first may be lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import forms
from adapters.slack.answer import Answers, ack_payload
from adapters.slack.delivery import DmChannels, SlackDelivery
from adapters.slack.home import home_view
from adapters.slack.inbound import (
    PLATFORM,
    Claims,
    Profile,
    Profiles,
    caller,
    event_key,
    mentioned,
    profile_of,
    readable,
    team_of,
    where,
)
from adapters.slack.render import OPEN_FORM, OPEN_SETTINGS, RUN_ACTION
from bot import messages as msg
from bot.commands import REGISTRY, Invocation
from bot.context import Caller, Where
from bot.core import Core
from bot.domain import Identity
from bot.nudges.model import ChannelTarget
from bot.replies import Reply

log = logging.getLogger(__name__)

# Answer in the ack only when the core is this quick (a warm command takes a few ms);
# otherwise ack at once and answer through response_url: under a burst a held ack queues
# behind the core, and Slack's clock (3 s) starts before ours.
ACK_BUDGET_S = 0.05
HOME_EVERY_S = 5.0  # an App Home is published at most this often per member
SHORTCUT = "log_conversation"  # the global shortcut's callback id (deploy/ manifest)


@dataclass(frozen=True, slots=True)
class SlackConfig:
    bot_token: str
    app_token: str | None = None
    signing_secret: str | None = None
    mode: Literal["socket", "http"] = "socket"
    http_host: str = "0.0.0.0"
    http_port: int = 3000
    api_url: str = "https://slack.com/api/"
    ping_interval_s: float = 10.0


def web_client(config: SlackConfig) -> AsyncWebClient:
    """The Web API client for answers: one 429 is retried after its Retry-After (the
    nudges' client, adapters.slack.delivery.delivery_client, never retries itself)."""
    handlers: list[AsyncRetryHandler] = [AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
    return AsyncWebClient(
        token=config.bot_token, base_url=config.api_url, retry_handlers=handlers, timeout=10
    )


class SlackBot:
    def __init__(
        self,
        core: Core,
        config: SlackConfig,
        claims: Claims,
        dms: DmChannels,
        delivery: SlackDelivery | None = None,
    ) -> None:
        self.core = core
        self.config = config
        self.claims = claims
        self.delivery = delivery
        self.client = web_client(config)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=config.signing_secret or "socket-mode-signs-nothing",
            request_verification_enabled=config.mode == "http",
        )
        self.answers = Answers(self.client, dms)
        self.profiles = Profiles()
        self.bot_user_id: str | None = None
        self.team_id: str | None = None
        self.home_every_s = HOME_EVERY_S
        self._home_seen: dict[str, float] = {}  # user -> when their Home was last published
        self._home_due: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._listen()

    # -- wiring ---------------------------------------------------------------------
    def _listen(self) -> None:
        app, t = self.app, self._tracked
        app.command("/next")(t(self._on_command))
        app.event("message")(t(self._on_message))
        app.event("app_mention")(t(self._on_mention))
        app.event("app_home_opened")(t(self._on_home_opened))
        app.event("user_change")(t(self._on_user_change))
        app.action(RUN_ACTION)(t(self._on_run))
        app.action(OPEN_FORM)(t(self._on_open_form))
        app.action(OPEN_SETTINGS)(t(self._on_open_settings))
        app.shortcut(SHORTCUT)(t(self._on_shortcut))
        app.view(forms.LOG_CALLBACK)(t(self._on_log_submitted))
        app.view(forms.SETTINGS_CALLBACK)(t(self._on_settings_submitted))
        app.error(self._on_error)

    def _tracked(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """Count the work in flight, so close() lets it finish. functools.wraps keeps the
        listener's signature: bolt passes arguments by the names it declares."""

        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            self._busy += 1
            self._idle.clear()
            try:
                await listener(**kwargs)
            finally:
                self._busy -= 1
                if not self._busy:
                    self._idle.set()

        return run

    async def identify(self) -> None:
        """Who the bot is and which workspace it serves (auth.test)."""
        auth = await self.client.auth_test()
        self.bot_user_id, self.team_id = str(auth["user_id"]), str(auth["team_id"])

    # -- running the core ---------------------------------------------------------------
    async def _profile(self, user: str) -> Profile:
        profile = self.profiles.get(user)
        if profile is None:
            try:
                info = await self.client.users_info(user=user)
                profile = profile_of(info["user"])
            except Exception:  # a name and zone are nice to have, never worth a failure
                log.warning("users.info failed for %s", user, exc_info=True)
                profile = Profile(user, None)
            self.profiles.put(user, profile)
        return profile

    async def _caller(self, team: str, user: str) -> Caller:
        return caller(team, user, await self._profile(user))

    async def _read(self, text: str) -> str:
        """What was typed, with `<@U123>` read as that person's name: "met @Jane" is a
        contact called Jane, not U123."""
        ids = mentioned(text) - {self.bot_user_id or ""}
        names = {user: (await self._profile(user)).name for user in ids}
        return readable(text, self.bot_user_id, names)

    async def run(self, team: str, user: str, at: Where, said: str | Invocation) -> Reply:
        """Text in the command language, or an invocation a form built."""
        if self.delivery is not None:
            self.delivery.resume(team)  # a request came in: the workspace's token works
        who = await self._caller(team, user)
        if isinstance(said, Invocation):
            reply = await self.core.handle(who, at, said)
        else:
            reply = await self.core.handle_text(who, at, said)
        self._home_after_command(team, user)
        return reply

    # -- slash command, DM, mention -------------------------------------------------------
    async def _on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        team, user = team_of(body), str(body["user_id"])
        text = await self._read(body.get("text") or "") or "next"
        if text.lower() == "log":  # the command with nothing after it: the form
            await ack()
            try:
                await self.client.views_open(
                    trigger_id=body["trigger_id"], view=forms.log_modal(body.get("channel_id", ""))
                )
            except SlackApiError:  # the trigger expired: the sentence works as well
                spec = REGISTRY["log"]
                await respond(**ack_payload(msg.error(msg.FORM_UNAVAILABLE, spec.example)))
            return
        at = where(team, body.get("channel_id"), body.get("channel_name"))
        work = asyncio.ensure_future(self.run(team, user, at, text))
        try:
            reply = await asyncio.wait_for(asyncio.shield(work), ACK_BUDGET_S)
        except TimeoutError:
            await ack()
            reply = await work
            await respond(**ack_payload(reply))
        else:
            await ack(**ack_payload(reply))
        await self.answers.files(who_of(team, user), reply, body.get("channel_id"))

    async def _claimed(self, body: dict[str, Any]) -> bool:
        event_id = body.get("event_id")
        if not event_id:
            return True
        return await self.claims.claim(event_key(team_of(body), str(event_id)))

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, joins and bots' messages are not said to the buddy
        if not await self._claimed(body):
            return
        team, user, channel = team_of(body), str(event["user"]), str(event["channel"])
        text = await self._read(event.get("text") or "")
        if not text:
            return
        reply = await self.run(team, user, where(team, channel), text)
        await self.answers.in_dm(channel, reply)
        await self.answers.remember_dm(who_of(team, user), channel)
        await self.answers.files(who_of(team, user), reply)

    async def _on_mention(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("bot_id") or not await self._claimed(body):
            return
        team, user, channel = team_of(body), str(event["user"]), str(event["channel"])
        text = await self._read(event.get("text") or "") or "next"
        reply = await self.run(team, user, where(team, channel), text)
        await self.answers.in_channel(channel, user, reply, event.get("thread_ts"))
        await self.answers.files(who_of(team, user), reply, channel)

    # -- buttons ------------------------------------------------------------------------
    async def _on_run(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        team, user = team_of(body), str(body["user"]["id"])
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        reply = await self.run(team, user, where(team, channel), str(action.get("value", "")))
        if container.get("type") == "view":  # App Home: the answer comes as a DM
            await self.answers.to_member(who_of(team, user), reply)
        elif channel and not str(channel).startswith("D") and not container.get("is_ephemeral"):
            await self.answers.in_channel(str(channel), user, reply)  # a group post's button
        else:
            await self.answers.replace(container, body.get("response_url"), reply)
        await self.answers.files(who_of(team, user), reply, channel)

    async def _on_open_form(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()  # then the modal, within the trigger's 3 seconds
        channel = (body.get("container") or {}).get("channel_id") or ""
        await self.client.views_open(trigger_id=body["trigger_id"], view=forms.log_modal(channel))

    async def _on_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await self.client.views_open(trigger_id=body["trigger_id"], view=forms.log_modal(""))

    async def _on_open_settings(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        # Open it first (the trigger lives 3 s), fill it with the member's settings after.
        opened = await self.client.views_open(
            trigger_id=body["trigger_id"], view=forms.settings_modal(None)
        )
        team, user = team_of(body), str(body["user"]["id"])
        member = await self.core.member_of(who_of(team, user))
        if member is not None:
            await self.client.views_update(
                view_id=opened["view"]["id"], view=forms.settings_modal(member)
            )

    # -- modals -------------------------------------------------------------------------
    async def _on_log_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = team_of(body), str(body["user"]["id"])
        values = forms.read_values(view)
        member = await self.core.member_of(who_of(team, user))
        zone = ZoneInfo(member.timezone if member else "UTC")
        errors = forms.validate_log(values, zone, now=self.core.clock.now())
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        # The fields as typed, not re-read as a sentence ("Sunday Adelaja" is a name).
        reply = await self.run(team, user, where(team, None), forms.log_invocation(values))
        await self.answers.to_member(who_of(team, user), reply)

    async def _on_settings_submitted(
        self, ack: Any, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        values = forms.read_values(view)
        errors = forms.validate_settings(values)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        team, user = team_of(body), str(body["user"]["id"])
        member = await self.core.member_of(who_of(team, user))
        replies = [
            await self.run(team, user, where(team, None), command)
            for command in forms.settings_commands(values, member=member)
        ]
        if not replies:
            replies = [await self.run(team, user, where(team, None), "settings")]
        await self.answers.to_member(who_of(team, user), together(replies))

    # -- App Home and profile changes -------------------------------------------------------
    async def _on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        team, user = team_of(body), str(event["user"])
        who = await self._caller(team, user)
        new = await self.core.dashboard(who, where(team, None)) is None
        if new:  # they become a member; the Home tab welcomes them, once
            await self.core.handle_text(who, where(team, None), "next")
        await self._publish_home(team, user, welcome=new)

    async def _publish_home(self, team: str, user: str, welcome: bool = False) -> None:
        dashboard = await self.core.dashboard(await self._caller(team, user), where(team, None))
        if dashboard is None:  # forgotten since: nothing to show, nothing to create
            self._home_seen.pop(user, None)
            return
        self._home_seen[user] = time.monotonic()
        await self.client.views_publish(user_id=user, view=home_view(dashboard, welcome=welcome))

    def _home_after_command(self, team: str, user: str) -> None:
        """Refresh an opened Home after the member's command, at most every HOME_EVERY_S:
        a burst of commands ends in one publish that shows the last of them."""
        if user not in self._home_seen or user in self._home_due:
            return
        self._home_due.add(user)

        async def later() -> None:
            try:
                wait = self._home_seen.get(user, 0.0) + self.home_every_s - time.monotonic()
                await asyncio.sleep(max(0.0, wait))
                self._home_due.discard(user)  # a command from now on plans the next one
                await self._publish_home(team, user)
            except Exception:
                log.warning("App Home refresh failed for %s", user, exc_info=True)
            finally:
                self._home_due.discard(user)

        self._spawn(later())

    async def _on_user_change(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        user = event.get("user") or {}
        if not user.get("id"):
            return
        profile = profile_of(user)
        known = self.profiles.get(str(user["id"]))
        self.profiles.put(str(user["id"]), profile)
        if known is not None and known.timezone == profile.timezone:
            return  # a status or name change: nothing the core keeps
        team = str(user.get("team_id") or team_of(body))
        await self.core.follow_platform_timezone(who_of(team, str(user["id"])), profile.timezone)

    async def channel_lost(self, target: ChannelTarget, error: str) -> None:
        """A group post found its channel gone (the delivery says so once a channel):
        its admins hear it in their DMs."""
        try:
            notices = await self.core.channel_lost(PLATFORM, target.tenant, target.channel_id)
            for identity, reply in notices:
                await self.answers.to_member(identity, reply)
        except Exception:
            log.warning("could not tell the admins of %s (%s)", target, error, exc_info=True)

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed: %s", error, exc_info=error)

    def _spawn(self, job: Any) -> None:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self, drain_s: float = 5.0) -> None:
        """Let requests in flight finish (bounded), then stop the background work."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), drain_s)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def together(replies: list[Reply]) -> Reply:
    """Several settings saved from one form, said in one message; a refusal comes first,
    with its example, so it is never hidden behind what did save."""
    refused = [r for r in replies if r.is_error]
    if refused:
        return refused[0]
    lines = tuple(x for r in replies for x in ((r.title,) if r.title else ()) + r.body)
    return Reply(body=lines, next_step=replies[-1].next_step)


def who_of(team: str, user: str) -> Identity:
    return Identity(PLATFORM, team, user)
