"""The Slack app: slack-bolt's AsyncApp on the shared core, in Socket Mode or HTTP mode.

One language everywhere: `/next <text>`, a DM to the bot and a mention of it all reach
`Core.handle_text`. Slack wants an ack within 3 s: a slash command is answered in its ack
when the core is quicker than ACK_BUDGET_S, else acked at once and answered through its
response_url (the ack never waits on a busy database); events are acked by bolt before
our listener runs; buttons and modals are
acked first. An event is claimed in the database (adapters.slack.inbound.Claims) before
anything is done with it, so a redelivery, to this process or another, is acted on once;
a delivery is never dropped just because it says it is a retry (the first may be lost).

Every request is answered with its own workspace's client (bolt's per-request `client`,
authorised with that team's token) and acts on that workspace's data only: with OAuth
(adapters.slack.oauth) the tenant is the team bolt authorised, and a payload whose ids
name another team is refused before any listener runs.
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
from slack_bolt.response import BoltResponse
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
from adapters.slack.oauth import ManyWorkspaces, OAuthConfig
from adapters.slack.render import OPEN_FORM, OPEN_SETTINGS, RUN_ACTION
from adapters.slack.workspaces import OneWorkspace, WorkspaceClients
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
    bot_token: str | None  # None: many workspaces, each with its own token (OAuth)
    app_token: str | None = None
    signing_secret: str | None = None
    mode: Literal["socket", "http"] = "socket"
    http_host: str = "0.0.0.0"
    http_port: int = 3000
    api_url: str = "https://slack.com/api/"
    ping_interval_s: float = 10.0
    oauth: OAuthConfig | None = None  # many workspaces (HTTP mode), instead of bot_token


def web_client(config: SlackConfig) -> AsyncWebClient:
    """The Web API client for answers: one 429 is retried after its Retry-After (the
    nudges' client, adapters.slack.delivery.delivery_client, never retries itself)."""
    handlers: list[AsyncRetryHandler] = [AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
    return AsyncWebClient(
        token=config.bot_token, base_url=config.api_url, retry_handlers=handlers, timeout=10
    )


@dataclass(frozen=True, slots=True)
class Here:
    """The workspace a request came from, and its client (that workspace's token)."""

    team: str
    client: AsyncWebClient
    answers: Answers
    bot_user_id: str | None


class SlackBot:
    def __init__(
        self,
        core: Core,
        config: SlackConfig,
        claims: Claims,
        dms: DmChannels,
        delivery: SlackDelivery | None = None,
        many: ManyWorkspaces | None = None,
    ) -> None:
        self.core = core
        self.config = config
        self.claims = claims
        self.delivery = delivery
        self.many = many
        self.client = web_client(config)
        secret = config.signing_secret or "socket-mode-signs-nothing"
        verify = config.mode == "http"
        self.workspaces: WorkspaceClients
        if many is None:
            self.app = AsyncApp(
                client=self.client, signing_secret=secret, request_verification_enabled=verify
            )
            self.workspaces = OneWorkspace(self.client)
        else:
            self.app = AsyncApp(
                client=self.client,
                signing_secret=secret,
                request_verification_enabled=verify,
                oauth_flow=many.flow,
                authorize=many.authorize,  # type: ignore[arg-type]  # bolt takes AsyncAuthorize too
                user_facing_authorize_error_message=msg.SLACK_NOT_INSTALLED,
            )
            self.workspaces = many.workspaces
        self.answers = Answers(self.client, dms)
        self.profiles = Profiles()
        self.bot_user_id: str | None = None
        self.team_id: str | None = None
        self.home_every_s = HOME_EVERY_S
        # (team, user) -> when their Home was last published
        self._home_seen: dict[tuple[str, str], float] = {}
        self._home_due: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._listen()

    # -- wiring ---------------------------------------------------------------------
    def _listen(self) -> None:
        app, t = self.app, self._tracked
        app.use(self._one_workspace)
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
        if self.many is not None:
            app.event("app_uninstalled")(t(self._on_uninstalled))
            app.event("tokens_revoked")(t(self._on_tokens_revoked))
        app.error(self._on_error)

    async def _one_workspace(self, context: Any, body: dict[str, Any], next: Any) -> Any:
        """The tenant of this request. With many workspaces it is the team bolt found an
        installation for (whose token the request's client carries); a payload whose own
        team id says otherwise is refused, so no id in it reaches another team's data."""
        claimed = team_of(body)
        if self.many is None:
            context["tenant"] = claimed
            return await next()
        authorised = str(context.team_id or "")
        if not authorised or (claimed and claimed != authorised):
            log.warning("refused a request for team %s claiming team %s", authorised, claimed)
            return BoltResponse(status=200, body="")
        context["tenant"] = authorised
        return await next()

    def _here(self, context: Any) -> Here:
        client = context.client or self.client
        bot_user = context.bot_user_id or self.bot_user_id
        return Here(str(context["tenant"]), client, self.answers.using(client), bot_user)
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
        """Who the bot is and which workspace it serves (auth.test). With many workspaces
        each request's authorisation says so instead."""
        if self.many is not None:
            return
        auth = await self.client.auth_test()
        self.bot_user_id, self.team_id = str(auth["user_id"]), str(auth["team_id"])

    # -- running the core ---------------------------------------------------------------
    async def _profile(self, here: Here, user: str) -> Profile:
        key = f"{here.team}:{user}"  # a user id is only known within its workspace
        profile = self.profiles.get(key)
        if profile is None:
            try:
                info = await here.client.users_info(user=user)
                profile = profile_of(info["user"])
            except Exception:  # a name and zone are nice to have, never worth a failure
                log.warning("users.info failed for %s", user, exc_info=True)
                profile = Profile(user, None)
            self.profiles.put(key, profile)
        return profile

    async def _caller(self, here: Here, user: str) -> Caller:
        return caller(here.team, user, await self._profile(here, user))

    async def _read(self, here: Here, text: str) -> str:
        """What was typed, with `<@U123>` read as that person's name: "met @Jane" is a
        contact called Jane, not U123."""
        ids = mentioned(text) - {here.bot_user_id or ""}
        names = {user: (await self._profile(here, user)).name for user in ids}
        return readable(text, here.bot_user_id, names)

    async def run(self, here: Here, user: str, at: Where, said: str | Invocation) -> Reply:
        """Text in the command language, or an invocation a form built."""
        if self.delivery is not None:
            self.delivery.resume(here.team)  # a request came in: the workspace's token works
        who = await self._caller(here, user)
        if isinstance(said, Invocation):
            reply = await self.core.handle(who, at, said)
        else:
            reply = await self.core.handle_text(who, at, said)
        self._home_after_command(here, user)
        return reply

    # -- slash command, DM, mention -------------------------------------------------------
    async def _on_command(
        self, context: Any, ack: Any, body: dict[str, Any], respond: Any
    ) -> None:
        here = self._here(context)
        team, user = here.team, str(body["user_id"])
        text = await self._read(here, body.get("text") or "") or "next"
        if text.lower() == "log":  # the command with nothing after it: the form
            await ack()
            try:
                await here.client.views_open(
                    trigger_id=body["trigger_id"], view=forms.log_modal(body.get("channel_id", ""))
                )
            except SlackApiError:  # the trigger expired: the sentence works as well
                spec = REGISTRY["log"]
                await respond(**ack_payload(msg.error(msg.FORM_UNAVAILABLE, spec.example)))
            return
        at = where(team, body.get("channel_id"), body.get("channel_name"))
        work = asyncio.ensure_future(self.run(here, user, at, text))
        try:
            reply = await asyncio.wait_for(asyncio.shield(work), ACK_BUDGET_S)
        except TimeoutError:
            await ack()
            reply = await work
            await respond(**ack_payload(reply))
        else:
            await ack(**ack_payload(reply))
        await here.answers.files(who_of(team, user), reply, body.get("channel_id"))

    async def _claimed(self, context: Any, body: dict[str, Any]) -> bool:
        event_id = body.get("event_id")
        if not event_id:
            return True
        return await self.claims.claim(event_key(str(context["tenant"]), str(event_id)))

    async def _on_message(
        self, context: Any, event: dict[str, Any], body: dict[str, Any]
    ) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, joins and bots' messages are not said to the buddy
        if not await self._claimed(context, body):
            return
        here = self._here(context)
        team, user, channel = here.team, str(event["user"]), str(event["channel"])
        text = await self._read(here, event.get("text") or "")
        if not text:
            return
        reply = await self.run(here, user, where(team, channel), text)
        await here.answers.in_dm(channel, reply)
        await here.answers.remember_dm(who_of(team, user), channel)
        await here.answers.files(who_of(team, user), reply)

    async def _on_mention(
        self, context: Any, event: dict[str, Any], body: dict[str, Any]
    ) -> None:
        if event.get("bot_id") or not await self._claimed(context, body):
            return
        here = self._here(context)
        team, user, channel = here.team, str(event["user"]), str(event["channel"])
        text = await self._read(here, event.get("text") or "") or "next"
        reply = await self.run(here, user, where(team, channel), text)
        await here.answers.in_channel(channel, user, reply, event.get("thread_ts"))
        await here.answers.files(who_of(team, user), reply, channel)

    # -- buttons ------------------------------------------------------------------------
    async def _on_run(
        self, context: Any, ack: Any, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        here = self._here(context)
        team, user = here.team, str(body["user"]["id"])
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        reply = await self.run(here, user, where(team, channel), str(action.get("value", "")))
        if container.get("type") == "view":  # App Home: the answer comes as a DM
            await here.answers.to_member(who_of(team, user), reply)
        elif channel and not str(channel).startswith("D") and not container.get("is_ephemeral"):
            await here.answers.in_channel(str(channel), user, reply)  # a group post's button
        else:
            await here.answers.replace(container, body.get("response_url"), reply)
        await here.answers.files(who_of(team, user), reply, channel)

    async def _on_open_form(self, context: Any, ack: Any, body: dict[str, Any]) -> None:
        await ack()  # then the modal, within the trigger's 3 seconds
        here = self._here(context)
        channel = (body.get("container") or {}).get("channel_id") or ""
        await here.client.views_open(trigger_id=body["trigger_id"], view=forms.log_modal(channel))

    async def _on_shortcut(self, context: Any, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        here = self._here(context)
        await here.client.views_open(trigger_id=body["trigger_id"], view=forms.log_modal(""))

    async def _on_open_settings(self, context: Any, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        here = self._here(context)
        # Open it first (the trigger lives 3 s), fill it with the member's settings after.
        opened = await here.client.views_open(
            trigger_id=body["trigger_id"], view=forms.settings_modal(None)
        )
        team, user = here.team, str(body["user"]["id"])
        member = await self.core.member_of(who_of(team, user))
        if member is not None:
            await here.client.views_update(
                view_id=opened["view"]["id"], view=forms.settings_modal(member)
            )

    # -- modals -------------------------------------------------------------------------
    async def _on_log_submitted(
        self, context: Any, ack: Any, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        here = self._here(context)
        team, user = here.team, str(body["user"]["id"])
        values = forms.read_values(view)
        member = await self.core.member_of(who_of(team, user))
        zone = ZoneInfo(member.timezone if member else "UTC")
        errors = forms.validate_log(values, zone, now=self.core.clock.now())
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        # The fields as typed, not re-read as a sentence ("Sunday Adelaja" is a name).
        reply = await self.run(here, user, where(team, None), forms.log_invocation(values))
        await here.answers.to_member(who_of(team, user), reply)

    async def _on_settings_submitted(
        self, context: Any, ack: Any, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        values = forms.read_values(view)
        errors = forms.validate_settings(values)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        here = self._here(context)
        team, user = here.team, str(body["user"]["id"])
        member = await self.core.member_of(who_of(team, user))
        replies = [
            await self.run(here, user, where(team, None), command)
            for command in forms.settings_commands(values, member=member)
        ]
        if not replies:
            replies = [await self.run(here, user, where(team, None), "settings")]
        await here.answers.to_member(who_of(team, user), together(replies))

    # -- App Home and profile changes -------------------------------------------------------
    async def _on_home_opened(
        self, context: Any, event: dict[str, Any], body: dict[str, Any]
    ) -> None:
        if event.get("tab") != "home":
            return
        here = self._here(context)
        team, user = here.team, str(event["user"])
        who = await self._caller(here, user)
        new = await self.core.dashboard(who, where(team, None)) is None
        if new:  # they become a member; the Home tab welcomes them, once
            await self.core.handle_text(who, where(team, None), "next")
        await self._publish_home(here, user, welcome=new)

    async def _publish_home(self, here: Here, user: str, welcome: bool = False) -> None:
        at = where(here.team, None)
        dashboard = await self.core.dashboard(await self._caller(here, user), at)
        key = (here.team, user)
        if dashboard is None:  # forgotten since: nothing to show, nothing to create
            self._home_seen.pop(key, None)
            return
        self._home_seen[key] = time.monotonic()
        await here.client.views_publish(user_id=user, view=home_view(dashboard, welcome=welcome))

    def _home_after_command(self, here: Here, user: str) -> None:
        """Refresh an opened Home after the member's command, at most every HOME_EVERY_S:
        a burst of commands ends in one publish that shows the last of them."""
        key = (here.team, user)
        if key not in self._home_seen or key in self._home_due:
            return
        self._home_due.add(key)

        async def later() -> None:
            try:
                wait = self._home_seen.get(key, 0.0) + self.home_every_s - time.monotonic()
                await asyncio.sleep(max(0.0, wait))
                self._home_due.discard(key)  # a command from now on plans the next one
                await self._publish_home(here, user)
            except Exception:
                log.warning("App Home refresh failed for %s", user, exc_info=True)
            finally:
                self._home_due.discard(key)

        self._spawn(later())

    async def _on_user_change(
        self, context: Any, event: dict[str, Any], body: dict[str, Any]
    ) -> None:
        user = event.get("user") or {}
        if not user.get("id"):
            return
        team = str(context["tenant"])  # with many workspaces: the one authorised
        if self.many is None:
            team = str(user.get("team_id") or team)
        key = f"{team}:{user['id']}"
        profile = profile_of(user)
        known = self.profiles.get(key)
        self.profiles.put(key, profile)
        if known is not None and known.timezone == profile.timezone:
            return  # a status or name change: nothing the core keeps
        await self.core.follow_platform_timezone(who_of(team, str(user["id"])), profile.timezone)

    # -- many workspaces: an uninstall ----------------------------------------------------
    async def _on_uninstalled(self, context: Any) -> None:
        await self._gone(str(context["tenant"]), "uninstalled the app")

    async def _on_tokens_revoked(self, context: Any, event: dict[str, Any]) -> None:
        if (event.get("tokens") or {}).get("bot"):  # a user's token alone changes nothing
            await self._gone(str(context["tenant"]), "revoked the bot token")

    async def _gone(self, team: str, why: str) -> None:
        """Its nudges are skipped from now on; its data waits RETENTION for a reinstall."""
        assert self.many is not None
        if await self.many.deactivate(team):
            log.info("slack workspace %s %s: marked inactive", team, why)

    async def channel_lost(self, target: ChannelTarget, error: str) -> None:
        """A group post found its channel gone (the delivery says so once a channel):
        its admins hear it in their DMs."""
        try:
            client = await self.workspaces.client(target.tenant)
            if client is None:
                return  # uninstalled meanwhile: nobody to tell there
            answers = self.answers.using(client)
            notices = await self.core.channel_lost(PLATFORM, target.tenant, target.channel_id)
            for identity, reply in notices:
                await answers.to_member(identity, reply)
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
