"""Which bot token speaks for which workspace.

One workspace (SLACK_BOT_TOKEN): `OneWorkspace`, the same client for every team. Many
workspaces (OAuth): `InstalledWorkspaces` reads each team's installation from the
database, refreshes a rotating token before it expires (oauth.v2.access with
grant_type=refresh_token), and answers None for a team that is not installed or has
uninstalled the app. Incoming requests are authorised the same way (`WorkspaceAuthorize`,
bolt's authorize step), so a request and a nudge of one team always use that team's token.

A refresh token works once. The process that wins storage's compare-and-set claim spends
it; another one meanwhile keeps using the current token while it is still valid, or waits
for the winner's new one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Protocol

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.installed import InstallationRows, Installed
from bot.ports import Clock

log = logging.getLogger(__name__)

REFRESH_WITHIN = timedelta(hours=2)  # Slack's rotating tokens live 12 hours (bolt's default)
CLAIM_HOLD = timedelta(seconds=30)  # a crashed refresher's claim lapses after this
WAIT_STEP_S = 0.1
WAIT_STEPS = 50  # how long another process's refresh is waited for (5 s)


class OAuthWebClient(AsyncWebClient):
    """oauth.v2.access with the app's credentials in the form body, which Slack accepts
    as well as HTTP Basic: slack_sdk builds Basic through aiohttp's deprecated BasicAuth.
    The OAuth flow's code exchange and our refreshes both come here."""

    async def oauth_v2_access(
        self,
        *,
        client_id: str,
        client_secret: str,
        code: str | None = None,
        redirect_uri: str | None = None,
        grant_type: str | None = None,
        refresh_token: str | None = None,
        **kwargs: Any,
    ) -> AsyncSlackResponse:
        fields = {
            "code": code, "redirect_uri": redirect_uri, "grant_type": grant_type,
            "refresh_token": refresh_token,
        }  # fmt: skip
        data = {"client_id": client_id, "client_secret": client_secret, **kwargs}
        data |= {k: v for k, v in fields.items() if v is not None}
        return await self.api_call("oauth.v2.access", data=data)


class WorkspaceClients(Protocol):
    """The client that posts as the app in one workspace; None when it is not installed."""

    async def client(self, team_id: str) -> AsyncWebClient | None: ...


class OneWorkspace:
    """SLACK_BOT_TOKEN mode: one token, whichever team a message is for."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.one = client

    async def client(self, team_id: str) -> AsyncWebClient | None:
        return self.one


class RefreshFailed(RuntimeError):
    """Slack refused the refresh and the current token has expired."""


class InstalledWorkspaces:
    def __init__(
        self,
        store: InstallationRows,
        clock: Clock,
        client_id: str,
        client_secret: str,
        *,
        api_url: str = AsyncWebClient.BASE_URL,
        timeout: int = 10,
        wait_step_s: float = WAIT_STEP_S,
    ) -> None:
        self._store = store
        self._clock = clock
        self._client_id, self._client_secret = client_id, client_secret
        self._api_url, self._timeout = api_url, timeout
        self._oauth = OAuthWebClient(base_url=api_url, timeout=timeout, retry_handlers=[])
        self._clients: dict[str, AsyncWebClient] = {}  # token -> its client (reused)
        self._wait_step_s = wait_step_s
        self.refreshed = 0  # refreshes this process made (tests and logs)

    async def workspace(self, team_id: str) -> Installed | None:
        """The team's active installation with a token that is good for a while."""
        ws = await self._store.find(team_id) if team_id else None
        if ws is None or not ws.active:
            return None
        if self._expiring(ws):
            return await self._refresh(ws)
        return ws

    async def client(self, team_id: str) -> AsyncWebClient | None:
        ws = await self.workspace(team_id)
        if ws is None or not ws.bot_token:
            return None
        client = self._clients.get(ws.bot_token)
        if client is None:
            # The nudges' kind of client: no retries of its own (the dispatcher paces).
            client = AsyncWebClient(
                token=ws.bot_token, base_url=self._api_url, timeout=self._timeout,
                retry_handlers=[],
            )  # fmt: skip
            self._clients = {t: c for t, c in self._clients.items() if t != ws.bot_token}
            self._clients[ws.bot_token] = client
        return client

    def _expiring(self, ws: Installed) -> bool:
        at = ws.bot_token_expires_at
        if not ws.bot_refresh_token or at is None:
            return False
        return at - self._clock.now() < REFRESH_WITHIN

    def _valid(self, ws: Installed) -> bool:
        at = ws.bot_token_expires_at
        return at is None or at > self._clock.now()

    async def _refresh(self, ws: Installed) -> Installed | None:
        spent = ws.bot_refresh_token
        assert spent is not None
        if not await self._store.claim_refresh(ws.team_id, spent, CLAIM_HOLD):
            return await self._wait_for_other(ws)
        try:
            answer = await self._oauth.oauth_v2_access(
                client_id=self._client_id,
                client_secret=self._client_secret,
                grant_type="refresh_token",
                refresh_token=spent,
            )
            token = str(answer["access_token"])
            expires_at = self._clock.now() + timedelta(seconds=int(answer.get("expires_in") or 0))
            refresh = answer.get("refresh_token")
        except Exception as e:
            await self._store.release_refresh(ws.team_id)
            if self._valid(ws):  # refreshed early: the current token still works
                log.warning("refreshing the token of %s failed: %r", ws.team_id, e)
                return ws
            raise RefreshFailed(f"token of {ws.team_id} expired and refresh failed: {e!r}") from e
        await self._store.save_refreshed(
            ws.team_id, spent, token, str(refresh) if refresh else None, expires_at
        )
        self.refreshed += 1
        log.info("slack token of %s refreshed", ws.team_id)
        return await self._store.find(ws.team_id)

    async def _wait_for_other(self, ws: Installed) -> Installed | None:
        """Another process is refreshing: its new token, or the current one meanwhile."""
        for _ in range(WAIT_STEPS):
            fresh = await self._store.find(ws.team_id)
            if fresh is None or not fresh.active:
                return None
            if fresh.bot_refresh_token != ws.bot_refresh_token or self._valid(fresh):
                return fresh
            await asyncio.sleep(self._wait_step_s)
        raise RefreshFailed(f"the token of {ws.team_id} is being refreshed elsewhere")


class WorkspaceAuthorize(AsyncAuthorize):
    """bolt's authorize step for many workspaces: the team's stored bot token, refreshed
    when it is about to expire; None (bolt then refuses the request) for a team that is
    not installed. No auth.test per request: the install stored who the bot is."""

    def __init__(self, workspaces: InstalledWorkspaces) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._workspaces = workspaces

    async def __call__(
        self,
        *,
        context: Any,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        ws = await self._workspaces.workspace(team_id or "")
        if ws is None:
            log.warning("a request for workspace %s, which has not installed the app", team_id)
            return None
        return AuthorizeResult(
            enterprise_id=ws.enterprise_id,
            team_id=ws.team_id,
            team=ws.team_name,
            bot_user_id=ws.bot_user_id,
            bot_id=ws.bot_id,
            bot_token=ws.bot_token,
            bot_scopes=ws.bot_scopes,
            user_id=user_id,
        )
