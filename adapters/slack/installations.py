"""slack_sdk's installation and OAuth state stores on the project's own database.

Bolt's OAuth flow saves each workspace's installation through `SqlInstallationStore`
and checks the install page's `state` through `SqlStateStore`; both are thin
translations onto storage.slack_installations, which knows nothing of slack_sdk. Only
bot installations are kept (the app asks for no user scopes), one per team; org-wide
(Enterprise Grid) installs are not supported.
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import timedelta

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from adapters.slack.installed import InstallationRows, OAuthStates
from bot.ports import Clock

log = logging.getLogger(__name__)


class SqlInstallationStore(AsyncInstallationStore):
    def __init__(self, store: InstallationRows, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        if not installation.team_id or not installation.bot_token:
            raise ValueError("only workspace installs with a bot token are supported")
        expires_at = None
        if installation.bot_token_expires_at is not None:
            # slack_sdk stamps both from the wall clock when it builds the Installation,
            # expires_at first and cut to whole seconds: the difference, rounded up, is
            # the token's lifetime (expires_in), counted here on our clock.
            lifetime = math.ceil(installation.bot_token_expires_at - installation.installed_at)
            expires_at = self._clock.now() + timedelta(seconds=max(lifetime, 0))
        await self._store.save(
            installation.team_id,
            bot_token=installation.bot_token,
            bot_scopes=",".join(installation.bot_scopes or ()),
            bot_id=installation.bot_id,
            bot_user_id=installation.bot_user_id,
            app_id=installation.app_id,
            team_name=installation.team_name,
            enterprise_id=installation.enterprise_id,
            installer_user_id=installation.user_id,
            bot_refresh_token=installation.bot_refresh_token,
            bot_token_expires_at=expires_at,
        )
        log.info("slack workspace %s installed the app", installation.team_id)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        ws = await self._store.find(team_id or "")
        if ws is None or not ws.active or not ws.bot_token:
            return None
        return Bot(
            app_id=ws.app_id,
            enterprise_id=ws.enterprise_id,
            team_id=ws.team_id,
            team_name=ws.team_name,
            bot_token=ws.bot_token,
            bot_id=ws.bot_id or "",
            bot_user_id=ws.bot_user_id or "",
            bot_scopes=ws.bot_scopes,
            bot_refresh_token=ws.bot_refresh_token,
            bot_token_expires_at=(
                int(ws.bot_token_expires_at.timestamp()) if ws.bot_token_expires_at else None
            ),
            installed_at=(ws.installed_at or self._clock.now()).timestamp(),
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.deactivate(team_id or "")

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:  # the workspace's installation, not one user's token
            await self._store.deactivate(team_id or "")


class SqlStateStore(AsyncOAuthStateStore):
    """One random state per visit to the install page, good once for `lifetime`."""

    def __init__(self, states: OAuthStates, lifetime: timedelta) -> None:
        self._states = states
        self._lifetime = lifetime

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(24)
        await self._states.issue(state, self._lifetime)
        return state

    async def async_consume(self, state: str) -> bool:
        return await self._states.consume(state)
